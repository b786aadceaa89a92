"""Writes of portal links and API keys: the staff screens and the Portal Link API use them."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from portal_ui.accounts.models import User
from portal_ui.portal_links.api_keys import API_KEY_PREFIX, api_key_forget, api_key_matching
from portal_ui.portal_links.errors import NamespaceForbidden, PortalLinkInvalid, WorkOrderUncheckable
from portal_ui.portal_links.models import ApiKey, LinkNamespace, LinkType, PortalLink
from portal_ui.portal_links.schemas import shared_items_of
from portal_ui.portal_links.sharing.services import workorder_check, workorder_site_contact_emails
from portal_ui.portal_links.tokens import hash_token

__all__ = [
    "IssuedApiKey",
    "IssuedLink",
    "NamespaceForbidden",
    "PortalLinkInvalid",
    "WorkOrderUncheckable",
    "api_key_authenticate",
    "api_key_create",
    "api_key_revoke",
    "portal_link_activate",
    "portal_link_check_passcode",
    "portal_link_create",
    "portal_link_deactivate",
    "portal_link_delete",
    "portal_link_regenerate",
    "portal_link_update",
]

WORKORDER_ID = re.compile(r"[1-9][0-9]{0,11}")
NO_CONTACTS = (
    "The work order's site has no contact e-mail address in TechLink; give allowed e-mail addresses or "
    "domains for a private link."
)
UPDATABLE_FIELDS = (
    "link_type",
    "label",
    "permissions",
    "shared_items",
    "access_restrictions",
    "expiry_date",
    "is_active",
    "notification_settings",
    "custom_branding",
    "metadata",
    "company_namespace",
)
# Fields a partial update copies as they are (namespaces and restrictions get their own handling).
PLAIN_FIELDS = tuple(
    name for name in UPDATABLE_FIELDS if name not in {"company_namespace", "access_restrictions"}
)

Gate = tuple[str, frozenset[str], frozenset[str]]


@dataclass(frozen=True)
class IssuedLink:
    """A link together with its customer URL, which exists only at create and regenerate."""

    link: PortalLink
    url: str


@dataclass(frozen=True)
class IssuedApiKey:
    """A new API key together with the only copy of its secret."""

    api_key: ApiKey
    key: str = field(repr=False)


def _customer_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/p/{token}/"


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _namespaces(namespaces: list[str] | None, api_key: ApiKey | None) -> list[str]:
    """The namespaces to store: at least one, all within the API key's (NamespaceForbidden otherwise)."""
    namespaces = _dedupe(namespaces or [])
    if not namespaces:
        raise PortalLinkInvalid("A link needs a namespace.", {"company_namespace": ["Give at least one."]})
    if api_key is not None:
        outside = [ns for ns in namespaces if ns not in api_key.namespaces]
        if outside:
            raise NamespaceForbidden(outside)
    return namespaces


def _validate_gates(
    *,
    link_type: str,
    restrictions: dict[str, Any],
    has_passcode: bool,
    passcode_sent: bool,
    expiry_date: datetime | None,
    expiry_changed: bool,
    check_addresses: bool = True,
) -> None:
    fields: dict[str, list[str]] = {}
    if link_type == LinkType.SECURE and not has_passcode:
        fields["access_restrictions.passcode"] = ["A secure link needs a passcode."]
    if link_type != LinkType.SECURE and passcode_sent:
        fields["access_restrictions.passcode"] = [
            "Only secure links have a passcode; make the link secure or leave the passcode out."
        ]
    if check_addresses and link_type == LinkType.PRIVATE and not _has_addresses(restrictions):
        fields["access_restrictions.allowed_emails"] = [NO_CONTACTS]
    if expiry_changed and expiry_date is not None and expiry_date <= timezone.now():
        fields["expiry_date"] = ["The expiry date must be in the future."]
    if fields:
        raise PortalLinkInvalid("The portal link is not valid.", fields)


