"""A streaming ``multipart/form-data`` body.

``requests`` builds multipart bodies in memory; this body instead reads the uploaded file in
chunks while it is being sent, and still announces a ``Content-Length`` when the file size can be
determined (otherwise ``requests`` falls back to chunked transfer encoding).
"""

from __future__ import annotations

import io
import mimetypes
import os
import uuid
from collections.abc import Iterator
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def guess_content_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


class MultipartBody:
    """File-like multipart body: ``fields`` as text parts, then one file part named ``file_field``."""

    def __init__(
        self,
        *,
        fields: dict[str, str],
        file_field: str,
        file: BinaryIO,
        filename: str,
        content_type: str | None = None,
    ) -> None:
        self.boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        head = io.BytesIO()
        for name, value in fields.items():
            head.write(f"--{self.boundary}\r\n".encode())
            head.write(f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode())
            head.write(str(value).encode("utf-8"))
            head.write(b"\r\n")
        head.write(f"--{self.boundary}\r\n".encode())
        head.write(
            f'Content-Disposition: form-data; name="{_quote(file_field)}"; '
            f'filename="{_quote(filename)}"\r\n'.encode()
        )
        head.write(f"Content-Type: {content_type or guess_content_type(filename)}\r\n\r\n".encode())
        self._head = head.getvalue()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._file = file
        self._file_size = _remaining_size(file)
        self._parts = self._generate()
        self._buffer = b""

    @property
    def len(self) -> int | None:  # read by requests to set Content-Length; None means chunked
        if self._file_size is None:
            return None
        return len(self._head) + self._file_size + len(self._tail)

    def _generate(self) -> Iterator[bytes]:
        yield self._head
        while True:
            chunk = self._file.read(CHUNK_SIZE)
            if not chunk:
                break
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            yield chunk
        yield self._tail

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._buffer + b"".join(self._parts)
        while len(self._buffer) < size:
            try:
                self._buffer += next(self._parts)
            except StopIteration:
                break
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK_SIZE):
            yield chunk


def _remaining_size(file: BinaryIO) -> int | None:
    """Bytes left to read in ``file`` from its current position, if that can be known."""
    try:
        position = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(position)
        return max(end - position, 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    try:
        return max(os.fstat(file.fileno()).st_size - file.tell(), 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
