"""Role matrix: every page and action by anonymous / viewer / dispatcher / admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

READ_PAGES = [
    ("home", []),
    ("reference", []),
    ("sites", []),
    ("site_lookup", []),
    ("site_detail", ["site"]),
    ("workorders", []),
    ("workorder_detail", ["wo"]),
    ("workorder_closeout", ["wo"]),
    ("workorder_photo_raw", ["wo", "photo"]),
    ("workorder_photo", ["wo", "photo"]),
]
FORM_PAGES = [
    ("site_new", []),
    ("site_edit", ["site"]),
    ("workorder_new", []),
    ("workorder_edit", ["wo"]),
]
ACTIONS = [
    ("sync_request", []),
    ("site_new", []),
    ("site_edit", ["site"]),
    ("site_refresh", ["site"]),
    ("site_attribute_set", ["site"]),
    ("site_attribute_remove", ["site"]),
    ("site_document_upload", ["site"]),
    ("site_document_delete", ["site", 999999]),
    ("workorder_new", []),
    ("workorder_edit", ["wo"]),
    ("workorder_refresh", ["wo"]),
    ("workorder_note_add", ["wo"]),
    ("workorder_task_add", ["wo"]),
    ("workorder_document_upload", ["wo"]),
    ("workorder_document_delete", ["wo", 999999]),
    ("workorder_required_upload", ["wo"]),
    ("workorder_closeout_remind", ["wo"]),
]


@pytest.fixture
def url(tl, db):
    workorder = next(
        wo
        for wo in tl.workorders_get(sorted(tl.workorder_ids(status_code="90")), include_photos=True)
        if wo.photos
    )

    def build(name: str, args: list) -> str:
        values = {"site": workorder.site_id, "wo": workorder.id, "photo": workorder.photos[0].photo_id}
        return reverse(name, args=[values.get(a, a) for a in args])

    return build


@pytest.mark.parametrize("name,args", READ_PAGES + FORM_PAGES)
def test_it_sends_anonymous_visitors_to_log_in(client, url, name, args):
    target = url(name, args)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,args", ACTIONS)
def test_it_sends_anonymous_posts_to_log_in(client, url, name, args):
    response = client.post(url(name, args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,args", READ_PAGES)
def test_it_lets_every_role_read(client_for, viewer, dispatcher, admin_user, url, name, args):
    for user in (viewer, dispatcher, admin_user):
        response = client_for(user).get(url(name, args))
        assert response.status_code == 200, (user.role, name)


@pytest.mark.parametrize("name,args", FORM_PAGES)
def test_it_keeps_write_forms_from_viewers(client_for, viewer, dispatcher, admin_user, url, name, args):
    assert client_for(viewer).get(url(name, args)).status_code == 403
    for user in (dispatcher, admin_user):
        assert client_for(user).get(url(name, args)).status_code == 200, (user.role, name)


@pytest.mark.parametrize("name,args", ACTIONS)
def test_it_refuses_viewer_posts_and_accepts_dispatchers(
    client_for, viewer, dispatcher, admin_user, url, name, args
):
    from portal_ui.jobs.models import UpstreamWrite

    assert client_for(viewer).post(url(name, args)).status_code == 403
    assert not UpstreamWrite.objects.exists()
    for user in (dispatcher, admin_user):
        response = client_for(user).post(url(name, args))
        assert response.status_code in (200, 302, 400), (user.role, name, response.status_code)


def test_it_answers_posts_to_read_pages_with_method_not_allowed(client_for, viewer, url):
    assert client_for(viewer).post(url("home", [])).status_code == 405