def _split_restrictions(restrictions: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The restrictions to store, and the passcode sent with them (None when none was sent)."""
    restrictions = dict(restrictions)
    passcode = restrictions.pop("passcode", None)
    return restrictions, passcode or None


def _has_addresses(restrictions: dict[str, Any]) -> bool:
    return bool(restrictions.get("allowed_emails") or restrictions.get("allowed_domains"))


def _with_site_contacts(link_type: str, restrictions: dict[str, Any], workorder: str) -> dict[str, Any]:
    """A private link without allowed addresses or domains is gated by its site contacts' addresses."""
    if link_type != LinkType.PRIVATE or _has_addresses(restrictions):
        return restrictions
    return {**restrictions, "allowed_emails": workorder_site_contact_emails(workorder=workorder)}


def _gate(link_type: str, restrictions: dict[str, Any]) -> Gate:
    """What a customer session proves when it passes the gate (the passcode is compared separately)."""
    return (
        link_type,
        frozenset(e.lower() for e in restrictions.get("allowed_emails") or []),
        frozenset(d.lower() for d in restrictions.get("allowed_domains") or []),
    )


def _set_namespaces(link: PortalLink, namespaces: list[str]) -> None:
    LinkNamespace.objects.filter(link=link).exclude(name__in=namespaces).delete()
    existing = set(LinkNamespace.objects.filter(link=link).values_list("name", flat=True))
    LinkNamespace.objects.bulk_create(
        [LinkNamespace(link=link, name=name) for name in namespaces if name not in existing]
    )


def portal_link_create(
    *,
    workorder: str,
    link_type: str = LinkType.PRIVATE,
    label: str = "",
    permissions: dict[str, bool] | None = None,
    shared_items: dict[str, Any] | None = None,
    access_restrictions: dict[str, Any] | None = None,
    expiry_date: datetime | None = None,
    notification_settings: dict[str, list[str]] | None = None,
    custom_branding: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    is_active: bool = True,
    company_namespace: list[str] | None = None,
    created_by: User | None = None,
    api_key: ApiKey | None = None,
) -> IssuedLink:
    """Create a link; the returned URL carries the only copy of its token.

    The work order must exist (the read model, else TechLink, is asked): PortalLinkInvalid when it does not,
    WorkOrderUncheckable when TechLink cannot be asked. `company_namespace` defaults to the API key's
    namespaces, or to settings.PORTAL_LINK_DEFAULT_NAMESPACE for staff. With an API key, namespaces outside
    the key's raise NamespaceForbidden. Only secure links take a passcode. A private link without allowed
    addresses or domains gets the site contacts' e-mail addresses (PortalLinkInvalid when there are none).
    Once committed, the work order's copy for the customer page is refreshed in the background."""
    if not WORKORDER_ID.fullmatch(workorder or ""):
        raise PortalLinkInvalid(
            "The work order id must be digits.", {"workorder": ["Use the digits of the id."]}
        )
    if company_namespace is None:
        company_namespace = list(api_key.namespaces) if api_key else [settings.PORTAL_LINK_DEFAULT_NAMESPACE]
    company_namespace = _namespaces(company_namespace, api_key)
    restrictions, passcode = _split_restrictions(access_restrictions or {})
    gates = {"link_type": link_type, "has_passcode": bool(passcode), "passcode_sent": bool(passcode)}
    _validate_gates(
        **gates,
        restrictions=restrictions,
        expiry_date=expiry_date,
        expiry_changed=True,
        check_addresses=False,
    )
    # Outside the transaction: no database transaction stays open while TechLink is asked.
    workorder_check(workorder=workorder)
    restrictions = _with_site_contacts(link_type, restrictions, workorder)
    _validate_gates(**gates, restrictions=restrictions, expiry_date=expiry_date, expiry_changed=True)
    token, token_hash = _new_token()
    with transaction.atomic():
        link = PortalLink.objects.create(
            workorder=workorder,
            link_type=link_type,
            label=label.strip(),
            permissions=permissions or {},
            shared_items=shared_items_of(shared_items),
            access_restrictions=restrictions,
            passcode_hash=make_password(passcode) if passcode else "",
            expiry_date=expiry_date,
            notification_settings=notification_settings or {},
            custom_branding=custom_branding or {},
            metadata=metadata or {},
            is_active=is_active,
            company_namespace=company_namespace,
            token_hash=token_hash,
            created_by=created_by,
            created_by_key=api_key.prefix if api_key else "",
        )
        _set_namespaces(link, company_namespace)
        transaction.on_commit(partial(_refresh_copy, link.workorder), robust=True)
    return IssuedLink(link=link, url=_customer_url(token))


def _refresh_copy(workorder: str) -> None:
    from portal_ui.portal_links.tasks import snapshot_refresh_queue

    snapshot_refresh_queue(workorder_id=int(workorder))


def portal_link_update(
    *, link: PortalLink, changes: dict[str, Any], api_key: ApiKey | None = None
) -> PortalLink:
    """Apply the given fields only (partial update). An access_restrictions without a passcode keeps the
    stored passcode; a link that is no longer secure loses its passcode, so making it secure again needs a
    new one. A private link left without allowed addresses or domains gets the site contacts' addresses.
    A change of the gate (type, passcode, allowed addresses or domains) ends every customer session opened
    before it."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise PortalLinkInvalid(
            "Unknown fields.", {name: ["This field cannot be changed."] for name in unknown}
        )
    link_type = changes.get("link_type") or link.link_type
    restrictions = changes.get("access_restrictions", link.access_restrictions) or {}
    if link_type == LinkType.PRIVATE and not _has_addresses(restrictions):
        # Outside the transaction: TechLink may be asked for the site contacts.
        changes = {
            **changes,
            "access_restrictions": _with_site_contacts(link_type, dict(restrictions), link.workorder),
        }
    return _update(link=link, changes=changes, api_key=api_key)


@transaction.atomic
def _update(*, link: PortalLink, changes: dict[str, Any], api_key: ApiKey | None) -> PortalLink:
    link = PortalLink.objects.select_for_update().get(pk=link.pk)
    gate_before = _gate(link.link_type, link.access_restrictions or {})
    passcode_hash = link.passcode_hash
    passcode_sent = False
    expiry_changed = "expiry_date" in changes and changes["expiry_date"] != link.expiry_date
    if "company_namespace" in changes:
        link.company_namespace = _namespaces(changes["company_namespace"], api_key)
        _set_namespaces(link, link.company_namespace)
    if "access_restrictions" in changes:
        restrictions, passcode = _split_restrictions(changes["access_restrictions"] or {})
        link.access_restrictions = restrictions
        if passcode:
            passcode_sent = True
            passcode_hash = make_password(passcode)
    for name in PLAIN_FIELDS:
        if name in changes:
            setattr(link, name, changes[name])
    if "shared_items" in changes:
        link.shared_items = shared_items_of(changes["shared_items"])
    link.label = (link.label or "").strip()
    _validate_gates(
        link_type=link.link_type,
        restrictions=link.access_restrictions,
        has_passcode=bool(passcode_hash),
        passcode_sent=passcode_sent,
        expiry_date=link.expiry_date,
        expiry_changed=expiry_changed,
    )
    if link.link_type != LinkType.SECURE:
        passcode_hash = ""
    if passcode_sent or _gate(link.link_type, link.access_restrictions or {}) != gate_before:
        link.gate_version += 1
    link.passcode_hash = passcode_hash
    link.save()
    return link


@transaction.atomic
def portal_link_regenerate(*, link: PortalLink) -> IssuedLink:
    """New token: the old URL stops working and every customer session opened with it ends."""
    link = PortalLink.objects.select_for_update().get(pk=link.pk)
    token, link.token_hash = _new_token()
    link.token_version += 1
    link.save(update_fields=["token_hash", "token_version", "updated_at"])
    return IssuedLink(link=link, url=_customer_url(token))


def portal_link_activate(*, link: PortalLink) -> PortalLink:
    link.is_active = True
    link.save(update_fields=["is_active", "updated_at"])
    return link


def portal_link_deactivate(*, link: PortalLink) -> PortalLink:
    """Its URL answers like any unknown link until it is activated again."""
    link.is_active = False
    link.save(update_fields=["is_active", "updated_at"])
    return link


def portal_link_delete(*, link: PortalLink) -> None:
    """Delete the link; its URL answers like any unknown link. The access log is kept."""
    link.delete()


def portal_link_check_passcode(*, link: PortalLink, passcode: str) -> bool:
    """Whether `passcode` is the link's passcode (False for a link without one)."""
    return bool(link.passcode_hash) and check_password(passcode, link.passcode_hash)


# --- API keys -----------------------------------------------------------------------------------------


def api_key_create(*, name: str, namespaces: list[str], created_by: User | None = None) -> IssuedApiKey:
    """A new key `tlk_<prefix>_<secret>`; `key` is the only copy of the secret (shown once)."""
    name = name.strip()
    namespaces = _dedupe([ns.strip() for ns in namespaces if ns.strip()])
    fields = {}
    if not name:
        fields["name"] = ["Give the key a name."]
    if not namespaces:
        fields["namespaces"] = ["Give at least one company namespace."]
    if fields:
        raise PortalLinkInvalid("The API key is not valid.", fields)
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=hash_token(key), namespaces=namespaces, created_by=created_by
    )
    return IssuedApiKey(api_key=api_key, key=key)


def api_key_revoke(*, api_key: ApiKey, revoked_by: User | None = None) -> ApiKey:
    """Revoke the key (once: a second revoke keeps the first one's time and staff member)."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = revoked_by
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    api_key_forget(key_hash=api_key.key_hash)
    return api_key


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """The active key matching `key` (recording its use at most once a minute), else None. Keys are
    checked through ``api_keys``' short-lived cache."""
    api_key = api_key_matching(key=key)
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
