"""The filter forms of the staff lists, the board and the map (GET forms: a blank field is no filter).

One search rule everywhere: plain text finds values containing it, upper and lower case alike; ``*`` and
``\\*`` keep TechLink's meaning (``mirror.search.typed_pattern``).
"""

from __future__ import annotations

from typing import Any

from django import forms

from portal_ui.dispatch.selectors import Reference
from portal_ui.mirror.search import typed_pattern
from portal_ui.mirror.selectors import QUEUES, workorder_status_names

SEARCH_HINT = "Plain text finds values containing it, upper/lower case alike; * stands for any characters."


def no_nul(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError("This field cannot contain NUL characters.")


class SearchForm(forms.Form):
    """Base for GET filter forms: blank fields are simply not filters.

    ``TEXT_FIELDS`` are text boxes searched with the staff search rule (``mirror.search.typed_pattern``: plain
    text means "contains"); ``RENAMED`` maps a field to the selector's filter name. ``filters()`` is what was
    typed (for links and saved views), ``lookups()`` what the selectors are asked.
    """

    TEXT_FIELDS: tuple[str, ...] = ()
    RENAMED: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_nul)

    def lookups(self) -> dict[str, str]:
        result = {}
        for name, value in self.filters().items():
            if name in self.TEXT_FIELDS:
                value = typed_pattern(value)
            result[self.RENAMED.get(name, name)] = value
        return result

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
    TEXT_FIELDS = ("name", "address", "city", "state", "zip")
    RENAMED = {"site_code": "site"}

    name = forms.CharField(required=False, max_length=200)
    site_code = forms.CharField(
        required=False,
        max_length=100,
        label="Site code or number",
        help_text="Your own site code (e.g. ST-00123) or TechLink's site number.",
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
    TEXT_FIELDS = ("po", "summary", "description", "client_reference", "installer_name", "planned_tech_name")
    RENAMED = {"site_id": "site"}

    id = forms.CharField(required=False, label="Number", max_length=12)
    status_code = forms.TypedChoiceField(
        required=False,
        label="Status",
        choices=lambda: [("", "Any status")] + [(str(c), n) for c, n in workorder_status_names().items()],
    )
    project_id = forms.CharField(required=False, label="Project", max_length=20)
    site_id = forms.CharField(
        required=False, label="Site", max_length=100, help_text="Site number or your site code."
    )
    po = forms.CharField(required=False, label="PO", max_length=100)
    client_reference = forms.CharField(required=False, label="Client reference", max_length=200)
    summary = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, max_length=200)
    installer_name = forms.CharField(required=False, label="Installer", max_length=200)
    planned_tech_name = forms.CharField(required=False, label="Planned tech", max_length=200)
    install_date = forms.DateField(
        required=False, label="Install date", widget=forms.DateInput(attrs={"type": "date"})
    )
    scheduled_from = forms.DateField(
        required=False, label="Scheduled from", widget=forms.DateInput(attrs={"type": "date"})
    )
    scheduled_to = forms.DateField(
        required=False, label="Scheduled to", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_from = forms.DateField(
        required=False, label="Created from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        required=False, label="Created to", widget=forms.DateInput(attrs={"type": "date"})
    )
    queue = forms.ChoiceField(
        required=False,
        label="Queue",
        choices=[("", "All work orders"), *QUEUES.items()],
        help_text="As on the home page.",
    )

    def __init__(self, *args: Any, reference: Reference | None = None, **kwargs: Any) -> None:
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

    def clean_id(self) -> str:
        value = self.cleaned_data.get("id", "").strip().lstrip("#")
        if value and not (value.isascii() and value.isdigit()):
            raise forms.ValidationError("Give a work order number (digits only), e.g. 102951.")
        return value


BOARD_VIEWS = {"week": "Week", "day": "Day"}
BOARD_LANES = {"installer": "Installer", "planned": "Planned tech"}
MAP_WHEN = {
    "": "Any open work order",
    "today": "Scheduled today",
    "week": "Scheduled this week",
    "overdue": "Overdue",
    "unscheduled": "Unscheduled",
    "all": "Every work order",
}


class BoardFilterForm(SearchForm):
    """The board's and the map's filters (GET). Bad values are reported and left out, never a 500."""

    project_id = forms.ChoiceField(required=False, label="Project", choices=[("", "Any project")])
    status_code = forms.TypedChoiceField(
        required=False,
        label="Status",
        choices=lambda: [("", "Any status")] + [(str(c), n) for c, n in workorder_status_names().items()],
    )
    state = forms.CharField(required=False, max_length=100, label="State / province")
    installer = forms.CharField(required=False, max_length=200, label="Installer or tech")

    def __init__(self, *args: Any, reference: Reference | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = reference.project_names if reference is not None else {}
        if names:
            choices = sorted(((str(i), n) for i, n in names.items()), key=lambda c: c[1].casefold())
            self.fields["project_id"].choices = [("", "Any project"), *choices]
        else:
            self.fields["project_id"] = forms.CharField(
                required=False, max_length=12, label="Project (number)"
            )

    def clean_project_id(self) -> str:
        value = str(self.cleaned_data.get("project_id") or "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError("Give a project number.")
        return value

    def usable(self) -> dict[str, str]:
        """The filters that are valid (a bad one is left out and reported by ``problems``)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else str(value)
            for name, value in data.items()
            if value not in (None, "") and name not in self.errors
        }

    def problems(self) -> list[str]:
        if not self.is_bound:
            return []
        return [
            f"{self.fields[name].label}: {' '.join(errs)}"
            for name, errs in self.errors.items()
            if name in self.fields
        ]


class BoardForm(BoardFilterForm):
    date = forms.DateField(required=False, label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    view = forms.ChoiceField(required=False, choices=list(BOARD_VIEWS.items()))
    lane = forms.ChoiceField(required=False, label="Lanes by", choices=list(BOARD_LANES.items()))

    field_order = ("date", "view", "lane", "project_id", "status_code", "state", "installer")


class MapForm(BoardFilterForm):
    when = forms.ChoiceField(required=False, label="Show", choices=list(MAP_WHEN.items()))

    field_order = ("when", "project_id", "status_code", "state", "installer")
