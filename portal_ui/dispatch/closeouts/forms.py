"""The forms of the close-out review: a decision (approve, or return with a reason) and the reminder."""

from __future__ import annotations

from django import forms

from portal_ui.dispatch.forms import line_breaks

from .services import REASON_MAX


class ApproveForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, max_length=100)
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="Comment (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        return line_breaks(self.cleaned_data["reason"]).strip()


class ReturnForm(ApproveForm):
    reason = forms.CharField(
        max_length=REASON_MAX,
        label="Reason",
        help_text="Sent to the technician as a note in TechLink.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the technician has to fix: the reason is sent to them."},
    )


class ReminderForm(forms.Form):
    note = forms.CharField(
        label="Note to the technician",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Posted to the work order in TechLink. Edit it as you like before sending.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    missing_count = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    confirm_repeat = forms.BooleanField(required=False, label="Yes, send another reminder")

    def clean_note(self) -> str:
        return line_breaks(self.cleaned_data["note"]).strip()
