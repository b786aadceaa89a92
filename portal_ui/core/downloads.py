"""Streaming a file from TechLink to the browser: one streamer for staff and customer downloads.

The upstream connection is always released, whether the body is read to the end, broken off, or never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

__all__ = ["StreamedFile", "stream_download"]


class StreamedFile(Protocol):
    filename: str | None
    content_type: str
    content_length: int | None

    def iter_bytes(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class _Body:
    """Iterates the upstream body and closes it when Django closes the response."""

    def __init__(self, raw: StreamedFile) -> None:
        self.raw = raw
        self._chunks = raw.iter_bytes()

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        self.raw.close()


def stream_download(
    raw: StreamedFile,
    *,
    filename: str,
    inline: bool = False,
    content_type: str | None = None,
    cache_control: str = "private, no-store",
    with_length: bool = False,
) -> StreamingHttpResponse:
    """A streamed answer for ``raw``: ``attachment`` unless ``inline``, with the name encoded as RFC 6266
    asks (``filename*`` for names that are not plain ASCII)."""
    response = StreamingHttpResponse(
        _Body(raw), content_type=content_type or raw.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(not inline, filename or "download")
    response["Cache-Control"] = cache_control
    if with_length and raw.content_length:
        response["Content-Length"] = str(raw.content_length)
    return response
