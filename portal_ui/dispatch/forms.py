"""Forms of the staff pages. Field names follow TechLink's, so cleaned data maps 1:1 upstream, except
``site_code`` (the client's own site ID, which TechLink's site create and update call ``site_id``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from portal_ui.core.uploads import upload_limit, upload_limit_label, upload_problem
from portal_ui.dispatch import regions
from portal_ui.dispatch.selectors import Reference

US_COUNTRIES = {"", "us", "usa", "united states", "united states of america"}
ZIP_US = re.compile(r"^\d{5}(-?\d{4})?$")


def _reference_choice(field_label: str, options: list[tuple[int, str]], *, blank: str) -> forms.Field:
    if options:
        return forms.TypedChoiceField(
            required=False,
            label=field_label,
            coerce=int,
            empty_value=None,
            choices=[("", blank), *options],
        )
    # The list could not be loaded: let staff type the number instead of blocking the form.
    return forms.IntegerField(required=False, min_value=1, label=f"{field_label} (number)")


# The most text TechLink takes in one field (it refuses a longer description or site note).
TEXT_MAX_BYTES = 1024 * 1024


def line_breaks(value: Any) -> Any:
    """Text with its line breaks as TechLink keeps them: browsers submit CRLF (or a lone CR), TechLink has LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def fits_techlink(value: str) -> None:
    size = len(value.encode("utf-8"))
    if size > TEXT_MAX_BYTES:
        raise forms.ValidationError(
            f"This text is {size / 1024:,.0f} KB; TechLink takes at most {TEXT_MAX_BYTES // 1024:,} KB in one field."
        )


def long_text(**kwargs: Any) -> forms.CharField:
    """A multi-line text field as TechLink takes it (at most ``TEXT_MAX_BYTES``)."""
    return forms.CharField(
        widget=forms.Textarea(attrs=kwargs.pop("attrs", {})), validators=[fits_techlink], **kwargs
    )


