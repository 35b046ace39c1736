"""Revocations reach every worker: pub/sub while its listener is connected, a stream with a
counter for what it missed while away (the rule they feed: api/store/trust.py)."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
import weakref
from typing import Any

import redis

from api.store import keys as redis_keys
from api.store.connection import OUTAGE_ERRORS
from api.store.trust import TrustFile

log = logging.getLogger(__name__)

# The revocation stream keeps about this many entries (a listener further behind than that
# trusts nothing it had).
REVOCATIONS_KEPT = 1000


def append_revocation(client: Any, digest: str) -> None:
    """Count and append one revocation (before the key's hash is deleted)."""
    pipe = client.pipeline(transaction=True)  # one slot: {global}
    pipe.incr(redis_keys.revocations_key("count"))
    pipe.xadd(
        redis_keys.revocations_key(), {"hash": digest}, maxlen=REVOCATIONS_KEPT, approximate=True
    )
    pipe.execute()


def catch_up(client: Any, trust: TrustFile) -> None:
    """Apply the revocations appended since the trust file's cursor (a listener that just
    subscribed: what it may have missed while away). Raises outage errors.

    The count tells whether the stream still holds every revocation since the cursor; the
    epoch (set once per Redis data set) whether this is the Redis the cursor came from."""
    epoch_key = redis_keys.revocations_key("epoch")
    client.set(epoch_key, secrets.token_hex(8), nx=True)
    known_epoch, cursor, count = trust.cursor()
    pipe = client.pipeline(transaction=True)
    pipe.get(epoch_key)
    pipe.get(redis_keys.revocations_key("count"))
    pipe.xrange(redis_keys.revocations_key(), min=f"({cursor}", max="+")
    pipe.xrevrange(redis_keys.revocations_key(), count=1)
    epoch, total, rows, last = pipe.execute()
    total = int(total or 0)
    complete = epoch == known_epoch and count + len(rows) == total
    # A cluster pipeline answers stream entries as flat [field, value, ...] lists.
    applied = [str(_fields(fields).get("hash", "")) for _, fields in rows]
    trust.caught_up(str(epoch), applied, last[0][0] if last else "0-0", total, complete)


def _fields(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else dict(zip(raw[::2], raw[1::2], strict=True))


def listen(ref: weakref.ref[Any], pid: int, pubsub: Any) -> None:
    """The revocation listener of one process (a thread); it ends with its TeamStore, which
    has `_subscribe()` (subscribe, then catch up), `_listening`, `trust` and `handle`."""
    while (store := ref()) is not None and store._listener_pid == pid:
        try:
            if pubsub is None:
                # Revocations sent while this listener was away come from the stream.
                pubsub = store._subscribe()
                store.handle.mark_up()  # Redis answers again: no need to wait the cool-down
            del store  # hold the store only while handling a message
            while (store := ref()) is not None and store._listener_pid == pid:
                del store
                message = pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message" and (store := ref()):
                    store.trust.forget([str(message["data"])])
                    del store
        except redis.ResponseError as err:  # not an outage: say so, then try again
            log.warning("revocation listener: %s; reconnecting", err)
        except (*OUTAGE_ERRORS, redis.RedisError, ValueError, OSError):
            pass  # the connection went away (redis-py may say so with a closed file)
        except Exception:  # noqa: BLE001 - the listener must outlive any surprise
            log.exception("revocation listener failed; reconnecting")
        finally:
            if (store := ref()) is not None:
                store._listening = False
            del store
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    pubsub.close()
            pubsub = None
        time.sleep(0.2)
