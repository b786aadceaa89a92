"""The gates in front of a link: passcode attempts (secure links) and e-mailed one-time codes (private
links). Every attempt is written to the access log, which also drives the lockouts."""

import enum
import hmac
import secrets
from datetime import timedelta

from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal_ui.portal_links.customer.services import access_log_record
from portal_ui.portal_links.models import AccessLog, AccessOutcome, EmailCode, PortalLink
from portal_ui.portal_links.services import portal_link_check_passcode

LOCKOUT_WINDOW = timedelta(minutes=15)
PASSCODE_MAX_FAILURES = 5
CODE_MAX_SENDS = 5
CODE_MAX_ATTEMPTS = 5
CODE_LIFETIME = timedelta(minutes=10)


class PasscodeOutcome(enum.StrEnum):
    """OK, WRONG, or LOCKED: too many wrong passcodes from this address recently (nothing was compared)."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


class CodeRequestOutcome(enum.StrEnum):
    """SENT; REFUSED: the address may not open the link (the visitor is told the same as for SENT); or
    LIMITED: too many codes asked for from this address recently."""

    SENT = "sent"
    REFUSED = "refused"
    LIMITED = "limited"


class CodeCheckOutcome(enum.StrEnum):
    """OK; WRONG: a wrong code, with tries left; or EXPIRED: no usable code (expired, used up, never sent)."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"


def _recent(link: PortalLink, ip: str | None, outcomes: list[str], what: str | None = None) -> int:
    logs = AccessLog.objects.filter(
        link_ref=link.pk, ip=ip or None, outcome__in=outcomes, at__gte=timezone.now() - LOCKOUT_WINDOW
    )
    if what:
        logs = logs.filter(what=what)
    return logs.count()


def portal_link_passcode_attempt(*, link: PortalLink, passcode: str, ip: str | None) -> PasscodeOutcome:
    """Compare the passcode, unless this address has had too many wrong tries recently."""
    if _recent(link, ip, [AccessOutcome.BAD_PASSCODE]) >= PASSCODE_MAX_FAILURES:
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.LOCKED, what="passcode")
        return PasscodeOutcome.LOCKED
    if portal_link_check_passcode(link=link, passcode=passcode):
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="passcode")
        return PasscodeOutcome.OK
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.BAD_PASSCODE, what="passcode")
    return PasscodeOutcome.WRONG


def _email_allowed(*, link: PortalLink, email: str) -> bool:
    restrictions = link.access_restrictions or {}
    if email in [e.lower() for e in restrictions.get("allowed_emails", [])]:
        return True
    domain = email.rpartition("@")[2]
    return bool(domain) and domain in [d.lower() for d in restrictions.get("allowed_domains", [])]


def _code_hash(link: PortalLink, email: str, code: str) -> str:
    return salted_hmac("portal_links.email_code", f"{link.pk}:{email}:{code}", algorithm="sha256").hexdigest()


def portal_link_email_code_send(*, link: PortalLink, email: str, ip: str | None) -> CodeRequestOutcome:
    """E-mail a one-time code when the address may open the link (any earlier unused code stops working)."""
    email = email.strip().lower()
    if _recent(link, ip, [AccessOutcome.CODE_SENT, AccessOutcome.DENIED], what="code") >= CODE_MAX_SENDS:
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.LOCKED, what="code")
        return CodeRequestOutcome.LIMITED
    if not _email_allowed(link=link, email=email):
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.DENIED, what="code", detail=email)
        return CodeRequestOutcome.REFUSED
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
    return CodeRequestOutcome.SENT


def portal_link_email_code_verify(
    *, link: PortalLink, email: str, code: str, ip: str | None
) -> CodeCheckOutcome:
    """Check a one-time code for the address; a right code is used up, and so is one tried too often."""
    email = email.strip().lower()
    pending = (
        EmailCode.objects.filter(link=link, email=email, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if pending is None or pending.attempts >= CODE_MAX_ATTEMPTS:
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.BAD_CODE, what="code", detail=email)
        return CodeCheckOutcome.EXPIRED
    if hmac.compare_digest(pending.code_hash, _code_hash(link, email, code.strip())):
        pending.used_at = timezone.now()
        pending.save(update_fields=["used_at"])
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="code", detail=email)
        return CodeCheckOutcome.OK
    EmailCode.objects.filter(pk=pending.pk).update(attempts=F("attempts") + 1)
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.BAD_CODE, what="code", detail=email)
    return CodeCheckOutcome.EXPIRED if pending.attempts + 1 >= CODE_MAX_ATTEMPTS else CodeCheckOutcome.WRONG
