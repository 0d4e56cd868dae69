"""Evidence files are parsed, not sniffed: every stored upload goes through `upload_clean`.

- A PDF is opened with pypdf (cross-reference table, trailer, catalogue, page tree, encryption) and every name in
  its objects is read: in the file outside stream data (so objects the table does not list are seen too) and in
  its decoded object streams, #xx escapes decoded. It is refused when it carries JavaScript, actions (/OpenAction,
  /AA, /Launch and other action types that run, send or fetch something), embedded files, multimedia or an XFA
  form; when it is encrypted, unreadable or truncated; when anything but whitespace follows its last %%EOF; when
  it has more pages or objects than the caps below. An accepted PDF is stored byte for byte.
- A JPEG or PNG is decoded with Pillow once its header has shown it within the pixel cap (a decompression bomb is
  refused before any pixel is decoded), then encoded again: metadata (EXIF, comments, text chunks, ICC profiles)
  and anything appended after the image (a JPEG+ZIP polyglot) are dropped. The cleaned image is what is stored.
- Anything else (SVG, HTML, executables whatever their name, archives, other image kinds, an empty file, a file
  over the size limit) is refused.

A refusal raises UploadRejected with a message in the user's language; nothing is changed.
"""

import bisect
import hashlib
import io
import re
import time
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image
from pypdf import PdfReader, apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from cases.exceptions import DomainError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 200
# A 200-page scan has a few thousand objects. Beyond these caps a file costs too much time or memory to check.
MAX_PDF_OBJECTS = 20_000
# Object text (the file outside stream data, and decoded object streams) is parsed at about 1.5 MB/s at worst.
MAX_PDF_OBJECT_BYTES = 2 * 1024 * 1024
MAX_PDF_CHECK_SECONDS = 1.0  # CPU time of the checking thread: the same refusal on an idle or a loaded machine
MAX_IMAGE_SIDE = 12000
MAX_IMAGE_PIXELS = 40_000_000
# A baseline JPEG has one scan, a progressive one about ten; thousands of scans make decoding slow.
MAX_JPEG_SCANS = 100

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}

# Pillow refuses (DecompressionBombError) images above twice this before decoding; upload_clean refuses above it.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# Names whose presence as a dictionary key makes a PDF active, and what the user is told it contains.
_ACTIVE_KEYS = {
    "/JS": gettext_lazy("JavaScript"),
    "/JavaScript": gettext_lazy("JavaScript"),
    "/OpenAction": gettext_lazy("an action that runs when the file is opened"),
    "/AA": gettext_lazy("actions that run when a page or field is used"),
    "/Launch": gettext_lazy("a command that starts a program"),
    "/EmbeddedFiles": gettext_lazy("embedded files"),
    "/EmbeddedFile": gettext_lazy("embedded files"),
    "/EF": gettext_lazy("embedded files"),
    "/RichMedia": gettext_lazy("multimedia content"),
    "/XFA": gettext_lazy("an XFA form"),
}
# Action types (/S) and object types (/Type, /Subtype) that run, fetch or carry something.
_ACTIVE_VALUES = {
    "/JavaScript": gettext_lazy("JavaScript"),
    "/Launch": gettext_lazy("a command that starts a program"),
    "/SubmitForm": gettext_lazy("an action that sends data"),
    "/ImportData": gettext_lazy("an action that reads another file"),
    "/GoToR": gettext_lazy("an action that opens another file"),
    "/GoToE": gettext_lazy("embedded files"),
    "/EmbeddedFile": gettext_lazy("embedded files"),
    "/FileAttachment": gettext_lazy("embedded files"),
    "/RichMedia": gettext_lazy("multimedia content"),
    "/RichMediaExecute": gettext_lazy("multimedia content"),
    "/Rendition": gettext_lazy("multimedia content"),
    "/Movie": gettext_lazy("multimedia content"),
    "/Sound": gettext_lazy("multimedia content"),
}
_VALUE_KEYS = {"/S", "/Type", "/Subtype"}
# pypdf's own limits, for this check only (a context variable: other threads keep theirs).
_PDF_LIMITS = {
    name: MAX_PDF_OBJECT_BYTES
    for name in (
        "zlib_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "brotli_maximum_output_length",
    )
}
_PDF_WHITESPACE = b" \t\r\n\x00\x0c"
# Names in the dictionary text outside stream data are checked too: a viewer that rebuilds a broken
# cross-reference table may find objects the table does not list.
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class UploadRejected(DomainError):
    pass


