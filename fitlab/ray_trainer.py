"""Trainers on a Ray cluster: `python -m fitlab.ray_trainer ADDRESS`, started by
`fitlab.jobs.WorkerPool` in place of `python -m fitlab.worker` when FITLAB_RAY_ADDRESS is set.

Each such process holds one `Trainer` actor on the cluster and speaks the worker's JSON lines
to the pool, so that the pool's queue, Stop, run numbers, run store and limits are the same
whichever trains. The actor runs `fitlab.worker.train_runs`, the worker's own loop: it
imports Keras once and trains one run after another; its events come back through a Ray
streaming generator, and Stop is a call that runs beside the training (its own concurrency
group).

Why a process between the server and Ray, rather than Ray inside the server: Ray ends a
driver that has lost the cluster's head 60 s later ("Failed to connect to GCS within 60
seconds ... The program will terminate", measured with Ray 2.60). Here that ends one trainer
process, which the pool replaces, and never the server, which keeps serving the lesson.

`python -m fitlab.ray_trainer --capacity ADDRESS` prints the cluster's capacity as JSON.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import queue
import socket
import sys
import tempfile
import threading
import time

import ray

from fitlab import worker

PACKAGE = pathlib.Path(__file__).resolve().parent
# What a trainer asks of a machine. On a CPU, TensorFlow's threads use every core they are
# given, so a trainer gets a few of them (the local pool gives a worker four cores); on a
# GPU node it gets a share of the card, as the local pool lets four workers share one.
CPUS_PER_TRAINER = 2.0
GPUS_PER_TRAINER = 0.25
# How long the head may be out of reach before the run in hand is failed in words: Ray
# itself would end this process after 60 s, with a line only in the server's log.
HEAD_LOST_SECONDS = 10.0
CONNECT_SECONDS = 30.0  # ray.init retries an absent head for minutes; a trainer gives up sooner
CAPACITY_SECONDS = 10.0  # how often the cluster's capacity is looked at again
# How long a trainer whose events were cut waits for Ray to say why: well within the pool's
# SILENCE_SECONDS, after which it would end the run as "stopped answering".
DIAGNOSIS_SECONDS = 40.0
# A head that shuts down takes the trainers of its own node with it a moment before its
# port closes; so long is a trainer's death given to show that the head went too.
HEAD_SETTLE_SECONDS = 5.0
# Settings that make a run train as the server would have it train, wherever it trains.
PASSED_ON = ("KERAS_BACKEND", "FITLAB_MIRROR")


class ClusterError(RuntimeError):
    """The cluster cannot be reached or used; the message is a sentence for the page."""


def trainer_resources(cluster_gpus: float) -> dict:
    """What each trainer asks Ray for: FITLAB_RAY_CPUS and FITLAB_RAY_GPUS, else the defaults
    (a share of a GPU only where the cluster has GPUs)."""
    cpus = _number("FITLAB_RAY_CPUS", CPUS_PER_TRAINER)
    gpus = _number("FITLAB_RAY_GPUS", GPUS_PER_TRAINER if cluster_gpus else 0.0)
    return {"num_cpus": cpus, "num_gpus": gpus}


def _number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not 0 <= value < math.inf:
        raise ClusterError(f"{name} must be a number of {name[-4:].lower()} from 0, "
                           f"not {text!r}.")
    return value


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


@ray.remote(concurrency_groups={"control": 1, "events": 1})
class Trainer:
    """A `python -m fitlab.worker` on a Ray node: the same loop, fed by calls, not a pipe."""

    def __init__(self):
        self.runs: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.outbox: queue.Queue = queue.Queue()
        # Models are saved on this node, then sent to the server with the `saved` event.
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="fitlab-trainer-"))
        threading.Thread(target=worker.train_runs, daemon=True, name="fitlab-trainer",
                         args=(self.runs, self._emit, self.stop.is_set)).start()

    def _emit(self, event: dict) -> None:
        if event["type"] == "saved":
            path = pathlib.Path(event["path"])
            event = {**event, "model": path.read_bytes()}
            path.unlink()
        self.outbox.put(event)

    @ray.method(concurrency_group="control")
    def send(self, message: dict) -> None:
        if message.get("save_to"):
            message = {**message, "save_to": str(self.folder / pathlib.Path(
                message["save_to"]).name)}
        worker.take(message, self.runs, self.stop)

    @ray.method(concurrency_group="events", num_returns="streaming")
    def events(self):
        """Every event, for the trainer's whole life, and `alive` whenever none came for
        ALIVE_SECONDS, as a worker's heartbeat: a trainer stuck in a library falls silent."""
        while True:
            try:
                yield self.outbox.get(timeout=worker.ALIVE_SECONDS)
            except queue.Empty:
                yield {"type": "alive"}


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


