"""The gates in front of a link: passcode attempts (secure links) and e-mailed one-time codes (private links).

Every attempt is reserved before anything is compared, in one atomic step: a conditional UPDATE that raises a
counter only while it is under its limit (``GateCounter`` rows for passcodes and code requests, the code's own
row for code checks). Parallel attempts queue on the row (a row lock on PostgreSQL, the single writer on
SQLite), so no more attempts than the limit are ever compared. Passcodes are limited per address and, across
all addresses, per link; a right passcode does not count as a try.
"""

import enum
import hmac
import logging
import secrets
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from kombu.exceptions import OperationalError as BrokerError

from portal_ui.portal_links.customer.access import access_log_record, access_refusal_count
from portal_ui.portal_links.models import AccessOutcome, EmailCode, GateCounter, PortalLink
from portal_ui.portal_links.services import portal_link_check_passcode

logger = logging.getLogger(__name__)

LOCKOUT_WINDOW = timedelta(minutes=15)
PASSCODE_MAX_FAILURES = 5
PASSCODE_MAX_FAILURES_PER_LINK = 10
CODE_MAX_SENDS = 5
CODE_MAX_SENDS_PER_LINK = 20
CODE_MAX_ATTEMPTS = 5
CODE_LIFETIME = timedelta(minutes=10)


class PasscodeOutcome(enum.StrEnum):
    """OK, WRONG, or LOCKED: too many wrong passcodes from this address, or for this link from any address,
    recently (nothing was compared)."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


class CodeRequestOutcome(enum.StrEnum):
    """SENT; REFUSED: the address may not open the link (the visitor is told the same as for SENT); or
    LIMITED: too many codes asked for from this address, or for this link, recently."""

    SENT = "sent"
    REFUSED = "refused"
    LIMITED = "limited"


class CodeCheckOutcome(enum.StrEnum):
    """OK; WRONG: a wrong code, with tries left; or EXPIRED: no usable code (expired, used up, never sent)."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"


class _LimitReached(Exception):
    pass


def _keys(ip: str | None, *, per_link: int, per_address: int) -> list[tuple[str, int]]:
    """The counters an attempt raises, the link's first (always locked in this order: no deadlock)."""
    return [("link", per_link), (f"ip:{ip or '-'}", per_address)]


def _reserve(link: PortalLink, scope: str, limits: list[tuple[str, int]]) -> bool:
    """Raise every counter of `limits` by one, all or none, unless one is at its limit in the current
    window (a window older than LOCKOUT_WINDOW starts again at this attempt)."""
    now = timezone.now()
    cutoff = now - LOCKOUT_WINDOW
    GateCounter.objects.bulk_create(
        [GateCounter(link=link, scope=scope, key=key, window_started_at=now) for key, _ in limits],
        ignore_conflicts=True,
    )
    try:
        with transaction.atomic():
            for key, limit in limits:
                counter = GateCounter.objects.filter(link=link, scope=scope, key=key)
                if counter.filter(window_started_at__lt=cutoff).update(count=1, window_started_at=now):
                    continue
                if not counter.filter(count__lt=limit).update(count=F("count") + 1):
                    raise _LimitReached
    except _LimitReached:
        return False
    return True


def _release(link: PortalLink, scope: str, limits: list[tuple[str, int]]) -> None:
    """Give back the tries an attempt reserved (a right passcode is not a failure)."""
    GateCounter.objects.filter(link=link, scope=scope, key__in=[key for key, _ in limits]).update(
        count=Greatest(F("count") - 1, 0)
    )


def portal_link_passcode_attempt(*, link: PortalLink, passcode: str, ip: str | None) -> PasscodeOutcome:
    """Compare the passcode, unless this address or this link has had too many wrong tries recently."""
    limits = _keys(ip, per_link=PASSCODE_MAX_FAILURES_PER_LINK, per_address=PASSCODE_MAX_FAILURES)
    if not _reserve(link, "passcode", limits):
        access_refusal_count(link_ref=link.pk, outcome=AccessOutcome.LOCKED)
        return PasscodeOutcome.LOCKED
    if portal_link_check_passcode(link=link, passcode=passcode):
        _release(link, "passcode", limits)
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="passcode")
        return PasscodeOutcome.OK
    access_refusal_count(link_ref=link.pk, outcome=AccessOutcome.BAD_PASSCODE)
    return PasscodeOutcome.WRONG


