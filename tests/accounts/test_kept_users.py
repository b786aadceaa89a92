"""The log-in backend that keeps users per process (``accounts.backends``): the session's user is read once per
change of any user, and a user who cannot log in any more is nobody from the next request on."""

from __future__ import annotations

import pytest

from portal_ui.accounts.backends import KeptUserBackend
from portal_ui.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_it_reads_a_user_once_until_a_user_changes(viewer, django_assert_num_queries):
    backend = KeptUserBackend()
    with django_assert_num_queries(1):
        first = backend.get_user(str(viewer.pk))
    with django_assert_num_queries(0):
        again = backend.get_user(viewer.pk)
    assert first == again == viewer and first is not again  # a new instance each time
    assert again.get_session_auth_hash() == viewer.get_session_auth_hash()

    viewer.role = Role.DISPATCHER
    viewer.save()

    with django_assert_num_queries(1):
        assert backend.get_user(viewer.pk).role == Role.DISPATCHER


def test_it_gives_nobody_for_an_inactive_missing_or_odd_id(viewer, django_assert_num_queries):
    backend = KeptUserBackend()
    viewer.is_active = False
    viewer.save()
    assert backend.get_user(viewer.pk) is None
    assert backend.get_user(viewer.pk + 1000) is None
    with django_assert_num_queries(0):
        assert backend.get_user("not a number") is None


def test_it_lets_a_user_log_in_with_their_password(client, viewer):
    response = client.post(
        "/login/", {"username": viewer.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_backend"] == "portal_ui.accounts.backends.KeptUserBackend"
