"""The JSON API under /api/v1/: one NinjaAPI, token or session authentication, and errors
that always name the field and the reason.

Every app adds its router here; routers load tenant rows through the same access helpers
and permission rules as the pages.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from .core import account_events, audit
from .core.api import ErrorDetail, ErrorRead
from .core.services import live_api_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer shub_…` with a personal API token."""

    def authenticate(self, request, token: str):
        api_token = live_api_token(token, client_address=account_events.address_of(request))
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token  # api_organization checks it against 2FA rules
        audit.set_actor(api_token.user)
        return api_token.user




# The answers every operation may give besides its own, in the shape of `error_body`:
# documented once here rather than on each route, so no route can forget them.
ERRORS = {
    400: "The body cannot be parsed (not JSON, or not the documented media type).",
    401: "Not signed in: no session and no valid API token.",
    403: "Your role in this organization does not allow this, or the organization requires "
         "a second factor.",
    404: "No such organization, or no such record in it (the same answer for both).",
    422: "The input is not valid: each problem names the field and the reason.",
}


class SafetyHubAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorDetail, ErrorRead):
            components[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}")
            components[model.__name__].pop("$defs", None)
        reference = {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ErrorRead"}}}}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                codes = [401]
                if "{slug}" in path:
                    codes.append(403)
                if "{" in path:
                    codes.append(404)
                if operation.get("parameters") or operation.get("requestBody"):
                    codes.append(422)
                if operation.get("requestBody"):
                    codes.append(400)
                responses = operation.setdefault("responses", {})
                for code in codes:
                    responses.setdefault(code, {"description": ERRORS[code], **reference})
        return schema


api = SafetyHubAPI(
    title="SafetyHub API",
    version="1",
    description="The same data and permission rules as the SafetyHub pages. Authenticate "
    "with `Authorization: Bearer <token>`; tokens are made on your account page.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


def error_body(field: str, reason: str) -> dict:
    return {"detail": [{"field": field, "reason": reason}]}


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())
               if part not in ("body", "payload", "query", "path", "filters")]
        errors.append({"field": ".".join(loc) or "body", "reason": error.get("msg", "invalid")})
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def on_service_error(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "reason": reason}
            for field, reasons in exc.message_dict.items()
            for reason in reasons
        ]
    else:
        errors = [{"field": "body", "reason": reason} for reason in exc.messages]
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return api.create_response(request, error_body("id", str(exc) or "Not found."), status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc: PermissionDenied):
    reason = str(exc) or "Your role in this organization does not allow this."
    return api.create_response(request, error_body("role", reason), status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc: AuthenticationError):
    return api.create_response(
        request,
        error_body("Authorization", "Sign in, or send a valid API token as 'Bearer <token>'."),
        status=401,
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, error_body("body", str(exc)), status=exc.status_code)


api.add_router("/", "safetyhub.core.api.router")
api.add_router("/", "safetyhub.frameworks.api.router")
api.add_router("/", "safetyhub.assessments.api.router")
api.add_router("/", "safetyhub.assessments.api_consensus.router")
api.add_router("/", "safetyhub.improvement.api.router")
api.add_router("/", "safetyhub.improvement.api_spread.router")
api.add_router("/", "safetyhub.improvement.api_ratings.router")
api.add_router("/", "safetyhub.improvement.api_aims.router")
api.add_router("/", "safetyhub.measures.api.router")
# Before events.api: its /orgs/{slug}/events/{event_id} would otherwise take /events/fhir.
api.add_router("/", "safetyhub.events.api_fhir.router")
api.add_router("/", "safetyhub.events.api.router")
api.add_router("/", "safetyhub.events.api_triage.router")
api.add_router("/", "safetyhub.events.api_measures.router")
api.add_router("/", "safetyhub.investigations.api.router")
api.add_router("/", "safetyhub.investigations.api_resolution.router")
api.add_router("/", "safetyhub.investigations.api_support.router")
api.add_router("/", "safetyhub.investigations.api_actions.router")
api.add_router("/", "safetyhub.network.api.router")
api.add_router("/", "safetyhub.network.api_lessons.router")
api.add_router("/", "safetyhub.network.api_aggregates.router")
api.add_router("/", "safetyhub.network.api_goals.router")
