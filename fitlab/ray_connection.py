"""This process's connection to a Ray cluster, for the trainers (`fitlab.ray_trainer`):
joining it within a time limit, what each trainer asks of it and how many it holds, whether
its head answers, and Ray's failures as the end of a sentence for the page.
"""

from __future__ import annotations

import math
import socket
import threading

import ray

from fitlab import config

# What a trainer asks of a machine. On a CPU, TensorFlow's threads use every core they are
# given, so a trainer gets a few of them (the local pool gives a worker four cores); on a
# GPU node it gets a share of the card, as the local pool lets four workers share one.
CPUS_PER_TRAINER = 2.0
GPUS_PER_TRAINER = 0.25
CONNECT_SECONDS = 30.0  # ray.init retries an absent head for minutes; a trainer gives up sooner


class ClusterError(RuntimeError):
    """The cluster cannot be reached or used; the message is a sentence for the page."""


def trainer_resources(cluster_gpus: float) -> dict:
    """What each trainer asks Ray for: FITLAB_RAY_CPUS and FITLAB_RAY_GPUS, else the defaults
    (a share of a GPU only where the cluster has GPUs)."""
    try:
        cpus = config.ray_resource("FITLAB_RAY_CPUS", CPUS_PER_TRAINER)
        gpus = config.ray_resource("FITLAB_RAY_GPUS", GPUS_PER_TRAINER if cluster_gpus else 0.0)
    except config.ConfigError as error:
        raise ClusterError(str(error)) from None
    return {"num_cpus": cpus, "num_gpus": gpus}


def capacity(nodes: list[dict], resources: dict) -> dict:
    """How many trainers the live nodes hold, and on how many machines."""
    per_node = []
    for node in nodes:
        if not node.get("Alive"):
            continue
        have = node.get("Resources", {})
        fits = [math.floor(have.get(kind, 0) / wanted + 1e-9)
                for kind, wanted in (("CPU", resources["num_cpus"]),
                                     ("GPU", resources["num_gpus"])) if wanted]
        per_node.append(min(fits) if fits else 0)
    return {"trainers": sum(per_node), "machines": sum(1 for fits in per_node if fits)}


def join(address: str, **options) -> None:
    """Connect this process to the cluster as a Ray driver, or raise ClusterError in words
    (within CONNECT_SECONDS: ray.init retries an absent head for minutes)."""
    _check_reachable(address)
    connected = threading.Event()
    failure: list[BaseException] = []

    def connect():
        try:
            ray.init(address=address, namespace="fitlab", log_to_driver=False,
                     logging_level="warning", **options)
        except BaseException as error:  # noqa: BLE001 - it becomes the sentence below
            failure.append(error)
        connected.set()

    threading.Thread(target=connect, daemon=True).start()
    if not connected.wait(CONNECT_SECONDS):
        raise ClusterError(f"the Ray cluster at {address} did not let Fit Lab in within "
                           f"{CONNECT_SECONDS:.0f} seconds")
    if failure:
        raise ClusterError(f"Fit Lab could not join the Ray cluster at {address}: "
                           f"{_first_line(failure[0])}")


def cluster_capacity() -> dict:
    """Of the cluster this process has joined."""
    return capacity(ray.nodes(), trainer_resources(ray.cluster_resources().get("GPU", 0)))


def why_it_died(error: BaseException) -> str:
    """A Ray failure as the end of a sentence that starts "The training process ended
    unexpectedly: ..."."""
    text = str(error)
    where = getattr(getattr(error, "_actor_died_error_context", None), "node_ip_address", "")
    ip = next((line.split(":", 1)[1].strip() for line in text.splitlines()
               if line.strip().startswith("ip:")), where)
    machine = f"the machine it trained on ({ip})" if ip else "the machine it trained on"
    lowered = text.lower()
    # Ray's words for the two (2.60): "The actor is dead because its worker process has
    # died" and "... because its node has died"; the first also names nodes, in its advice.
    if "worker process has died" in lowered or "worker unexpectedly exits" in lowered:
        return (f"its process on {machine} was killed, which usually means that machine ran "
                "out of memory; the other runs go on")
    if "node" in lowered:
        return f"{machine} left the Ray cluster; the other runs go on"
    if isinstance(error, ray.exceptions.ActorUnavailableError):
        return f"Fit Lab lost touch with {machine}; the other runs go on"
    return f"Ray reported that the trainer died ({_first_line(error)})"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _host_and_port(address: str) -> tuple[str, int] | None:
    host, _, port = address.rpartition(":")
    return (host.strip("[]"), int(port)) if host and port.isdigit() else None


def reachable(address: str, seconds: float = 3.0) -> bool:
    target = _host_and_port(address)
    if target is None:
        return True  # "auto": Ray finds the address itself, and says if it cannot
    try:
        socket.create_connection(target, timeout=seconds).close()
    except OSError:
        return False
    return True


def _check_reachable(address: str) -> None:
    if address.startswith("ray://"):
        raise ClusterError(f"{address} is a Ray Client address; give the cluster's own "
                           "address (head:6379, or auto): see docs/scaling.md")
    if not reachable(address):
        raise ClusterError(f"the Ray cluster's head at {address} does not answer")
