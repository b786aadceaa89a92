"""Pydantic shapes of the Portal Link API (unknown keys rejected everywhere); the staff forms reuse them."""

import json
import re
from datetime import UTC, datetime
from ipaddress import ip_network
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

METADATA_MAX_BYTES = 8 * 1024
WELCOME_TEXT_MAX = 1000
LABEL_MAX = 100
PASSCODE_MIN = 6
SHARED_IDS_MAX = 500
# https, a plain host name (optionally a port), then a path without quotes, spaces or brackets.
LOGO_URL_PATTERN = r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&*+=:@/?#-]*)?$"

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
_HEX = r"[0-9a-fA-F]{1,4}"
_IPV6 = "|".join(
    [
        rf"({_HEX}:){{7}}{_HEX}",
        rf"({_HEX}:){{1,7}}:",
        rf"({_HEX}:){{1,6}}:{_HEX}",
        rf"({_HEX}:){{1,5}}(:{_HEX}){{1,2}}",
        rf"({_HEX}:){{1,4}}(:{_HEX}){{1,3}}",
        rf"({_HEX}:){{1,3}}(:{_HEX}){{1,4}}",
        rf"({_HEX}:){{1,2}}(:{_HEX}){{1,5}}",
        rf"{_HEX}:(:{_HEX}){{1,6}}",
        rf":((:{_HEX}){{1,7}}|:)",
        rf"::(ffff(:0{{1,4}})?:)?{_IPV4}",
        rf"({_HEX}:){{1,4}}:{_IPV4}",
    ]
)
# An IPv4 or IPv6 network in CIDR notation (host bits may be set), or a single address.
CIDR_PATTERN = rf"^({_IPV4}(/(3[0-2]|[12]?[0-9]))?|({_IPV6})(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$"

LinkTypeName = Literal["public", "private", "secure"]
StatusName = Literal["active", "inactive", "expired", "exhausted"]


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class Documented:
    """Adds keywords to a type's JSON schema only (validation stays with the type's own validators)."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


# Text without NUL characters (which PostgreSQL cannot store), as the OpenAPI document says it.
NO_NUL_PATTERN = r"^[^\x00]*$"
NO_NUL = Documented(pattern=NO_NUL_PATTERN)


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"),
    AfterValidator(_lower),
]
Domain = Annotated[
    str,
    StringConstraints(max_length=253, pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"),
    AfterValidator(_lower),
]
Namespace = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
WorkOrderId = Annotated[str, StringConstraints(min_length=1, max_length=12, pattern=r"^[1-9][0-9]*$")]
HexColor = Annotated[str, StringConstraints(pattern=r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")]
PlainText = Annotated[str, AfterValidator(no_nul), NO_NUL]
EmailList = Annotated[list[Email], Field(max_length=50)]


def _aware_datetime(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date-time is out of range") from None
    if not (1970 <= value.astimezone(UTC).year <= 9998):
        raise ValueError("date-time must be between 1970 and 9998")
    return value


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class Permissions(StrictSchema):
    """What the customer page shows. The status is always shown; everything else is off unless granted."""

    view_schedule: bool = Field(True, description="Requested/scheduled install dates and installer name.")
    view_notes: bool = Field(False, description="The work order's notes.")
    view_photos: bool = Field(False, description="Photos, served through the link.")
    view_client_documents: bool = Field(False, description="The work order's documents (names).")
    view_closeout_answers: bool = Field(False, description="Close-out questions and answers.")
    view_closeout_documents: bool = Field(False, description="Close-out documents (names).")
    download_documents: bool = Field(False, description="Documents shown may be downloaded through the link.")
    add_comment: bool = Field(False, description="The customer may add a note to the work order.")
    upload_document: bool = Field(False, description="The customer may upload a document to the work order.")


PRIVATE_GATE = (
    "A private link's visitor proves an allowed address with an e-mailed one-time code. A private link sent "
    "without `allowed_emails` and `allowed_domains` is gated by the e-mail addresses TechLink has for the work "
    "order's site contacts: they are stored in `allowed_emails` when the link is saved (400 with "
    "`fields.access_restrictions.allowed_emails` when the site has none)."
)


class AccessRestrictionsIn(StrictSchema):
    __doc__ = (
        "Gates of the customer page. `passcode` is write-only (stored hashed) and required for secure links. "
        f"{PRIVATE_GATE} `ip_ranges` (CIDR) limits where the page may be opened from; `max_views` ends the "
        "link after that many page views."
    )

    passcode: (
        Annotated[
            str, StringConstraints(min_length=PASSCODE_MIN, max_length=128), AfterValidator(no_nul), NO_NUL
        ]
        | None
    ) = Field(None, description=f"Write-only passcode for secure links ({PASSCODE_MIN}-128 characters).")
    allowed_emails: EmailList = Field(
        default_factory=list,
        description="E-mail addresses allowed (private). Empty, with no domains either: the site contacts'.",
    )
    allowed_domains: Annotated[list[Domain], Field(max_length=50)] = Field(
        default_factory=list, description="E-mail domains allowed, e.g. example.com (private)."
    )
    ip_ranges: Annotated[
        list[Annotated[str, StringConstraints(max_length=64), Documented(pattern=CIDR_PATTERN)]],
        Field(max_length=50),
    ] = Field(
        default_factory=list, description="CIDR ranges (e.g. 203.0.113.0/24) the page may be opened from."
    )
    max_views: int | None = Field(None, ge=1, le=1_000_000, description="Page views before the link ends.")

    @field_validator("ip_ranges")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            try:
                if not re.fullmatch(CIDR_PATTERN, item):
                    raise ValueError(item)
                out.append(str(ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(f"{item!r} is not a CIDR range such as 203.0.113.0/24") from None
        return out


class AccessRestrictionsOut(Schema):
    """Access restrictions as stored; the passcode itself is never returned, only whether one is set."""

    has_passcode: bool = False
    allowed_emails: list[str] = Field(default_factory=list)
    allowed_domains: list[str] = Field(default_factory=list)
    ip_ranges: list[str] = Field(default_factory=list)
    max_views: int | None = None


class NotificationSettings(StrictSchema):
    """E-mail addresses told about customer activity on the link."""

    on_first_view: EmailList = Field(default_factory=list, description="Told when the link is first viewed.")
    on_each_view: EmailList = Field(default_factory=list, description="Told on every page view.")
    on_customer_comment: EmailList = Field(
        default_factory=list, description="Told when the customer comments."
    )
    on_customer_upload: EmailList = Field(default_factory=list, description="Told when the customer uploads.")


class CustomBranding(StrictSchema):
    """Branding of the customer page. Colours are hex `#rgb` or `#rrggbb`; the logo must be an https URL."""

    company_name: Annotated[str, StringConstraints(max_length=100), AfterValidator(no_nul), NO_NUL] | None = (
        None
    )
    logo_url: Annotated[str, StringConstraints(max_length=500, pattern=LOGO_URL_PATTERN)] | None = Field(
        None, description="https URL of the logo image."
    )
    primary_color: HexColor | None = None
    secondary_color: HexColor | None = None
    welcome_text: (
        Annotated[str, StringConstraints(max_length=WELCOME_TEXT_MAX), AfterValidator(no_nul), NO_NUL] | None
    ) = Field(None, description=f"Shown at the top of the page (at most {WELCOME_TEXT_MAX} characters).")


def _check_metadata(value: Any) -> Any:
    """Size and NUL checks with one clear message, before the value's shape is checked."""
    if not isinstance(value, dict):
        return value
    try:
        encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError("metadata must be plain JSON (no NaN or Infinity)") from None
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ValueError(f"metadata must be at most {METADATA_MAX_BYTES} bytes as JSON")
    if "\x00" in encoded or "\\u0000" in encoded:
        raise ValueError("metadata must not contain NUL characters")
    return value


