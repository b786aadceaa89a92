"""The close-out bundle: a ZIP of every completed close-out document and photo of a work order (or those one
portal link shares), with a manifest, streamed while it is made (zipstream-ng).

Each file is read from TechLink only when its turn comes, passed through chunk by chunk (its size and SHA-256
counted on the way) and never held whole in memory or on disk; the archive itself is never stored either.
The manifest (``manifest.csv`` and ``SHA256SUMS``) comes last, once every checksum is known. A file TechLink
no longer has is listed as missing; one whose download broke off midway is listed as incomplete.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from zipstream import ZIP_STORED, ZipStream

from portal_ui.core.upstream import UpstreamError, UpstreamNotFound, translated
from portal_ui.dispatch import live
from portal_ui.integrations.techlink import types

from .content import CloseoutContent, closeout_content_get
from .items import CloseoutItems

__all__ = ["BundleEntry", "CloseoutBundle", "closeout_bundle_stream"]

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass
class BundleEntry:
    """One file of the bundle and what became of it: included, missing (TechLink has no such file) or
    incomplete (its download broke off; the archive holds what came)."""

    kind: str  # "document" or "photo"
    file_id: int
    path: str  # inside the archive
    description: str
    status: str = "pending"
    size: int = 0
    sha256: str = ""
    problem: str = ""


def _safe_name(name: str, fallback: str) -> str:
    cleaned = _UNSAFE.sub("_", PurePosixPath((name or "").replace("\\", "/")).name).strip(" .")
    return cleaned[:180] or fallback


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    stem, dot, suffix = name.rpartition(".")
    while candidate.casefold() in taken:
        candidate = f"{stem} ({number}).{suffix}" if dot and stem else f"{name} ({number})"
        number += 1
    taken.add(candidate.casefold())
    return candidate


class CloseoutBundle:
    """The ZIP as a streamed file (``core.downloads.StreamedFile``): hand it to ``stream_download``."""

    content_type = "application/zip"
    content_length: int | None = None

    def __init__(self, content: CloseoutContent) -> None:
        self.content = content
        self.workorder_id = content.workorder_id
        self.root = f"workorder-{self.workorder_id}-closeout"
        self.filename = f"{self.root}.zip"
        self.entries = self._plan()
        self._open: types.RawFile | None = None

    def _plan(self) -> list[BundleEntry]:
        taken: set[str] = set()
        entries = []
        for doc in self.content.documents:
            name = _unique(_safe_name(doc.filename, f"document-{doc.document_id}"), taken)
            entries.append(BundleEntry("document", doc.document_id, f"documents/{name}", doc.description))
        for photo in self.content.photos:
            name = _unique(_safe_name(photo.filename, f"photo-{photo.photo_id}.jpg"), taken)
            entries.append(BundleEntry("photo", photo.photo_id, f"photos/{name}", photo.note))
        return entries

    def _open_file(self, entry: BundleEntry) -> types.RawFile:
        """The file's download from TechLink (the boundary's exceptions when it cannot be had)."""
        if entry.kind == "photo":
            return live.workorder_photo(workorder_id=self.workorder_id, photo_id=entry.file_id).raw
        return live.workorder_closeout_document(workorder_id=self.workorder_id, document_id=entry.file_id).raw

    def _passed_through(self, raw: types.RawFile, entry: BundleEntry) -> Iterator[bytes]:
        digest = hashlib.sha256()
        try:
            with translated():
                for chunk in raw.iter_bytes():
                    digest.update(chunk)
                    entry.size += len(chunk)
                    yield chunk
        except UpstreamError as exc:
            entry.status, entry.problem = "incomplete", f"the download broke off ({exc})"[:300]
            logger.warning("Bundle of work order #%s: %s broke off", self.workorder_id, entry.path)
        else:
            entry.status = "included"
        finally:
            entry.sha256 = digest.hexdigest()
            raw.close()
            self._open = None

    def iter_bytes(self) -> Iterator[bytes]:
        stream = ZipStream(compress_type=ZIP_STORED)
        for entry in self.entries:
            try:
                raw = self._open_file(entry)
            except UpstreamNotFound:
                entry.status, entry.problem = "missing", "TechLink has no such file any more"
                continue
            except UpstreamError as exc:
                entry.status, entry.problem = "missing", f"TechLink did not give the file ({exc})"[:300]
                continue
            self._open = raw
            stream.add(self._passed_through(raw, entry), f"{self.root}/{entry.path}")
            yield from stream.all_files()
        stream.add(self.manifest_csv().encode(), f"{self.root}/manifest.csv")
        stream.add(self.sha256sums().encode(), f"{self.root}/SHA256SUMS")
        yield from stream.finalize()

    @staticmethod
    def _cell(value: str) -> str:
        """Text as a spreadsheet shows it, never as a formula (a description starting with "=" stays text)."""
        return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

    def manifest_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["file", "kind", "techlink_id", "description", "size_bytes", "sha256", "status", "note"]
        )
        for e in self.entries:
            size = e.size if e.status != "missing" else ""
            writer.writerow(
                [
                    self._cell(e.path),
                    e.kind,
                    e.file_id,
                    self._cell(e.description),
                    size,
                    e.sha256,
                    e.status,
                    e.problem,
                ]
            )
        return out.getvalue()

    def sha256sums(self) -> str:
        """``sha256sum -c SHA256SUMS`` checks the files that came whole."""
        return "".join(f"{e.sha256}  {e.path}\n" for e in self.entries if e.status == "included")

    def close(self) -> None:
        """Called when the response ends, also when the visitor breaks off: the open download is released."""
        if self._open is not None:
            self._open.close()
            self._open = None


def closeout_bundle_stream(*, workorder_id: int, items: CloseoutItems | None = None) -> CloseoutBundle:
    """The bundle of the work order's close-out for this audience (``items=None``: staff, every file). What
    it holds is read from TechLink now (the boundary's exceptions when it cannot answer); the files are read
    as the bundle is streamed."""
    return CloseoutBundle(closeout_content_get(workorder_id=workorder_id, items=items))
