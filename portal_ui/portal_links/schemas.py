"""Pydantic shapes of the Portal Link API (unknown keys rejected everywhere); the staff forms reuse them."""

import json
from datetime import UTC, datetime
from ipaddress import ip_network
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator

METADATA_MAX_BYTES = 8 * 1024
WELCOME_TEXT_MAX = 1000
# https, a plain host name (optionally a port), then a path without quotes, spaces or brackets.
LOGO_URL_PATTERN = r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&*+=:@/?#-]*)?$"

LinkTypeName = Literal["public", "private", "secure"]
StatusName = Literal["active", "inactive", "expired", "exhausted"]


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=254, pattern=r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
    ),
    AfterValidator(_lower),
]
Domain = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=253, pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"),
    AfterValidator(_lower),
]
Namespace = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
WorkOrderId = Annotated[str, StringConstraints(min_length=1, max_length=12, pattern=r"^[1-9][0-9]*$")]
HexColor = Annotated[str, StringConstraints(pattern=r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")]
PlainText = Annotated[str, AfterValidator(no_nul)]
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


class AccessRestrictionsIn(StrictSchema):
    """Gates of the customer page. `passcode` is write-only (stored hashed) and required for secure links;
    private links need at least one of `allowed_emails` / `allowed_domains` (the visitor proves an address
    with an e-mailed one-time code). `ip_ranges` (CIDR) limits where the page may be opened from;
    `max_views` ends the link after that many page views."""

    passcode: (
        Annotated[str, StringConstraints(min_length=4, max_length=128), AfterValidator(no_nul)] | None
    ) = Field(None, description="Write-only passcode for secure links (4-128 characters).")
    allowed_emails: EmailList = Field(default_factory=list, description="E-mail addresses allowed (private).")
    allowed_domains: Annotated[list[Domain], Field(max_length=50)] = Field(
        default_factory=list, description="E-mail domains allowed, e.g. example.com (private)."
    )
    ip_ranges: Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=50)] = (
        Field(
            default_factory=list, description="CIDR ranges (e.g. 203.0.113.0/24) the page may be opened from."
        )
    )
    max_views: int | None = Field(None, ge=1, le=1_000_000, description="Page views before the link ends.")

    @field_validator("ip_ranges")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            try:
                out.append(str(ip_network(item.strip(), strict=False)))
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

    company_name: Annotated[str, StringConstraints(max_length=100), AfterValidator(no_nul)] | None = None
    logo_url: Annotated[str, StringConstraints(max_length=500, pattern=LOGO_URL_PATTERN)] | None = Field(
        None, description="https URL of the logo image."
    )
    primary_color: HexColor | None = None
    secondary_color: HexColor | None = None
    welcome_text: (
        Annotated[str, StringConstraints(max_length=WELCOME_TEXT_MAX), AfterValidator(no_nul)] | None
    ) = Field(None, description=f"Shown at the top of the page (at most {WELCOME_TEXT_MAX} characters).")


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    encoded = json.dumps(value, ensure_ascii=False)
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ValueError(f"metadata must be at most {METADATA_MAX_BYTES} bytes as JSON")
    if "\x00" in encoded or "\\u0000" in encoded:
        raise ValueError("metadata must not contain NUL characters")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
Namespaces = Annotated[list[Namespace], Field(min_length=1, max_length=20)]
ExpiryDate = Annotated[datetime | None, AfterValidator(_aware_datetime)]


class LinkCreateIn(StrictSchema):
    workorder: WorkOrderId = Field(..., description="TechLink work order id (digits).")
    link_type: LinkTypeName = Field("private", description="Type of portal link.")
    permissions: Permissions = Field(default_factory=Permissions)
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
    permissions: Permissions | None = None
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
    permissions: Permissions
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
        None, description="The customer URL; only in the answers of create and regenerate (shown once)."
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


def link_out(link, *, url: str | None = None) -> dict[str, Any]:
    """The API representation of a link (never the token hash or the passcode hash)."""
    restrictions = dict(link.access_restrictions or {})
    return {
        "_id": link.id,
        "workorder": link.workorder,
        "link_type": link.link_type,
        "permissions": {**Permissions().model_dump(), **(link.permissions or {})},
        "access_restrictions": {
            "has_passcode": link.has_passcode,
            "allowed_emails": restrictions.get("allowed_emails", []),
            "allowed_domains": restrictions.get("allowed_domains", []),
            "ip_ranges": restrictions.get("ip_ranges", []),
            "max_views": restrictions.get("max_views"),
        },
        "expiry_date": link.expiry_date,
        "notification_settings": {
            **NotificationSettings().model_dump(),
            **(link.notification_settings or {}),
        },
        "custom_branding": {**CustomBranding().model_dump(), **(link.custom_branding or {})},
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