# Any JSON without NUL characters, in keys or values (what the API stores and returns as it came).
MetadataText = Annotated[str, AfterValidator(no_nul), NO_NUL]
CLOSED = Documented(additionalProperties=False)
type MetadataValue = (
    MetadataText
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | bool
    | list[MetadataValue]
    | Annotated[dict[MetadataText, MetadataValue], CLOSED]
    | None
)
Metadata = Annotated[dict[MetadataText, MetadataValue], BeforeValidator(_check_metadata), CLOSED]
ItemId = Annotated[int, Field(ge=1, le=2**53)]
ItemIds = Annotated[list[ItemId], Field(max_length=SHARED_IDS_MAX)]
Label = Annotated[str, StringConstraints(max_length=LABEL_MAX), AfterValidator(no_nul), NO_NUL]


class SharedItems(StrictSchema):
    """The items of the work order the page shows, within the sections its `permissions` open: a note,
    document or photo that is not chosen here (by its TechLink id, or by a rule) is neither shown nor
    downloadable. Nothing is shared unless chosen."""

    notes: ItemIds = Field(default_factory=list, description="TechLink note ids shown (`view_notes`).")
    customer_visible_notes: bool = Field(
        False,
        description="Also show every note staff marked 'visible to the customer' in the dashboard, "
        "including notes written after the link was made.",
    )
    client_documents: ItemIds = Field(
        default_factory=list, description="Client document ids shown (`view_client_documents`)."
    )
    closeout_documents: ItemIds = Field(
        default_factory=list, description="Close-out document ids shown (`view_closeout_documents`)."
    )
    photos: ItemIds = Field(default_factory=list, description="Photo ids shown (`view_photos`).")
    all_photos: bool = Field(
        False, description="Show every photo of the work order, including photos added later."
    )


def shared_items_of(stored: dict[str, Any] | None) -> dict[str, Any]:
    """Every key of SharedItems: the stored values over the defaults."""
    return {**SharedItems().model_dump(), **(stored or {})}


Namespaces = Annotated[list[Namespace], Field(min_length=1, max_length=20)]
ExpiryDate = Annotated[datetime | None, AfterValidator(_aware_datetime)]


