from datetime import timedelta

import pytest
from django.utils import timezone

from portal_ui.portal_links.customer import access
from portal_ui.portal_links.models import AccessLog, EmailCode

from .conftest import make_link

pytestmark = pytest.mark.django_db


def test_it_drops_stale_codes_and_old_access_log_rows(settings):
    settings.PORTAL_LINK_ACCESS_LOG_DAYS = 30
    now = timezone.now()
    link = make_link(link_type="private", access_restrictions={"allowed_emails": ["pat@example.com"]}).link
    view = AccessLog.objects.create(link_ref=link.pk, at=now - timedelta(days=40), outcome="ok", what="page")
    AccessLog.objects.create(link_ref=link.pk, parent=view, at=view.at, outcome="ok", what="photo 7")
    stale = EmailCode.objects.create(
        link=link, email="pat@example.com", code_hash="a", expires_at=now - timedelta(days=2)
    )
    fresh = EmailCode.objects.create(
        link=link, email="pat@example.com", code_hash="b", expires_at=now + timedelta(minutes=5)
    )
    old = AccessLog.objects.create(link_ref=link.pk, at=now - timedelta(days=31), outcome="ok", what="page")
    recent = AccessLog.objects.create(
        link_ref=link.pk, at=now - timedelta(days=29), outcome="ok", what="page"
    )

    assert access.portal_link_housekeeping() == (1, 3)

    assert list(EmailCode.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert (
        not EmailCode.objects.filter(pk=stale.pk).exists()
        and not AccessLog.objects.filter(pk=old.pk).exists()
    )
