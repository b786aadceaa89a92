"""Typed, immutable views of TechLink objects.

Every type has a ``from_api(dict)`` classmethod that accepts the JSON object exactly as TechLink
sends it. Parsing is forgiving: unknown extra fields are ignored, missing optional fields get
empty defaults, ids become ``int``, money strings such as ``"5,000.00"`` become ``Decimal``,
empty or all-zero dates become ``None``, dates carrying a US zone abbreviation ("EDT", "UTC", ...)
become aware datetimes and dates without a zone stay naive (site-local time).
"""

from __future__ import annotations

import contextlib
import email.message
import email.utils
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "OPEN_STATUS_CODES",
    "WORKORDER_STATUSES",
    "WORKORDER_TYPES",
    "Address",
    "Contact",
    "Document",
    "Installer",
    "Note",
    "Photo",
    "Project",
    "Question",
    "Quote",
    "RawFile",
    "Site",
    "SiteAttribute",
    "Task",
    "TaskItem",
    "Tech",
    "User",
    "WorkOrder",
    "parse_datetime",
    "parse_decimal",
    "site_zone",
]

WORKORDER_STATUSES: dict[int, str] = {
    10: "Created",
    20: "Received",
    30: "Pending Assignment",
    40: "Assigned",
    50: "Pending Schedule",
    60: "Scheduled",
    70: "In Progress",
    80: "Work Complete",
    90: "Closed",
    95: "Cancelled",
    99: "On Hold",
}
# Work orders that still need attention from dispatch: everything except closed or cancelled.
OPEN_STATUS_CODES: frozenset[int] = frozenset(WORKORDER_STATUSES) - {90, 95}
WORKORDER_TYPES: tuple[str, ...] = ("Work Order", "Site Survey")

_ZONES: dict[str, timezone] = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    "EST": timezone(timedelta(hours=-5), "EST"),
    "EDT": timezone(timedelta(hours=-4), "EDT"),
    "CST": timezone(timedelta(hours=-6), "CST"),
    "CDT": timezone(timedelta(hours=-5), "CDT"),
    "MST": timezone(timedelta(hours=-7), "MST"),
    "MDT": timezone(timedelta(hours=-6), "MDT"),
    "PST": timezone(timedelta(hours=-8), "PST"),
    "PDT": timezone(timedelta(hours=-7), "PDT"),
    "AKST": timezone(timedelta(hours=-9), "AKST"),
    "AKDT": timezone(timedelta(hours=-8), "AKDT"),
    "HST": timezone(timedelta(hours=-10), "HST"),
    "HDT": timezone(timedelta(hours=-9), "HDT"),
    # Atlantic and Newfoundland (Puerto Rico, the Virgin Islands, the Maritimes, Newfoundland).
    "AST": timezone(timedelta(hours=-4), "AST"),
    "ADT": timezone(timedelta(hours=-3), "ADT"),
    "NST": timezone(-timedelta(hours=3, minutes=30), "NST"),
    "NDT": timezone(-timedelta(hours=2, minutes=30), "NDT"),
    # Pacific territories (Guam and the Northern Marianas, American Samoa).
    "CHST": timezone(timedelta(hours=10), "ChST"),
    "SST": timezone(timedelta(hours=-11), "SST"),
}
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


# -- site time zones ---------------------------------------------------------------------------


def site_zone(name: str | None) -> ZoneInfo | None:
    """The site's IANA time zone (a site's ``timezone``, e.g. "America/New_York"), or None when it is empty
    or unknown. Scheduled dates are naive site-local times in this zone."""
    if not name or not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


# -- field parsers ---------------------------------------------------------------------------