def _email_allowed(*, link: PortalLink, email: str) -> bool:
    restrictions = link.access_restrictions or {}
    if email in [e.lower() for e in restrictions.get("allowed_emails", [])]:
        return True
    domain = email.rpartition("@")[2]
    return bool(domain) and domain in [d.lower() for d in restrictions.get("allowed_domains", [])]


def _code_hash(link: PortalLink, email: str, code: str) -> str:
    return salted_hmac("portal_links.email_code", f"{link.pk}:{email}:{code}", algorithm="sha256").hexdigest()


def _mail_code(email: str, code: str) -> None:
    """Queue the code's e-mail (a worker sends it); sent from here only when the queue cannot take it."""
    from portal_ui.portal_links.tasks import code_mail

    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    try:
        code_mail.delay(email=email, code=code, minutes=minutes)
    except (BrokerError, OSError):
        logger.warning("Could not queue a one-time code e-mail; sending it now", exc_info=True)
        subject, body = code_mail_text(code=code, minutes=minutes)
        send_mail(subject, body, None, [email])


def code_mail_text(*, code: str, minutes: int) -> tuple[str, str]:
    """The subject and body of a one-time code e-mail."""
    return (
        "Your access code",
        f"Your code to open the work order page is {code}. It is valid for {minutes} minutes.\n"
        "If you did not ask for it, ignore this e-mail.",
    )


def portal_link_email_code_send(*, link: PortalLink, email: str, ip: str | None) -> CodeRequestOutcome:
    """E-mail a one-time code when the address may open the link. Codes sent before stay valid until they
    expire, are used, or are tried too often."""
    email = email.strip().lower()
    if not _reserve(
        link, "code_send", _keys(ip, per_link=CODE_MAX_SENDS_PER_LINK, per_address=CODE_MAX_SENDS)
    ):
        access_refusal_count(link_ref=link.pk, outcome=AccessOutcome.LOCKED)
        return CodeRequestOutcome.LIMITED
    if not _email_allowed(link=link, email=email):
        access_refusal_count(link_ref=link.pk, outcome=AccessOutcome.DENIED)
        return CodeRequestOutcome.REFUSED
    code = f"{secrets.randbelow(10**6):06d}"
    EmailCode.objects.create(
        link=link,
        email=email,
        code_hash=_code_hash(link, email, code),
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    _mail_code(email, code)
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.CODE_SENT, what="code", detail=email)
    return CodeRequestOutcome.SENT


def _usable_codes(link: PortalLink, email: str):
    return EmailCode.objects.filter(
        link=link,
        email=email,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        attempts__lt=CODE_MAX_ATTEMPTS,
    )


def _matching_code(link: PortalLink, email: str, code: str, candidates: list[EmailCode]) -> EmailCode | None:
    """The candidate whose hash is that of `code` (compared in constant time), if any."""
    wanted = _code_hash(link, email, code)
    return next((c for c in candidates if hmac.compare_digest(c.code_hash, wanted)), None)


def portal_link_email_code_verify(
    *, link: PortalLink, email: str, code: str, ip: str | None
) -> CodeCheckOutcome:
    """Check a one-time code for the address. The try is first taken from one of the address's usable codes
    (each allows CODE_MAX_ATTEMPTS), then the code is compared with every usable code; a right code uses up
    all of the address's codes."""
    email = email.strip().lower()
    candidates = list(_usable_codes(link, email).order_by("-created_at"))
    reserved = next(
        (
            c
            for c in candidates
            if _usable_codes(link, email).filter(pk=c.pk).update(attempts=F("attempts") + 1)
        ),
        None,
    )
    if reserved is None:
        access_refusal_count(link_ref=link.pk, outcome=AccessOutcome.BAD_CODE)
        return CodeCheckOutcome.EXPIRED
    match = _matching_code(link, email, code.strip(), candidates)
    now = timezone.now()
    if match is not None and EmailCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now):
        EmailCode.objects.filter(link=link, email=email, used_at__isnull=True).update(used_at=now)
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="code", detail=email)
        return CodeCheckOutcome.OK
    access_refusal_count(link_ref=link.pk, outcome=AccessOutcome.BAD_CODE)
    return CodeCheckOutcome.WRONG if _usable_codes(link, email).exists() else CodeCheckOutcome.EXPIRED
