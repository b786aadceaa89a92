"""Writes of portal links and API keys, shared by the Portal Link API and the staff screens."""

import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal_ui.accounts.models import User
from portal_ui.portal_links.models import (
    AccessLog,
    AccessOutcome,
    ApiKey,
    EmailCode,
    LinkNamespace,
    LinkType,
    PortalLink,
)
from portal_ui.portal_links.tokens import hash_token

if TYPE_CHECKING:
    from portal_ui.jobs.models import UpstreamWrite

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "tlk"
WORKORDER_ID = re.compile(r"[1-9][0-9]{0,11}")


class PortalLinkInvalid(Exception):
    """A write was refused; `fields` maps field names to messages (shown next to the field)."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class WorkOrderUncheckable(Exception):
    """Neither the read model nor TechLink could say whether the work order exists; nothing was created."""

    def __init__(self, workorder: str):
        self.workorder = workorder
        self.message = (
            f"Whether work order {workorder} exists could not be checked because TechLink is not answering; "
            "no link was created. Try again in a moment."
        )
        super().__init__(self.message)


class NamespaceForbidden(Exception):
    """The caller may not place a link in these namespaces."""

    def __init__(self, namespaces: list[str]):
        super().__init__(f"Not allowed for namespace(s): {', '.join(namespaces)}")
        self.namespaces = namespaces


@dataclass(frozen=True)
class IssuedLink:
    """A link together with its customer URL, which exists only at create and regenerate."""

    link: PortalLink
    url: str


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    key: str = field(repr=False)


def _customer_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/p/{token}/"


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _check_namespaces(namespaces: list[str], allowed_namespaces: list[str] | None) -> None:
    if allowed_namespaces is None:
        return
    outside = [ns for ns in namespaces if ns not in allowed_namespaces]
    if outside:
        raise NamespaceForbidden(outside)


def _validate_gates(
    *,
    link_type: str,
    restrictions: dict[str, Any],
    has_passcode: bool,
    passcode_sent: bool,
    expiry_date: datetime | None,
    expiry_changed: bool,
) -> None:
    fields: dict[str, list[str]] = {}
    if link_type == LinkType.SECURE and not has_passcode:
        fields["access_restrictions.passcode"] = ["A secure link needs a passcode."]
    if link_type != LinkType.SECURE and passcode_sent:
        fields["access_restrictions.passcode"] = [
            "Only secure links have a passcode; make the link secure or leave the passcode out."
        ]
    if link_type == LinkType.PRIVATE and not (
        restrictions.get("allowed_emails") or restrictions.get("allowed_domains")
    ):
        fields["access_restrictions.allowed_emails"] = [
            "A private link needs at least one allowed e-mail address or domain."
        ]
    if expiry_changed and expiry_date is not None and expiry_date <= timezone.now():
        fields["expiry_date"] = ["The expiry date must be in the future."]
    if fields:
        raise PortalLinkInvalid("The portal link is not valid.", fields)


def _split_restrictions(restrictions: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The restrictions to store, and the passcode sent with them (None when none was sent)."""
    restrictions = dict(restrictions)
    passcode = restrictions.pop("passcode", None)
    return restrictions, passcode or None


def _gate(link_type: str, restrictions: dict[str, Any]) -> tuple:
    """What a customer session proves when it passes the gate (the passcode is compared separately)."""
    return (
        link_type,
        frozenset(e.lower() for e in restrictions.get("allowed_emails") or []),
        frozenset(d.lower() for d in restrictions.get("allowed_domains") or []),
    )


def _check_workorder(workorder: str) -> None:
    """Refuse a work order that does not exist: the read model is asked first, then TechLink (which also
    brings the work order into the read model). Raises WorkOrderUncheckable when neither can say."""
    from portal_ui.integrations.techlink import errors
    from portal_ui.mirror import selectors as mirror_selectors
    from portal_ui.mirror import services as mirror_services

    workorder_id = int(workorder)
    if mirror_selectors.workorder_get(workorder_id=workorder_id) is not None:
        return
    try:
        record = mirror_services.mirror_workorder_refresh(workorder_id=workorder_id)
    except errors.TechLinkError:
        logger.warning("Could not check whether work order %s exists", workorder, exc_info=True)
        raise WorkOrderUncheckable(workorder) from None
    if record is None:
        raise PortalLinkInvalid(
            f"Work order {workorder} does not exist.",
            {"workorder": [f"There is no work order {workorder} in TechLink."]},
        )


