"""The reminder to the technician: previewed (and editable) before it is sent, sent once, remembered, and a
second one within ``CLOSEOUT_REMINDER_REPEAT_HOURS`` asks for a confirmation."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from portal_ui.dispatch.models import CloseoutReminder
from portal_ui.jobs.models import UpstreamWrite


def _url(case) -> str:
    return reverse("workorder_closeout_remind", args=[case.workorder_id])


def _preview(client, case) -> dict:
    response = client.get(_url(case))
    assert response.status_code == 200
    return dict(response.context["form"].initial)


def test_the_reminder_is_previewed_before_anything_is_sent(dispatcher_client, closeout_case):
    response = dispatcher_client.get(_url(closeout_case))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="reminder-form"' in html
    assert f"Missing close-out document: As-built drawing {closeout_case.tag} (asbuilt.pdf)" in html
    assert f"Unanswered question: Did you clean up the work area ({closeout_case.tag})?" in html
    assert "No - the manager was not on site." in html  # offered to add, not in the note
    assert "Send the reminder" in html
    assert not UpstreamWrite.objects.exists() and not CloseoutReminder.objects.exists()
    # The review page leads to the preview (a link), it never posts the note itself.
    review = dispatcher_client.get(
        reverse("workorder_closeout", args=[closeout_case.workorder_id])
    ).content.decode()
    assert f'href="{_url(closeout_case)}"' in review and "2 missing items" in review


def test_the_edited_note_is_sent_once_and_remembered(
    client_for, dispatcher, closeout_case, tl, django_capture_on_commit_callbacks
):
    client = client_for(dispatcher)
    initial = _preview(client, closeout_case)
    edited = initial["note"] + f"\nPlease call dispatch when done ({closeout_case.tag})."
    form = {"note": edited, "version": initial["version"], "missing_count": initial["missing_count"]}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_url(closeout_case), form)
    reminder = CloseoutReminder.objects.get()
    assert first.status_code == 302
    assert (
        first["Location"] == f"/workorders/{closeout_case.workorder_id}/closeout/?write={reminder.write_id}"
    )
    assert (reminder.note, reminder.missing_count, reminder.sent_by) == (edited, 2, dispatcher)
    notes = [
        n.content for n in tl.workorder_notes(closeout_case.workorder_id) if closeout_case.tag in n.content
    ]
    assert notes == [edited]

    # The same form again (a second click): nothing sent, the page says a reminder went out just now.
    second = client.post(_url(closeout_case), form)
    assert second.status_code == 409
    assert (
        "A reminder was sent" in second.content.decode()
        and "Nothing more was sent" in second.content.decode()
    )
    assert CloseoutReminder.objects.count() == 1 and UpstreamWrite.objects.count() == 1

    # The review page remembers it, with its time.
    review = client.get(reverse("workorder_closeout", args=[closeout_case.workorder_id])).content.decode()
    stamp = timezone.localtime(reminder.sent_at).strftime("%Y-%m-%d %H:%M")
    assert f"Reminder sent {stamp}" in review and dispatcher.get_full_name() in review


def test_another_reminder_within_the_period_needs_a_confirmation(
    client_for, dispatcher, admin_user, closeout_case, settings, django_capture_on_commit_callbacks
):
    settings.CLOSEOUT_REMINDER_REPEAT_HOURS = 1
    first = client_for(dispatcher)
    initial = _preview(first, closeout_case)
    with django_capture_on_commit_callbacks(execute=True):
        first.post(_url(closeout_case), {"note": initial["note"], "version": initial["version"]})

    colleague = client_for(admin_user)
    page = colleague.get(_url(closeout_case))
    assert "A reminder was already sent" in page.content.decode()
    again = dict(page.context["form"].initial)
    refused = colleague.post(_url(closeout_case), {"note": again["note"], "version": again["version"]})
    assert refused.status_code == 409 and CloseoutReminder.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = colleague.post(
            _url(closeout_case), {"note": again["note"], "version": again["version"], "confirm_repeat": "on"}
        )
    assert confirmed.status_code == 302 and CloseoutReminder.objects.count() == 2

    # Past the period, no confirmation is asked.
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        later = dict(colleague.get(_url(closeout_case)).context["form"].initial)
        with django_capture_on_commit_callbacks(execute=True):
            sent = colleague.post(_url(closeout_case), {"note": later["note"], "version": later["version"]})
    assert sent.status_code == 302 and CloseoutReminder.objects.count() == 3


def test_an_empty_reminder_is_refused(dispatcher_client, closeout_case):
    response = dispatcher_client.post(_url(closeout_case), {"note": "  ", "version": 0})
    assert response.status_code == 400 and not CloseoutReminder.objects.exists()


def test_viewers_cannot_preview_or_send_a_reminder(client_for, viewer, closeout_case):
    client = client_for(viewer)
    assert client.get(_url(closeout_case)).status_code == 403
    assert client.post(_url(closeout_case), {"note": "x", "version": 0}).status_code == 403
    assert not CloseoutReminder.objects.exists()
