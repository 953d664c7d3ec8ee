from django.utils.functional import SimpleLazyObject

from .queries import navigation_areas


def areas(request) -> dict:
    """The foundational areas for the menu, from the National Action Plan pack (read only
    if the template shows them: page fragments do not)."""
    if getattr(request, "organization", None) is None:
        return {}
    return {"areas": SimpleLazyObject(navigation_areas)}