class UpstreamForm(forms.Form):
    """A form whose cleaned data is sent to TechLink under TechLink's field names (``UPSTREAM_NAMES`` maps
    the fields named otherwise here). Text is sent with LF line breaks, and a field counts as changed only
    when its text differs once line breaks are alike."""

    UPSTREAM_NAMES: dict[str, str] = {}

    def upstream_fields(self) -> dict[str, Any]:
        """Every filled field, for a new object."""
        return {
            self.UPSTREAM_NAMES.get(name, name): line_breaks(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }

    def upstream_changes(self) -> dict[str, Any]:
        """Only the fields the staff member changed (even when changed to empty), for an update."""
        changes = {}
        for name in self.changed_data:
            value = line_breaks(self.cleaned_data.get(name))
            initial = line_breaks(self.get_initial_for_field(self.fields[name], name))
            if isinstance(value, str) and value == ("" if initial is None else str(initial)).strip():
                continue
            changes[self.UPSTREAM_NAMES.get(name, name)] = "" if value is None else value
        return changes

    @classmethod
    def initial_from_upstream(cls, fields: dict[str, Any]) -> dict[str, Any]:
        """Form values from fields under TechLink's names (a refused write's payload)."""
        here = {upstream: name for name, upstream in cls.UPSTREAM_NAMES.items()}
        return {here.get(name, name): value for name, value in fields.items()}


class SiteForm(UpstreamForm):
    """Create and edit a job site."""

    UPSTREAM_NAMES = {"site_code": "site_id"}

    name = forms.CharField(max_length=200)
    site_code = forms.CharField(
        required=False,
        max_length=100,
        label="Site code",
        help_text="Your own reference, shown to staff only.",
    )
    phone = forms.CharField(required=False, max_length=40)
    fax = forms.CharField(required=False, max_length=40)
    address1 = forms.CharField(max_length=200, label="Street address")
    address2 = forms.CharField(required=False, max_length=200, label="Address line 2")
    address3 = forms.CharField(required=False, max_length=200, label="Address line 3")
    city = forms.CharField(max_length=100)
    state = forms.CharField(max_length=100, help_text="Two-letter abbreviation or full name.")
    zip = forms.CharField(max_length=20, label="ZIP", help_text="US: 5 or 9 digits (12345 or 12345-6789).")
    country = forms.CharField(
        required=False, max_length=60, help_text="Defaults to US; Canada is also possible."
    )
    primary_contact_name = forms.CharField(max_length=120, label="Primary contact name")
    primary_contact_phone = forms.CharField(max_length=40, label="Primary contact phone")
    primary_contact_email = forms.EmailField(label="Primary contact e-mail")
    secondary_contact_name = forms.CharField(required=False, max_length=120, label="Secondary contact name")
    secondary_contact_phone = forms.CharField(required=False, max_length=40, label="Secondary contact phone")
    secondary_contact_email = forms.EmailField(required=False, label="Secondary contact e-mail")
    notes = long_text(required=False)

    def clean_zip(self) -> str:
        return self.cleaned_data["zip"].strip()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        changed = set(self.changed_data)
        country = (data.get("country") or "").strip().casefold()
        zip_code = data.get("zip")
        check_zip = not self.editing or bool(changed & {"zip", "country"})
        if check_zip and zip_code and country in US_COUNTRIES and not ZIP_US.match(zip_code):
            self.add_error("zip", "Enter a US ZIP code of 5 or 9 digits, e.g. 12345 or 12345-6789.")
        state = data.get("state")
        check_state = not self.editing or bool(changed & {"state", "country"})
        if check_state and state and not regions.state_known(state, country):
            where = "Canadian province" if country in regions.CANADA else "US state"
            self.add_error("state", f"“{state}” is not a {where}: give its name or two-letter abbreviation.")
        if self.editing:
            # Only changed fields are sent: what TechLink already holds is not the staff member's input.
            for name in [n for n in self.errors if n in self.fields and n not in changed]:
                del self.errors[name]
        return data

    @classmethod
    def editing_site(cls, site: Any, data: Any = None) -> SiteForm:
        """The form editing ``site`` (as TechLink answers for it), bound to ``data`` when posted."""
        return cls(data, initial=cls.initial_from_site(site), editing=True)

    @staticmethod
    def initial_from_site(site: Any) -> dict[str, Any]:
        """Form values from a site as TechLink answers for it."""
        a = site.address
        return {
            "name": site.name,
            "site_code": site.siteid,
            "phone": site.phone,
            "fax": site.fax,
            "address1": a.street,
            "address2": a.street2,
            "address3": a.street3,
            "city": a.city,
            "state": a.stateabbr or a.state,
            "zip": a.zip,
            "country": a.country,
            "primary_contact_name": site.contact1.name,
            "primary_contact_phone": site.contact1.phone,
            "primary_contact_email": site.contact1.email,
            "secondary_contact_name": site.contact2.name,
            "secondary_contact_phone": site.contact2.phone,
            "secondary_contact_email": site.contact2.email,
            "notes": site.notes,
        }


class SiteAttributeForm(forms.Form):
    name = forms.CharField(max_length=100, label="Attribute")
    value = forms.CharField(max_length=2000, widget=forms.TextInput)


class SiteAttributeRemoveForm(forms.Form):
    name = forms.CharField(max_length=100)
    value = forms.CharField(required=False, strip=False)  # shown when asking to confirm
    confirm = forms.BooleanField(required=False)


class DocumentDeleteForm(forms.Form):
    """What the page knew of the document being deleted, to name it to staff (never sent upstream)."""

    filename = forms.CharField(required=False, max_length=255)

    def shown_name(self) -> str:
        return self.cleaned_data.get("filename", "").strip() if self.is_valid() else ""


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label="File")
    description = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Lets the page refuse an oversized file before sending it; the server checks again.
        self.fields["file"].widget.attrs.update(
            {"data-max-bytes": upload_limit(), "data-max-label": upload_limit_label()}
        )
        self.fields["file"].help_text = f"Up to {upload_limit_label()}."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = upload_problem(name=upload.name, size=upload.size)
        if problem:
            raise forms.ValidationError(problem)
        return upload


