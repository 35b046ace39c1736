"""The usage log against a real redis-server: exactly-once appends, trimming, opt-in texts,
the spool and its replay, and reading pages back with a stable cursor."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.store import keys as redis_keys
from api.store.connection import RedisHandle
from api.usage.entry import word_hashes
from api.usage.log import UsageLog, UsageQuery
from api.usage.pricing import estimated_cost, with_cost
from api.usage.records import rewrite_words
from tests.support.redis_server import free_port

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too

TEAM = "acme"


def entry(request_id: str | None = None, **fields) -> dict:
    return {
        "ts": time.time(),
        "request_id": request_id or "rw_" + uuid.uuid4().hex[:20],
        "kind": "rewrite",
        "outcome": "ok",
        **fields,
    }


def stream_ids(redis, team: str = TEAM) -> list[str]:
    rows = redis.xrange(redis_keys.usage_key(team))
    return [json.loads(fields["json"])["request_id"] for _, fields in rows]


@pytest.fixture()
def usage(redis, redis_server, tmp_path: Path) -> UsageLog:
    handle = RedisHandle(redis_server.url, 3.0)  # a busy shared machine
    return UsageLog(handle, tmp_path / "spool", replay_in_background=False)


@pytest.fixture()
def down_usage(tmp_path: Path) -> UsageLog:
    """A usage log whose Redis is a closed port: every write goes to the spool."""
    handle = RedisHandle(f"redis://127.0.0.1:{free_port()}/0", 0.2)
    return UsageLog(handle, tmp_path / "spool", replay_in_background=False)


def test_record_appends_one_entry_per_request_id(usage, redis):
    first = entry("rw_a")
    usage.record(TEAM, first)
    usage.record(TEAM, dict(first))  # the same request logged again (a retried write)
    usage.record(TEAM, entry("rw_b"))
    assert stream_ids(redis) == ["rw_a", "rw_b"]
    assert redis.zcard(redis_keys.usage_seen_key(TEAM)) == 2


def test_entries_are_metadata_only_unless_the_team_stores_texts(usage, redis):
    usage.record_rewrite(TEAM, entry("rw_1"), draft="secret draft", rewrite_text="kind words")
    assert "secret draft" not in json.dumps(redis.xrange(redis_keys.usage_key(TEAM)))
    assert redis.get(redis_keys.usage_text_key(TEAM, "rw_1")) is None
    # The small record feedback needs is kept, with its TTL: word hashes, not the text.
    raw = redis.get(redis_keys.rewrite_record_key(TEAM, "rw_1"))
    assert "kind" not in raw and "words" not in raw.replace('"words"', "")
    assert rewrite_words(usage, TEAM, json.loads(raw)) == word_hashes("kind words")
    assert 0 < redis.ttl(redis_keys.rewrite_record_key(TEAM, "rw_1")) <= usage.rewrite_record_ttl


def test_texts_are_kept_with_the_teams_retention_and_deleted_when_turned_off(usage, redis):
    assert usage.settings(TEAM) == {"store_texts": False, "text_retention_days": 30}
    usage.set_settings(TEAM, True, 3)
    usage.record_rewrite(TEAM, entry("rw_t"), draft="<b>draft</b>", rewrite_text="better")
    key = redis_keys.usage_text_key(TEAM, "rw_t")
    assert json.loads(redis.get(key)) == {"draft": "<b>draft</b>", "rewrite": "better"}
    assert 2 * 86_400 < redis.ttl(key) <= 3 * 86_400
    items, _ = usage.page(TEAM, UsageQuery())
    assert items[0]["texts"]["draft"] == "<b>draft</b>"
    usage.set_settings(TEAM, False, 3)
    assert redis.get(key) is None
    assert "texts" not in usage.page(TEAM, UsageQuery())[0][0]


def _node_max_entries(redis, value: int) -> None:
    """Set on every node: on a cluster, CONFIG SET reaches one node only by default."""
    nodes = getattr(redis, "ALL_NODES", None)
    if nodes:
        redis.config_set("stream-node-max-entries", value, target_nodes=nodes)
    else:
        redis.config_set("stream-node-max-entries", value)


def test_stream_is_trimmed_by_length(usage, redis):
    _node_max_entries(redis, 5)
    try:
        usage.maxlen = 20
        for _ in range(200):
            usage.record(TEAM, entry())
        # Approximate trimming removes whole nodes: at most one node above the limit.
        assert 20 <= redis.xlen(redis_keys.usage_key(TEAM)) <= 25
    finally:
        _node_max_entries(redis, 100)


def test_stream_is_trimmed_by_age(usage, redis):
    _node_max_entries(redis, 5)
    try:
        stream = redis_keys.usage_key(TEAM)
        old_ms = int((time.time() - 100 * 86_400) * 1000)
        for n in range(20):  # written 100 days ago (explicit old stream ids)
            redis.xadd(stream, {"json": json.dumps(entry(f"rw_old{n}"))}, id=f"{old_ms}-{n}")
        usage.max_age_days = 90
        usage.record(TEAM, entry("rw_new"))
        assert stream_ids(redis) == ["rw_new"]
    finally:
        _node_max_entries(redis, 100)


def test_dedupe_memory_forgets_ids_after_its_window(usage, redis):
    seen = redis_keys.usage_seen_key(TEAM)
    redis.zadd(seen, {"rw_ancient": int((time.time() - 30 * 86_400) * 1000)})
    usage.record(TEAM, entry("rw_now"))
    assert redis.zrange(seen, 0, -1) == ["rw_now"]


def test_outage_spools_metadata_only_and_replay_adds_each_entry_once(
    down_usage, usage, redis, tmp_path
):
    down_usage.record_rewrite(TEAM, entry("rw_s1"), draft="private draft", rewrite_text="x")
    down_usage.record(TEAM, entry("rw_s2"))
    down_usage.record(TEAM, entry("rw_s2"))  # spooled twice: a write that timed out, say
    spool = "".join(p.read_text() for p in down_usage.spool_files())
    assert "private draft" not in spool and spool.count("\n") == 3

    report = usage.replay_spool()
    assert (report.added, report.duplicates, report.finished) == (2, 1, True)
    assert usage.spool_files() == []
    assert usage.replay_spool().added == 0
    assert stream_ids(redis) == ["rw_s1", "rw_s2"]
    items, _ = usage.page(TEAM, UsageQuery())
    assert all(item["spooled"] for item in items)


def test_a_successful_write_replays_what_was_spooled(down_usage, usage, redis):
    down_usage.record(TEAM, entry("rw_early"))
    usage.record(TEAM, entry("rw_late"))  # Redis is back: this write triggers the replay
    assert sorted(stream_ids(redis)) == ["rw_early", "rw_late"]
    assert usage.spool_files() == []


def test_replay_keeps_the_file_when_redis_fails_midway(down_usage, tmp_path):
    down_usage.record(TEAM, entry("rw_kept"))
    report = down_usage.replay_spool()  # Redis still down
    assert not report.finished
    assert len(down_usage.spool_files()) == 1


def test_spooling_while_a_replay_drains_the_file_loses_nothing(down_usage, usage, redis):
    """Writers append while a replayer drains the same directory, over and over."""
    ids = [f"rw_c{n:04d}" for n in range(400)]

    def write(chunk: list[str]) -> None:
        for request_id in chunk:
            down_usage.record(TEAM, entry(request_id))

    writers = [threading.Thread(target=write, args=(ids[n::4],)) for n in range(4)]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers):
        usage.replay_spool()
    for thread in writers:
        thread.join()
    usage.replay_spool()
    logged = stream_ids(redis)
    assert sorted(logged) == ids  # every id once: nothing lost, nothing doubled


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ids=st.lists(st.sampled_from([f"rw_{n}" for n in range(12)]), max_size=30),
    passes=st.integers(min_value=1, max_value=3),
)
def test_replaying_any_spool_any_number_of_times_logs_each_id_once(
    ids, passes, down_usage, usage, redis
):
    redis.flushall()
    for path in usage.spool_files():
        path.unlink()
    for request_id in ids:
        down_usage.record(TEAM, entry(request_id))
    for _ in range(passes):
        usage.replay_spool()
        if ids:
            down_usage.record(TEAM, entry(ids[0]))  # more spooled duplicates meanwhile
    usage.replay_spool()
    assert sorted(stream_ids(redis)) == sorted(set(ids))


def test_pages_are_newest_first_and_the_cursor_is_stable(usage):
    for n in range(25):
        usage.record(TEAM, entry(f"rw_{n:02d}"))
    first, cursor = usage.page(TEAM, UsageQuery(limit=10))
    assert [i["request_id"] for i in first] == [f"rw_{n:02d}" for n in range(24, 14, -1)]
    for n in range(25, 30):  # new traffic arrives between pages
        usage.record(TEAM, entry(f"rw_{n:02d}"))
    second, cursor = usage.page(TEAM, UsageQuery(limit=10, cursor=cursor))
    assert [i["request_id"] for i in second] == [f"rw_{n:02d}" for n in range(14, 4, -1)]
    third, cursor = usage.page(TEAM, UsageQuery(limit=10, cursor=cursor))
    assert [i["request_id"] for i in third] == [f"rw_{n:02d}" for n in range(4, -1, -1)]
    assert cursor is None


def test_filters_and_time_range_use_the_entrys_own_time(usage):
    now = time.time()
    usage.record(TEAM, entry("rw_a", preset="warm", engine="offline", key_id="k1"))
    usage.record(TEAM, entry("rw_b", preset="formal", engine="llm", key_id="k2"))
    # Replayed late: appended now, but it happened two hours ago.
    usage.record(TEAM, entry("rw_c", ts=now - 7200, preset="warm", key_id="k1"))
    ids = lambda **q: [i["request_id"] for i in usage.page(TEAM, UsageQuery(**q))[0]]  # noqa: E731
    assert ids(preset="warm") == ["rw_c", "rw_a"]
    assert ids(engine="llm") == ["rw_b"]
    assert ids(key="k1", since=now - 60) == ["rw_a"]
    assert ids(until=now - 3600) == ["rw_c"]
    assert ids(outcome="error") == []


def test_cost_estimates():
    prices = {"m": (1.0, 2.0)}
    assert estimated_cost("m", 1_000_000, 500_000, prices) == 2.0
    assert estimated_cost("unknown", 10, 10, prices) is None
    assert estimated_cost("unknown", 0, 0, prices) == 0.0


def test_a_fallbacks_tokens_are_priced_as_the_model_that_spent_them():
    prices = {"gpt-4o-mini": (1.0, 2.0)}
    fallback = {"engine": "offline", "model": "kindly-offline-1", "tokens_in": 1_000_000,
                "tokens_out": 500_000, "tokens_model": "gpt-4o-mini"}
    assert with_cost(fallback, prices)["cost_usd"] == 2.0
    offline = {"engine": "offline", "model": "kindly-offline-1", "tokens_in": 0, "tokens_out": 0}
    assert with_cost(offline, prices)["cost_usd"] == 0.0


def test_replay_streams_big_files_and_skips_a_line_cut_by_a_crash(down_usage, usage, redis):
    for n in range(450):  # more than one replay batch
        down_usage.record(TEAM, entry(f"rw_big{n:03d}"))
    with down_usage.spool_path.open("a") as spool:
        spool.write('{"team": "acme", "entry": {"ts": 1, "requ')  # the process died here
    report = usage.replay_spool()
    assert (report.lines, report.added, report.unreadable) == (451, 450, 1)
    assert len(stream_ids(redis)) == 450
    assert usage.spool_files() == []
