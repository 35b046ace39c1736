"""The spool's watcher never leaves an entry behind: an entry spooled at the moment the
watcher takes its last look (and finds nothing) is still replayed, without more traffic."""

from __future__ import annotations

import json
import threading
import time

from api.store import keys as redis_keys
from api.store.connection import RedisHandle
from api.usage.log import UsageLog
from api.usage.spool import Spool


def _entry(n: int) -> dict:
    return {"request_id": f"rw_race{n:04d}", "ts": time.time(), "kind": "rewrite"}


class RacingSpool(Spool):
    """Forces the race: when the watcher's last look finds no file, another thread spools an
    entry before that look's answer is used (the interleaving a busy server hits rarely)."""

    raced = False

    def _has_files(self) -> bool:
        found = super()._has_files()
        if not found and not self.raced:
            self.raced = True
            threading.Thread(target=self.write, args=("acme", _entry(2)), daemon=True).start()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not (
                self.path.exists() and self.path.stat().st_size
            ):
                time.sleep(0.01)
        return found


def test_an_entry_spooled_while_the_watcher_stops_is_replayed(redis_server, redis, tmp_path):
    handle = RedisHandle(redis_server.url, 2.0)
    usage = UsageLog(handle, tmp_path / "spool")
    spool = RacingSpool(handle, tmp_path / "spool", usage._send_batch)
    spool.write("acme", _entry(1))  # Redis answers: the watcher replays it, then stops
    stream = redis_keys.usage_key("acme")
    deadline = time.monotonic() + 30
    logged: list[str] = []
    while time.monotonic() < deadline:
        logged = [json.loads(f["json"])["request_id"] for _, f in redis.xrange(stream)]
        if spool.raced and len(logged) >= 2 and not spool.files():
            break
        time.sleep(0.05)
    assert spool.raced
    assert sorted(logged) == ["rw_race0001", "rw_race0002"]
    assert not spool.files()


def test_a_line_cut_short_by_a_dead_writer_does_not_swallow_the_next(redis_server, redis,
                                                                     tmp_path):
    """A worker killed mid-write leaves half a line; a later process with the same pid
    appends to that file: its entry starts on a line of its own and is replayed."""
    handle = RedisHandle(redis_server.url, 2.0)
    usage = UsageLog(handle, tmp_path / "spool", replay_in_background=False)
    usage.spool.spool_dir.mkdir(parents=True)
    usage.spool.path.write_text('{"team":"acme","entry":{"request_id":"rw_cut')
    usage.spool.write("acme", _entry(3))
    report = usage.replay_spool()
    assert (report.added, report.unreadable) == (1, 1)
    logged = [json.loads(f["json"])["request_id"] for _, f in redis.xrange(
        redis_keys.usage_key("acme"))]
    assert logged == ["rw_race0003"]