def _set_namespaces(link: PortalLink, namespaces: list[str]) -> None:
    LinkNamespace.objects.filter(link=link).exclude(name__in=namespaces).delete()
    existing = set(LinkNamespace.objects.filter(link=link).values_list("name", flat=True))
    LinkNamespace.objects.bulk_create(
        [LinkNamespace(link=link, name=name) for name in namespaces if name not in existing]
    )


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def portal_link_create(
    *,
    workorder: str,
    link_type: str = LinkType.PRIVATE,
    permissions: dict[str, bool] | None = None,
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
    the key's raise NamespaceForbidden. Only secure links take a passcode."""
    if not WORKORDER_ID.fullmatch(workorder or ""):
        raise PortalLinkInvalid(
            "The work order id must be digits.", {"workorder": ["Use the digits of the id."]}
        )
    if company_namespace is None:
        company_namespace = list(api_key.namespaces) if api_key else [settings.PORTAL_LINK_DEFAULT_NAMESPACE]
    company_namespace = _dedupe(company_namespace)
    if not company_namespace:
        raise PortalLinkInvalid("A link needs a namespace.", {"company_namespace": ["Give at least one."]})
    _check_namespaces(company_namespace, api_key.namespaces if api_key else None)
    restrictions, passcode = _split_restrictions(access_restrictions or {})
    _validate_gates(
        link_type=link_type,
        restrictions=restrictions,
        has_passcode=bool(passcode),
        passcode_sent=bool(passcode),
        expiry_date=expiry_date,
        expiry_changed=True,
    )
    # Outside the transaction: no database transaction stays open while TechLink is asked.
    _check_workorder(workorder)
    token, token_hash = _new_token()
    with transaction.atomic():
        link = PortalLink.objects.create(
            workorder=workorder,
            link_type=link_type,
            permissions=permissions or {},
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
    return IssuedLink(link=link, url=_customer_url(token))


UPDATABLE_FIELDS = (
    "link_type",
    "permissions",
    "access_restrictions",
    "expiry_date",
    "is_active",
    "notification_settings",
    "custom_branding",
    "metadata",
    "company_namespace",
)


@transaction.atomic
def portal_link_update(
    *, link: PortalLink, changes: dict[str, Any], api_key: ApiKey | None = None
) -> PortalLink:
    """Apply the given fields only (partial update). An access_restrictions without a passcode keeps the
    stored passcode; a link that is no longer secure loses its passcode, so making it secure again needs a
    new one. A change of the gate (type, passcode, allowed addresses or domains) ends every customer session
    opened before it."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise PortalLinkInvalid(
            "Unknown fields.", {name: ["This field cannot be changed."] for name in unknown}
        )
    link = PortalLink.objects.select_for_update().get(pk=link.pk)
    gate_before = _gate(link.link_type, link.access_restrictions or {})
    passcode_hash = link.passcode_hash
    passcode_sent = False
    expiry_changed = "expiry_date" in changes and changes["expiry_date"] != link.expiry_date
    if "company_namespace" in changes:
        namespaces = _dedupe(changes["company_namespace"] or [])
        if not namespaces:
            raise PortalLinkInvalid(
                "A link needs a namespace.", {"company_namespace": ["Give at least one."]}
            )
        _check_namespaces(namespaces, api_key.namespaces if api_key else None)
        link.company_namespace = namespaces
        _set_namespaces(link, namespaces)
    if "access_restrictions" in changes:
        restrictions, passcode = _split_restrictions(changes["access_restrictions"] or {})
        link.access_restrictions = restrictions
        if passcode:
            passcode_sent = True
            passcode_hash = make_password(passcode)
    for name in (
        "link_type",
        "permissions",
        "expiry_date",
        "is_active",
        "notification_settings",
        "custom_branding",
        "metadata",
    ):
        if name in changes:
            setattr(link, name, changes[name])
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
    link.is_active = False
    link.save(update_fields=["is_active", "updated_at"])
    return link


def portal_link_delete(*, link: PortalLink) -> None:
    """Delete the link; its URL answers like any unknown link. The access log is kept."""
    link.delete()


def portal_link_check_passcode(*, link: PortalLink, passcode: str) -> bool:
    return bool(link.passcode_hash) and check_password(passcode, link.passcode_hash)


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
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = revoked_by
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """The active key matching `key` (recording its use), else None."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != API_KEY_PREFIX or not parts[1]:
        return None
    api_key = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_token(key)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# --- the customer side: views, gates, comments and uploads ------------------------------------------------

LOCKOUT_WINDOW = timedelta(minutes=15)
PASSCODE_MAX_FAILURES = 5
CODE_MAX_SENDS = 5
CODE_MAX_ATTEMPTS = 5
CODE_LIFETIME = timedelta(minutes=10)
COMMENT_MAX_LENGTH = 2000


def access_log_record(
    *, link_ref: str, ip: str | None, outcome: str, what: str, detail: str = ""
) -> AccessLog:
    return AccessLog.objects.create(
        link_ref=link_ref or "", ip=ip or None, outcome=outcome, what=what[:100], detail=detail[:255]
    )


def _recent(link: PortalLink, ip: str | None, outcomes: list[str], what: str | None = None) -> int:
    logs = AccessLog.objects.filter(
        link_ref=link.pk, ip=ip or None, outcome__in=outcomes, at__gte=timezone.now() - LOCKOUT_WINDOW
    )
    if what:
        logs = logs.filter(what=what)
    return logs.count()


def _notify(recipients: list[str], subject: str, body: str) -> None:
    """Tell staff about customer activity; a failing mail server never breaks the customer's page."""
    if not recipients:
        return
    try:
        send_mail(subject, body, None, list(dict.fromkeys(recipients)))
    except Exception:
        logger.exception("Could not send the portal link notification %r", subject)


def _link_label(link: PortalLink) -> str:
    return f"portal link {link.pk} (work order {link.workorder})"


def portal_link_view_count(*, link: PortalLink, ip: str | None) -> bool:
    """Count one page view; False when the link's view limit is already reached (nothing counted).
    Sends the first-view and each-view notifications."""
    now = timezone.now()
    links = PortalLink.objects.filter(pk=link.pk)
    if link.max_views is not None:
        links = links.filter(view_count__lt=link.max_views)
    if not links.update(view_count=F("view_count") + 1, last_viewed_at=now):
        return False
    link.refresh_from_db(fields=["view_count", "last_viewed_at"])
    settings_ = link.notification_settings or {}
    when = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    if link.view_count == 1:
        _notify(
            settings_.get("on_first_view", []),
            f"Portal link opened: work order {link.workorder}",
            f"The {_link_label(link)} was opened for the first time at {when} from {ip or 'unknown'}.",
        )
    _notify(
        settings_.get("on_each_view", []),
        f"Portal link viewed: work order {link.workorder}",
        f"The {_link_label(link)} was viewed at {when} from {ip or 'unknown'} (view {link.view_count}).",
    )
    return True


def portal_link_passcode_attempt(*, link: PortalLink, passcode: str, ip: str | None) -> str:
    """ "ok", "bad" (wrong passcode) or "locked" (too many wrong tries from this address recently)."""
    if _recent(link, ip, [AccessOutcome.BAD_PASSCODE]) >= PASSCODE_MAX_FAILURES:
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.LOCKED, what="passcode")
        return "locked"
    if portal_link_check_passcode(link=link, passcode=passcode):
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="passcode")
        return "ok"
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.BAD_PASSCODE, what="passcode")
    return "bad"


