"""A real Ray cluster on this machine: a head and one more node, started with `ray start` on
the loopback address with token authentication on, as docs/scaling.md starts one across
machines. Shared by tests/test_ray.py and tests/e2e/test_ray_browser.py."""

from __future__ import annotations

import contextlib
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
# One trainer per node: two on the cluster, on this machine's two cores.
NODE_CPUS = 1
STOP_GRACE_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalCluster:
    """`ray start --block` processes, so that stopping them stops their node's processes and
    nothing else (`ray stop` would stop every Ray on the machine)."""

    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        # Token authentication, as on a real cluster: every process that joins needs it.
        self.environment = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
                            "RAY_USAGE_STATS_ENABLED": "0"}
        # Ray's sockets live here: a short path, as Unix sockets' names must be.
        self.ray_folder = pathlib.Path(tempfile.mkdtemp(prefix="fitlab-ray-"))
        self.head: subprocess.Popen | None = None
        self.nodes: list[subprocess.Popen] = []

    def env(self, **extra) -> dict:
        return dict(os.environ, **self.environment, **extra)

    def _ray_start(self, name: str, *arguments: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "a")
        ray = pathlib.Path(sys.executable).with_name("ray")
        return subprocess.Popen(
            [str(ray), "start", "--block", "--node-ip-address=127.0.0.1",
             f"--num-cpus={NODE_CPUS}", "--num-gpus=0", "--disable-usage-stats", *arguments],
            stdout=log, stderr=subprocess.STDOUT, env=self.env(), cwd=self.folder,
            start_new_session=True)

    def start_head(self) -> None:
        # The dashboard serves Ray's state API (list_actors); on loopback only.
        self.head = self._ray_start(
            "head", "--head", f"--port={self.port}", "--include-dashboard=true",
            "--dashboard-host=127.0.0.1", f"--dashboard-port={_free_port()}",
            f"--ray-client-server-port={_free_port()}", f"--temp-dir={self.ray_folder}")
        self.wait_for_nodes(1)

    def add_node(self) -> subprocess.Popen:
        node = self._ray_start(f"node{len(self.nodes) + 1}", f"--address={self.address}")
        self.nodes.append(node)
        return node

    def wait_for_nodes(self, count: int, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while self.alive_nodes() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Ray cluster did not reach {count} nodes:\n"
                                   + (self.folder / "head.log").read_text()[-3000:])
            time.sleep(1)

    def alive_nodes(self) -> int:
        """Asked in a fresh interpreter: the test's own process stays no Ray driver."""
        script = (f"import ray; ray.init(address={self.address!r}, log_to_driver=False, "
                  "logging_level='error'); print(sum(node['Alive'] for node in ray.nodes()))")
        try:
            result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                    text=True, env=self.env(), timeout=30)
            return int(result.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            return 0

    def actors(self) -> list[dict]:
        """Ray's state API: the Trainer actors alive on the cluster, with their node and pid."""
        script = f"""
import json, ray
from ray.util.state import list_actors
ray.init(address={self.address!r}, log_to_driver=False, logging_level="error")
print(json.dumps([{{"node_id": actor.node_id, "pid": actor.pid, "state": actor.state}}
                  for actor in list_actors(filters=[("class_name", "=", "Trainer"),
                                                    ("state", "=", "ALIVE")])]))
"""
        import json

        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                env=self.env(), timeout=60, check=True)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        self._stop_all([*self.nodes, *([self.head] if self.head is not None else [])], grace)

    @staticmethod
    def _stop_all(processes: list[subprocess.Popen], grace: float = STOP_GRACE_SECONDS
                  ) -> None:
        """SIGTERM to every node at once (`ray start --block` then stops its node), and after
        `grace` seconds SIGKILL to what is left: a test cluster has nothing to save, and one
        node at a time, each waiting for its own graceful shutdown, took 40 to 50 s."""
        running = [process for process in processes if process.poll() is None]
        for process in running:
            os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextlib.contextmanager
def local_cluster(folder: pathlib.Path):
    """A head and one more node; both stopped afterwards."""
    cluster = LocalCluster(folder)
    try:
        cluster.start_head()
        cluster.add_node()
        cluster.wait_for_nodes(2)
        yield cluster
    finally:
        cluster.stop()
