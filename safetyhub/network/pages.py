"""The network's own pages, as the network home lists them: each part (lessons, dashboards,
shared goals) registers its page from its `_register_*` in apps.py, so the home page links to
whatever parts are installed without knowing them.

    pages.register(key="library", label="Library", url_name="network:library",
                   description="Lessons members published, de-identified.", order=10)

`url_name` is reversed with the network's slug as `network_slug` and nothing else."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NetworkPage:
    key: str
    label: str
    url_name: str
    description: str
    order: int
    leads_only: bool


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str
    description: str


_pages: dict[str, NetworkPage] = {}


def register(*, key: str, label: str, url_name: str, description: str = "", order: int = 50,
             leads_only: bool = False) -> NetworkPage:
    """Declare a network page (once, from an app's ready())."""
    page = NetworkPage(key=key, label=label, url_name=url_name, description=description,
                       order=order, leads_only=leads_only)
    if key in _pages and _pages[key] != page:
        raise ValueError(f"network page {key!r} is already registered differently")
    _pages[key] = page
    return page


def links_for(*, network_slug: str, is_lead: bool) -> list[PageLink]:
    """The registered pages this person may open, in order. A page whose URL is not (yet)
    routed is left out rather than breaking the home page."""
    links = []
    for page in sorted(_pages.values(), key=lambda p: (p.order, p.label)):
        if page.leads_only and not is_lead:
            continue
        try:
            url = reverse(page.url_name, kwargs={"network_slug": network_slug})
        except NoReverseMatch:
            continue
        links.append(PageLink(label=page.label, url=url, description=page.description))
    return links
