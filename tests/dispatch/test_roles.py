"""Role matrix: every page, download, htmx partial and action by anonymous / viewer / dispatcher / admin."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse

HTMX = {"HTTP_HX_REQUEST": "true"}

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
    ("site_document_download", ["site", "site_doc"]),
    ("workorder_document_download", ["wo", "wo_doc"]),
    ("workorder_required_download", ["wo", "required_doc"]),
    ("workorder_closeout_download", ["wo", "closeout_doc"]),
]
# Pages an htmx request gets part of (name, arguments, query).
HTMX_PARTIALS = [
    ("home", [], {}),
    ("reference", [], {"q": "a"}),
    ("sites", [], {"name": "*"}),
    ("site_lookup", [], {"site_q": "a"}),
    ("workorders", [], {"sort": "scheduled"}),
    ("site_detail", ["site"], {"section": "attributes"}),
    ("site_detail", ["site"], {"section": "documents"}),
    ("workorder_detail", ["wo"], {"section": "notes"}),
    ("workorder_detail", ["wo"], {"section": "tasks"}),
    ("workorder_detail", ["wo"], {"section": "client_documents"}),
    ("workorder_detail", ["wo"], {"section": "required_documents"}),
    ("workorder_closeout", ["wo"], {"section": "review"}),
]
FORM_PAGES = [
    ("site_new", []),
    ("site_edit", ["site"]),
    ("workorder_new", []),
    ("workorder_edit", ["open_wo"]),  # a closed one takes no changes (dispatch/states.py)
]
# Refreshing the dashboard's copy only reads from TechLink: every signed-in role may.
READ_ACTIONS = [
    ("sync_request", []),
    ("site_refresh", ["site"]),
    ("workorder_refresh", ["wo"]),
]
ACTIONS = [
    ("site_new", []),
    ("site_edit", ["site"]),
    ("site_attribute_set", ["site"]),
    ("site_attribute_remove", ["site"]),
    ("site_document_upload", ["site"]),
    ("site_document_delete", ["site", 999999]),
    ("workorder_new", []),
    ("workorder_edit", ["wo"]),
    ("workorder_note_add", ["wo"]),
    ("workorder_task_add", ["wo"]),
    ("workorder_document_upload", ["wo"]),
    ("workorder_document_delete", ["wo", 999999]),
    ("workorder_required_upload", ["wo"]),
    ("workorder_closeout_remind", ["wo"]),
]


@pytest.fixture(scope="session")
def files(sandbox):
    """A closed work order with photos and every kind of document, and a document of its site, and an open
    (scheduled) work order (the shared sandbox, prepared once)."""
    from portal_ui.integrations.techlink import TechLinkClient

    with TechLinkClient(
        base_url=sandbox.base_url, username=sandbox.username, password=sandbox.password
    ) as tl:
        flags = {"include_photos": True, "include_closeout_documents": True, "include_client_documents": True}
        workorder = next(
            wo
            for wo in tl.workorders_get(sorted(tl.workorder_ids(status_code="90")), **flags)
            if wo.photos and wo.closeout_documents
        )
        upload = {"file": io.BytesIO(b"role matrix"), "filename": "role-matrix.txt"}
        client_doc = (workorder.client_documents or [None])[0] or tl.workorder_document_upload(
            workorder.id, **upload
        )
        required = tl.workorder_required_documents(workorder.id)
        required_doc = (
            required[0] if required else tl.workorder_required_document_upload(workorder.id, **upload)
        )
        site_docs = tl.site_documents(workorder.site_id)
        site_doc = site_docs[0] if site_docs else tl.site_document_upload(workorder.site_id, **upload)
        return {
            "site": workorder.site_id,
            "wo": workorder.id,
            "photo": workorder.photos[0].photo_id,
            "site_doc": site_doc.document_id,
            "wo_doc": client_doc.document_id,
            "required_doc": required_doc.document_id,
            "closeout_doc": workorder.closeout_documents[0].document_id,
            "open_wo": min(tl.workorder_ids(status_code="60")),
        }


@pytest.fixture
def url(tl, db, files):
    def build(name: str, args: list) -> str:
        return reverse(name, args=[files.get(a, a) for a in args])

    return build


@pytest.mark.parametrize("name,args", READ_PAGES + FORM_PAGES)
def test_it_sends_anonymous_visitors_to_log_in(client, url, name, args):
    target = url(name, args)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,args,query", HTMX_PARTIALS)
def test_it_sends_anonymous_htmx_requests_to_log_in(client, url, name, args, query):
    page = url(name, args)
    response = client.get(page, query, **HTMX, HTTP_HX_CURRENT_URL=f"http://testserver{page}")
    # The whole page goes to the log-in (not the part swapped into it), and comes back to the page after it.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?{urlencode({'next': page}, safe='/')}"


@pytest.mark.parametrize("name,args,query", HTMX_PARTIALS)
def test_it_gives_every_role_the_htmx_partials(
    client_for, viewer, dispatcher, admin_user, url, name, args, query
):
    for user in (viewer, dispatcher, admin_user):
        response = client_for(user).get(url(name, args), query, **HTMX)
        assert response.status_code == 200, (user.role, name, query)
        html = response.content.decode()
        assert "<html" not in html and html.strip(), (user.role, name, query)


@pytest.mark.parametrize("name,args", ACTIONS + READ_ACTIONS)
def test_it_sends_anonymous_posts_to_log_in(client, url, name, args):
    # A plain form post: an anonymous multipart post is refused before any view (core's RequestGuardMiddleware).
    response = client.post(url(name, args), "", content_type="application/x-www-form-urlencoded")
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


@pytest.mark.parametrize("name,args", READ_ACTIONS)
def test_it_lets_every_role_refresh_from_techlink(
    client_for, viewer, dispatcher, admin_user, url, name, args
):
    from portal_ui.jobs.models import UpstreamWrite

    for user in (viewer, dispatcher, admin_user):
        response = client_for(user).post(url(name, args))
        assert response.status_code == 302, (user.role, name, response.status_code)
    assert not UpstreamWrite.objects.exists()  # a refresh writes nothing upstream


def test_it_answers_posts_to_read_pages_with_method_not_allowed(client_for, viewer, url):
    assert client_for(viewer).post(url("home", [])).status_code == 405