@dataclass(frozen=True)
class CleanUpload:
    content: bytes
    content_type: str
    name: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB. Scan it at a lower resolution or split it.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def upload_clean(*, content: bytes, name: str) -> CleanUpload:
    """The file as it will be stored, or UploadRejected. The kind comes from parsing the content, never the name."""
    if not content:
        raise UploadRejected(_("The file is empty."))
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRejected(too_large_message())
    if content.startswith(b"%PDF-"):
        _pdf_check(content)
        content_type = PDF
    elif content.startswith(b"\xff\xd8\xff"):
        content, content_type = _image_clean(content, "JPEG"), JPEG
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        content, content_type = _image_clean(content, "PNG"), PNG
    else:
        raise UploadRejected(_("Only PDF, JPEG and PNG files are accepted; this file is not one, whatever its name says."))
    return CleanUpload(content=content, content_type=content_type, name=f"{_base_name(name)}.{EXTENSIONS[content_type]}")


def _base_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    base = "".join(c for c in base if unicodedata.category(c)[0] not in "CZ" or c == " ").strip()
    return base[:80] or "file"


# --- PDF ---------------------------------------------------------------------------------------------------


def _active(what) -> UploadRejected:
    return UploadRejected(
        _("The PDF file contains %(what)s, which is not accepted. Print it to a new PDF or scan the paper, then upload that.")
        % {"what": what}
    )


def _damaged() -> UploadRejected:
    return UploadRejected(_("The PDF file is incomplete or damaged."))


def _too_complex() -> UploadRejected:
    return UploadRejected(_("The PDF file is too complex to check. Print it to a new PDF or scan the paper, then upload that."))


def _pdf_check(content: bytes) -> None:
    end = content.rfind(b"%%EOF")
    if end < 0:
        raise _damaged()
    if content[end + 5 :].strip(_PDF_WHITESPACE):
        raise UploadRejected(_("The PDF file has data after its end. Save or print it again as a new PDF."))
    text, streams = _outside_streams(content)
    pages = _names_check(text)  # before parsing: objects the cross-reference table does not list are seen too
    _pages_cap(pages)  # a long file is refused before it is parsed, whatever the machine's load
    started = time.thread_time()
    try:
        with apply_configuration(**_PDF_LIMITS):
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise UploadRejected(
                    _("The PDF file is encrypted or password-protected. Remove the protection and upload it again.")
                )
            listed = [
                (number, generation, offset) for generation, table in reader.xref.items() for number, offset in table.items()
            ]
            objects = len(listed) + len(reader.xref_objStm)
            if objects > MAX_PDF_OBJECTS:
                raise UploadRejected(
                    _("The PDF file is too complex to check (%(objects)s objects; at most %(max)s).")
                    % {"objects": objects, "max": MAX_PDF_OBJECTS}
                )
            starts = [start for start, _end in streams]
            for _number, _generation, offset in listed:
                inside = bisect.bisect_right(starts, offset) - 1
                if inside >= 0 and offset < streams[inside][1]:
                    raise _damaged()  # an object placed inside another object's stream data
            packed = _object_streams(reader)
            if len(text) + sum(len(data) for data in packed) > MAX_PDF_OBJECT_BYTES:
                raise _too_complex()
            pages = max(pages, sum(_names_check(data) for data in packed))
            numbers = sorted(
                [(number, generation) for number, generation, _offset in listed] + [(n, 0) for n in reader.xref_objStm]
            )
            pages = max(pages, _objects_check(reader, numbers, started))
            declared = int(reader.root_object["/Pages"]["/Count"])
    except UploadRejected:
        raise
    except Exception:  # pypdf raises many kinds on broken files (PdfReadError, LimitReachedError, RecursionError, ...)
        raise _damaged() from None
    if pages == 0:
        raise _damaged()
    _pages_cap(max(pages, declared))


def _pages_cap(pages: int) -> None:
    if pages > MAX_PDF_PAGES:
        raise UploadRejected(
            _("The PDF file has %(pages)s pages; at most %(max)s are accepted. Split it.")
            % {"pages": pages, "max": MAX_PDF_PAGES}
        )


