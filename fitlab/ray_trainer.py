"""Trainers on a Ray cluster: `python -m fitlab.ray_trainer ADDRESS`, started by the pool
(`fitlab.pool.WorkerPool`) in place of `python -m fitlab.worker` when FITLAB_RAY_ADDRESS is
set.

Each such process holds one `Trainer` actor on the cluster and speaks the worker's protocol
(`fitlab.protocol`) to the pool, so that the pool's queue, Stop, run numbers, run store and
limits are the same whichever trains. The actor runs `fitlab.worker.train_runs`, the
worker's own loop: it imports Keras once and trains one run after another; its events come
back through a Ray streaming generator, and Stop is a call that runs beside the training (its
own concurrency group).

Why a process between the server and Ray, rather than Ray inside the server: Ray ends a
driver that has lost the cluster's head 60 s later ("Failed to connect to GCS within 60
seconds ... The program will terminate", measured with Ray 2.60). Here that ends one trainer
process, which the pool replaces, and never the server, which keeps serving the lesson.

`python -m fitlab.ray_trainer --capacity ADDRESS` prints the cluster's capacity as JSON. Joining
the cluster, its capacity and Ray's failures in words are `fitlab.ray_connection`.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import queue
import sys
import tempfile
import threading
import time

import ray

from fitlab import config, worker
from fitlab.protocol import ALIVE_SECONDS, TYPE, Channel, Event, Message
from fitlab.ray_connection import (
    ClusterError,
    capacity,
    cluster_capacity,
    join,
    reachable,
    trainer_resources,
    why_it_died,
)

PACKAGE = pathlib.Path(__file__).resolve().parent
# How long the head may be out of reach before the run in hand is failed in words: Ray
# itself would end this process after 60 s, with a line only in the server's log.
HEAD_LOST_SECONDS = 10.0
CAPACITY_SECONDS = 10.0  # how often the cluster's capacity is looked at again
# How long a trainer whose events were cut waits for Ray to say why: well within the pool's
# SILENCE_SECONDS, after which it would end the run as "stopped answering".
DIAGNOSIS_SECONDS = 40.0
# A head that shuts down takes the trainers of its own node with it a moment before its
# port closes; so long is a trainer's death given to show that the head went too.
HEAD_SETTLE_SECONDS = 5.0


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
        if event[TYPE] == Event.SAVED:
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
                yield self.outbox.get(timeout=ALIVE_SECONDS)
            except queue.Empty:
                yield {TYPE: Event.ALIVE}


class RemoteTrainer:
    """One Trainer actor on the cluster at `address`, as this process (its driver) sees it."""

    def __init__(self, address: str):
        self.address = address
        # The engine travels with the run, so that every node trains with the server's
        # version of it; Keras and the rest are installed on the nodes (docs/scaling.md).
        join(address, runtime_env={
            "py_modules": [str(PACKAGE)], "excludes": ["__pycache__"],
            "env_vars": config.passed_to_trainers()})
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
        if message.get(TYPE) == Message.TRAIN:
            self.save_to = message.get("save_to")
        ray.get(self.actor.send.remote(message))  # one at a time: in order, Stop after its run

    def events(self):
        """The actor's events; a `gone` event, last, when it dies."""
        try:
            for reference in self.actor.events.remote():
                event = ray.get(reference)
                if event[TYPE] == Event.SAVED:
                    model = event.pop("model")
                    pathlib.Path(self.save_to).write_bytes(model)
                    event["path"] = self.save_to
                yield event
        except ray.exceptions.RayError as error:
            print(f"fitlab trainer: Ray says: {error}", file=sys.stderr)  # for the server's log
            if self._head_went_too():  # the head took the trainer with it
                yield {TYPE: Event.GONE, "reason": self.head_lost()}
                return
            error = self._death_of(error)
            print(f"fitlab trainer: Ray says: {error}", file=sys.stderr)
            yield {TYPE: Event.GONE, "reason": why_it_died(error)}

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
        return reachable(self.gcs_address)

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
        trainer.send({TYPE: Message.TRAIN, "settings": settings.to_dict()})
        stopping = False
        for event in trainer.events():  # `alive` at least every ALIVE_SECONDS: Stop is heard
            if should_stop() and not stopping:
                trainer.send({TYPE: Message.STOP})
                stopping = True
            if event[TYPE] in (Event.FAILED, Event.GONE):
                raise ClusterError(event["reason"])
            if event[TYPE] not in (Event.ALIVE, Event.READY):
                emit(event)
            if event[TYPE] == Event.END:
                return event["outcome"]
        raise ClusterError("the trainer's events ended before its run did")
    finally:
        trainer.close()


def main(argv: list[str]) -> None:
    """Relay the pool's messages to one Trainer actor and its events back, as JSON lines."""
    channel = Channel()  # Ray's own messages go to standard error, the server's log
    started = threading.Event()  # the actor's first event: from then on it says it is alive
    cluster: dict = {}

    def send(event: dict) -> None:
        if event[TYPE] == Event.ALIVE and cluster:
            event = {**event, "cluster": dict(cluster)}
        channel.send(event)

    def leave(reason: str) -> None:
        send({TYPE: Event.GONE, "reason": reason})
        os._exit(3)  # Ray's own threads would keep an ordinary exit waiting

    # While Ray connects, places the actor (it waits for a free machine) and starts it.
    channel.keep_alive(send, until=started)
    try:
        trainer = RemoteTrainer(argv[0])
        cluster.update(trainer.capacity())
    except ClusterError as error:
        leave(f"{error}. Fit Lab tries again every few seconds; runs wait until then")
    send({TYPE: Event.ALIVE})  # with the cluster's capacity, before the trainer is warm

    def take(message: dict) -> None:
        try:
            trainer.send(message)
        except ray.exceptions.RayError:
            pass  # the actor has died; its events say how

    def at_end() -> None:  # the server has gone, or retired this trainer
        trainer.close()
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

    channel.read_messages(take, at_end, "trainer")
    threading.Thread(target=watch_the_head, daemon=True).start()
    for event in trainer.events():
        started.set()
        if event[TYPE] == Event.GONE:
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
