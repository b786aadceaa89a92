"""Writes to a site: create, update, and set or remove an attribute.

A site create is recognised upstream by the client's site ID when staff gave one, else by its name and ZIP code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from django.core.exceptions import ValidationError

from portal_ui.integrations.techlink import TechLinkClient, wildcards
from portal_ui.integrations.techlink.fields import SITE_FIELDS, SITE_NOT_EMPTY_ON_UPDATE, SITE_REQUIRED

from .base import SITE, Accepted, Kind, clean_fields, field_updates, non_empty, text

if TYPE_CHECKING:
    from portal_ui.jobs.models import UpstreamWrite


def _accept_create(*, fields: dict) -> Accepted:
    values = clean_fields(fields, SITE_FIELDS, "site")
    missing = [name for name in SITE_REQUIRED if not values.get(name)]
    if missing:
        raise ValidationError(f"A new site needs: {', '.join(name.replace('_', ' ') for name in missing)}.")
    return Accepted({"fields": values}, marker=values.get("site_id", ""))


def _create_target(payload: dict) -> str:
    """Creates of a look-alike site (same name and ZIP code) go one at a time."""
    fields = payload.get("fields", {})
    name, zip_code = fields.get("name", "").strip().casefold(), fields.get("zip", "").strip()
    return f"site-create:{zip_code}:{name}"[:200]


def _create(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    site = client.site_create(**non_empty(write.payload["fields"]))
    return {"site_id": site.id, "name": site.name}


def _find(client: TechLinkClient, write: UpstreamWrite) -> list[int]:
    fields = write.payload["fields"]
    if fields.get("site_id"):
        return list(client.site_ids(site_id=wildcards.escape(fields["site_id"])))
    return list(client.site_ids(name=wildcards.escape(fields["name"]), zip=wildcards.escape(fields["zip"])))


SITE_CREATE = Kind(
    name="site_create", label="Create site", accept=_accept_create, target=_create_target,
    summary=lambda write: f"Create site “{write.payload.get('fields', {}).get('name', '')}”",
    send=_create, find=_find, found_key="site_id", owner=SITE, change_page="site_new",
)  # fmt: skip


SITE_UPDATE = field_updates(
    name="site_update", label="Update site", owner=SITE, fields=SITE_FIELDS, not_empty=SITE_NOT_EMPTY_ON_UPDATE,
    update=lambda client, site_id, changes: client.site_update(site_id, **changes),
)  # fmt: skip


def _attribute_name(name: str, missing: str) -> str:
    name = text(name)
    if not name:
        raise ValidationError(missing)
    return name


def _accept_attribute_set(*, site_id: int, name: str, value: str) -> Accepted:
    site_id = SITE.checked_id(site_id)
    name = _attribute_name(name, "The attribute needs a name.")
    return Accepted({"site_id": site_id, "name": name, "value": "" if value is None else str(value)})


def _accept_attribute_remove(*, site_id: int, name: str) -> Accepted:
    site_id = SITE.checked_id(site_id)
    return Accepted({"site_id": site_id, "name": _attribute_name(name, "Say which attribute to remove.")})


def _attribute_target(payload: dict) -> str:
    """One attribute of one site: a set and a later removal of it go in order."""
    return f"site:{payload.get('site_id')}:attribute:{payload.get('name', '').strip().casefold()}"[:200]


def _attribute_set(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    attribute = client.site_attribute_set(p["site_id"], name=p["name"], value=p["value"])
    return {"site_id": p["site_id"], "attribute_id": attribute.attribute_id, "name": p["name"]}


def _attribute_remove(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    client.site_attribute_remove(p["site_id"], name=p["name"])
    return {"site_id": p["site_id"], "name": p["name"]}


SITE_ATTRIBUTE_SET = Kind(
    name="site_attribute_set", label="Set site attribute", accept=_accept_attribute_set,
    target=_attribute_target, send=_attribute_set, owner=SITE,
    summary=lambda write: f"Set attribute “{write.payload.get('name')}” on {SITE.named(write)}",
)  # fmt: skip
SITE_ATTRIBUTE_REMOVE = Kind(
    name="site_attribute_remove", label="Remove site attribute", accept=_accept_attribute_remove,
    target=_attribute_target, send=_attribute_remove, owner=SITE, missing_is_done=True,
    summary=lambda write: f"Remove attribute “{write.payload.get('name')}” from {SITE.named(write)}",
)  # fmt: skip

KINDS = (SITE_CREATE, SITE_UPDATE, SITE_ATTRIBUTE_SET, SITE_ATTRIBUTE_REMOVE)
