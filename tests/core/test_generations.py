"""Generations in the shared cache, what processes keep under them, and the Redis cache as production runs it."""

import os
import uuid
from unittest.mock import Mock

import pytest
from django.core.cache import caches

from portal_ui.core import generations
from portal_ui.core.cache import SharedClientRedisCache


@pytest.fixture
def kind():
    return f"test-{uuid.uuid4().hex}"


def current(kind: str) -> int:
    return generations.generations(kind)[kind]


def test_it_moves_a_generation_at_once_and_again_at_commit(db, kind, django_capture_on_commit_callbacks):
    before = current(kind)
    with django_capture_on_commit_callbacks(execute=True):
        generations.generation_move(kind)
        assert current(kind) == before + 1
    assert current(kind) == before + 2


def test_it_starts_a_lost_generation_beyond_any_earlier_value(db, kind):
    before = current(kind)
    generations.generation_move(kind)
    caches["default"].delete(f"generation:{kind}")
    assert current(kind) > before + 1


def test_it_builds_once_per_generation(db, kind):
    built = []

    def build():
        built.append(1)
        return {"n": len(built)}

    assert generations.kept(kind, "k", build) == {"n": 1}
    assert generations.kept(kind, "k", build) == {"n": 1}
    generations.generation_move(kind)
    assert generations.kept(kind, "k", build) == {"n": 2}
    assert len(built) == 2


def test_it_never_keeps_nothing(kind):
    built = []
    for _ in range(2):
        assert generations.kept(kind, "k", lambda: built.append(1)) is None
    assert len(built) == 2


def test_it_builds_every_time_when_the_shared_cache_is_down(kind, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(caches["default"], "get_many", down)
    built = []
    for _ in range(2):
        generations.kept(kind, "k", lambda: built.append(1) or "value")
    assert len(built) == 2


# --- the Redis cache (needs the machine's Redis; CI has one) ---------------------------------------------


def redis_cache():
    import redis

    url = os.environ.get("REDIS_URL", "") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            raise
        pytest.skip("no Redis here")
    return SharedClientRedisCache(url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_it_increments_an_existing_counter_and_keeps_its_expiry():
    cache = redis_cache()
    cache.add("hits", 1, timeout=60)
    assert cache.incr("hits") == 2
    assert cache.incr("hits", 5) == 7
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("hits")) <= 60


def test_it_refuses_to_increment_a_missing_counter_and_creates_nothing():
    cache = redis_cache()
    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.get("missing") is None


def test_it_uses_one_redis_client_for_every_call():
    cache = redis_cache()
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("a", "b")
    assert cache.get("a") == "b"


def test_it_keeps_nothing_when_each_process_has_its_own_cache(kind, settings):
    settings.CACHE_SHARED = False
    built = []
    for _ in range(2):
        generations.kept(kind, "k", lambda: built.append(1) or "value")
    assert len(built) == 2


def test_it_logs_a_down_shared_cache_once_not_per_request(kind, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(caches["default"], "get_many", down)
    monkeypatch.setattr(generations, "_warned_at", -generations.WARN_EVERY_SECONDS)
    logger = Mock()
    monkeypatch.setattr(generations, "logger", logger)
    for _ in range(5):
        generations.generations(kind)
    assert logger.warning.call_count == 1
    assert "could not be read" in logger.warning.call_args.args[0]
