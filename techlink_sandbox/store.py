"""State of one sandboxed TechLink client account, and every operation the API light offers.

The store knows nothing about HTTP: handlers turn request arguments (plain ``dict[str, str]``) into calls
here, and the values returned here are the ``(message, data)`` of the upstream JSON envelope.  Failures
raise :class:`ApiError` carrying the envelope ``code`` and ``message``.

Everything lives in memory (so reads never touch the disk); every change is written through to SQLite in
the data directory before the call returns, and uploaded files are kept under ``<data dir>/files``.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from . import geo
from .formatting import (
    PORTAL_TZ_NAME,
    UNSCHEDULED,
    local_plain,
    local_stamp,
    money,
    parse_decimal,
    quantity,
    truthy,
    utc_stamp,
)
from .matching import ExactMatcher, Matcher, index_key, matcher, wildcard_match
from .persistence import Codec, Database

log = logging.getLogger("techlink_sandbox")

Args = Mapping[str, str]
Clock = Callable[[], datetime]

_EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

STATUSES: dict[int, str] = {
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
STATUS_CREATED = 10
WORKORDER_TYPES = {"work order": "Work Order", "site survey": "Site Survey"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
AUTH_FAILED = "Authentication failed"

# First ID of each kind in an empty sandbox.
FIRST_IDS = {
    "user": 7001,
    "project": 301,
    "taskitem": 1,
    "site": 40001,
    "attribute": 60001,
    "document": 50001,
    "workorder": 100001,
    "note": 1900001,
    "task": 400001,
    "quote": 410001,
    "photo": 420001,
    "question": 650001,
}


class ApiError(Exception):
    """An error answered in the upstream envelope: ``{"code": code, "message": message, ...}``."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Problems:
    """Collects field problems so that one 400 names all of them."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ApiError(400, "; ".join(self.items))


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


# --------------------------------------------------------------------------------------------- entities


@dataclass
class User:
    user_id: int
    username: str
    password_md5: str  # lower-case hex
    name: str
    email: str
    phone: str
    restricted: bool = False
    enabled: bool = True
    last_login: datetime | None = None

    def to_json(self) -> dict:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "restricted": self.restricted,
            "enabled": self.enabled,
            "last_login": local_stamp(self.last_login, PORTAL_TZ_NAME) if self.last_login else "",
        }


@dataclass
class Project:
    project_id: int
    name: str

    def to_json(self) -> dict:
        return {"project_id": self.project_id, "name": self.name}


@dataclass
class TaskItem:
    taskitem_id: int
    name: str

    def to_json(self) -> dict:
        return {"taskitem_id": self.taskitem_id, "name": self.name}


@dataclass
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "phone": self.phone, "email": self.email}


@dataclass
class Attribute:
    attribute_id: int
    site_id: int
    name: str
    value: str

    def to_json(self) -> dict:
        return {
            "attribute_id": self.attribute_id,
            "site_id": self.site_id,
            "name": self.name,
            "value": self.value,
        }


@dataclass
class Document:
    """A stored file.  ``owner_key`` is 'site_id' or 'workorder_id', as the JSON names the owner;
    ``path`` is relative to the files directory."""

    document_id: int
    owner_key: str
    owner_id: int
    filename: str
    description: str
    path: str
    content_type: str
    size: int = 0

    def to_json(self) -> dict:
        return {
            "document_id": self.document_id,
            self.owner_key: self.owner_id,
            "filename": self.filename,
            "description": self.description,
            "url": "",
        }


@dataclass
class Site:
    id: int
    name: str
    siteid: str
    phone: str
    fax: str
    notes: str
    street: str
    street2: str
    street3: str
    city: str
    state: str
    stateabbr: str
    zip: str
    country: str
    latitude: str
    longitude: str
    timezone: str
    contact1: Contact
    contact2: Contact
    last_modified: datetime
    enable_notifications: list[int] = field(default_factory=list)
    additional_notifications: list[str] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "siteid": self.siteid,
            "phone": self.phone,
            "notes": self.notes,
            "timezone": self.timezone,
            "last_modified": utc_stamp(self.last_modified),
            "contact1": self.contact1.to_json(),
            "contact2": self.contact2.to_json(),
            "address": {
                "street": self.street,
                "street2": self.street2,
                "street3": self.street3,
                "city": self.city,
                "state": self.state,
                "stateabbr": self.stateabbr,
                "zip": self.zip,
                "country": self.country,
                "latitude": self.latitude,
                "longitude": self.longitude,
            },
            "attributes": [a.to_json() for a in self.attributes],
        }

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name.lower() == name.lower()), None)


@dataclass
class Note:
    note_id: int
    workorder_id: int
    author: str
    content: str
    created: datetime

    def to_json(self, tz: str) -> dict:
        return {
            "note_id": self.note_id,
            "workorder_id": self.workorder_id,
            "author": self.author,
            "content": self.content,
            "created_date": local_stamp(self.created, tz),
        }


@dataclass
class Task:
    task_id: int
    workorder_id: int
    item: str
    description: str
    quantity: Decimal
    rate: Decimal
    created: datetime
    item_notes: list[str] = field(default_factory=list)
    description_notes: list[str] = field(default_factory=list)

    def to_json(self, tz: str) -> dict:
        return {
            "task_id": self.task_id,
            "workorder_id": self.workorder_id,
            "item": self.item,
            "item_notes": list(self.item_notes),
            "description": self.description,
            "description_notes": list(self.description_notes),
            "quantity": quantity(self.quantity),
            "rate": money(self.rate),
            "price": money(self.quantity * self.rate),
            "created_date": local_stamp(self.created, tz),
        }


@dataclass
class Quote:
    quote_id: int
    workorder_id: int
    item: str
    description: str
    quantity: Decimal
    rate: Decimal
    created: datetime

    def to_json(self, tz: str) -> dict:
        return {
            "quote_id": self.quote_id,
            "workorder_id": self.workorder_id,
            "item": self.item,
            "description": self.description,
            "quantity": quantity(self.quantity),
            "rate": money(self.rate),
            "price": money(self.quantity * self.rate),
            "created_date": local_stamp(self.created, tz),
        }


@dataclass
class Photo:
    photo_id: int
    workorder_id: int
    note: str
    filename: str
    path: str
    content_type: str
    created: datetime
    size: int = 0

    def to_json(self, tz: str, portal_url: str) -> dict:
        return {
            "photo_id": self.photo_id,
            "workorder_id": self.workorder_id,
            "note": self.note,
            "filename": self.filename,
            "url": f"{portal_url}/portal/file/img/{self.filename}",
            "created_date": local_stamp(self.created, tz),
        }


@dataclass
class Question:
    question_id: int
    workorder_id: int
    question: str
    answer: str
    sort_order: int
    last_modified: datetime

    def to_json(self, tz: str) -> dict:
        return {
            "question_id": self.question_id,
            "workorder_id": self.workorder_id,
            "question": self.question,
            "answer": self.answer,
            "sort_order": str(self.sort_order),
            "last_modified": local_plain(self.last_modified, tz),
        }


@dataclass
class WorkOrder:
    id: int
    status_code: int
    type: str
    submitter_id: int
    po: str
    client_reference: str
    summary: str
    description: str
    requested_install: str
    site_id: int
    project_id: int | None
    created: datetime
    last_modified: datetime
    scheduled_date: str = UNSCHEDULED  # site-local wall-clock time, "YYYY-MM-DD HH:MM:SS"
    installer: Contact = field(default_factory=Contact)
    planned_tech: Contact = field(default_factory=Contact)
    notes: list[Note] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    client_documents: list[Document] = field(default_factory=list)
    required_documents: list[Document] = field(default_factory=list)
    closeout_documents: list[Document] = field(default_factory=list)

    @property
    def status(self) -> str:
        return STATUSES.get(self.status_code, "Unknown")


ENTITY_CLASSES = (
    User,
    Project,
    TaskItem,
    Contact,
    Attribute,
    Document,
    Site,
    Note,
    Task,
    Quote,
    Photo,
    Question,
    WorkOrder,
)
# Kind under which each top-level class is stored, and how to get its ID.
TOP_LEVEL: dict[type, tuple[str, Callable[[Any], int]]] = {
    User: ("user", lambda o: o.user_id),
    Project: ("project", lambda o: o.project_id),
    TaskItem: ("taskitem", lambda o: o.taskitem_id),
    Site: ("site", lambda o: o.id),
    WorkOrder: ("workorder", lambda o: o.id),
}

# kind -> (work-order attribute, noun used in list messages, label used in write messages)
DOCUMENT_KINDS = {
    "client": ("client_documents", "work order client document", "Client document"),
    "required": (
        "required_documents",
        "work order required close-out document",
        "Required close-out document",
    ),
    "closeout": ("closeout_documents", "work order close-out document", "Close-out document"),
}
# Site arguments stored as given, and the attribute each one sets.
SITE_TEXT_FIELDS = {
    "name": "name",
    "site_id": "siteid",
    "phone": "phone",
    "fax": "fax",
    "notes": "notes",
    "address1": "street",
    "address2": "street2",
    "address3": "street3",
    "city": "city",
}
INCLUDE_FLAGS = (
    "site",
    "questions",
    "tasks",
    "quotes",
    "notes",
    "photos",
    "client_documents",
    "closeout_documents",
)


# Search arguments of the site and work-order lists, and the values of an object each one looks at.
SITE_FILTERS: dict[str, Callable[[Site], tuple]] = {
    "site_id": lambda s: (s.siteid,),
    "name": lambda s: (s.name,),
    "address": lambda s: tuple(v for v in (s.street, s.street2, s.street3) if v),
    "city": lambda s: (s.city,),
    "state": lambda s: (s.state, s.stateabbr),
    "zip": lambda s: (s.zip,),
}
WORKORDER_FILTERS: dict[str, Callable[[WorkOrder], tuple]] = {
    "site_id": lambda w: (w.site_id,),
    "project_id": lambda w: (w.project_id,),
    "status_code": lambda w: (w.status_code,),
    "summary": lambda w: (w.summary,),
    "description": lambda w: (w.description,),
    "po": lambda w: (w.po,),
    "install_date": lambda w: (w.scheduled_date[:10],),
}


class SearchIndex:
    """IDs of one kind, newest first, with exact-value indexes built on first use.

    A search narrows its scan with the most selective exact (wildcard-free) argument, then checks the others.
    ``reset()`` after any change to the objects or their searchable fields.
    """

    def __init__(self, objects: Mapping[int, Any], fields: Mapping[str, Callable[[Any], tuple]]):
        self.objects = objects
        self.fields = fields
        self.reset()

    def reset(self) -> None:
        self._ids: list[int] | None = None
        self._by: dict[str, dict[str, list[int]]] = {}

    def ids(self) -> list[int]:
        if self._ids is None:
            self._ids = sorted(self.objects, reverse=True)
        return self._ids

    def lookup(self, key: str, value: str) -> list[int]:
        index = self._by.get(key)
        if index is None:
            index = {}
            values = self.fields[key]
            for obj_id in self.ids():
                for found in {index_key(v) for v in values(self.objects[obj_id])}:
                    index.setdefault(found, []).append(obj_id)
            self._by[key] = index
        return index.get(value, [])

    def search(self, filters: list[tuple[str, Matcher]]) -> list[int]:
        candidates, rest = self.ids(), filters
        for n, (key, match) in enumerate(filters):
            if isinstance(match, ExactMatcher):
                found = self.lookup(key, match.key)
                if len(found) < len(candidates) or rest is filters:
                    candidates, rest = found, [*filters[:n], *filters[n + 1 :]]
        if not rest:
            return list(candidates)
        fields = self.fields
        return [
            i
            for i in candidates
            if all(any(match(v) for v in fields[key](self.objects[i])) for key, match in rest)
        ]


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str = ""


# ------------------------------------------------------------------------------------------------- store


class Store:
    """All sandbox state.  Every public method takes the lock, so it is safe from any thread."""

    def __init__(self, data_dir: Path | str, clock: Clock | None = None):
        self.data_dir = Path(data_dir)
        self.files_dir = self.data_dir / "files"
        (self.files_dir / "uploads").mkdir(parents=True, exist_ok=True)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.codec = Codec(ENTITY_CLASSES)
        self.db = Database(self.data_dir / "sandbox.sqlite3", self.codec)
        self._load()

    # ---------------------------------------------------------------- lifecycle and persistence

    def _load(self) -> None:
        with self.lock:
            self.users: dict[int, User] = {}
            self.users_by_name: dict[str, User] = {}
            self.projects: dict[int, Project] = {}
            self.task_items: dict[int, TaskItem] = {}
            self.sites: dict[int, Site] = {}
            self.workorders: dict[int, WorkOrder] = {}
            self.counters: dict[str, int] = {kind: first - 1 for kind, first in FIRST_IDS.items()}
            objects, meta = self.db.load()
            self._index(obj for items in objects.values() for obj in items)
            for key, value in meta.items():
                if key.startswith("last_id:"):
                    kind = key.removeprefix("last_id:")
                    self.counters[kind] = max(self.counters.get(kind, 0), int(value))
            self.site_index = SearchIndex(self.sites, SITE_FILTERS)
            self.workorder_index = SearchIndex(self.workorders, WORKORDER_FILTERS)
            self.version = 0  # goes up with every write: cached answers compare it
            self._stats: tuple[int, dict[str, int]] | None = None

    def _index(self, objects: Iterable[Any]) -> None:
        for obj in objects:
            if isinstance(obj, User):
                self.users[obj.user_id] = obj
                self.users_by_name[obj.username.lower()] = obj
            elif isinstance(obj, Project):
                self.projects[obj.project_id] = obj
            elif isinstance(obj, TaskItem):
                self.task_items[obj.taskitem_id] = obj
            elif isinstance(obj, Site):
                self.sites[obj.id] = obj
            elif isinstance(obj, WorkOrder):
                self.workorders[obj.id] = obj

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def is_empty(self) -> bool:
        with self.lock:
            return not (self.users or self.sites or self.workorders)

    def wipe(self) -> None:
        """Forget every object (the seeding command replaces the data this way)."""
        with self.lock:
            self.db.wipe()
            for path in (self.files_dir / "uploads").iterdir():
                path.unlink()
            self._load()

    def add_objects(self, objects: Iterable[Any]) -> None:
        """Insert (or replace) top-level objects in bulk, in one transaction (used by seeding)."""
        objects = list(objects)
        with self.lock:
            self._index(objects)
            self._save(*objects)
            self.site_index.reset()
            self.workorder_index.reset()

    def _save(self, *objects: Any) -> None:
        saves = []
        for obj in objects:
            kind, get_id = TOP_LEVEL[type(obj)]
            saves.append((kind, get_id(obj), obj))
        self.version += 1
        try:
            self.db.write(saves, meta={f"last_id:{k}": str(v) for k, v in self.counters.items()})
        except sqlite3.Error as exc:
            # Memory already holds the change: go back to what the disk holds, so both agree again.
            log.exception("could not write to %s", self.db.path)
            self._load()
            raise ApiError(500, f"Storage failure, the change was not saved: {exc}") from None

    def now(self) -> datetime:
        return self.clock()

    def next_id(self, kind: str) -> int:
        self.counters[kind] = self.counters.get(kind, FIRST_IDS.get(kind, 1) - 1) + 1
        return self.counters[kind]

    def file_path(self, relative: str) -> Path:
        return self.files_dir / relative

    def stats(self) -> dict[str, int]:
        with self.lock:
            if self._stats is not None and self._stats[0] == self.version:
                return dict(self._stats[1])
            self._stats = (self.version, self._count_objects())
            return dict(self._stats[1])

    def _count_objects(self) -> dict[str, int]:
        with self.lock:
            wos = self.workorders.values()
            sites = self.sites.values()
            return {
                "users": len(self.users),
                "projects": len(self.projects),
                "task_items": len(self.task_items),
                "sites": len(self.sites),
                "site_attributes": sum(len(s.attributes) for s in sites),
                "site_documents": sum(len(s.documents) for s in sites),
                "workorders": len(self.workorders),
                "notes": sum(len(w.notes) for w in wos),
                "tasks": sum(len(w.tasks) for w in wos),
                "quotes": sum(len(w.quotes) for w in wos),
                "photos": sum(len(w.photos) for w in wos),
                "questions": sum(len(w.questions) for w in wos),
                "client_documents": sum(len(w.client_documents) for w in wos),
                "required_documents": sum(len(w.required_documents) for w in wos),
                "closeout_documents": sum(len(w.closeout_documents) for w in wos),
            }

    # ---------------------------------------------------------------- auth

    def authenticate(self, header: str | None) -> User:
        """Check an ``X-Authorization: username:md5(password)`` header value.

        A plain-text password in place of the hash fails like any wrong password.
        """
        username, sep, password_hash = (header or "").strip().partition(":")
        with self.lock:
            user = self.users_by_name.get(username.lower()) if sep else None
            if (
                user is None
                or not user.enabled
                or not _MD5_RE.match(password_hash)
                or password_hash.lower() != user.password_md5
            ):
                raise ApiError(401, AUTH_FAILED)
            user.last_login = self.now()  # in memory only: a login is not worth a disk write per request
            return user

    # ---------------------------------------------------------------- lookups

    def _site(self, site_id: int) -> Site:
        site = self.sites.get(site_id)
        if site is None:
            raise ApiError(404, f"Site #{site_id} not found")
        return site

    def _workorder(self, workorder_id: int) -> WorkOrder:
        wo = self.workorders.get(workorder_id)
        if wo is None:
            raise ApiError(404, f"Work order #{workorder_id} not found")
        return wo

    def site_timezone(self, site_id: int) -> str:
        site = self.sites.get(site_id)
        return site.timezone if site else PORTAL_TZ_NAME

    # ---------------------------------------------------------------- sites

    def list_sites(self, args: Args) -> tuple[str, list[int]]:
        filters = [(k, matcher(args[k])) for k in SITE_FILTERS if args.get(k)]
        with self.lock:
            ids = self.site_index.search(filters)
        return f"{plural(len(ids), 'site')} found", ids

    def get_site(self, site_id: int) -> tuple[str, dict]:
        with self.lock:
            return f"Site #{site_id} found", self._site(site_id).to_json()

    def create_site(self, args: Args) -> tuple[str, dict]:
        with self.lock:
            site = Site(
                id=0,
                name="",
                siteid="",
                phone="",
                fax="",
                notes="",
                street="",
                street2="",
                street3="",
                city="",
                state="",
                stateabbr="",
                zip="",
                country=geo.COUNTRY_US,
                latitude="",
                longitude="",
                timezone=PORTAL_TZ_NAME,
                contact1=Contact(),
                contact2=Contact(),
                last_modified=self.now(),
            )
            self._apply_site_fields(site, args, creating=True)
            site.id = self.next_id("site")
            self.sites[site.id] = site
            self.site_index.reset()
            self._save(site)
            return f"Site #{site.id} successfully created", {
                "success": True,
                "site_id": site.id,
                "site": site.to_json(),
            }

    def update_site(self, site_id: int, args: Args) -> tuple[str, dict]:
        with self.lock:
            site = self._site(site_id)
            self._apply_site_fields(site, args, creating=False)
            self.site_index.reset()
            self._save(site)
            return f"Site #{site_id} successfully updated", {
                "success": True,
                "site_id": site_id,
                "site": site.to_json(),
            }

    _SITE_REQUIRED = (
        "name",
        "address1",
        "city",
        "state",
        "zip",
        "primary_contact_name",
        "primary_contact_phone",
        "primary_contact_email",
    )

    def _apply_site_fields(self, site: Site, args: Args, *, creating: bool) -> None:
        """Validate everything first, then change the site: a refused update leaves it untouched.

        Values are kept as given (clients use e.g. ``site_id`` as a marker); only state, ZIP and country
        are normalised.
        """
        problems = Problems()
        for key in self._SITE_REQUIRED:
            if (key in args and not args[key].strip()) or (creating and key not in args):
                problems.add(f"Missing required field: {key}")

        country = site.country
        if "country" in args:
            normalized = geo.normalize_country(args["country"])
            if normalized is None:
                problems.add("Invalid country: use US, United States or Canada")
            else:
                country = normalized
        state = (site.state, site.stateabbr)
        state_text = args["state"].strip() if args.get("state", "").strip() else site.stateabbr
        if state_text and ("state" in args or country != site.country):
            resolved = geo.resolve_state(state_text, country)
            if resolved is None:
                problems.add(f"Invalid state: {state_text}")
            else:
                state = resolved
        zip_text = args["zip"].strip() if args.get("zip", "").strip() else site.zip
        if (
            zip_text
            and ("zip" in args or country != site.country)
            and not geo.valid_postal_code(zip_text, country)
        ):
            problems.add("Invalid ZIP code" if country == geo.COUNTRY_US else "Invalid postal code")
        for key in ("primary_contact_email", "secondary_contact_email"):
            if args.get(key, "").strip() and not _EMAIL_RE.match(args[key].strip()):
                problems.add(f"Invalid email address: {key}")
        notify_ids: list[int] | None = None
        if "enable_notifications" in args:
            notify_ids = []
            for part in filter(None, (p.strip() for p in args["enable_notifications"].split(","))):
                if not part.isdigit() or int(part) not in self.users:
                    problems.add(f"Invalid user ID in enable_notifications: {part}")
                else:
                    notify_ids.append(int(part))
        extra_emails: list[str] | None = None
        if "additional_notifications" in args:
            extra_emails = []
            for part in filter(None, (p.strip() for p in args["additional_notifications"].split(","))):
                if not _EMAIL_RE.match(part):
                    problems.add(f"Invalid email address in additional_notifications: {part}")
                else:
                    extra_emails.append(part)
        problems.raise_if_any()

        for arg, attr in SITE_TEXT_FIELDS.items():
            if arg in args:
                setattr(site, attr, args[arg])
        if "zip" in args:
            site.zip = zip_text.upper()
        if (site.state, site.stateabbr) != state:
            site.state, site.stateabbr = state
            site.timezone = geo.timezone_for(site.stateabbr)
        site.country = country
        for prefix, contact in (("primary_contact_", site.contact1), ("secondary_contact_", site.contact2)):
            for part in ("name", "phone", "email"):
                if prefix + part in args:
                    setattr(contact, part, args[prefix + part])
        if notify_ids is not None:
            site.enable_notifications = notify_ids
        if extra_emails is not None:
            site.additional_notifications = extra_emails
        site.last_modified = self.now()

    # ---------------------------------------------------------------- site attributes

    def list_site_attributes(self, site_id: int) -> tuple[str, list[dict]]:
        with self.lock:
            items = [a.to_json() for a in self._site(site_id).attributes]
        return f"{plural(len(items), 'attribute')} for site #{site_id} found", items

    def set_site_attribute(self, site_id: int, args: Args) -> tuple[str, dict]:
        with self.lock:
            site = self._site(site_id)
            problems = Problems()
            name = args.get("name", "")
            if not name.strip():
                problems.add("Missing required field: name")
            if "value" not in args:
                problems.add("Missing required field: value")
            problems.raise_if_any()
            attr = site.attribute(name)
            if attr is None:
                attr = Attribute(self.next_id("attribute"), site_id, name, args["value"])
                site.attributes.append(attr)
            else:
                attr.value = args["value"]
            site.last_modified = self.now()
            self._save(site)
            return f"Site #{site_id} attribute successfully set", {
                "success": True,
                "attribute_id": attr.attribute_id,
                "attribute": attr.to_json(),
            }

    def delete_site_attribute(self, site_id: int, args: Args) -> tuple[str, dict]:
        with self.lock:
            site = self._site(site_id)
            name = args.get("name", "")
            if not name.strip():
                raise ApiError(400, "Missing required field: name")
            attr = site.attribute(name)
            if attr is None:
                raise ApiError(404, f"Attribute '{name}' not found for site #{site_id}")
            site.attributes.remove(attr)
            site.last_modified = self.now()
            self._save(site)
        return f"Site #{site_id} attribute successfully deleted", {"success": True}

    # ---------------------------------------------------------------- documents (site and work order)

    def _store_upload(self, owner_key: str, owner_id: int, upload: Upload | None, args: Args) -> Document:
        if upload is None:
            raise ApiError(400, "Missing required field: file (the document must be sent as a file)")
        filename = safe_filename(upload.filename)
        if not filename:
            raise ApiError(400, "Invalid file: the upload has no file name")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, f"File too large: the limit is {MAX_UPLOAD_BYTES} bytes")
        doc_id = self.next_id("document")
        relative = f"uploads/{doc_id}"
        self.file_path(relative).write_bytes(upload.content)
        return Document(
            doc_id,
            owner_key,
            owner_id,
            filename,
            args.get("description", ""),
            relative,
            upload.content_type or guess_type(filename),
            len(upload.content),
        )

    def _forget_file(self, relative: str) -> None:
        if relative.startswith("uploads/"):
            self.file_path(relative).unlink(missing_ok=True)

    def list_site_documents(self, site_id: int, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            items = _filter_documents(self._site(site_id).documents, args)
        return f"{plural(len(items), 'document')} found", items

    def get_site_document(self, site_id: int, document_id: int) -> Document:
        with self.lock:
            return _find_document(self._site(site_id).documents, document_id)

    def add_site_document(self, site_id: int, upload: Upload | None, args: Args) -> tuple[str, dict]:
        with self.lock:
            site = self._site(site_id)
            doc = self._store_upload("site_id", site_id, upload, args)
            site.documents.append(doc)
            site.last_modified = self.now()
            self._save(site)
            return f"Document #{doc.document_id} saved for site #{site_id}", {
                "success": True,
                "document_id": doc.document_id,
                "document": doc.to_json(),
            }

    def delete_site_document(self, site_id: int, document_id: int) -> tuple[str, dict]:
        with self.lock:
            site = self._site(site_id)
            doc = _find_document(site.documents, document_id)
            site.documents.remove(doc)
            site.last_modified = self.now()
            self._save(site)
            self._forget_file(doc.path)
        return f"Document #{document_id} removed from site #{site_id}", {"success": True}

    def list_workorder_documents(self, workorder_id: int, kind: str, args: Args) -> tuple[str, list[dict]]:
        attr, noun, _ = DOCUMENT_KINDS[kind]
        with self.lock:
            items = _filter_documents(getattr(self._workorder(workorder_id), attr), args)
        return f"{plural(len(items), noun)} found", items

    def get_workorder_document(self, workorder_id: int, kind: str, document_id: int) -> Document:
        attr = DOCUMENT_KINDS[kind][0]
        with self.lock:
            return _find_document(getattr(self._workorder(workorder_id), attr), document_id)

    def add_workorder_document(
        self, workorder_id: int, kind: str, upload: Upload | None, args: Args
    ) -> tuple[str, dict]:
        attr, _, label = DOCUMENT_KINDS[kind]
        with self.lock:
            wo = self._workorder(workorder_id)
            doc = self._store_upload("workorder_id", workorder_id, upload, args)
            getattr(wo, attr).append(doc)
            wo.last_modified = self.now()
            self._save(wo)
            return f"{label} #{doc.document_id} added to work order #{workorder_id}", {
                "success": True,
                "document_id": doc.document_id,
                "document": doc.to_json(),
            }

    def delete_workorder_document(self, workorder_id: int, kind: str, document_id: int) -> tuple[str, dict]:
        attr, _, label = DOCUMENT_KINDS[kind]
        with self.lock:
            wo = self._workorder(workorder_id)
            documents = getattr(wo, attr)
            doc = _find_document(documents, document_id)
            documents.remove(doc)
            wo.last_modified = self.now()
            self._save(wo)
            self._forget_file(doc.path)
        return f"{label} #{document_id} deleted from work order #{workorder_id}", {"success": True}

    # ---------------------------------------------------------------- projects, task items, users

    def list_projects(self, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            items = [
                p.to_json()
                for p in sorted(self.projects.values(), key=lambda p: p.project_id)
                if _wildcards_match(args, p, name="name")
            ]
        return f"{plural(len(items), 'project')} found", items

    def list_task_items(self, args: Args) -> tuple[str, dict]:
        with self.lock:
            items = [
                t.to_json()
                for t in sorted(self.task_items.values(), key=lambda t: t.name.lower())
                if _wildcards_match(args, t, name="name")
            ]
        # Unlike the other lists, upstream wraps task items in {"tasks": [...]}.
        return f"{plural(len(items), 'task item')} found", {"tasks": items}

    def list_users(self, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            items = [
                u.to_json()
                for u in sorted(self.users.values(), key=lambda u: u.user_id)
                if _wildcards_match(args, u, name="name", username="username")
            ]
        return f"{plural(len(items), 'user')} found", items

    # ---------------------------------------------------------------- work orders

    def list_workorders(self, args: Args) -> tuple[str, list[int]]:
        install_date = args.get("install_date", "").strip()
        if install_date and not _DATE_RE.match(install_date):
            raise ApiError(400, "Invalid install_date: use YYYY-MM-DD")
        filters = [(k, matcher(args[k])) for k in WORKORDER_FILTERS if k != "install_date" and args.get(k)]
        if install_date:
            filters.append(("install_date", matcher(install_date)))
        with self.lock:
            ids = self.workorder_index.search(filters)
        return f"{plural(len(ids), 'work order')} found", ids

    def workorder_json(self, wo: WorkOrder, portal_url: str, include: Iterable[str] = ()) -> dict:
        tz = self.site_timezone(wo.site_id)
        data: dict = {
            "id": wo.id,
            "status": wo.status,
            "status_code": wo.status_code,
            "type": wo.type,
            "submitter_id": wo.submitter_id,
            "po": wo.po,
            "client_reference": wo.client_reference,
            "summary": wo.summary,
            "description": wo.description,
            "requested_time": wo.requested_install,
            "scheduled_date": wo.scheduled_date or UNSCHEDULED,
            "site_id": wo.site_id,
            "project_id": wo.project_id,
            "installer": wo.installer.to_json(),
            "planned_tech": {"name": wo.planned_tech.name, "phone": wo.planned_tech.phone},
        }
        include = set(include)
        if "site" in include:
            site = self.sites.get(wo.site_id)
            data["site"] = site.to_json() if site else None
        if "questions" in include:
            data["questions"] = [q.to_json(tz) for q in sorted(wo.questions, key=lambda q: q.sort_order)]
        if "tasks" in include:
            data["tasks"] = [t.to_json(tz) for t in wo.tasks]
        if "quotes" in include:
            data["quotes"] = [q.to_json(tz) for q in wo.quotes]
        if "notes" in include:
            data["notes"] = [n.to_json(tz) for n in sorted(wo.notes, key=lambda n: n.note_id, reverse=True)]
        if "photos" in include:
            data["photos"] = [p.to_json(tz, portal_url) for p in wo.photos]
        if "client_documents" in include:
            data["client_documents"] = [d.to_json() for d in wo.client_documents]
        if "closeout_documents" in include:
            data["closeout_documents"] = [d.to_json() for d in wo.closeout_documents]
        data["url"] = workorder_url(portal_url, wo.id)
        data["created_date"] = local_stamp(wo.created, tz)
        data["last_modified"] = utc_stamp(wo.last_modified)
        return data

    def get_workorder(self, workorder_id: int, args: Args, portal_url: str) -> tuple[str, dict]:
        include = [f for f in INCLUDE_FLAGS if truthy(args.get(f"include_{f}"))]
        with self.lock:
            wo = self._workorder(workorder_id)
            return f"Work order #{workorder_id} found", {
                "workorder": self.workorder_json(wo, portal_url, include)
            }

    def _reference(self, key: str, value: str, table: Mapping[int, Any], problems: Problems) -> int | None:
        if not value.strip().isdigit() or int(value) not in table:
            problems.add(f"Invalid {key}: {value}")
            return None
        return int(value)

    def create_workorder(self, args: Args, user: User, portal_url: str) -> tuple[str, dict]:
        problems = Problems()
        with self.lock:
            site_id = None
            if not args.get("site_id", "").strip():
                problems.add("Missing required field: site_id")
            else:
                site_id = self._reference("site_id", args["site_id"], self.sites, problems)
            if not args.get("summary", "").strip():
                problems.add("Missing required field: summary")
            wo_type = WORKORDER_TYPES["work order"]
            if args.get("type", "").strip():
                wo_type = WORKORDER_TYPES.get(args["type"].strip().lower(), "")
                if not wo_type:
                    problems.add("Invalid type: use 'work order' or 'site survey'")
            project_id = submitter_id = None
            if args.get("project_id", "").strip():
                project_id = self._reference("project_id", args["project_id"], self.projects, problems)
            if args.get("submitter_id", "").strip():
                submitter_id = self._reference("submitter_id", args["submitter_id"], self.users, problems)
            problems.raise_if_any()
            now = self.now()
            wo = WorkOrder(
                id=self.next_id("workorder"),
                status_code=STATUS_CREATED,
                type=wo_type,
                submitter_id=submitter_id or user.user_id,
                po=args.get("po", ""),
                client_reference=args.get("client_reference", ""),
                summary=args["summary"],
                description=args.get("description", ""),
                requested_install=args.get("requested_install", ""),
                site_id=site_id,
                project_id=project_id,
                created=now,
                last_modified=now,
            )
            wo.notes.append(Note(self.next_id("note"), wo.id, user.name, "Status set to Created.", now))
            self.workorders[wo.id] = wo
            self.workorder_index.reset()
            self._save(wo)
            return f"Work order #{wo.id} successfully created", {
                "success": True,
                "workorder_id": wo.id,
                "url": workorder_url(portal_url, wo.id),
                "workorder": self.workorder_json(wo, portal_url),
            }

    _WO_NOT_EMPTY = ("summary", "po", "client_reference", "project_id", "requested_install", "submitter_id")
    _WO_TEXT = ("summary", "description", "po", "client_reference", "requested_install")

    def update_workorder(self, workorder_id: int, args: Args, portal_url: str) -> tuple[str, dict]:
        problems = Problems()
        with self.lock:
            wo = self._workorder(workorder_id)
            for key in self._WO_NOT_EMPTY:
                if key in args and not args[key].strip():
                    problems.add(f"Missing required field: {key}")
            project_id = submitter_id = None
            if args.get("project_id", "").strip():
                project_id = self._reference("project_id", args["project_id"], self.projects, problems)
            if args.get("submitter_id", "").strip():
                submitter_id = self._reference("submitter_id", args["submitter_id"], self.users, problems)
            problems.raise_if_any()
            for key in self._WO_TEXT:
                if key in args:
                    setattr(wo, key, args[key])
            if project_id is not None:
                wo.project_id = project_id
                self.workorder_index.reset()
            if submitter_id is not None:
                wo.submitter_id = submitter_id
            wo.last_modified = self.now()
            self._save(wo)
            return f"Work order #{workorder_id} successfully updated", {
                "success": True,
                "workorder_id": wo.id,
                "url": workorder_url(portal_url, wo.id),
                "workorder": self.workorder_json(wo, portal_url),
            }

    # ---------------------------------------------------------------- notes

    def list_notes(self, workorder_id: int, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            wo = self._workorder(workorder_id)
            tz = self.site_timezone(wo.site_id)
            items = [
                n.to_json(tz)
                for n in sorted(wo.notes, key=lambda n: n.note_id, reverse=True)
                if _wildcards_match(args, n, search="content", author="author")
            ]
        return f"{plural(len(items), 'note')} found", items

    def add_note(self, workorder_id: int, args: Args, author: str) -> tuple[str, dict]:
        with self.lock:
            wo = self._workorder(workorder_id)
            if not args.get("note", "").strip():
                raise ApiError(400, "Missing required field: note")
            note = Note(self.next_id("note"), wo.id, author, args["note"], self.now())
            wo.notes.append(note)
            wo.last_modified = self.now()
            self._save(wo)
            return f"Note #{note.note_id} added to work order #{workorder_id}", {
                "success": True,
                "note_id": note.note_id,
                "note": note.to_json(self.site_timezone(wo.site_id)),
            }

    # ---------------------------------------------------------------- tasks and quotes

    def list_tasks(self, workorder_id: int, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            wo = self._workorder(workorder_id)
            tz = self.site_timezone(wo.site_id)
            items = [
                t.to_json(tz)
                for t in wo.tasks
                if _wildcards_match(args, t, item="item", description="description")
            ]
        return f"{plural(len(items), 'task')} found", items

    def add_task(self, workorder_id: int, args: Args) -> tuple[str, dict]:
        problems = Problems()
        with self.lock:
            wo = self._workorder(workorder_id)
            item_id = None
            if not args.get("taskitem_id", "").strip():
                problems.add("Missing required field: taskitem_id")
            else:
                item_id = self._reference("taskitem_id", args["taskitem_id"], self.task_items, problems)
            if not args.get("description", "").strip():
                problems.add("Missing required field: description")
            rate = None
            if not args.get("rate", "").strip():
                problems.add("Missing required field: rate")
            else:
                rate = parse_decimal(args["rate"])
                if rate is None or rate < 0:
                    problems.add(f"Invalid rate: {args['rate']}")
            # The upstream field list names the quantity argument 'note' (defaults to 1); only that is read.
            raw_qty = args.get("note", "").strip() or "1"
            qty = parse_decimal(raw_qty)
            if qty is None or qty <= 0:
                problems.add(f"Invalid quantity: {raw_qty}")
            problems.raise_if_any()
            task = Task(
                self.next_id("task"),
                wo.id,
                self.task_items[item_id].name,
                args["description"],
                qty,
                rate,
                self.now(),
            )
            wo.tasks.append(task)
            wo.last_modified = self.now()
            self._save(wo)
            return f"Client task #{task.task_id} added to work order #{workorder_id}", {
                "success": True,
                "task_id": task.task_id,
                "task": task.to_json(self.site_timezone(wo.site_id)),
            }

    def list_quotes(self, workorder_id: int, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            wo = self._workorder(workorder_id)
            tz = self.site_timezone(wo.site_id)
            items = [
                q.to_json(tz)
                for q in wo.quotes
                if _wildcards_match(args, q, item="item", description="description")
            ]
        return f"{plural(len(items), 'quote')} found", items

    # ---------------------------------------------------------------- photos and questions

    def list_photos(self, workorder_id: int, args: Args, portal_url: str) -> tuple[str, list[dict]]:
        with self.lock:
            wo = self._workorder(workorder_id)
            tz = self.site_timezone(wo.site_id)
            items = [p.to_json(tz, portal_url) for p in wo.photos if _wildcards_match(args, p, search="note")]
        return f"{plural(len(items), 'photo')} found", items

    def get_photo(self, workorder_id: int, photo_id: int) -> Photo:
        with self.lock:
            wo = self._workorder(workorder_id)
            photo = next((p for p in wo.photos if p.photo_id == photo_id), None)
            if photo is None:
                raise ApiError(404, f"Photo #{photo_id} not found")
            return photo

    def list_questions(self, workorder_id: int, args: Args) -> tuple[str, list[dict]]:
        with self.lock:
            wo = self._workorder(workorder_id)
            tz = self.site_timezone(wo.site_id)
            items = [
                q.to_json(tz)
                for q in sorted(wo.questions, key=lambda q: q.sort_order)
                if _wildcards_match(args, q, question="question", answer="answer")
            ]
        return f"{plural(len(items), 'question')} found", items

    # ---------------------------------------------------------------- portal-side actions
    # Upstream these happen by hand at TechLink (project managers, installers, technicians).  The sandbox's
    # control endpoints expose them so that tests can move a work order along its life.

    def set_status(self, workorder_id: int, args: Args) -> WorkOrder:
        with self.lock:
            wo = self._workorder(workorder_id)
            problems = Problems()
            raw = args.get("status_code", "").strip()
            if not raw.isdigit() or int(raw) not in STATUSES:
                problems.add(f"Invalid status_code: {raw or '(missing)'}; known: {sorted(STATUSES)}")
            scheduled = _scheduled(args["scheduled_date"], problems) if "scheduled_date" in args else None
            problems.raise_if_any()
            wo.status_code = int(raw)
            if scheduled is not None:
                wo.scheduled_date = scheduled
            self.workorder_index.reset()
            for prefix, contact in (("installer_", wo.installer), ("tech_", wo.planned_tech)):
                for part in ("name", "phone", "email"):
                    if prefix + part in args:
                        setattr(contact, part, args[prefix + part])
            wo.last_modified = self.now()
            author = args.get("author") or "TechLink Project Manager"
            wo.notes.append(
                Note(self.next_id("note"), wo.id, author, f"Status set to {wo.status}.", self.now())
            )
            self._save(wo)
            return wo


# ---------------------------------------------------------------------------------------------- helpers


def _wildcards_match(args: Args, obj: object, **filters: str) -> bool:
    """Every search argument the caller passed (argument name -> attribute) matches, upstream's way."""
    return all(
        not args.get(arg) or wildcard_match(args[arg], getattr(obj, attr)) for arg, attr in filters.items()
    )


def _filter_documents(docs: Iterable[Document], args: Args) -> list[dict]:
    return [
        d.to_json() for d in docs if _wildcards_match(args, d, description="description", filename="filename")
    ]


def _find_document(docs: Iterable[Document], document_id: int) -> Document:
    doc = next((d for d in docs if d.document_id == document_id), None)
    if doc is None:
        raise ApiError(404, f"Document #{document_id} not found")
    return doc


def _scheduled(text: str, problems: Problems) -> str:
    text = text.strip()
    if not text or text == UNSCHEDULED:
        return UNSCHEDULED
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
    problems.add("Invalid scheduled_date: use YYYY-MM-DD HH:MM:SS")
    return UNSCHEDULED


def safe_filename(name: str) -> str:
    """The last path component of an uploaded file name (browsers on Windows send full paths)."""
    return PureWindowsPath(PurePosixPath(name or "").name).name.strip()


def guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def workorder_url(portal_url: str, workorder_id: int) -> str:
    return f"{portal_url}/portal/index.php?sp=orders&act=detail&id={workorder_id}"