def _email_allowed(*, link: PortalLink, email: str) -> bool:
    email = email.strip().lower()
    restrictions = link.access_restrictions or {}
    if email in [e.lower() for e in restrictions.get("allowed_emails", [])]:
        return True
    domain = email.rpartition("@")[2]
    return bool(domain) and domain in [d.lower() for d in restrictions.get("allowed_domains", [])]


def _code_hash(link: PortalLink, email: str, code: str) -> str:
    return salted_hmac("portal_links.email_code", f"{link.pk}:{email}:{code}", algorithm="sha256").hexdigest()


def portal_link_email_code_send(*, link: PortalLink, email: str, ip: str | None) -> str:
    """E-mail a one-time code when the address may open the link: "sent", "refused" (address not allowed;
    the visitor is told the same as for "sent") or "limited" (too many codes asked for recently)."""
    email = email.strip().lower()
    if _recent(link, ip, [AccessOutcome.CODE_SENT, AccessOutcome.DENIED], what="code") >= CODE_MAX_SENDS:
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.LOCKED, what="code")
        return "limited"
    if not _email_allowed(link=link, email=email):
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.DENIED, what="code", detail=email)
        return "refused"
    code = f"{secrets.randbelow(10**6):06d}"
    EmailCode.objects.filter(link=link, email=email, used_at__isnull=True).update(used_at=timezone.now())
    EmailCode.objects.create(
        link=link,
        email=email,
        code_hash=_code_hash(link, email, code),
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    send_mail(
        "Your access code",
        f"Your code to open the work order page is {code}. It is valid for {minutes} minutes.\n"
        "If you did not ask for it, ignore this e-mail.",
        None,
        [email],
    )
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.CODE_SENT, what="code", detail=email)
    return "sent"