def parse_datetime(value: Any) -> datetime | None:
    """Parse a TechLink date/time; ``None`` for empty, all-zero or unreadable values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not text or text.startswith(("0000-00-00", "0000/00/00")):
        return None
    tz = None
    head, _, tail = text.rpartition(" ")
    if head and tail.upper() in _ZONES:
        text, tz = head.strip(), _ZONES[tail.upper()]
    for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=tz) if tz else parsed
    with contextlib.suppress(ValueError):
        parsed = datetime.fromisoformat(text)
        return parsed.replace(tzinfo=tz) if tz and parsed.tzinfo is None else parsed
    return None


def parse_decimal(value: Any) -> Decimal | None:
    """Parse a money or quantity value such as ``"5,000.00"``; ``None`` when empty or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "").replace("$", "").replace(" ", "")
    if not text:
        return None
    try:
        result = Decimal(text)
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _int(value: Any) -> int | None:
    """Parse an id or counter; ``None`` when empty or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        number = parse_decimal(value)
        return int(number) if number is not None and number == int(number) else None


def _id(value: Any) -> int | None:
    """Like ``_int`` but treats 0 as "no reference" (TechLink's way of saying none)."""
    number = _int(value)
    return number or None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    if isinstance(value, dict):  # some TechLink answers key arrays by id
        return list(value.values())
    return value if isinstance(value, list) else []


def _optional_list(data: dict[str, Any], key: str, cls: type, **defaults: Any) -> list[Any] | None:
    if key not in data or data[key] is None:
        return None
    return [cls.from_api(item, **defaults) for item in _list(data[key]) if isinstance(item, dict)]


# -- objects -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> Self:
        data = _dict(data)
        return cls(name=_str(data.get("name")), phone=_str(data.get("phone")), email=_str(data.get("email")))

    def __bool__(self) -> bool:
        return bool(self.name or self.phone or self.email)


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    street2: str = ""
    street3: str = ""
    city: str = ""
    state: str = ""
    stateabbr: str = ""
    zip: str = ""
    country: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> Self:
        data = _dict(data)
        return cls(
            street=_str(data.get("street")),
            street2=_str(data.get("street2")),
            street3=_str(data.get("street3")),
            city=_str(data.get("city")),
            state=_str(data.get("state")),
            stateabbr=_str(data.get("stateabbr")),
            zip=_str(data.get("zip")),
            country=_str(data.get("country")),
            latitude=parse_decimal(data.get("latitude")),
            longitude=parse_decimal(data.get("longitude")),
        )

    @property
    def lines(self) -> list[str]:
        """Non-empty street lines followed by "City, ST ZIP"."""
        city_line = " ".join(
            p for p in (f"{self.city}," if self.city else "", self.stateabbr or self.state, self.zip) if p
        )
        return [line for line in (self.street, self.street2, self.street3, city_line.strip(" ,")) if line]


@dataclass(frozen=True, slots=True)
class SiteAttribute:
    attribute_id: int | None
    site_id: int | None
    name: str
    value: str

    @classmethod
    def from_api(cls, data: dict[str, Any], site_id: int | None = None) -> Self:
        return cls(
            attribute_id=_id(data.get("attribute_id")),
            site_id=_id(data.get("site_id")) or site_id,
            name=_str(data.get("name")),
            value=_str(data.get("value")),
        )


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    name: str = ""
    siteid: str = ""
    phone: str = ""
    fax: str = ""
    notes: str = ""
    timezone: str = ""
    last_modified: datetime | None = None
    contact1: Contact = field(default_factory=Contact)
    contact2: Contact = field(default_factory=Contact)
    address: Address = field(default_factory=Address)
    attributes: list[SiteAttribute] = field(default_factory=list)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Self:
        site_id = _int(data.get("id"))
        if site_id is None:
            raise ValueError(f"Site object without a valid id: {data.get('id')!r}")
        raw_attributes = data.get("attributes")
        attributes: list[SiteAttribute] = []
        if isinstance(raw_attributes, dict) and not all(isinstance(v, dict) for v in raw_attributes.values()):
            # Tolerate a plain {name: value} mapping.
            attributes = [SiteAttribute(None, site_id, str(k), _str(v)) for k, v in raw_attributes.items()]
        else:
            attributes = [
                SiteAttribute.from_api(item, site_id=site_id)
                for item in _list(raw_attributes)
                if isinstance(item, dict)
            ]
        return cls(
            id=site_id,
            name=_str(data.get("name")),
            siteid=_str(data.get("siteid", data.get("site_id"))),
            phone=_str(data.get("phone")),
            fax=_str(data.get("fax")),
            notes=_str(data.get("notes")),
            timezone=_str(data.get("timezone")),
            last_modified=parse_datetime(data.get("last_modified")),
            contact1=Contact.from_api(data.get("contact1")),
            contact2=Contact.from_api(data.get("contact2")),
            address=Address.from_api(data.get("address")),
            attributes=attributes,
        )

    def attribute(self, name: str, default: str | None = None) -> str | None:
        """Value of the attribute called ``name`` (names compare case-insensitively)."""
        wanted = name.casefold()
        for attribute in self.attributes:
            if attribute.name.casefold() == wanted:
                return attribute.value
        return default


@dataclass(frozen=True, slots=True)
class Document:
    document_id: int
    parent_id: int | None = None
    site_id: int | None = None
    workorder_id: int | None = None
    filename: str = ""
    description: str = ""
    url: str = ""

    @classmethod
    def from_api(
        cls, data: dict[str, Any], site_id: int | None = None, workorder_id: int | None = None
    ) -> Self:
        site_id = _id(data.get("site_id")) or site_id
        workorder_id = _id(data.get("workorder_id")) or workorder_id
        return cls(
            document_id=_int(data.get("document_id")) or 0,
            parent_id=workorder_id or site_id,
            site_id=site_id,
            workorder_id=workorder_id,
            filename=_str(data.get("filename")),
            description=_str(data.get("description")),
            url=_str(data.get("url")),
        )


@dataclass(frozen=True, slots=True)
class Project:
    project_id: int
    name: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Self:
        return cls(project_id=_int(data.get("project_id")) or 0, name=_str(data.get("name")))


@dataclass(frozen=True, slots=True)
class TaskItem:
    taskitem_id: int
    name: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Self:
        return cls(taskitem_id=_int(data.get("taskitem_id")) or 0, name=_str(data.get("name")))


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    username: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    restricted: bool = False
    enabled: bool = True
    last_login: datetime | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Self:
        return cls(
            user_id=_int(data.get("user_id")) or 0,
            username=_str(data.get("username")),
            name=_str(data.get("name")),
            email=_str(data.get("email")),
            phone=_str(data.get("phone")),
            restricted=_bool(data.get("restricted", False)),
            enabled=_bool(data.get("enabled", True)),
            last_login=parse_datetime(data.get("last_login")),
        )


@dataclass(frozen=True, slots=True)
class Installer:
    name: str = ""
    phone: str = ""
    email: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> Self:
        data = _dict(data)
        return cls(name=_str(data.get("name")), phone=_str(data.get("phone")), email=_str(data.get("email")))

    def __bool__(self) -> bool:
        return bool(self.name.strip() or self.phone.strip() or self.email.strip())


@dataclass(frozen=True, slots=True)
class Tech:
    name: str = ""
    phone: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> Self:
        data = _dict(data)
        return cls(name=_str(data.get("name")), phone=_str(data.get("phone")))

    def __bool__(self) -> bool:
        return bool(self.name.strip() or self.phone.strip())


@dataclass(frozen=True, slots=True)
class Note:
    note_id: int
    workorder_id: int | None = None
    author: str = ""
    content: str = ""
    created_date: datetime | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any], workorder_id: int | None = None) -> Self:
        return cls(
            note_id=_int(data.get("note_id")) or 0,
            workorder_id=_id(data.get("workorder_id")) or workorder_id,
            author=_str(data.get("author")),
            content=_str(data.get("content")),
            created_date=parse_datetime(data.get("created_date")),
        )


