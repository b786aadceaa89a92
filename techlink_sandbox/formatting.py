"""Value formats of the upstream API's JSON (dates, money, quantities, booleans)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

# The portal's own zone: used where no job site gives a better one (e.g. a user's last login).
PORTAL_TZ_NAME = "America/New_York"
UNSCHEDULED = "0000-00-00 00:00:00"
TRUE_WORDS = frozenset({"1", "true", "yes"})


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or PORTAL_TZ_NAME)


def utc_stamp(dt: datetime) -> str:
    """'2018-06-04 13:02:04 UTC' (site and work order last_modified)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def local_stamp(dt: datetime, tz: str) -> str:
    """'2018-06-13 09:14:18 EDT': created_date of work orders, notes, tasks, quotes and photos."""
    return dt.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")


def local_plain(dt: datetime, tz: str) -> str:
    """'2018-06-13 20:24:55': site-local time without a zone (question last_modified, scheduled_date)."""
    return dt.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S")


def parse_decimal(value: str) -> Decimal | None:
    """Parse '5,000.00', '$12', '1.5'; None when it is not a finite number."""
    cleaned = value.strip().replace(",", "").replace("$", "")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money(value: Decimal) -> str:
    """'5,000.00'."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def quantity(value: Decimal) -> str:
    """'2' for whole quantities, '1.5' otherwise (the portal sends quantities as strings)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def truthy(value: str | None) -> bool:
    """Query-string booleans: '1', 'true', 'yes' (any case) are true."""
    return value is not None and value.strip().lower() in TRUE_WORDS
