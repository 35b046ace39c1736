"""Starts a real 3-master Redis Cluster (three `redis-server --cluster-enabled yes`, joined by
`redis-cli --cluster create`), for the tests that must also pass on a cluster."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support.redis_server import RedisServer, free_port


@dataclass
class RedisClusterServer:
    """Three cluster-enabled redis-server nodes that cover all 16384 slots."""

    workdir: Path
    nodes: list[RedisServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Any node, with the scheme that tells Kindly it is a cluster."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}/0"

    def start(self, masters: int = 3) -> RedisClusterServer:
        cli = shutil.which("redis-cli")
        if not cli:
            raise RuntimeError("redis-cli is not installed: run `make test` (it installs it)")
        for i in range(masters):
            # Cluster bus port = port + 10000: pick ports whose bus port is free as well.
            port = _port_with_free_bus()
            node = RedisServer(
                self.workdir / f"node{i}",
                port=port,
                extra_args=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", "2000"],
            )
            self.nodes.append(node.start())
        addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
        subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self._wait_ok()
        return self

    def _wait_ok(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = []
            for node in self.nodes:
                info = redis.Redis(port=node.port, decode_responses=True).cluster("info")
                states.append(info.get("cluster_state") if isinstance(info, dict) else info)
            if all(s == "ok" or (isinstance(s, str) and "cluster_state:ok" in s) for s in states):
                return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not reach state ok")

    def client(self) -> redis.RedisCluster:
        return redis.RedisCluster(host="127.0.0.1", port=self.nodes[0].port, decode_responses=True)

    def flushall(self) -> None:
        for node in self.nodes:
            redis.Redis(port=node.port).flushall()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _port_with_free_bus() -> int:
    for _ in range(50):
        port = free_port()
        if port + 10000 < 65536 and _is_free(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
