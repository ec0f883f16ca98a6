"""The receipt of an expense: what may be uploaded, and as what it is served.

A receipt is a scan or a photo: PDF, PNG or JPEG, at most 10 MB (the API's multipart limit,
settings.API_MAX_UPLOAD_BYTES, leaves room for the other fields). The type is taken from the
file's first bytes, never from its name or the browser's Content-Type, which the uploader
chooses: an HTML file called bon.pdf is refused at upload, and what is served is served as the
type its bytes were checked to be (`receipt_response`, used by the page and the API alike), with
nosniff.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _

from buddynet.errors import InvalidInput

MAX_RECEIPT_BYTES = 10 * 1024 * 1024

# content type: (leading bytes, file extension)
TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
}


def receipt_type(head: bytes) -> str | None:
    """The content type the first bytes of a file show, or None when it is none of TYPES."""
    for content_type, (magic, _ext) in TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def _head(file: Any, n: int = 16) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(n)
    file.seek(position)
    return bytes(head)


def receipt_check(file: Any) -> str:
    """The checked content type of an uploaded receipt; InvalidInput({"receipt": …}) otherwise."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_RECEIPT_BYTES:
        raise InvalidInput({"receipt": _("The receipt is larger than 10 MB.")})
    if size == 0:
        raise InvalidInput({"receipt": _("The receipt is an empty file.")})
    content_type = receipt_type(_head(file))
    if content_type is None:
        raise InvalidInput({"receipt": _("A receipt must be a PDF, PNG or JPEG file.")})
    return content_type


def receipt_extension(content_type: str) -> str:
    return TYPES[content_type][1]


def receipt_response(expense: Any) -> FileResponse:
    """The receipt of an expense, served as the type its bytes were checked to be, as a download,
    never cached (it may show a name or an address). The caller has checked access."""
    handle = expense.receipt.open("rb")
    head = handle.read(16)
    handle.seek(0)
    content_type = receipt_type(head)
    if content_type is None:  # a file stored before the check existed: a download of unknown bytes
        content_type, extension = "application/octet-stream", ""
    else:
        extension = receipt_extension(content_type)
    response = FileResponse(handle, content_type=content_type, as_attachment=True,
                            filename=f"bewijsstuk-{expense.pk}{extension}")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
