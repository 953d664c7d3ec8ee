"""PDFs from the site's templates: charts drawn on a background thread while WeasyPrint lays
out the page, and a fetcher that lets WeasyPrint load nothing but those charts.

The assessment report and the board pack both render a template twice over (a web page, or
a bare print document), hand each chart's spec to a `ChartPainter` as soon as its data is
known, and lay the print document out with `write_pdf`. Charts come from
safetyhub.core.charts: the same SVG inline on the web page and as an image in the PDF
(WeasyPrint draws an SVG image much faster than inline SVG). vl-convert releases the GIL,
so the charts are drawn while the request reads the database and WeasyPrint parses HTML.
"""

import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from . import charts


@dataclasses.dataclass(frozen=True)
class Chart:
    """A chart being drawn: inline SVG on the web page (`svg` waits for it), and in the PDF
    an image whose address `ref` WeasyPrint resolves through ChartPainter.resolve, with the
    spec's description as its alt text."""

    ref: str
    alt: str
    future: Future

    @property
    def svg(self) -> str:
        return self.future.result()


class ChartPainter:
    """Draws a document's charts, one after another, on one background thread for the length
    of a `with` block. Nothing outlives the block."""

    def __enter__(self) -> "ChartPainter":
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-charts")
        self._charts: dict[str, Chart] = {}
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def chart(self, spec: dict) -> Chart:
        ref = f"chart:{len(self._charts)}"
        chart = Chart(ref=ref, alt=str(spec.get("description", "")),
                      future=self._pool.submit(charts.render_svg, spec))
        self._charts[ref] = chart
        return chart

    def resolve(self, ref: str) -> str | None:
        """The data: URI of a chart by its `ref`, once drawn; None for an unknown ref."""
        chart = self._charts.get(ref)
        return charts.data_uri(chart.svg) if chart else None


def stylesheet_path(name: str) -> str:
    """A stylesheet on disk: from the source tree (finders), else from collected static."""
    return finders.find(name) or staticfiles_storage.path(name)


@dataclasses.dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def write_pdf(*, html: str, painter: ChartPainter, stylesheet: str) -> Pdf:
    """Lay `html` out with the static stylesheet `stylesheet` (a static path such as
    "css/report.css"). WeasyPrint loads nothing but the painter's charts."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class ChartsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("chart:"):
                raise ValueError(f"the document loads nothing from outside ({url[:80]})")
            try:
                uri = painter.resolve(url)
            except Exception as exc:  # a chart that failed fails the document
                raise FatalURLFetchingError(f"chart {url} could not be drawn") from exc
            if uri is None:
                raise ValueError(f"no such chart: {url[:40]}")
            return super().fetch(uri, headers)

    fetcher = ChartsOnly()
    css = CSS(filename=stylesheet_path(stylesheet), url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher).render(stylesheets=[css])
    return Pdf(content=document.write_pdf(), pages=len(document.pages))
