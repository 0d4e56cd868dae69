"""Names with ideographs of CJK Extensions B-H print: the text layer carries them, a face that has them is embedded,
and the page really shows the glyph (rasterised with poppler and compared to the glyph drawn from the font file)."""

import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw, ImageFont

from cases.constants import Decision, ReviewLevel
from documents.models import Document
from documents.services import document_render
from tests.documents.pdf import characters_without_glyph, embedded_fonts, pdf_flat_text
from tests.documents.test_safety import file_with_text
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db

PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"  # poppler-utils, a Makefile system package
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
DPI = 300
EXT_B = "\U00020000"  # 𠀀, the first ideograph of Extension B: no face before HanaMinB in print.css has it


def font_file(family: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, check=True, text=True).stdout  # noqa: S603, S607


def first_page(pdf: bytes, tmp_path) -> Image.Image:
    """Page 1 in grey at DPI, as poppler draws it."""
    tmp_path.mkdir()
    source, root = tmp_path / "page.pdf", tmp_path / "page"
    source.write_bytes(pdf)
    subprocess.run([PDFTOPPM, "-r", str(DPI), "-gray", "-png", "-singlefile", str(source), str(root)], check=True)  # noqa: S603
    return Image.open(tmp_path / "page.png").convert("L")


def ink(image: Image.Image) -> Image.Image:
    """1 where there is ink (darker than mid-grey), else 0."""
    return image.point(lambda v: 255 if v < 128 else 0).convert("1")


def character_cell(pdf: bytes, char: str, tmp_path) -> tuple[float, float, float, float]:
    """The box, in pixels at DPI, of the first `char` on page 1 as poppler lays out the text (pdftotext -bbox).

    A word of ideographs has equal advances (1 em each), so the cell of the n-th character is the n-th slice."""
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    xml = subprocess.run([PDFTOTEXT, "-bbox", "-f", "1", "-l", "1", str(source), "-"], capture_output=True, check=True, text=True)  # noqa: S603
    for match in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml.stdout):
        x_min, y_min, x_max, y_max, word = *map(float, match.groups()[:4]), match.group(5)
        if char in word:
            advance = (x_max - x_min) / len(word)
            left = x_min + advance * word.index(char)
            scale = DPI / 72
            return left * scale, y_min * scale, (left + advance) * scale, y_max * scale
    raise AssertionError(f"{char!r} is not in the text layer of page 1")


def glyph_alone(char: str, font_path: str) -> Image.Image:
    """The glyph drawn by FreeType (Pillow) from the font file, large, cropped to its ink: the reference bitmap."""
    font = ImageFont.truetype(font_path, 200)
    canvas = Image.new("L", (320, 320), 255)
    ImageDraw.Draw(canvas).text((40, 40), char, font=font, fill=0)
    return canvas.crop(ink(canvas).getbbox())


def overlap(a: Image.Image, b: Image.Image) -> float:
    """Intersection over union of the inked pixels of two images of one size."""
    a_ink, b_ink = ink(a), ink(b)
    both = ImageChops.logical_and(a_ink, b_ink).histogram()[255]
    either = ImageChops.logical_or(a_ink, b_ink).histogram()[255]
    return both / either


def test_an_acceptance_notice_for_a_name_with_extension_b_carries_and_embeds_the_glyph(
    programme, staff, community, rng, run_on_commit
):
    # given an applicant named 王𠀀 (U+20000) who files a case
    name = f"王{EXT_B}"
    application, applicant = file_with_text(programme=programme, community=community, rng=rng, name=name, business="王记工作室")

    # when it is submitted and accepted by the community, which issues the acceptance notice
    application = run_on_commit(flow_services.case_submit, application=application, by=applicant)
    run_on_commit(simulation.decide, application, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    pdf = Document.objects.get(application=application, kind="acceptance_notice").file.open("rb").read()

    # then the text layer has the name, HanaMinB is embedded and draws U+20000 with an outline, nothing is tofu
    assert name in pdf_flat_text(pdf)
    fonts = {font["name"].split("+", 1)[1]: font["covered"] for font in embedded_fonts(pdf)}
    assert fonts["HanaMinB-Medium"][EXT_B] is True
    assert characters_without_glyph(pdf) == set()


def test_the_extension_b_glyph_is_drawn_on_the_page_as_the_font_draws_it(district, tmp_path):
    # given a decision for 王𠀀, rendered through the documents services
    from cases.models import Applicant, Application, Programme, ProgrammeRules

    application = Application(
        number="YH-CY-2026-000011",
        programme=Programme(name="一次性创业补贴", current_rules=ProgrammeRules(publicity_days=5)),
        applicant=Applicant(name=f"王{EXT_B}", id_number="330110199001011234"),
        org_unit=district,
    )
    context = {"case": application, "masked_identifier": "330110********1234", "approved_yuan": "¥3,000.00"}
    pdf = document_render(
        kind="approval_decision",
        number="余人社创决〔2026〕00011号",
        token="t",
        unit=district,
        context=context,
        issued_at=timezone.now(),
    )

    # when page 1 is rasterised by poppler and the cell of U+20000 in its text layer is cut out, to the glyph's ink
    page = first_page(pdf, tmp_path / "page")
    cell = page.crop(tuple(round(v) for v in character_cell(pdf, EXT_B, tmp_path)))
    inked = ink(cell).getbbox()
    assert inked is not None, "the cell of U+20000 is blank"
    glyph = cell.crop(inked)

    # then the ink has the shape of U+20000 drawn by FreeType from HanaMinB's font file (the reference bitmap): the
    # same proportions, and an overlap far above that of another ideograph of the same font scaled to the same box
    hanamin = font_file("HanaMinB")
    reference, other = glyph_alone(EXT_B, hanamin), glyph_alone("\U0002a6a5", hanamin)  # 𪚥 for contrast
    assert abs(glyph.width / glyph.height - reference.width / reference.height) < 0.15 * reference.width / reference.height
    same = overlap(glyph, reference.resize(glyph.size, Image.Resampling.LANCZOS))
    different = overlap(glyph, other.resize(glyph.size, Image.Resampling.LANCZOS))
    assert same >= 0.6 and different < 0.4, (same, different)