class LinkCreateIn(StrictSchema):
    workorder: WorkOrderId = Field(..., description="TechLink work order id (digits).")
    link_type: LinkTypeName = Field(
        "private",
        description=f'Type of portal link. {PRIVATE_GATE} So `{{"workorder": "<id>"}}` alone makes a '
        "private link for the site contacts.",
    )
    label: Label = Field(
        "", description="Who the link is for; signs comments sent through public and secure links."
    )
    permissions: Permissions = Field(default_factory=Permissions)
    shared_items: SharedItems = Field(default_factory=SharedItems)
    access_restrictions: AccessRestrictionsIn = Field(default_factory=AccessRestrictionsIn)
    expiry_date: ExpiryDate = Field(None, description="When the portal link expires (must be in the future).")
    notification_settings: NotificationSettings = Field(default_factory=NotificationSettings)
    custom_branding: CustomBranding = Field(default_factory=CustomBranding)
    metadata: Metadata = Field(default_factory=dict, description="Free JSON object, at most 8 KB serialized.")
    is_active: bool = Field(True, description="Whether the portal link is active.")
    company_namespace: Namespaces | None = Field(
        None, description="Company namespaces; default: the API key's namespaces."
    )


class LinkUpdateIn(StrictSchema):
    """Partial update: only the keys sent change. Objects are replaced as a whole, except that an
    `access_restrictions` without `passcode` keeps the stored passcode."""

    link_type: LinkTypeName | None = None
    label: Label | None = None
    permissions: Permissions | None = None
    shared_items: SharedItems | None = Field(None, description="Replaces the items shared as a whole.")
    access_restrictions: AccessRestrictionsIn | None = None
    expiry_date: ExpiryDate = Field(
        None, description="When the portal link expires; null removes the expiry."
    )
    is_active: bool | None = None
    notification_settings: NotificationSettings | None = None
    custom_branding: CustomBranding | None = None
    metadata: Metadata | None = None
    company_namespace: Namespaces | None = None


class LinkOut(Schema):
    id: str = Field(..., alias="_id", description="Portal link id.")
    workorder: str
    link_type: LinkTypeName
    label: str
    permissions: Permissions
    shared_items: SharedItems
    access_restrictions: AccessRestrictionsOut
    expiry_date: datetime | None
    notification_settings: NotificationSettings
    custom_branding: CustomBranding
    metadata: dict[str, Any]
    is_active: bool
    company_namespace: list[str]
    status: StatusName = Field(..., description="active, inactive, expired or exhausted (max_views reached).")
    view_count: int
    last_viewed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    url: str | None = Field(
        ...,
        description="The customer URL, carrying the link's token. Only the answers of create and regenerate, "
        "which issue a token, return it (once); every other answer has null.",
    )

    model_config = ConfigDict(populate_by_name=True)


class Paging(Schema):
    page: int
    per_page: int
    total: int
    pages: int


class LinkEnvelope(Schema):
    success: Literal[True] = True
    data: LinkOut


class LinkListEnvelope(Schema):
    success: Literal[True] = True
    data: list[LinkOut]
    paging: Paging


class DeletedEnvelope(Schema):
    success: Literal[True] = True


class ErrorBody(Schema):
    code: str = Field(..., description="bad_request, unauthorized, forbidden, not_found, method_not_allowed…")
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict, description="Messages per invalid field.")


class ErrorEnvelope(Schema):
    success: Literal[False] = False
    error: ErrorBody


PERMISSION_DEFAULTS = Permissions().model_dump()
NOTIFICATION_DEFAULTS = NotificationSettings().model_dump()
BRANDING_DEFAULTS = CustomBranding().model_dump()


def _overlay(defaults: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """A stored settings object as its schema gives it: every field in the schema's order, defaults for the
    missing ones, nothing the schema does not name."""
    stored = stored or {}
    return {name: stored.get(name, default) for name, default in defaults.items()}


def link_out(link, *, url: str | None = None) -> dict[str, Any]:
    """The API representation of a link (never the token hash or the passcode hash), exactly as ``LinkOut``
    serialises it, so that reads can be answered without validating it again (a test holds them equal)."""
    restrictions = dict(link.access_restrictions or {})
    return {
        "_id": link.id,
        "workorder": link.workorder,
        "link_type": link.link_type,
        "label": link.label,
        "permissions": _overlay(PERMISSION_DEFAULTS, link.permissions),
        "shared_items": shared_items_of(link.shared_items),
        "access_restrictions": {
            "has_passcode": link.has_passcode,
            "allowed_emails": restrictions.get("allowed_emails", []),
            "allowed_domains": restrictions.get("allowed_domains", []),
            "ip_ranges": restrictions.get("ip_ranges", []),
            "max_views": restrictions.get("max_views"),
        },
        "expiry_date": link.expiry_date,
        "notification_settings": _overlay(NOTIFICATION_DEFAULTS, link.notification_settings),
        "custom_branding": _overlay(BRANDING_DEFAULTS, link.custom_branding),
        "metadata": link.metadata or {},
        "is_active": link.is_active,
        "company_namespace": list(link.company_namespace or []),
        "status": str(link.status),
        "view_count": link.view_count,
        "last_viewed_at": link.last_viewed_at,
        "created_at": link.created_at,
        "updated_at": link.updated_at,
        "url": url,
    }
