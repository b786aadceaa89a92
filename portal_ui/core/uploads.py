"""The one upload policy: what a file sent to TechLink may be, and how a refusal reads."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat

__all__ = ["file_size", "upload_limit", "upload_limit_label", "upload_problem"]


def upload_limit() -> int:
    return settings.UPLOAD_MAX_BYTES


def upload_limit_label() -> str:
    return filesizeformat(upload_limit())


def file_size(size: int, *, other: int | None = None) -> str:
    """A file size as staff read it ("2.0 KB"); exact bytes when rounding would make it equal ``other``."""
    rounded = filesizeformat(size)
    if other is not None and rounded == filesizeformat(other) and size != other:
        return f"{size:,} bytes ({rounded})"
    return rounded


def upload_problem(*, name: str | None, size: int | None) -> str:
    """Why this file cannot be uploaded ("" when it can): no file, no name, empty, too large, or a name
    with a NUL character."""
    if name is None and size is None:
        return "Choose a file to upload."
    if not (name or "").strip():
        return "The uploaded file has no name."
    if "\x00" in name:
        return "The file name contains an invisible NUL character, which cannot be sent; rename the file."
    size = size or 0
    if size == 0:
        return f"“{name}” is empty."
    limit = upload_limit()
    if size > limit:
        return f"“{name}” is {file_size(size, other=limit)}; files can be at most {file_size(limit, other=size)}."
    return ""
