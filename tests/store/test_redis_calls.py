"""Several modules' Redis calls in one round trip (store.connection.run_together), real Redis."""

from __future__ import annotations

import pytest
import redis as redis_py

from api.store.connection import CommandCall, RedisHandle, ScriptCall, run_together

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too


@pytest.fixture()
def client(redis_server, redis):
    return RedisHandle(redis_server.url, 2.0).client


def test_scripts_and_commands_answer_in_call_order(client):
    incr = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    client.set("kindly:{t}:seen", "before")
    calls = [
        ScriptCall(incr, ["kindly:{t}:a"], [2]),
        CommandCall(["GET", "kindly:{t}:seen"]),
        ScriptCall(incr, ["kindly:{t}:b"], [3]),
    ]
    assert run_together(client, calls) == [2, "before", 3]  # the script loads on first use
    assert run_together(client, calls) == [4, "before", 6]  # and is sent as EVALSHA after


def test_a_script_the_server_forgot_is_loaded_and_run_once(client):
    incr = client.register_script("return redis.call('INCR', KEYS[1])")
    run_together(client, [ScriptCall(incr, ["kindly:{t}:n"], []), CommandCall(["PING"])])
    client.script_flush()  # as after a Redis restart
    answers = run_together(client, [ScriptCall(incr, ["kindly:{t}:n"], []), CommandCall(["PING"])])
    assert answers == [2, True] and client.get("kindly:{t}:n") == "2"  # not run twice


def test_a_failing_call_raises_like_a_single_call(client):
    broken = client.register_script("return redis.call('NOSUCHCOMMAND')")
    with pytest.raises(redis_py.ResponseError):
        run_together(client, [CommandCall(["PING"]), ScriptCall(broken, ["kindly:{t}:x"], [])])