def _notes(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [_str(v) for v in value]
    return [_str(value)]


@dataclass(frozen=True, slots=True)
class Task:
    task_id: int
    workorder_id: int | None = None
    item: str = ""
    item_notes: list[str] = field(default_factory=list)
    description: str = ""
    description_notes: list[str] = field(default_factory=list)
    quantity: Decimal | None = None
    rate: Decimal | None = None
    price: Decimal | None = None
    created_date: datetime | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any], workorder_id: int | None = None) -> Self:
        return cls(
            task_id=_int(data.get("task_id")) or 0,
            workorder_id=_id(data.get("workorder_id")) or workorder_id,
            item=_str(data.get("item")),
            item_notes=_notes(data.get("item_notes")),
            description=_str(data.get("description")),
            description_notes=_notes(data.get("description_notes")),
            quantity=parse_decimal(data.get("quantity")),
            rate=parse_decimal(data.get("rate")),
            price=parse_decimal(data.get("price")),
            created_date=parse_datetime(data.get("created_date")),
        )


@dataclass(frozen=True, slots=True)
class Quote:
    quote_id: int
    workorder_id: int | None = None
    item: str = ""
    description: str = ""
    quantity: Decimal | None = None
    rate: Decimal | None = None
    price: Decimal | None = None
    created_date: datetime | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any], workorder_id: int | None = None) -> Self:
        return cls(
            quote_id=_int(data.get("quote_id")) or 0,
            workorder_id=_id(data.get("workorder_id")) or workorder_id,
            item=_str(data.get("item")),
            description=_str(data.get("description")),
            quantity=parse_decimal(data.get("quantity")),
            rate=parse_decimal(data.get("rate")),
            price=parse_decimal(data.get("price")),
            created_date=parse_datetime(data.get("created_date")),
        )


