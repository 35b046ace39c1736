"""The host's trust while Redis is away (api/store/trust.py): shared by the workers of a host,
cleared by every path a revocation can take, never read from a file others could write."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from api.store import keys as redis_keys
from api.store.revocations import REVOCATIONS_KEPT, append_revocation, catch_up
from api.store.teams import hash_key
from api.store.trust import TrustFile
from tests.support.factories import make_app, make_key, make_team

RECORD = {"team": "ops", "id": "0123456789ab", "role": "agent", "label": "desk"}


def _rewrite(app, secret: str, draft: str = "Order 7 shipped.") -> int:
    res = app.test_client().post(
        "/v1/rewrite", json={"draft": draft}, headers={"Authorization": f"Bearer {secret}"}
    )
    return res.status_code


def _worker(own_redis, tmp_path: Path, host: str = "host", spool: str = "spool"):
    """One worker (an app) of `host`: the workers of a host share its var dir."""
    return make_app(
        own_redis.url, tmp_path / host, KINDLY_REDIS_TIMEOUT=0.2,
        KINDLY_SPOOL_DIR=tmp_path / host / spool,
    )


def test_a_fresh_worker_serves_a_key_its_host_confirmed_and_never_a_revoked_one(
    own_redis, tmp_path
):
    """The first worker confirms two keys with Redis up, one of them is then revoked; Redis
    goes away and a worker that never saw either key starts (a replacement): it serves the
    valid key (200, never 401) and refuses the revoked one (503)."""
    first = _worker(own_redis, tmp_path, spool="spool-1")
    make_team(first, "ops")
    valid, revoked = make_key(first, "ops"), make_key(first, "ops")
    assert _rewrite(first, valid) == 200 and _rewrite(first, revoked) == 200
    from api.services import app_services

    with first.app_context():
        assert app_services().teams.revoke_key(revoked.split("_")[-2], "ops")
    own_redis.stop()
    fresh = _worker(own_redis, tmp_path, spool="spool-2")
    assert [_rewrite(fresh, valid, f"Order {n} shipped.") for n in range(3)] == [200] * 3
    assert _rewrite(fresh, revoked) == 503
    elsewhere = _worker(own_redis, tmp_path, host="other-host")
    assert _rewrite(elsewhere, valid) == 503  # another host's workers never confirmed it


@pytest.mark.cluster_too
def test_a_revocation_missed_by_every_listener_is_caught_up_on_reconnect(redis, tmp_path):
    """Appended to the stream while no listener of this host was connected (no pub/sub
    message reached it): the next catch-up removes the key, and only that key."""
    trust = TrustFile(tmp_path / "trust", source="redis://here")
    catch_up(redis, trust)
    trust.remember("a" * 64, RECORD, time.time())
    trust.remember("b" * 64, RECORD, time.time())
    append_revocation(redis, "a" * 64)
    catch_up(redis, trust)
    assert trust.vouch("a" * 64) is None
    assert trust.vouch("b" * 64) is not None
    trust.remember("a" * 64, RECORD, time.time())  # a late confirmation can't undo it
    assert trust.vouch("a" * 64) is None


@pytest.mark.cluster_too
@pytest.mark.parametrize("gap", ["trimmed", "other epoch"])
def test_a_listener_that_cannot_tell_what_it_missed_trusts_nothing(redis, tmp_path, gap):
    trust = TrustFile(tmp_path / "trust", source="redis://here")
    catch_up(redis, trust)
    trust.remember("b" * 64, RECORD, time.time())
    if gap == "trimmed":
        for n in range(REVOCATIONS_KEPT * 2):
            append_revocation(redis, f"{n:064x}")
        redis.xtrim(redis_keys.revocations_key(), maxlen=10)
    else:
        redis.set(redis_keys.revocations_key("epoch"), "another-data-set")
    catch_up(redis, trust)
    assert trust.vouch("b" * 64) is None


def test_the_workers_of_a_host_see_each_others_revocations(tmp_path):
    """What one worker's listener removes, no other worker of the host trusts any more, even
    one that read the file just before."""
    one = TrustFile(tmp_path / "trust")
    two = TrustFile(tmp_path / "trust")
    one.caught_up("e", [], "0-0", 0, True)
    one.remember("c" * 64, RECORD, time.time())
    assert two.vouch("c" * 64) == {**RECORD, "at": pytest.approx(time.time(), abs=60)}
    two.forget(["c" * 64])
    assert one.vouch("c" * 64) is None and two.vouch("c" * 64) is None


def test_entries_age_out(tmp_path, monkeypatch):
    from api.store import trust as trust_module

    trust = TrustFile(tmp_path / "trust")
    trust.caught_up("e", [], "0-0", 0, True)
    trust.remember("d" * 64, RECORD, time.time() - 10)
    assert trust.vouch("d" * 64) is not None
    monkeypatch.setattr(trust_module, "TRUST_SECONDS", 5.0)
    assert trust.vouch("d" * 64) is None


def test_a_file_others_could_write_is_never_read(tmp_path):
    writer = TrustFile(tmp_path / "trust")
    writer.caught_up("e", [], "0-0", 0, True)
    writer.remember("e" * 64, RECORD, time.time())
    reader = TrustFile(tmp_path / "trust")
    assert reader.vouch("e" * 64) is not None
    os.chmod(tmp_path / "trust" / "keys.json", 0o666)  # also noticed by a reader that cached it
    assert reader.vouch("e" * 64) is None
    assert TrustFile(tmp_path / "trust").vouch("e" * 64) is None
    os.chmod(tmp_path / "trust" / "keys.json", 0o600)
    os.chmod(tmp_path / "trust", 0o777)
    assert TrustFile(tmp_path / "trust").path is None  # memory only, with a warning


def test_the_file_holds_no_key_and_is_the_server_users_alone(own_redis, tmp_path):
    app = _worker(own_redis, tmp_path)
    make_team(app, "ops")
    secret = make_key(app, "ops")
    assert _rewrite(app, secret) == 200
    path = tmp_path / "host" / "trust" / "keys.json"
    text = path.read_text()
    assert hash_key(secret) in text and secret not in text and secret.split("_")[-1] not in text
    assert path.stat().st_mode & 0o077 == 0
    assert (path.parent.stat().st_mode & 0o077) == 0
