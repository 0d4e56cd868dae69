"""Serving an evidence file (cases.Attachment) to someone allowed to read its case.

The bytes are served only when their SHA-256 still equals the digest stored at upload; a changed or missing file
answers 410 with a page saying the file is damaged. The headers keep a hostile file harmless: the stored content
type, never sniffed; PDF, JPEG and PNG shown inline, anything else downloaded; a sandboxing Content-Security-Policy
(config.security keeps a policy the response already carries); no cache, no referrer.
"""

import hashlib
import logging
from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render

from cases.models import Attachment
from cases.uploads import JPEG, PDF, PNG

logger = logging.getLogger(__name__)

INLINE_TYPES = frozenset({PDF, JPEG, PNG})
SANDBOX_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
PRIVATE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


def stored_content(attachment: Attachment) -> bytes | None:
    """The stored bytes, or None when the file is missing or no longer matches its digest. Reads at most one byte
    more than the recorded size, so a grown file costs no more memory than the genuine one."""
    try:
        with attachment.file.open("rb") as stored:
            content = stored.read(attachment.size + 1)
    except (OSError, ValueError):  # no such file, or no file name at all
        return None
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        return None
    return content


def content_disposition(attachment: Attachment) -> str:
    disposition = "inline" if attachment.content_type in INLINE_TYPES else "attachment"
    return f"{disposition}; filename*=UTF-8''{quote(attachment.original_name, safe='')}"


def attachment_response(request, attachment: Attachment, *, base_template: str) -> HttpResponse:
    """The file itself, or (damaged or missing) a page in `base_template` that says so, with status 410."""
    content = stored_content(attachment)
    if content is None:
        logger.error("attachment %s of case %s is missing or fails its digest", attachment.pk, attachment.application_id)
        response = render(request, "workflows/attachment_damaged.html", {"base_template": base_template}, status=410)
    else:
        response = HttpResponse(content, content_type=attachment.content_type)
        response["Content-Disposition"] = content_disposition(attachment)
        response["Content-Security-Policy"] = SANDBOX_POLICY
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response
