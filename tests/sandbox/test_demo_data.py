import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from techlink_sandbox import STATUSES, Store
from techlink_sandbox.demo import DEMO_USERNAME, seed_demo
from techlink_sandbox.formatting import UNSCHEDULED

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _seeded(path, random_seed=5, sites=40, workorders=500) -> Store:
    store = Store(path, clock=lambda: NOW)
    seed_demo(store, sites=sites, workorders=workorders, random_seed=random_seed)
    return store


def _snapshot(store: Store) -> list:
    sites = [s.to_json() for s in store.sites.values()]
    flags = [
        "site",
        "questions",
        "tasks",
        "quotes",
        "notes",
        "photos",
        "client_documents",
        "closeout_documents",
    ]
    orders = [store.workorder_json(w, "http://portal", flags) for w in store.workorders.values()]
    return [sites, orders, [u.to_json() for u in store.users.values()]]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    seeded = _seeded(tmp_path_factory.mktemp("demo"))
    yield seeded
    seeded.close()


def test_it_generates_the_same_data_from_the_same_random_seed(tmp_path, store):
    again = _seeded(tmp_path / "again")
    other = _seeded(tmp_path / "other", random_seed=6)
    assert _snapshot(again) == _snapshot(store)
    assert _snapshot(other) != _snapshot(store)


def test_it_builds_the_account(store):
    users = list(store.users.values())
    assert len(users) == 12
    assert [u.username for u in users].count(DEMO_USERNAME) == 1
    assert any(not u.enabled for u in users) and any(u.restricted for u in users)
    assert len(store.projects) == 8
    names = {t.name for t in store.task_items.values()}
    assert len(names) == 29
    assert {"1M Antenna", "1M Antenna w/NPRM Kit", "**Technician Down Payment**"} <= names


def test_it_makes_realistic_sites(store):
    for site in store.sites.values():
        data = site.to_json()
        assert re.fullmatch(r"ST-\d{5}", data["siteid"])
        assert re.fullmatch(r"\d{5}(-\d{4})?", data["address"]["zip"])
        assert data["address"]["stateabbr"] and data["address"]["state"] != data["address"]["stateabbr"]
        ZoneInfo(data["timezone"])
        assert (
            -125 < float(data["address"]["longitude"]) < -66 and 24 < float(data["address"]["latitude"]) < 50
        )
        assert data["contact1"]["name"] and "@" in data["contact1"]["email"]
    assert any(s.attributes for s in store.sites.values())
    assert any(s.contact2.name for s in store.sites.values())
    assert len({s.timezone for s in store.sites.values()}) >= 3


def test_it_spreads_work_orders_over_every_status_and_around_today(store):
    orders = list(store.workorders.values())
    assert {w.status_code for w in orders} == set(STATUSES)
    days = {"today": 0, "overdue": 0, "future": 0}
    for wo in orders:
        if wo.status_code in (10, 20, 30, 40, 50):
            assert wo.scheduled_date == UNSCHEDULED
        if wo.status_code == 60:
            assert wo.scheduled_date != UNSCHEDULED
            today = NOW.astimezone(ZoneInfo(store.sites[wo.site_id].timezone)).date().isoformat()
            day = wo.scheduled_date[:10]
            days["today" if day == today else "overdue" if day < today else "future"] += 1
    assert all(days.values()), days
    assert any(not w.installer.name for w in orders)
    assert any(w.installer.name for w in orders)
    assert any(w.po for w in orders) and any(not w.po for w in orders)
    assert any(w.client_reference for w in orders)


def test_it_gives_finished_work_its_close_out_material_and_new_work_none(store):
    orders = list(store.workorders.values())
    for wo in orders:
        if wo.status_code in (10, 20, 30):
            assert not wo.photos and not wo.closeout_documents
            assert not any(q.answer for q in wo.questions)
        if wo.status_code in (80, 90):
            assert len(wo.photos) >= 2
    finished = [w for w in orders if w.status_code in (80, 90)]
    assert sum(1 for w in finished if w.closeout_documents) > len(finished) / 3
    answers = [q.answer for w in finished for q in w.questions]
    assert answers and "" in answers and sum(1 for a in answers if a) > len(answers) / 2
    contents = [n.content for w in orders for n in w.notes]
    assert any("<script>alert(1)</script>" in c for c in contents)
    assert any("<b>" in c for c in contents)
    assert any(w.tasks for w in orders) and any(w.quotes for w in orders)
    assert any(w.client_documents for w in orders) and any(w.required_documents for w in orders)


def test_it_stores_real_image_and_pdf_files(store):
    photo = next(p for w in store.workorders.values() for p in w.photos)
    image = Image.open(io.BytesIO(store.file_path(photo.path).read_bytes()))
    assert image.format == "JPEG" and image.size == (320, 240)
    doc = next(d for w in store.workorders.values() for d in w.closeout_documents)
    assert store.file_path(doc.path).read_bytes().startswith(b"%PDF")
    assert doc.size == store.file_path(doc.path).stat().st_size


def test_it_keeps_each_work_order_timeline_in_order(store):
    checked = 0
    for wo in store.workorders.values():
        assert all(n.created >= wo.created for n in wo.notes)
        assert wo.last_modified >= wo.created
        if wo.status_code not in (80, 90) or wo.scheduled_date == UNSCHEDULED:
            continue
        tz = ZoneInfo(store.sites[wo.site_id].timezone)
        visit = datetime.strptime(wo.scheduled_date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
        assert visit.date() >= wo.created.astimezone(tz).date()
        assert visit <= NOW
        assert all(p.created >= visit for p in wo.photos)
        assert all(q.last_modified >= visit for q in wo.questions if q.answer)
        checked += 1
    assert checked
