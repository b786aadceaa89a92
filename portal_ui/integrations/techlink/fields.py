"""TechLink's field rules, as API light documents them: which fields each write takes, which are required,
which must stay non-empty once given ("if provided"), and which related objects a work order read can include.

Every other part of the dashboard takes these from here, so one rule has one definition.
"""

from __future__ import annotations

__all__ = [
    "INCLUDE_FLAGS",
    "NOTE_FIELDS",
    "SITE_ATTRIBUTE_FIELDS",
    "SITE_FIELDS",
    "SITE_NOT_EMPTY_ON_UPDATE",
    "SITE_REQUIRED",
    "TASK_FIELDS",
    "UPLOAD_FIELDS",
    "WORKORDER_CREATE_FIELDS",
    "WORKORDER_NOT_EMPTY_ON_UPDATE",
    "WORKORDER_UPDATE_FIELDS",
]

# Create New Site / Update Existing Site.
SITE_FIELDS: frozenset[str] = frozenset(
    {
        "name", "site_id", "phone", "fax", "address1", "address2", "address3", "city", "state", "zip",
        "country", "primary_contact_name", "primary_contact_phone", "primary_contact_email",
        "secondary_contact_name", "secondary_contact_phone", "secondary_contact_email",
        "enable_notifications", "additional_notifications", "notes",
    }
)  # fmt: skip
SITE_REQUIRED: tuple[str, ...] = (
    "name", "address1", "city", "state", "zip",
    "primary_contact_name", "primary_contact_phone", "primary_contact_email",
)  # fmt: skip
# Fields marked "if provided" on update: once sent they may not be empty.
SITE_NOT_EMPTY_ON_UPDATE: frozenset[str] = frozenset(SITE_REQUIRED)

# Create New Work Order / Update Existing Work Order.
WORKORDER_CREATE_FIELDS: frozenset[str] = frozenset(
    {"site_id", "summary", "type", "description", "po", "client_reference", "project_id",
     "requested_install", "submitter_id"}
)  # fmt: skip
WORKORDER_UPDATE_FIELDS: frozenset[str] = frozenset(
    {"summary", "description", "po", "client_reference", "project_id", "requested_install", "submitter_id"}
)
WORKORDER_NOT_EMPTY_ON_UPDATE: frozenset[str] = frozenset(
    {"summary", "po", "client_reference", "project_id", "requested_install"}
)

# Set Site Attribute, Add Work Order Note, Add Work Order Task (the quantity is documented as "note"), and the
# document uploads (site documents, client documents, required close-out documents).
SITE_ATTRIBUTE_FIELDS: frozenset[str] = frozenset({"name", "value"})
NOTE_FIELDS: frozenset[str] = frozenset({"note"})
TASK_FIELDS: frozenset[str] = frozenset({"taskitem_id", "description", "note", "rate"})
UPLOAD_FIELDS: frozenset[str] = frozenset({"file", "description"})

# Get Work Order Details: the related objects ``include_<flag>`` adds to the answer.
INCLUDE_FLAGS: tuple[str, ...] = (
    "site",
    "questions",
    "tasks",
    "quotes",
    "notes",
    "photos",
    "client_documents",
    "closeout_documents",
)
