"""HTML -> PDF with WeasyPrint. The only module that imports it, and only inside the functions that render.

The fetcher serves the project's own document assets and inline data: URLs; anything else (file:// elsewhere,
http, https, ftp) is refused and recorded, so user text can never make the renderer read a file or the network.

Speed (measured on this project's approval decision, CPU time): subsetting a Noto CJK face costs about 40 ms per
face per PDF, more than layout. The print CSS therefore uses one weight, a small GB 2312 Song face first and Noto
CJK only as the fallback for rare characters (see print.css); one FontConfiguration and one parsed stylesheet are
reused by every render in the process. Laying out many documents in one WeasyPrint pass and writing each page
separately was measured and saves nothing (the per-PDF font subsetting dominates), so a batch is a loop.
"""

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

ASSETS_DIR = (Path(__file__).resolve().parent / "static" / "documents").resolve()
PDF_VARIANT = "pdf/ua-1"


class RefusedFetch(Exception):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class SafeFetcher(URLFetcher):
        """Allows data: URLs and files under documents/static/documents; refuses everything else.

        `fetched` lists the asset URLs served, `refused` every other URL asked for: tests assert on both.
        """

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)
            self.refused: list[str] = []
            self.fetched: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                from urllib.parse import unquote, urlsplit

                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(ASSETS_DIR) and path.is_file():
                    self.fetched.append(url)
                    return super().fetch(path.as_uri(), headers)
            self.refused.append(url)
            raise RefusedFetch(f"refused: {url[:200]}")

    return SafeFetcher


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _print_css():
    """The print stylesheet, parsed once per process (parsing it per document cost more than laying it out)."""
    from weasyprint import CSS

    return CSS(filename=str(ASSETS_DIR / "print.css"), url_fetcher=new_fetcher(), font_config=_font_config())


def new_fetcher():
    return _fetcher_class()()


def render_pdf(html: str, *, fetcher=None) -> bytes:
    """Render one document. Tagged PDF (PDF/UA-1 structure, /Lang from <html lang>) so screen readers can read it."""
    from weasyprint import HTML

    fetcher = fetcher or new_fetcher()
    document = HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[_print_css()], font_config=_font_config(), pdf_tags=True, pdf_variant=PDF_VARIANT)


def render_pdfs(htmls: Iterable[str], *, fetcher=None) -> list[bytes]:
    """Render many documents in one process pass: one fetcher, one font configuration, one PDF each."""
    fetcher = fetcher or new_fetcher()
    return [render_pdf(html, fetcher=fetcher) for html in htmls]