class RemoteTrainer:
    """One Trainer actor on the cluster at `address`, as this process (its driver) sees it."""

    def __init__(self, address: str):
        self.address = address
        # The engine travels with the run, so that every node trains with the server's
        # version of it; Keras and the rest are installed on the nodes (docs/scaling.md).
        join(address, runtime_env={
            "py_modules": [str(PACKAGE)], "excludes": ["__pycache__"],
            "env_vars": {name: os.environ[name] for name in PASSED_ON if name in os.environ}})
        self.gcs_address = ray.get_runtime_context().gcs_address
        self.resources = trainer_resources(ray.cluster_resources().get("GPU", 0))
        cpus = max(1, math.floor(self.resources["num_cpus"]))
        # Ray keeps a trainer to its CPUs; TensorFlow's own thread pools are told so too.
        env = {"TF_NUM_INTRAOP_THREADS": str(cpus), "TF_NUM_INTEROP_THREADS": str(min(2, cpus))}
        self.actor = Trainer.options(**self.resources, max_restarts=0,
                                     runtime_env={"env_vars": env}).remote()
        self.save_to: str | None = None

    def capacity(self) -> dict:
        return capacity(ray.nodes(), self.resources)

    def send(self, message: dict) -> None:
        if message.get("type") == "train":
            self.save_to = message.get("save_to")
        ray.get(self.actor.send.remote(message))  # one at a time: in order, Stop after its run

    def events(self):
        """The actor's events; a `gone` event, last, when it dies."""
        try:
            for reference in self.actor.events.remote():
                event = ray.get(reference)
                if event["type"] == "saved":
                    model = event.pop("model")
                    pathlib.Path(self.save_to).write_bytes(model)
                    event["path"] = self.save_to
                yield event
        except ray.exceptions.RayError as error:
            print(f"fitlab trainer: Ray says: {error}", file=sys.stderr)  # for the server's log
            if self._head_went_too():  # the head took the trainer with it
                yield {"type": "gone", "reason": self.head_lost()}
                return
            error = self._death_of(error)
            print(f"fitlab trainer: Ray says: {error}", file=sys.stderr)
            yield {"type": "gone", "reason": why_it_died(error)}

    def head_lost(self) -> str:
        return f"the connection to the Ray cluster's head at {self.address} was lost"

    def _death_of(self, error: BaseException) -> BaseException:
        """Why the actor is gone. A node that vanishes is first "temporarily unavailable";
        Ray says it died once its health checks have failed (about 15 s): wait for that,
        within the pool's patience for a silent worker."""
        deadline = time.monotonic() + DIAGNOSIS_SECONDS
        while isinstance(error, ray.exceptions.ActorUnavailableError) \
                and time.monotonic() < deadline:
            try:
                ray.get(self.actor.__ray_ready__.remote(), timeout=5)
            except ray.exceptions.ActorDiedError as died:
                return died
            except ray.exceptions.RayError:
                time.sleep(1)
            else:
                break  # it answers, but its events were cut: the run cannot go on
        return error

    def close(self) -> None:
        try:
            ray.kill(self.actor)
        except Exception:  # noqa: BLE001 - it is gone already, which is what was wanted
            pass

    def head_is_reachable(self) -> bool:
        return _reachable(self.gcs_address)

    def _head_went_too(self) -> bool:
        deadline = time.monotonic() + HEAD_SETTLE_SECONDS
        while self.head_is_reachable():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return True