class WorkOrderEditForm(UpstreamForm):
    field_order = [
        "summary", "description", "project_id", "po", "client_reference", "requested_install", "submitter_id",
    ]  # fmt: skip

    summary = forms.CharField(max_length=255)
    description = long_text(required=False)
    po = forms.CharField(required=False, max_length=100, label="PO")
    client_reference = forms.CharField(required=False, max_length=100, label="Client reference")
    requested_install = forms.CharField(
        required=False,
        max_length=100,
        label="Requested install",
        help_text="Free text for the project manager, e.g. 2026/06/12 09:00.",
    )

    def __init__(self, *args: Any, reference: Reference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = [(p.project_id, p.name) for p in reference.projects]
        users = [(u.user_id, u.name or u.username) for u in reference.users if u.enabled]
        # Keep the current value selectable even when it is not (or no longer) in TechLink's list, by the
        # name the dashboard last knew for it.
        for name, options, label, known in (
            ("project_id", projects, "Project", reference.project_names),
            ("submitter_id", users, "User", reference.user_names),
        ):
            current = self.initial.get(name)
            if options and current and current not in {value for value, _ in options}:
                options.append((current, known.get(current) or f"{label} #{current}"))
        self.fields["project_id"] = _reference_choice("Project", projects, blank="No project")
        self.fields["submitter_id"] = _reference_choice("Submitter", users, blank="Nobody in particular")
        self.order_fields(self.field_order)

    @classmethod
    def editing_workorder(
        cls, workorder: Any, data: Any = None, *, reference: Reference
    ) -> WorkOrderEditForm:
        """The form editing ``workorder`` (as TechLink answers for it), bound to ``data`` when posted."""
        return cls(data, initial=cls.initial_from_workorder(workorder), reference=reference)

    @staticmethod
    def initial_from_workorder(workorder: Any) -> dict[str, Any]:
        """Form values from a work order as TechLink answers for it."""
        return {
            "summary": workorder.summary,
            "description": workorder.description,
            "po": workorder.po,
            "client_reference": workorder.client_reference,
            "requested_install": workorder.requested_time,
            "project_id": workorder.project_id,
            "submitter_id": workorder.submitter_id,
        }


WORKORDER_TYPE_CHOICES = (("work order", "Work order"), ("site survey", "Site survey"))


class WorkOrderCreateForm(WorkOrderEditForm):
    field_order = ["site_id", "type", *WorkOrderEditForm.field_order]

    site_id = forms.IntegerField(
        min_value=1, label="Site", help_text="Search above, or type the TechLink site number."
    )
    type = forms.ChoiceField(choices=WORKORDER_TYPE_CHOICES, initial="work order")

    def __init__(
        self,
        *args: Any,
        reference: Reference,
        site_choices: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, reference=reference, **kwargs)
        if site_choices:
            self.fields["site_id"] = forms.TypedChoiceField(
                label="Site", coerce=int, choices=[("", "Choose a site"), *site_choices]
            )
        self.order_fields(self.field_order)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    visible_to_customer = forms.BooleanField(
        required=False,
        label="Visible to the customer",
        help_text="Portal links that share customer-visible notes show it.",
    )

    def clean_note(self) -> str:
        return line_breaks(self.cleaned_data["note"])


class TaskForm(forms.Form):
    field_order = ["taskitem_id", "description", "quantity", "rate"]

    taskitem_id = forms.IntegerField(min_value=1, label="Task item")
    description = forms.CharField(max_length=255)
    quantity = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, initial=1)
    rate = forms.DecimalField(
        min_value=Decimal(0), max_digits=12, decimal_places=2, help_text="Cost per unit, e.g. 150.00"
    )

    def __init__(self, *args: Any, reference: Reference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reference.task_items:
            self.fields["taskitem_id"] = forms.TypedChoiceField(
                label="Task item",
                coerce=int,
                choices=[("", "Choose an item")] + [(t.taskitem_id, t.name) for t in reference.task_items],
            )
        self.order_fields(self.field_order)


# -- the schedule board and the map -------------------------------------------------------------------


class AskForDateForm(forms.Form):
    """Ask TechLink's project manager for an install date (``requested_install``), optionally with a note."""

    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        required=False, label="Time (site's local time)", widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = long_text(required=False, label="Note to the project manager", attrs={"rows": 2})
    confirm_past = forms.BooleanField(required=False, label="Yes, ask for a day in the past")

    def __init__(self, *args: Any, today: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day = data.get("day")
        if day and self.today and day < self.today and not data.get("confirm_past"):
            self.add_error(
                "confirm_past", f"{day:%a %d %b %Y} is in the past: tick this box to ask for it anyway."
            )
        return data

    def requested_install(self) -> str:
        """The text TechLink's project manager reads, e.g. "2026-12-07 09:00"."""
        day, time = self.cleaned_data["day"], self.cleaned_data.get("time")
        return f"{day:%Y-%m-%d} {time:%H:%M}" if time else f"{day:%Y-%m-%d}"
