from .queries import navigation_areas


def areas(request) -> dict:
    """The foundational areas for the menu, from the National Action Plan pack."""
    if getattr(request, "organization", None) is None:
        return {}
    return {"areas": navigation_areas()}
