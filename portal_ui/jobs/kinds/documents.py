"""Documents: upload to and delete from a site or a work order, and upload a close-out document to fill in.

The uploaded file is kept with the write until TechLink has it. An upload is recognised upstream by its file
name and description; a delete of a document that is gone counts as done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from django.core.files.uploadedfile import UploadedFile

from portal_ui.integrations.techlink import TechLinkClient, types

from .base import SITE, WORKORDER, Accepted, Kind, Owner, checked_upload, positive_id, text

if TYPE_CHECKING:
    from portal_ui.jobs.models import UpstreamWrite


@dataclass(frozen=True)
class _Documents:
    """One list of documents in TechLink: whose it is, the client calls that read and change it, and the
    kinds of write that upload to it and delete from it."""

    owner: Owner
    part: str  # the list, in targets
    listing: Callable[[TechLinkClient, int], list[types.Document]]
    upload: Callable[[TechLinkClient, int, dict[str, Any]], types.Document]
    remove: Callable[[TechLinkClient, int, int], None] | None = None

    @property
    def key(self) -> str:
        return self.owner.key

    def uploads(self, name: str, label: str, *, says: str = "Upload “{filename}” to {owner}") -> Kind:
        """The kind of write uploading a file to this list (``says``: its summary, from the file name and
        the owner)."""
        return Kind(
            name=name, label=label, accept=self._accept_upload, target=self.owner.target(self.part),
            send=self._upload, find=self._find, found_key="document_id", owner=self.owner,
            summary=lambda write: says.format(filename=write.filename, owner=self.owner.named(write)),
        )  # fmt: skip

    def deletes(self, name: str, label: str) -> Kind:
        """The kind of write deleting a document from this list; one that is gone counts as deleted."""
        return Kind(
            name=name, label=label, accept=self._accept_delete, target=self.owner.target(self.part),
            send=self._delete, missing_is_done=True, owner=self.owner,
            summary=lambda write: f"Delete document #{write.payload.get('document_id')} from {self.owner.named(write)}",
        )  # fmt: skip

    def _accept_upload(self, *, upload: UploadedFile | None, description: str = "", **ids: int) -> Accepted:
        """The file is kept with the write; its description (or file name) marks it upstream."""
        owner_id = self.owner.checked_id(ids[self.key])
        upload = checked_upload(upload)
        description = text(description)
        payload = {self.key: owner_id, "description": description}
        return Accepted(payload, marker=description or upload.name, upload=upload)

    def _accept_delete(self, *, document_id: int, **ids: int) -> Accepted:
        owner_id = self.owner.checked_id(ids[self.key])
        return Accepted({self.key: owner_id, "document_id": positive_id(document_id, "Document")})

    def _upload(self, client: TechLinkClient, write: UpstreamWrite, file: BinaryIO | None) -> dict:
        """Send the file under the name the write recognises it by."""
        owner_id = write.payload[self.key]
        sent = {"file": file, "filename": write.filename, "description": write.payload["description"],
                "content_type": write.content_type or None}  # fmt: skip
        document = self.upload(client, owner_id, sent)
        return {self.key: owner_id, "document_id": document.document_id, "filename": write.filename}

    def _find(self, client: TechLinkClient, write: UpstreamWrite) -> list[int]:
        description = write.payload.get("description", "")
        return [
            d.document_id
            for d in self.listing(client, write.payload[self.key])
            if (d.filename or "").strip() == write.filename and (d.description or "").strip() == description
        ]

    def _delete(self, client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
        assert self.remove is not None
        owner_id, document_id = write.payload[self.key], write.payload["document_id"]
        self.remove(client, owner_id, document_id)
        return {self.key: owner_id, "document_id": document_id}


_SITE = _Documents(
    SITE, "documents", listing=lambda client, site_id: client.site_documents(site_id),
    upload=lambda client, site_id, sent: client.site_document_upload(site_id, **sent),
    remove=lambda client, site_id, document_id: client.site_document_remove(site_id, document_id),
)  # fmt: skip
_WORKORDER = _Documents(
    WORKORDER, "documents", listing=lambda client, workorder_id: client.workorder_documents(workorder_id),
    upload=lambda client, workorder_id, sent: client.workorder_document_upload(workorder_id, **sent),
    remove=lambda client, workorder_id, document_id: client.workorder_document_remove(workorder_id, document_id),
)  # fmt: skip
# Close-out documents staff give the technician to fill in.
_REQUIRED = _Documents(
    WORKORDER, "required", listing=lambda client, workorder_id: client.workorder_required_documents(workorder_id),
    upload=lambda client, workorder_id, sent: client.workorder_required_document_upload(workorder_id, **sent),
)  # fmt: skip

SITE_DOCUMENT_UPLOAD = _SITE.uploads("site_document_upload", "Upload site document")
SITE_DOCUMENT_DELETE = _SITE.deletes("site_document_delete", "Delete site document")
WORKORDER_DOCUMENT_UPLOAD = _WORKORDER.uploads("workorder_document_upload", "Upload work order document")
WORKORDER_DOCUMENT_DELETE = _WORKORDER.deletes("workorder_document_delete", "Delete work order document")
WORKORDER_REQUIRED_DOCUMENT_UPLOAD = _REQUIRED.uploads(
    "workorder_required_document_upload", "Upload close-out document",
    says="Upload close-out document “{filename}” to {owner}",
)  # fmt: skip

KINDS = (
    SITE_DOCUMENT_UPLOAD,
    SITE_DOCUMENT_DELETE,
    WORKORDER_DOCUMENT_UPLOAD,
    WORKORDER_DOCUMENT_DELETE,
    WORKORDER_REQUIRED_DOCUMENT_UPLOAD,
)