def portal_link_email_code_verify(*, link: PortalLink, email: str, code: str, ip: str | None) -> str:
    """ "ok", "bad" (wrong code, tries left) or "expired" (no usable code: expired, used up or never sent)."""
    email = email.strip().lower()
    pending = (
        EmailCode.objects.filter(link=link, email=email, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if pending is None or pending.attempts >= CODE_MAX_ATTEMPTS:
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.BAD_CODE, what="code", detail=email)
        return "expired"
    if hmac.compare_digest(pending.code_hash, _code_hash(link, email, code.strip())):
        pending.used_at = timezone.now()
        pending.save(update_fields=["used_at"])
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="code", detail=email)
        return "ok"
    EmailCode.objects.filter(pk=pending.pk).update(attempts=F("attempts") + 1)
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.BAD_CODE, what="code", detail=email)
    return "expired" if pending.attempts + 1 >= CODE_MAX_ATTEMPTS else "bad"


def _customer_note_prefix(*, email: str = "") -> str:
    """How a customer's comment starts in the work order's notes."""
    return f"Customer comment (via portal link, {email}):" if email else "Customer comment (via portal link):"


def portal_link_customer_comment(
    *, link: PortalLink, note: str, ip: str | None, email: str = ""
) -> "UpstreamWrite":
    """Send the customer's comment upstream as a work order note (durable write); notify.

    The note is sent under the dashboard's TechLink account, so its text starts with "Customer comment (via
    portal link[, the visitor's proven e-mail address]):" to tell staff and technicians who wrote it."""
    from portal_ui.jobs import services as job_services

    note = note.strip()
    if not note:
        raise PortalLinkInvalid("Write a comment first.", {"note": ["Write a comment first."]})
    if len(note) > COMMENT_MAX_LENGTH:
        raise PortalLinkInvalid(
            "The comment is too long.", {"note": [f"At most {COMMENT_MAX_LENGTH} characters."]}
        )
    if "\x00" in note:
        message = (
            "The comment contains an invisible NUL character, which cannot be sent; remove it and try again."
        )
        raise PortalLinkInvalid(message, {"note": [message]})
    who = f" ({email})" if email else ""
    try:
        # The final text is what the durable write records and later matches upstream.
        write = job_services.workorder_note_add(
            user=None,
            workorder_id=int(link.workorder),
            note=f"{_customer_note_prefix(email=email)} {note}",
            actor_label=f"Customer via portal link {link.pk}",
        )
    except DjangoValidationError as exc:
        raise PortalLinkInvalid(" ".join(exc.messages), {"note": exc.messages}) from None
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="comment", detail=email)
    _notify(
        (link.notification_settings or {}).get("on_customer_comment", []),
        f"Customer comment: work order {link.workorder}",
        f"A customer{who} commented through the {_link_label(link)}:\n\n{note}",
    )
    return write


def portal_link_customer_upload(
    *, link: PortalLink, upload: UploadedFile, description: str, ip: str | None, email: str = ""
) -> "UpstreamWrite":
    """Send the customer's file upstream as a work order document (durable write); notify."""
    from portal_ui.jobs import services as job_services

    if upload is None:
        raise PortalLinkInvalid("Choose a file first.", {"upload": ["Choose a file first."]})
    if upload.size > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES / 1024 / 1024
        raise PortalLinkInvalid(
            "The file is too large.", {"upload": [f"Files up to {limit:.0f} MB can be sent."]}
        )
    if "\x00" in description or "\x00" in (upload.name or ""):
        message = (
            "The file name or description contains an invisible NUL character, which cannot be sent; "
            "remove it and try again."
        )
        raise PortalLinkInvalid(message, {"upload": [message]})
    who = f" ({email})" if email else ""
    try:
        write = job_services.workorder_document_upload(
            user=None,
            workorder_id=int(link.workorder),
            upload=upload,
            description=description.strip()[:200],
            actor_label=f"Customer via portal link {link.pk}",
        )
    except DjangoValidationError as exc:
        raise PortalLinkInvalid(" ".join(exc.messages), {"upload": exc.messages}) from None
    access_log_record(
        link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="upload", detail=upload.name[:200]
    )
    _notify(
        (link.notification_settings or {}).get("on_customer_upload", []),
        f"Customer upload: work order {link.workorder}",
        f"A customer{who} uploaded “{upload.name}” through the {_link_label(link)}.",
    )
    return write


def portal_link_housekeeping(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete one-time codes a day after they expired, and access-log rows older than
    ``PORTAL_LINK_ACCESS_LOG_DAYS``. Returns (codes, log rows) removed."""
    now = now or timezone.now()
    codes, _ = EmailCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    keep_days = int(getattr(settings, "PORTAL_LINK_ACCESS_LOG_DAYS", 365))
    logs, _ = AccessLog.objects.filter(at__lt=now - timedelta(days=keep_days)).delete()
    return codes, logs
