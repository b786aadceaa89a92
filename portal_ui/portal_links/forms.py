"""Staff forms for portal links and API keys. Link values are checked by the same pydantic schemas as the API."""

import re

from django import forms
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from portal_ui.portal_links import schemas
from portal_ui.portal_links.models import LinkType, PortalLink
from portal_ui.portal_links.sharing.selectors import ShareChoices

PERMISSION_LABELS = {
    "view_schedule": "Schedule (dates, installer)",
    "view_notes": "Notes",
    "view_photos": "Photos",
    "view_client_documents": "Documents",
    "view_closeout_answers": "Close-out answers",
    "view_closeout_documents": "Close-out documents",
    "download_documents": "Documents may be downloaded",
    "add_comment": "Customer may comment",
    "upload_document": "Customer may upload files",
}
NOTIFICATION_LABELS = {
    "on_first_view": "E-mail on first view",
    "on_each_view": "E-mail on every view",
    "on_customer_comment": "E-mail on customer comment",
    "on_customer_upload": "E-mail on customer upload",
}
LIST_HELP = "One per line (or separated by commas)."
# The share form's checklists: form field -> SharedItems key.
SHARED_ITEM_FIELDS = {
    "shared_notes": "notes",
    "shared_client_documents": "client_documents",
    "shared_closeout_documents": "closeout_documents",
    "shared_photos": "photos",
}
SHARED_RULES = ("customer_visible_notes", "all_photos")