@dataclass(frozen=True, slots=True)
class Photo:
    photo_id: int
    workorder_id: int | None = None
    note: str = ""
    filename: str = ""
    url: str = ""
    created_date: datetime | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any], workorder_id: int | None = None) -> Self:
        return cls(
            photo_id=_int(data.get("photo_id")) or 0,
            workorder_id=_id(data.get("workorder_id")) or workorder_id,
            note=_str(data.get("note")),
            filename=_str(data.get("filename")),
            url=_str(data.get("url")),
            created_date=parse_datetime(data.get("created_date")),
        )


@dataclass(frozen=True, slots=True)
class Question:
    question_id: int
    workorder_id: int | None = None
    question: str = ""
    answer: str = ""
    sort_order: int = 0
    last_modified: datetime | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any], workorder_id: int | None = None) -> Self:
        return cls(
            question_id=_int(data.get("question_id")) or 0,
            workorder_id=_id(data.get("workorder_id")) or workorder_id,
            question=_str(data.get("question")),
            answer=_str(data.get("answer")),
            sort_order=_int(data.get("sort_order")) or 0,
            last_modified=parse_datetime(data.get("last_modified")),
        )

    @property
    def is_answered(self) -> bool:
        return bool(self.answer.strip())


@dataclass(frozen=True, slots=True)
class WorkOrder:
    id: int
    status: str = ""
    status_code: int | None = None
    type: str = ""
    submitter_id: int | None = None
    po: str = ""
    client_reference: str = ""
    summary: str = ""
    description: str = ""
    requested_time: str = ""  # free text, as submitted through ``requested_install``
    scheduled_date: datetime | None = None  # site-local, naive
    site_id: int | None = None
    project_id: int | None = None
    installer: Installer = field(default_factory=Installer)
    planned_tech: Tech = field(default_factory=Tech)
    url: str = ""
    created_date: datetime | None = None
    last_modified: datetime | None = None
    # Related objects; ``None`` means "not requested", ``[]`` means "requested, none exist".
    site: Site | None = None
    questions: list[Question] | None = None
    tasks: list[Task] | None = None
    quotes: list[Quote] | None = None
    notes: list[Note] | None = None
    photos: list[Photo] | None = None
    client_documents: list[Document] | None = None
    closeout_documents: list[Document] | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Self:
        wo_id = _int(data.get("id", data.get("workorder_id")))
        if wo_id is None:
            raise ValueError(f"Work order object without a valid id: {data.get('id')!r}")
        status_code = _int(data.get("status_code"))
        site_data = data.get("site")
        related = {"workorder_id": wo_id}
        return cls(
            id=wo_id,
            status=_str(data.get("status")) or WORKORDER_STATUSES.get(status_code or -1, ""),
            status_code=status_code,
            type=_str(data.get("type")),
            submitter_id=_id(data.get("submitter_id")),
            po=_str(data.get("po")),
            client_reference=_str(data.get("client_reference")),
            summary=_str(data.get("summary")),
            description=_str(data.get("description")),
            requested_time=_str(data.get("requested_time")),
            scheduled_date=parse_datetime(data.get("scheduled_date")),
            site_id=_id(data.get("site_id")),
            project_id=_id(data.get("project_id")),
            installer=Installer.from_api(data.get("installer")),
            planned_tech=Tech.from_api(data.get("planned_tech")),
            url=_str(data.get("url")),
            created_date=parse_datetime(data.get("created_date")),
            last_modified=parse_datetime(data.get("last_modified")),
            site=Site.from_api(site_data) if isinstance(site_data, dict) and site_data.get("id") else None,
            questions=_optional_list(data, "questions", Question, **related),
            tasks=_optional_list(data, "tasks", Task, **related),
            quotes=_optional_list(data, "quotes", Quote, **related),
            notes=_optional_list(data, "notes", Note, **related),
            photos=_optional_list(data, "photos", Photo, **related),
            client_documents=_optional_list(data, "client_documents", Document, **related),
            closeout_documents=_optional_list(data, "closeout_documents", Document, **related),
        )

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled_date is not None

    @property
    def is_assigned(self) -> bool:
        return bool(self.installer)

    @property
    def is_open(self) -> bool:
        return self.status_code in OPEN_STATUS_CODES


