"""Evidence uploads: the type is sniffed from the content (never the name), the size is checked before reading,
and images are opened with Pillow's decompression-bomb guard and a dimension limit."""

import io
from dataclasses import dataclass

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from PIL import Image

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A request may carry one file plus the form fields; anything larger is refused before Django parses the body.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 256 * 1024
MAX_IMAGE_SIDE = 12000
MAX_IMAGE_PIXELS = 60_000_000
ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class UploadRejected(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    name: str


def request_too_large(request) -> bool:
    """Read Content-Length only: a 50 MB body is refused without being read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > MAX_REQUEST_BYTES


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the chain: stops streaming a file once it passes the limit (a body without Content-Length, or
    a lying one), and marks the request, so the view answers "too large" instead of "no file"."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB. Scan it at a lower resolution or split it.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def upload_check(upload: UploadedFile | None) -> CheckedUpload:
    if upload is None:
        raise UploadRejected(_("Choose a file to upload."))
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise UploadRejected(too_large_message())
    if upload.size == 0:
        raise UploadRejected(_("The file is empty."))
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRejected(too_large_message())
    kind = filetype.guess(content[:8192])
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise UploadRejected(_("Only PDF, JPEG and PNG files are accepted; this file is not one, whatever its name says."))
    if content_type == "application/pdf" and b"%%EOF" not in content[-2048:]:
        raise UploadRejected(_("The PDF file is incomplete or damaged."))
    if content_type != "application/pdf":
        _image_check(content)
    base = (upload.name or "file").rsplit(".", 1)[0][:80] or "file"
    return CheckedUpload(content=content, content_type=content_type, name=f"{base}.{ALLOWED_TYPES[content_type]}")


def _image_check(content: bytes) -> None:
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                raise UploadRejected(
                    _("The image is %(width)s x %(height)s pixels; at most %(side)s pixels per side are accepted.")
                    % {"width": width, "height": height, "side": MAX_IMAGE_SIDE}
                )
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(_("The image declares too many pixels to be opened safely.")) from None
    except UploadRejected:
        raise
    except Exception:
        raise UploadRejected(_("The image file is damaged and cannot be opened.")) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
