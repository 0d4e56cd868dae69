"""The HTTP side of evidence uploads: the size is checked before the body is read, and the file is handed to
cases.services.attachment_add, which parses and cleans it (cases.uploads) before storing anything."""

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _

from cases.uploads import MAX_UPLOAD_BYTES, UploadRejected, too_large_message

# A request may carry one file plus the form fields; anything larger is refused before Django parses the body.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 256 * 1024


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


def upload_read(upload: UploadedFile | None) -> bytes:
    """The bytes of the uploaded file, read only up to the limit. What they are is decided by cases.uploads."""
    if upload is None:
        raise UploadRejected(_("Choose a file to upload."))
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise UploadRejected(too_large_message())
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRejected(too_large_message())
    return content
