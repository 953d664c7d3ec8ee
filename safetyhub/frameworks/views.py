"""The framework explorer: packs, their sections and items, tactics and resources, the
crosswalk, search, and an organization's own uploads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from safetyhub.core.decorators import org_view

from . import queries, services
from .access import access_pack, access_pack_item
from .forms import PackUploadForm, SearchForm, TacticFilterForm
from .models import PackItem


@require_GET
@org_view()
def pack_list(request):
    org = request.organization
    return render(request, "frameworks/pack_list.html", {
        "packs": queries.pack_list(organization=org),
        "search_form": SearchForm(),
        "can_upload": request.user.has_perm("frameworks.upload_pack", org),
    })


@require_GET
@org_view()
def pack_detail(request, pack_id: str, version: str = ""):
    pack = access_pack(user=request.user, organization=request.organization, pack_id=pack_id,
                       version=version)
    outline = queries.pack_outline(pack=pack)
    tactic_counts = {}
    for tactic in pack.items.filter(kind=PackItem.Kind.TACTIC).only("parent_id"):
        tactic_counts[tactic.parent_id] = tactic_counts.get(tactic.parent_id, 0) + 1
    return render(request, "frameworks/pack_detail.html", {
        "pack": pack,
        "outline": outline,
        "tactic_counts": tactic_counts,
        "principles": pack.items.filter(kind=PackItem.Kind.PRINCIPLE),
        "versions": queries.visible_packs(organization=request.organization).filter(
            pack_id=pack.pack_id).order_by("version"),
    })


@require_GET
@org_view()
def item_detail(request, pack_id: str, version: str, key: str):
    org = request.organization
    pack = access_pack(user=request.user, organization=org, pack_id=pack_id, version=version)
    item = access_pack_item(user=request.user, organization=org, pack=pack, key=key)
    context = {"pack": pack, "item": item, "data": item.data}
    if item.kind == PackItem.Kind.SECTION:
        context["children"] = item.children.filter(kind=PackItem.Kind.ITEM)
    if item.kind == PackItem.Kind.TACTIC:
        context["resources"] = queries.resources_by_key(pack=pack, keys=item.data["resources"])
        # "Add to action plan" links to the plan's new-initiative form (a URL, not an import:
        # frameworks knows no domain app); the permission is asked by name.
        context["can_plan"] = pack.kind == "framework" and request.user.has_perm(
            "improvement.add_initiative", org)
    if item.kind == PackItem.Kind.RESOURCE:
        context["used_by"] = [t for t in pack.items.filter(kind=PackItem.Kind.TACTIC)
                              if item.key in t.data.get("resources", [])]
    context["crosswalk"] = queries.crosswalk(item=item, organization=org)
    context["scale"] = pack.scale_levels
    return render(request, "frameworks/item_detail.html", context)


@require_GET
@org_view()
def search(request):
    form = SearchForm(request.GET or None)
    results = []
    if form.is_valid() and form.cleaned_data["q"]:
        results = queries.search(organization=request.organization, query=form.cleaned_data["q"])
    return render(request, "frameworks/search.html", {"form": form, "results": results},
                  status=400 if form.errors else 200)


@require_GET
@org_view()
def tactic_library(request):
    org = request.organization
    nap = next(iter(queries.newest_versions(organization=org, pack_ids={queries.NAP_PACK})), None)
    areas = list(nap.items.filter(kind=PackItem.Kind.SECTION)) if nap else []
    recommendations = list(nap.items.filter(kind=PackItem.Kind.ITEM)) if nap else []
    form = TacticFilterForm(request.GET or None, areas=areas, recommendations=recommendations)
    filters = form.cleaned_data if form.is_valid() else {}
    tactics = queries.tactics(organization=org, section=filters.get("area", ""),
                              recommendation=filters.get("recommendation", ""))
    return render(request, "frameworks/tactics.html", {"form": form, "tactics": tactics,
                                                       "nap": nap},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view()
def upload(request):
    org = request.organization
    if not request.user.has_perm("frameworks.upload_pack", org):
        raise PermissionDenied("Only an organization admin can upload packs.")
    form = PackUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file_name, text = form.cleaned_data["file"]
        try:
            pack = services.upload_pack(organization=org, file_name=file_name, text=text,
                                        by=request.user)
        except ValidationError as exc:
            for error in exc.message_dict.get("file", exc.messages):
                form.add_error("file", error)
        else:
            messages.success(request, f"Loaded {pack.title} (version {pack.version}).")
            return redirect("frameworks:pack_version", org_slug=org.slug, pack_id=pack.pack_id,
                            version=pack.version)
    return render(request, "frameworks/upload.html", {"form": form},
                  status=422 if form.errors else 200)