def _outside_streams(content: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """The file without stream data, and where the stream data was. Stream data starts after `>> stream` and an end
    of line and runs to the next `endstream` (one pass: no backtracking on hostile input)."""
    parts, streams, position = [], [], 0
    while True:
        start = content.find(b"stream", position)
        while start >= 0 and not (
            content[start + 6 : start + 7] in (b"\r", b"\n")
            and content[max(0, start - 32) : start].rstrip(_PDF_WHITESPACE).endswith(b">>")
        ):
            start = content.find(b"stream", start + 6)
        if start < 0:
            parts.append(content[position:])
            return b" ".join(parts), streams
        parts.append(content[position:start])
        end = content.find(b"endstream", start + 6)
        end = len(content) if end < 0 else end
        streams.append((start + 6, end))
        position = end + 9


def _objects_check(reader: PdfReader, numbers: list[tuple[int, int]], started: float) -> int:
    """Read every object the file lists, in order, and look inside every dictionary and array; return how many
    page objects there are."""
    pages = 0
    for number, generation in numbers:
        if time.thread_time() - started > MAX_PDF_CHECK_SECONDS:
            raise _too_complex()
        stack = [IndirectObject(number, generation, reader).get_object()]
        while stack:
            item = stack.pop()
            if isinstance(item, DictionaryObject):  # streams are dictionaries too; their data is not decoded here
                for key, value in item.items():
                    if key in _ACTIVE_KEYS:
                        raise _active(_ACTIVE_KEYS[key])
                    if key in _VALUE_KEYS and isinstance(value, NameObject) and value in _ACTIVE_VALUES:
                        raise _active(_ACTIVE_VALUES[value])
                    if key == "/Type" and value == "/Page":
                        pages += 1
                    if isinstance(value, (DictionaryObject, ArrayObject)):
                        stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(value for value in item if isinstance(value, (DictionaryObject, ArrayObject)))
    return pages


def _object_streams(reader: PdfReader) -> list[bytes]:
    """The decoded object streams (PDF 1.5 packs objects in compressed streams), within MAX_PDF_OBJECT_BYTES."""
    texts, total = [], 0
    for number in sorted({stream for stream, _index in reader.xref_objStm.values()}):
        text = reader.get_object(number).get_data()
        total += len(text)
        if total > MAX_PDF_OBJECT_BYTES:
            raise _too_complex()
        texts.append(text)
    return texts


def _names_check(text: bytes) -> int:
    """Refuse the first active name in the text (with #xx escapes decoded); return how many page objects it has."""
    pages, previous = 0, None
    for match in _NAME.finditer(text):
        name = "/" + _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)).decode("latin-1")
        if name in _ACTIVE_KEYS:
            raise _active(_ACTIVE_KEYS[name])
        if name in _ACTIVE_VALUES:
            raise _active(_ACTIVE_VALUES[name])
        if name == "/Page" and previous is not None and previous[0] == "/Type" and not text[previous[1] : match.start()].strip():
            pages += 1
        previous = (name, match.end())
    return pages


# --- images ------------------------------------------------------------------------------------------------


def _image_damaged() -> UploadRejected:
    return UploadRejected(_("The image file is damaged and cannot be opened."))


class _Source(io.BytesIO):
    """Notes when the decoder asked for more data than the file has. Pillow's own check (ImageFile.
    LOAD_TRUNCATED_IMAGES) is process-wide and WeasyPrint turns it off on import, so a truncated image would
    otherwise be completed with grey and accepted."""

    ran_out = False

    def read(self, size=-1, /):
        data = super().read(size)
        if not data and size != 0:
            self.ran_out = True
        return data


def _image_clean(content: bytes, kind: str) -> bytes:
    if kind == "JPEG":
        scans = content.count(b"\xff\xda")  # start-of-scan markers; 0xFF inside scan data is always escaped
        if scans > MAX_JPEG_SCANS:
            raise UploadRejected(
                _("The image is made of %(scans)s scans; at most %(max)s can be opened safely. Save it again as a plain JPEG.")
                % {"scans": scans, "max": MAX_JPEG_SCANS}
            )
    source = _Source(content)
    try:
        with Image.open(source, formats=[kind]) as image:
            width, height = image.size
            if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                raise UploadRejected(
                    _("The image is %(width)s x %(height)s pixels; at most %(side)s pixels per side are accepted.")
                    % {"width": width, "height": height, "side": MAX_IMAGE_SIDE}
                )
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRejected(_("The image declares too many pixels to be opened safely."))
            orientation = image.getexif().get(0x0112) if kind == "JPEG" else None
            source.ran_out = False
            image.load()
            if source.ran_out:
                raise _image_damaged()
            return _encode(image, kind, orientation)
    except Image.DecompressionBombError:
        raise UploadRejected(_("The image declares too many pixels to be opened safely.")) from None
    except UploadRejected:
        raise
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, ... on truncated or malformed data
        raise _image_damaged() from None


def _encode(image: Image.Image, kind: str, orientation: int | None) -> bytes:
    """Encode the decoded pixels again, with nothing of the original file but the orientation of a photo."""
    transparency = image.info.get("transparency")
    image.info = {"transparency": transparency} if transparency is not None else {}
    out = io.BytesIO()
    if kind == "JPEG":
        exif = b""
        if orientation in range(2, 9):
            tags = Image.Exif()
            tags[0x0112] = orientation
            exif = tags.tobytes()
        image.save(out, "JPEG", quality="keep", subsampling="keep", exif=exif)
    else:
        image.save(out, "PNG", compress_level=1)  # fast: a 10 MB photo-like PNG is encoded well within the time bound
    return out.getvalue()