def train(address: str, settings, emit, should_stop=lambda: False) -> str:
    """One run on a trainer of the cluster, its events handed to `emit` as
    `fitlab.training.run` hands them; the outcome. For the command line (`--ray`).
    ClusterError, in words, for a run that failed or a cluster that failed it."""
    trainer = RemoteTrainer(address)
    try:
        trainer.send({"type": "train", "settings": settings.to_dict()})
        stopping = False
        for event in trainer.events():  # `alive` at least every ALIVE_SECONDS: Stop is heard
            if should_stop() and not stopping:
                trainer.send({"type": "stop"})
                stopping = True
            if event["type"] in ("failed", "gone"):
                raise ClusterError(event["reason"])
            if event["type"] not in ("alive", "ready"):
                emit(event)
            if event["type"] == "end":
                return event["outcome"]
        raise ClusterError("the trainer's events ended before its run did")
    finally:
        trainer.close()


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


def _reachable(address: str, seconds: float = 3.0) -> bool:
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
    if not _reachable(address):
        raise ClusterError(f"the Ray cluster's head at {address} does not answer")


def main(argv: list[str]) -> None:
    """Relay the pool's messages to one Trainer actor and its events back, as JSON lines."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # our events own standard output; Ray's messages go to the server's log
    writing = threading.Lock()
    started = threading.Event()  # the actor's first event: from then on it says it is alive
    cluster: dict = {}

    def send(event: dict) -> None:
        if event["type"] == "alive" and cluster:
            event = {**event, "cluster": dict(cluster)}
        with writing:
            protocol.write(json.dumps(event) + "\n")

    def leave(reason: str) -> None:
        send({"type": "gone", "reason": reason})
        os._exit(3)  # Ray's own threads would keep an ordinary exit waiting

    def heartbeat() -> None:
        # While Ray connects, places the actor (it waits for a free machine) and starts it.
        while not started.wait(worker.ALIVE_SECONDS):
            send({"type": "alive"})

    threading.Thread(target=heartbeat, daemon=True).start()
    try:
        trainer = RemoteTrainer(argv[0])
        cluster.update(trainer.capacity())
    except ClusterError as error:
        leave(f"{error}. Fit Lab tries again every few seconds; runs wait until then")
    send({"type": "alive"})  # with the cluster's capacity, before the trainer is warm

    def read_input() -> None:
        for line in sys.stdin:
            try:
                message = json.loads(line)
                trainer.send(message)
            except (ValueError, TypeError, KeyError):
                print(f"fitlab trainer: ignored an unreadable message {line[:80]!r}",
                      file=sys.stderr)
            except ray.exceptions.RayError:
                pass  # the actor has died; its events say how
        trainer.close()  # end of input: the server has gone, or retired this trainer
        os._exit(0)

    def watch_the_head() -> None:
        lost_since = None
        while True:
            time.sleep(2)
            if trainer.head_is_reachable():
                lost_since = None
                try:
                    cluster.update(trainer.capacity())
                except Exception:  # noqa: BLE001 - the next look will tell
                    pass
                time.sleep(CAPACITY_SECONDS - 2)
            elif lost_since is None:
                lost_since = time.monotonic()
            elif time.monotonic() - lost_since > HEAD_LOST_SECONDS:
                leave(trainer.head_lost())

    threading.Thread(target=read_input, daemon=True).start()
    threading.Thread(target=watch_the_head, daemon=True).start()
    for event in trainer.events():
        started.set()
        if event["type"] == "gone":
            leave(event["reason"])
        send(event)


def print_capacity(address: str) -> int:
    """The cluster's capacity in trainers as one JSON line, for the server to size its pool."""
    try:
        join(address)
        print(json.dumps(cluster_capacity()))
    except ClusterError as error:
        print(json.dumps({"error": str(error)}))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--capacity"] and len(sys.argv) == 3:
        sys.exit(print_capacity(sys.argv[2]))
    if len(sys.argv) != 2:
        sys.exit("usage: python -m fitlab.ray_trainer [--capacity] ADDRESS")
    main(sys.argv[1:])