class ItemIdsField(forms.Field):
    """Ids ticked in a checklist the template draws (with previews) from the work order's items."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError("Choose items from the list.") from None
        if any(i < 1 for i in ids):
            raise forms.ValidationError("Choose items from the list.")
        return list(dict.fromkeys(ids))


def split_list(value: str) -> list[str]:
    return [item for item in (part.strip() for part in re.split(r"[\n,;]+", value or "")) if item]


class PortalLinkForm(forms.Form):
    """Create (with `workorder`) or edit a link. `cleaned_data["payload"]` is the validated API-shaped dict."""

    workorder = forms.CharField(label="Work order number", max_length=12)
    label = forms.CharField(
        label="Label",
        required=False,
        max_length=schemas.LABEL_MAX,
        help_text="Who the link is for, e.g. “Front desk, Harbour Office”. Signs the comments sent through a "
        "public or secure link.",
    )
    link_type = forms.ChoiceField(label="Type", choices=LinkType.choices, initial=LinkType.PUBLIC)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
    expiry_date = forms.DateTimeField(
        label="Expires",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: never.",
    )
    passcode = forms.CharField(
        label="Passcode (secure links)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=f"At least {schemas.PASSCODE_MIN} characters, stored hashed. When editing, leave empty to "
        "keep the current passcode. A link changed to another type loses its passcode.",
    )
    allowed_emails = forms.CharField(
        label="Allowed e-mail addresses (private links)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"{LIST_HELP} Empty, with no domains either: the addresses TechLink has for the site "
        "contacts.",
    )
    allowed_domains = forms.CharField(
        label="Allowed e-mail domains (private links)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e.g. example.com",
    )
    ip_ranges = forms.CharField(
        label="Allowed networks (CIDR)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Empty: any network.",
    )
    max_views = forms.IntegerField(label="Maximum page views", required=False, min_value=1)
    company_name = forms.CharField(label="Company name", required=False, max_length=100)
    logo_url = forms.CharField(label="Logo URL (https)", required=False, max_length=500)
    primary_color = forms.CharField(
        label="Primary colour", required=False, max_length=7, help_text="#rgb or #rrggbb"
    )
    secondary_color = forms.CharField(label="Secondary colour", required=False, max_length=7)
    welcome_text = forms.CharField(
        label="Welcome text",
        required=False,
        max_length=schemas.WELCOME_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    customer_visible_notes = forms.BooleanField(
        label="Notes marked “visible to the customer”, including ones written later",
        required=False,
        initial=True,
    )
    all_photos = forms.BooleanField(label="Every photo, including ones added later", required=False)

    def __init__(self, *args, link: PortalLink | None = None, choices: ShareChoices | None = None, **kwargs):
        self.link = link
        self.choices = choices or ShareChoices()
        if link is not None:
            kwargs.setdefault("initial", initial_for(link))
        super().__init__(*args, **kwargs)
        for name in SHARED_ITEM_FIELDS:
            self.fields[name] = ItemIdsField()
        if link is None and self.initial.get("workorder"):
            # The checklist lists this work order's items; another work order starts the form again.
            self.fields["workorder"].widget.attrs["readonly"] = True
        for name, label in PERMISSION_LABELS.items():
            default = schemas.Permissions.model_fields[name].default
            self.fields[name] = forms.BooleanField(label=label, required=False, initial=default)
        for name, label in NOTIFICATION_LABELS.items():
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=LIST_HELP
            )
        if link is not None:
            del self.fields["workorder"]
            for name, value in kwargs["initial"].items():
                if name in self.fields:
                    self.fields[name].initial = value

    def permission_fields(self):
        return [self[name] for name in PERMISSION_LABELS]

    def ticked(self) -> dict[str, set[int]]:
        """The items ticked in each checklist: as posted, else as the link shares them (none for a new link)."""
        ticked = {}
        for name, key in SHARED_ITEM_FIELDS.items():
            if self.is_bound:
                raw = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
                ticked[key] = {int(v) for v in raw if str(v).isdigit()}
            else:
                ticked[key] = set(self.initial.get(name) or [])
        return ticked

    def notification_fields(self):
        return [self[name] for name in NOTIFICATION_LABELS]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        restrictions = {
            "allowed_emails": split_list(data.get("allowed_emails")),
            "allowed_domains": split_list(data.get("allowed_domains")),
            "ip_ranges": split_list(data.get("ip_ranges")),
            "max_views": data.get("max_views"),
        }
        if data.get("passcode"):
            restrictions["passcode"] = data["passcode"]
        expiry = data.get("expiry_date")
        stored = self.link.expiry_date if self.link is not None else None
        if expiry and stored and abs((expiry - stored).total_seconds()) < 60:
            expiry = stored  # the form shows minutes only: an unchanged field means the stored value
        payload = {
            "link_type": data["link_type"],
            "label": data.get("label") or "",
            "shared_items": {
                **{key: data.get(name) or [] for name, key in SHARED_ITEM_FIELDS.items()},
                **{name: bool(data.get(name)) for name in SHARED_RULES},
            },
            "is_active": bool(data.get("is_active")),
            "expiry_date": expiry,
            "permissions": {name: bool(data.get(name)) for name in PERMISSION_LABELS},
            "access_restrictions": restrictions,
            "notification_settings": {name: split_list(data.get(name)) for name in NOTIFICATION_LABELS},
            "custom_branding": {
                name: data.get(name) or None
                for name in ("company_name", "logo_url", "primary_color", "secondary_color", "welcome_text")
            },
        }
        if self.link is None:
            payload["workorder"] = data.get("workorder", "").strip()
        schema = schemas.LinkCreateIn if self.link is None else schemas.LinkUpdateIn
        try:
            validated = schema.model_validate(payload)
        except PydanticValidationError as exc:
            for error in exc.errors():
                self.add_error(
                    form_field(error["loc"], self.fields), error["msg"].removeprefix("Value error, ")
                )
            return data
        dumped = validated.model_dump()
        dumped["custom_branding"] = {
            k: v for k, v in dumped["custom_branding"].items() if v not in (None, "")
        }
        if (
            expiry is not None
            and (self.link is None or expiry != self.link.expiry_date)
            and expiry <= timezone.now()
        ):
            self.add_error("expiry_date", "The expiry date must be in the future.")
        data["payload"] = {key: dumped[key] for key in payload}
        return data

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        for path, messages in fields.items():
            for message in messages:
                self.add_error(form_field(path.split("."), self.fields), message)


def form_field(loc, fields) -> str | None:
    """The form field for an API field path such as access_restrictions.allowed_emails.0."""
    for part in reversed([str(p) for p in loc]):
        if part in fields:
            return part
    return None


def initial_for(link: PortalLink) -> dict:
    restrictions = link.access_restrictions or {}
    notifications = link.notification_settings or {}
    branding = link.custom_branding or {}
    permissions = {**schemas.Permissions().model_dump(), **(link.permissions or {})}
    shared = schemas.shared_items_of(link.shared_items)
    expiry = timezone.localtime(link.expiry_date).strftime("%Y-%m-%dT%H:%M") if link.expiry_date else None
    return {
        "link_type": link.link_type,
        "label": link.label,
        **{name: shared[key] for name, key in SHARED_ITEM_FIELDS.items()},
        **{name: shared[name] for name in SHARED_RULES},
        "is_active": link.is_active,
        "expiry_date": expiry,
        "allowed_emails": "\n".join(restrictions.get("allowed_emails", [])),
        "allowed_domains": "\n".join(restrictions.get("allowed_domains", [])),
        "ip_ranges": "\n".join(restrictions.get("ip_ranges", [])),
        "max_views": restrictions.get("max_views"),
        **{
            name: branding.get(name, "")
            for name in ("company_name", "logo_url", "primary_color", "secondary_color", "welcome_text")
        },
        **permissions,
        **{name: "\n".join(notifications.get(name, [])) for name in NOTIFICATION_LABELS},
    }


class LinkFilterForm(forms.Form):
    workorder = forms.CharField(label="Work order number", required=False, max_length=20)
    link_type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any"), *LinkType.choices])
    is_active = forms.ChoiceField(
        label="Active", required=False, choices=[("", "Any"), ("yes", "Active"), ("no", "Inactive")]
    )
    namespace = forms.CharField(label="Namespace", required=False, max_length=64)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="Who uses the key, e.g. “CRM integration”."
    )
    namespaces = forms.CharField(
        label="Company namespaces",
        max_length=500,
        help_text="Comma separated. The key sees and changes only links within these namespaces.",
    )

    def clean_namespaces(self):
        values = split_list(self.cleaned_data["namespaces"])
        bad = [v for v in values if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", v)]
        if bad:
            raise forms.ValidationError(f"Not a namespace: {', '.join(bad)} (letters, digits, . _ - only).")
        if not values:
            raise forms.ValidationError("Give at least one namespace.")
        return values
