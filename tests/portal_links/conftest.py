"""Fixtures for portal link tests: API keys, links, and a fake upstream for the customer page."""

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from portal_ui.portal_links import services
from portal_ui.portal_links.api_keys import api_key_cache_clear


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache, checked API keys in a cache of their own; each test starts with none.
    cache.clear()
    api_key_cache_clear()
    yield
    cache.clear()
    api_key_cache_clear()


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks, monkeypatch):
    """``with after_commit():`` runs what the requests inside queued for after their commit (Celery is eager
    in tests), the staff notification mails among it; the upstream writes they record stay queued, so no
    test sends anything to a TechLink."""
    from portal_ui.jobs.tasks import run_upstream_write

    monkeypatch.setattr(run_upstream_write, "apply_async", lambda *args, **kwargs: None)
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def api_key(db):
    return services.api_key_create(name="Acme integration", namespaces=["acme"])


@pytest.fixture
def other_key(db):
    return services.api_key_create(name="Globex integration", namespaces=["globex"])


class ApiClient:
    """Django test client speaking JSON with an X-API-Key header."""

    def __init__(self, client, key: str | None):
        self.client = client
        self.headers = {"X-API-Key": key} if key else {}

    def _send(self, method, path, body=None, **kwargs):
        import json

        kwargs.setdefault("headers", {}).update(self.headers)
        if body is not None:
            kwargs["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, params=None, **kw):
        if params is not None:
            kw["data"] = params
        return self._send("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, body, **kw)

    def delete(self, path, **kw):
        return self._send("delete", path, **kw)


@pytest.fixture
def api(client, api_key):
    return ApiClient(client, api_key.key)


@pytest.fixture
def other_api(client, other_key):
    return ApiClient(client, other_key.key)


def mirror_workorder(workorder_id) -> None:
    """Put a work order into the local read model, where link creation finds it without asking TechLink."""
    from django.utils import timezone

    from portal_ui.mirror.models import WorkOrderRecord

    WorkOrderRecord.objects.get_or_create(
        pk=int(workorder_id), defaults={"summary": "Install fibre router", "synced_at": timezone.now()}
    )


# Every permission a link can grant, granted.
ALL_PERMISSIONS = {
    "view_schedule": True,
    "view_notes": True,
    "view_photos": True,
    "view_client_documents": True,
    "view_closeout_answers": True,
    "view_closeout_documents": True,
    "download_documents": True,
    "add_comment": True,
    "upload_document": True,
}

# Every item of FakeUpstream's work order, chosen one by one.
SHARE_ALL = {"notes": [1], "photos": [7], "client_documents": [5], "closeout_documents": [9]}


def make_link(**overrides):
    fields = {"workorder": "1001", "link_type": "public", "company_namespace": ["acme"]}
    fields.update(overrides)
    mirror_workorder(fields["workorder"])
    return services.portal_link_create(**fields)


def path_of(issued) -> str:
    """The customer page's path of an issued link."""
    return "/" + issued.url.split("/", 3)[3]


def refusals(link) -> dict[str, int]:
    """The link's counted refusals, per outcome."""
    from django.db.models import Sum

    from portal_ui.portal_links.models import AccessRefusal

    rows = AccessRefusal.objects.filter(link_ref=link.pk).values("outcome").annotate(total=Sum("count"))
    return {row["outcome"]: row["total"] for row in rows}


@pytest.fixture
def public_link(db):
    return make_link()


# --- a fake upstream for the customer page -------------------------------------------------------


@dataclass
class FakeRaw:
    content: bytes
    filename: str = "file.bin"
    content_type: str = "application/octet-stream"

    @property
    def content_length(self):
        return len(self.content)

    def iter_bytes(self, chunk_size=64 * 1024):
        yield self.content

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def note(note_id, content, author="Dispatch"):
    return SimpleNamespace(note_id=note_id, author=author, content=content, created_date=None)


@dataclass
class FakeUpstream:
    """Stands in for the TechLink client: one work order with every section filled in (`notes`, `photos`,
    `documents` and `closeout` replace a section's items)."""

    down: bool = False
    calls: list = field(default_factory=list)
    notes: list | None = None
    photos: list | None = None
    documents: list | None = None
    closeout: list | None = None

    def workorder(self, workorder_id):
        return SimpleNamespace(
            id=workorder_id,
            status_code=3,
            status="Scheduled",
            summary="Install fibre router",
            requested_time="early December",
            scheduled_date=datetime(2026, 12, 3, 9, 0),
            installer=SimpleNamespace(name="Ivy Installer", phone="555", email="ivy@example.com"),
            site=SimpleNamespace(name="Harbour Office", address=SimpleNamespace(city="Portland")),
            notes=self.notes if self.notes is not None else [note(1, "Gate code is 4711")],
            photos=self.photos
            if self.photos is not None
            else [SimpleNamespace(photo_id=7, note="Rack photo", filename="rack.jpg", created_date=None)],
            client_documents=self.documents
            if self.documents is not None
            else [SimpleNamespace(document_id=5, filename="floorplan.pdf", description="Floor plan")],
            closeout_documents=self.closeout
            if self.closeout is not None
            else [SimpleNamespace(document_id=9, filename="signoff.pdf", description="Sign-off")],
            questions=[
                SimpleNamespace(
                    question_id=2,
                    question="Cable tested?",
                    answer="Yes, all ports",
                    sort_order=1,
                    is_answered=True,
                )
            ],
        )

    def workorder_get(self, workorder_id, **flags):
        from portal_ui.integrations.techlink import errors

        self.calls.append(("workorder_get", workorder_id, flags))
        if self.down:
            raise errors.TechLinkConnectionError("upstream down")
        return self.workorder(workorder_id)

    @property
    def workorder_gets(self) -> int:
        return sum(1 for call in self.calls if call[0] == "workorder_get")

    def workorder_photo_raw(self, workorder_id, photo_id):
        self.calls.append(("photo", workorder_id, photo_id))
        return FakeRaw(b"\x89PNG-photo", "rack.jpg", "image/jpeg")

    def workorder_document_raw(self, workorder_id, document_id):
        self.calls.append(("document", workorder_id, document_id))
        return FakeRaw(b"%PDF-floorplan", "floorplan.pdf", "application/pdf")

    def workorder_closeout_document_raw(self, workorder_id, document_id):
        self.calls.append(("closeout", workorder_id, document_id))
        return FakeRaw(b"%PDF-signoff", "signoff.pdf", "application/pdf")


@pytest.fixture
def fake_upstream(monkeypatch):
    """The fake in place of TechLink for the customer page's files and its copy of the work order."""
    fake = FakeUpstream()
    monkeypatch.setattr("portal_ui.portal_links.selectors.techlink_client", lambda: fake)
    monkeypatch.setattr("portal_ui.portal_links.sharing.services.techlink_client", lambda: fake)
    return fake