# -- raw downloads -----------------------------------------------------------------------------


class RawFile:
    """A streamed file download. Use as a context manager so the connection is always released.

    ``iter_bytes`` reads the body chunk by chunk; the whole file is never held in memory.
    Network errors while reading are raised as ``TechLinkError`` subclasses (via ``on_error``,
    which maps an exception to the one to raise, or returns None to let it through).
    """

    def __init__(self, response: Any, *, on_error: Any = None) -> None:
        self._response = response
        self._on_error = on_error
        headers = response.headers
        self.filename: str | None = _content_disposition_filename(headers.get("Content-Disposition"))
        self.content_type: str = headers.get("Content-Type") or "application/octet-stream"
        length = headers.get("Content-Length")
        self.content_length: int | None = int(length) if length and length.strip().isdigit() else None

    def iter_bytes(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            for chunk in self._response.iter_content(chunk_size=chunk_size):
                if chunk:
                    yield chunk
        except Exception as exc:
            mapped = self._on_error(exc) if self._on_error is not None else None
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"RawFile(filename={self.filename!r}, content_type={self.content_type!r}, "
            f"content_length={self.content_length!r})"
        )


def _content_disposition_filename(value: str | None) -> str | None:
    """The file name from a Content-Disposition header, preferring RFC 5987 ``filename*``."""
    if not value:
        return None
    message = email.message.Message()
    message["Content-Disposition"] = value
    plain: str | None = None
    encoded: str | None = None
    for key, param in (message.get_params(header="content-disposition") or [])[1:]:
        if key.lower() != "filename":
            continue
        if isinstance(param, tuple):
            encoded = email.utils.collapse_rfc2231_value(param)
        elif plain is None:
            plain = email.utils.unquote(param)
    filename = encoded or plain
    if not filename:
        return None
    # Keep only the last path component: a name is never a place to write to.
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or None
