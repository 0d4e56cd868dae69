"""Read issued PDFs the way a person or a screen reader would: pdftotext (poppler) and the embedded fonts."""

import io
import re
import shutil
import subprocess

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import IndirectObject

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # poppler-utils, a Makefile system package


def pdf_text(pdf: bytes, *, raw: bool = False) -> str:
    """The text as a reader sees it, line by line across the page; `raw`: in drawing order, one table cell after
    another (a cell that wraps beside another is then not interleaved with it)."""
    mode = ["-raw"] if raw else []
    command = [PDFTOTEXT, *mode, "-enc", "UTF-8", "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _to_unicode(stream: bytes) -> dict[int, str]:
    mapping = {}
    for gid, hexes in re.findall(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>", stream):
        mapping[int(gid, 16)] = bytes.fromhex(hexes.decode()).decode("utf-16-be")
    return mapping


def _has_outline(font: TTFont, gid: int) -> bool:
    order = font.getGlyphOrder()
    if gid <= 0 or gid >= len(order):
        return False  # .notdef or a glyph id past the font: WeasyPrint's marker for a missing glyph (tofu)
    glyph_set = font.getGlyphSet()
    pen = BoundsPen(glyph_set)
    glyph_set[order[gid]].draw(pen)
    return pen.bounds is not None


def embedded_fonts(pdf: bytes) -> list[dict]:
    """Each embedded font: its name and, per character it maps, whether the glyph has an outline."""
    reader = PdfReader(io.BytesIO(pdf))
    seen, fonts = set(), []
    for page in reader.pages:
        resources = _resolve(page.get("/Resources")) or {}
        for ref in (_resolve(resources.get("/Font")) or {}).values():
            font_dict = _resolve(ref)
            if id(font_dict) in seen or "/DescendantFonts" not in font_dict:
                continue
            seen.add(id(font_dict))
            descendant = _resolve(_resolve(font_dict["/DescendantFonts"])[0])
            descriptor = _resolve(descendant["/FontDescriptor"])
            program = next(_resolve(descriptor[k]) for k in ("/FontFile3", "/FontFile2", "/FontFile") if k in descriptor)
            ttfont = TTFont(io.BytesIO(program.get_data()))
            covered: dict[str, bool] = {}
            for gid, text in _to_unicode(_resolve(font_dict["/ToUnicode"]).get_data()).items():
                for char in text:
                    covered[char] = covered.get(char, False) or _has_outline(ttfont, gid)
            fonts.append({"name": str(font_dict["/BaseFont"]), "covered": covered})
    return fonts


def characters_without_glyph(pdf: bytes) -> set[str]:
    """Every visible character of the text that no embedded font draws (a .notdef box, tofu, or nothing)."""
    drawn = set()
    for font in embedded_fonts(pdf):
        drawn |= {char for char, has_outline in font["covered"].items() if has_outline}
    return {char for char in pdf_text(pdf) if not char.isspace() and char not in drawn}


def pdf_flat_text(pdf: bytes, *, raw: bool = False) -> str:
    """The text with line breaks removed: Chinese wraps anywhere, so a phrase can straddle two lines."""
    return "".join(pdf_text(pdf, raw=raw).split())
