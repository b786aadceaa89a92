"""Forms of the staff pages. Field names follow the TechLink API so cleaned data maps 1:1 upstream."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from portal_ui.dispatch import regions
from portal_ui.dispatch.selectors import ReferenceLists
from portal_ui.integrations.techlink import types
from portal_ui.mirror.selectors import QUEUES

US_COUNTRIES = {"", "us", "usa", "united states", "united states of america"}
ZIP_US = re.compile(r"^\d{5}(-?\d{4})?$")


class SearchForm(forms.Form):
    """Base for GET filter forms: blank fields are simply not filters."""

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        result = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            result[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return result


class SiteSearchForm(SearchForm):
    name = forms.CharField(required=False, max_length=200)
    site_code = forms.CharField(
        required=False, max_length=100, label="Site code", help_text="Your own site reference, e.g. ST-00123."
    )
    address = forms.CharField(required=False, max_length=200)
    city = forms.CharField(required=False, max_length=100)
    state = forms.CharField(required=False, max_length=100, help_text="Abbreviation or full name.")
    zip = forms.CharField(required=False, max_length=20, label="ZIP")


# Sortable columns of the work order list (keys of ``mirror.selectors.WORKORDER_SORTS`` without the sign).
SORT_COLUMNS = {
    "id": "Number",
    "status": "Status",
    "summary": "Summary",
    "site": "Site",
    "scheduled": "Scheduled",
    "modified": "Modified",
}


class WorkOrderFilterForm(SearchForm):
    status_code = forms.TypedChoiceField(
        required=False,
        label="Status",
        choices=[("", "Any status")]
        + [(str(code), label) for code, label in types.WORKORDER_STATUSES.items()],
    )
    project_id = forms.CharField(required=False, label="Project", max_length=20)
    site_id = forms.CharField(
        required=False, label="Site number", max_length=20, help_text="TechLink site number."
    )
    po = forms.CharField(required=False, label="PO", max_length=100)
    summary = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, max_length=200)
    install_date = forms.DateField(
        required=False, label="Install date", widget=forms.DateInput(attrs={"type": "date"})
    )
    queue = forms.ChoiceField(
        required=False,
        label="Queue",
        choices=[("", "All work orders"), *QUEUES.items()],
        help_text="As on the home page.",
    )

    def __init__(self, *args: Any, reference: ReferenceLists | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = reference.project_names if reference is not None else {}
        if names:
            listed = {p.project_id for p in reference.projects}
            options = sorted(names.items(), key=lambda item: (item[0] not in listed, item[1].casefold()))
            choices = [(str(i), name if i in listed else f"{name} (no longer listed)") for i, name in options]
            current = str(self.data.get("project_id", "") if self.is_bound else "").strip()
            if current and current not in {value for value, _ in choices}:
                choices.append((current, f"Project #{current}"))  # a link with a number not synced yet
            self.fields["project_id"] = forms.ChoiceField(
                required=False, label="Project", choices=[("", "Any project"), *choices]
            )


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


class SiteForm(forms.Form):
    """Create and edit a job site; names as TechLink's site fields."""

    name = forms.CharField(max_length=200)
    site_id = forms.CharField(
        required=False, max_length=100, label="Site ID", help_text="Your own reference, shown to staff only."
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
    notes = forms.CharField(required=False, widget=forms.Textarea)

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

    @staticmethod
    def initial_from_site(site: types.Site) -> dict[str, Any]:
        a = site.address
        return {
            "name": site.name,
            "site_id": site.siteid,
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

    def upstream_fields(self) -> dict[str, str]:
        """Every filled field, for a new site."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def upstream_changes(self) -> dict[str, str]:
        """Only the fields the staff member changed (even when changed to empty), for an update."""
        changes = {}
        for name in self.changed_data:
            value = self.cleaned_data.get(name)
            changes[name] = "" if value is None else value
        return changes


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


def file_size(size: int, *, other: int | None = None) -> str:
    """A file size as staff read it ("2.0 KB"); exact bytes when rounding would make it equal ``other``."""
    rounded = filesizeformat(size)
    if other is not None and rounded == filesizeformat(other) and size != other:
        return f"{size:,} bytes ({rounded})"
    return rounded


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label="File")
    description = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.UPLOAD_MAX_BYTES
        # Lets the page refuse an oversized file before sending it; the server checks again.
        self.fields["file"].widget.attrs.update(
            {"data-max-bytes": limit, "data-max-label": filesizeformat(limit)}
        )
        self.fields["file"].help_text = f"Up to {filesizeformat(limit)}."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name} is {file_size(upload.size, other=limit)}; "
                f"files can be at most {file_size(limit, other=upload.size)}."
            )
        return upload


class WorkOrderEditForm(forms.Form):
    summary = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea)
    po = forms.CharField(required=False, max_length=100, label="PO")
    client_reference = forms.CharField(required=False, max_length=100, label="Client reference")
    requested_install = forms.CharField(
        required=False,
        max_length=100,
        label="Requested install",
        help_text="Free text for the project manager, e.g. 2026/06/12 09:00.",
    )

    def __init__(self, *args: Any, reference: ReferenceLists, **kwargs: Any) -> None:
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
        self.order_fields(
            [
                "summary",
                "description",
                "project_id",
                "po",
                "client_reference",
                "requested_install",
                "submitter_id",
            ]
        )

    @staticmethod
    def initial_from_workorder(workorder: types.WorkOrder) -> dict[str, Any]:
        return {
            "summary": workorder.summary,
            "description": workorder.description,
            "po": workorder.po,
            "client_reference": workorder.client_reference,
            "requested_install": workorder.requested_time,
            "project_id": workorder.project_id,
            "submitter_id": workorder.submitter_id,
        }

    def upstream_changes(self) -> dict[str, Any]:
        changes = {}
        for name in self.changed_data:
            value = self.cleaned_data.get(name)
            changes[name] = "" if value is None else value
        return changes


WORKORDER_TYPE_CHOICES = (("work order", "Work order"), ("site survey", "Site survey"))


class WorkOrderCreateForm(WorkOrderEditForm):
    site_id = forms.IntegerField(
        min_value=1, label="Site", help_text="Search above, or type the TechLink site number."
    )
    type = forms.ChoiceField(choices=WORKORDER_TYPE_CHOICES, initial="work order")

    def __init__(
        self,
        *args: Any,
        reference: ReferenceLists,
        site_choices: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, reference=reference, **kwargs)
        if site_choices:
            self.fields["site_id"] = forms.TypedChoiceField(
                label="Site", coerce=int, choices=[("", "Choose a site"), *site_choices]
            )
        self.order_fields(
            [
                "site_id",
                "type",
                "summary",
                "description",
                "project_id",
                "po",
                "client_reference",
                "requested_install",
                "submitter_id",
            ]
        )

    def upstream_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)


class TaskForm(forms.Form):
    taskitem_id = forms.IntegerField(min_value=1, label="Task item")
    description = forms.CharField(max_length=255)
    quantity = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, initial=1)
    rate = forms.DecimalField(
        min_value=Decimal(0), max_digits=12, decimal_places=2, help_text="Cost per unit, e.g. 150.00"
    )

    def __init__(self, *args: Any, reference: ReferenceLists, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reference.task_items:
            self.fields["taskitem_id"] = forms.TypedChoiceField(
                label="Task item",
                coerce=int,
                choices=[("", "Choose an item")] + [(t.taskitem_id, t.name) for t in reference.task_items],
            )
        self.order_fields(["taskitem_id", "description", "quantity", "rate"])
