"""A warm pool of worker processes that train, so that the server never imports Keras.

`WorkerPool` queues runs (`fitlab.job.Job`), hands each to an idle worker
(`fitlab.worker_process`), folds the events that come back into the run through Job's
public methods, and keeps every run in the store (`fitlab.store`). The worker side
(`fitlab.worker`) imports Keras once when it starts and then trains one run after another.

Who trains next, so that one person with many browsers cannot hold the room's trainers
(docs/reliability.md, "Sharing the trainers"):
0. a class's instructor's run (`submit(first=True)`) before the room's: the projector's
   demonstration is what the whole room waits to see (fitlab/classroom.py);
1. a lesson-sized run (at most LESSON_IMAGE_EPOCHS images x epochs) before a bigger one;
2. then the client (address) holding the fewest trainers, then the one served least
   recently, then likewise by learner: many cookies from one client share one client's turn;
3. then the order of arrival.
While a run of another learner waits, a run ends its turn at the first epoch's end past
TURN_SECONDS on its trainer: it keeps its weights and optimizer state in a checkpoint and
waits again, and resumes where it was (the same numbers as a run never interrupted).
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from collections import Counter

from fitlab import config, data, devices, uploads
from fitlab.job import Job
from fitlab.protocol import (
    FAILED,
    QUEUED,
    RUN_ENDS,
    RUNNING,
    STARTING,
    STOPPED,
    TYPE,
    Event,
)
from fitlab.sessions import GRACE_SECONDS, Departures
from fitlab.settings import Settings, SettingsError
from fitlab.store import RunStore
from fitlab.worker_process import WorkerProcess

log = logging.getLogger(__name__)

# A worker gets this long to honour Stop (it checks after every batch) before it is killed.
STOP_GRACE_SECONDS = 15.0
RESTART_DELAYS = (0.5, 2.0, 5.0, 15.0)
# TensorFlow keeps about 7 MB per model built in a process, whatever we clear (measured:
# clear_session, gc and malloc_trim together saved 1 MB of it). So a worker retires after
# this many runs and a fresh one takes its place, which bounds a long workshop's memory.
RUNS_PER_WORKER = 25

JANITOR_SECONDS = 2.0
STORE_SWEEP_SECONDS = 600.0
FINISHED_JOBS_KEPT_PER_OWNER = 20

# A lesson-sized run: training images x epochs at most this; it goes before bigger runs. The
# lesson's default is 4,000 x 10 = 40,000 (5,000 images, a fifth held out); its longest
# exercises train 4,000 images for 20 epochs.
LESSON_IMAGE_EPOCHS = 100_000
# While another learner waits, a run ends its turn at the first epoch's end past this many
# seconds on its trainer (an epoch longer than this: after each epoch).
TURN_SECONDS = 120.0


class PoolBusy(RuntimeError):
    """This run cannot be queued: the learner already has a run waiting or training, or
    the photos it trains on are no longer kept. Its message says which, in words."""


def default_worker_count() -> int:
    """How many runs train at once: FITLAB_WORKERS, else a default for the machine from its
    cores, its memory and its GPU's memory, as measured (fitlab.devices)."""
    return config.workers() or devices.worker_count(
        os.cpu_count() or 1, devices.memory_gib(), devices.gpu_memory_gib())


class WorkerPool:
    """Queue of jobs served by `workers` warm processes; one thread per worker feeds it."""

    def __init__(self, workers: int | None = None, owner_alive=None,
                 store: RunStore | None = None, grace: float = GRACE_SECONDS,
                 command: list[str] | None = None, max_run_seconds: float | None = None,
                 grow_with_cluster: bool = False):
        """`owner_alive(owner)` says whether the learner who submitted a job still has a tab
        open; the runs of one away longer than `grace` seconds are stopped. With a `store`, every
        run is kept there too: a learner's runs come back after a reload or a restart.
        A run that has trained `max_run_seconds` is stopped, its history kept. `command`
        starts a worker in place of `python -m fitlab.worker` (tests use it, and the Ray
        trainers: `fitlab.cluster`); with `grow_with_cluster`, the pool takes on more
        workers when their cluster says it has room for them."""
        self.size = workers or default_worker_count()
        self._grow_with_cluster = grow_with_cluster
        self._command = command
        self.max_run_seconds = max_run_seconds
        self._owner_alive = owner_alive
        self._departures = Departures(grace)
        self._store = store
        self._loaded: set[str] = set()  # owners whose stored runs are in memory
        self._swept_store_at = float("-inf")  # so the first janitor round sweeps it
        # measured pace, for wait estimates: seconds per image and epoch, and how many runs
        # it comes from, per settings shape (_shape) and over all runs (key None)
        self._pace: dict[tuple | None, tuple[float, int]] = {}
        self._turn_overhead = 0.0  # seconds from a trainer taking a run to its first batch
        self._served: dict[str, float] = {}  # client or learner -> when last given a trainer
        self._arrivals = 0
        self._checkpoints = tempfile.mkdtemp(prefix="fitlab-turns-")
        self._queue: list[Job] = []
        self._jobs: dict[str, Job] = {}
        self._runs_started: dict[str, int] = {}  # per owner, for run numbers
        self._ready: dict[int, str] = {}  # serving thread -> device name, once warm
        self._workers: dict[int, WorkerProcess] = {}
        self._changed = threading.Condition()
        self._closed = False
        self.problem = ""  # why workers cannot start, when they cannot
        self._threads = [
            threading.Thread(target=self._serve, args=(number,), daemon=True,
                             name=f"fitlab-pool-{number}")
            for number in range(self.size)
        ]
        if owner_alive is not None:
            self._threads.append(threading.Thread(target=self._janitor, daemon=True,
                                                  name="fitlab-pool-janitor"))
        if store is not None:
            self._end_runs_left_by_a_stopped_server()
        for thread in self._threads:
            thread.start()
        atexit.register(self.close)

    # -- what pages and the command line call ------------------------------------------------

    def submit(self, settings: Settings, owner: str = "", save_to: str | None = None,
               client: str = "", first: bool = False) -> Job:
        """Queue a run; with `save_to`, its trained model is saved there as a .keras file.
        `client` (the browser's address) groups a person's many cookies for the order;
        `first`: an instructor's run, which goes before the room's."""
        with self._changed:
            if self._closed:
                raise RuntimeError("The training pool has shut down.")
            self._load(owner)
            if problem := uploads.gone(settings.dataset):
                raise PoolBusy(problem)
            if owner and any(other.owner == owner and other.history.active
                             for other in self._jobs.values()):
                raise PoolBusy("You already have a run waiting or training (perhaps in "
                               "another tab); stop it first.")
            self._runs_started[owner] = self._runs_started.get(owner, 0) + 1
            job = Job(settings, owner, self._runs_started[owner], save_to, client)
            job.first = first
            job.on_change = self._keep
            self._arrivals += 1
            job.arrival = self._arrivals
            job.checkpoint = os.path.join(self._checkpoints, f"{job.id}.weights.h5")
            self._jobs[job.id] = job
            self._queue.append(job)
            self._changed.notify_all()
        self._keep(job)
        log.info("queued run %s", job.id)
        return job

    def get(self, job_id: str | None) -> Job | None:
        return self._jobs.get(job_id) if job_id else None

    def runs_of(self, owner: str) -> list[Job]:
        """A learner's runs, oldest first: the last FINISHED_JOBS_KEPT_PER_OWNER finished
        ones and the one waiting or training."""
        with self._changed:
            self._load(owner)
        return sorted(self._jobs_of(owner), key=lambda job: job.number)

    def delete(self, job: Job) -> None:
        """Delete a finished run from its learner's history and from the store, its model
        file too; a run in progress stays."""
        if job.history.active:
            raise PoolBusy("Stop this run before deleting it.")
        with self._changed:
            self._jobs.pop(job.id, None)
        if self._store is not None:
            self._store.delete(job.id)

    def queue_position(self, job: Job) -> int:
        """1 for the next job to start, 0 when the job is not waiting: its place in the
        order the trainers take runs in now."""
        with self._changed:
            waiting = self._in_order()
            return waiting.index(job) + 1 if job in waiting else 0

    def seconds_to_wait(self, job: Job) -> float | None:
        """The wait for a queued job, played out by the pool's own rules (the order, turns,
        the run time limit) on run times measured on this server; None until a run has
        set the pace."""
        with self._changed:
            waiting = self._in_order()
            if job not in waiting:
                return None
            training = [other for other in self._jobs.values()
                        if other.history.state in (STARTING, RUNNING)]
            plans = {other.id: self._plan(other) for other in waiting + training}
            served = {who: at - time.monotonic() for who, at in self._served.items()}
        if any(plan is None for plan in plans.values()):
            return None
        return _play_out(plans[job.id], [plans[other.id] for other in waiting],
                         [plans[other.id] for other in training], self.size, served,
                         self._turn_overhead)

    def runs_timed_like(self, job: Job) -> int:
        """How many runs of this server the pace for `job`'s estimate comes from: runs of
        the same shape (data set, model, batch size); 0 when it is taken from other runs."""
        return self._pace.get(_shape(job.settings), (0.0, 0))[1]

    @property
    def training_jobs(self) -> int:
        return sum(1 for job in list(self._jobs.values())
                   if job.history.active and job.history.state != QUEUED)

    @property
    def queued_jobs(self) -> int:
        with self._changed:
            return sum(1 for job in self._queue if job.history.state == QUEUED)

    @property
    def devices(self) -> list[str]:
        return sorted(set(self._ready.values()))

    @property
    def worker_pids(self) -> list[int]:
        return [worker.process.pid for worker in list(self._workers.values())]

    @property
    def warm_workers(self) -> int:
        return len(self._ready)

    @property
    def cluster(self) -> dict | None:
        """The Ray cluster's capacity as its trainers last reported it ({"trainers": 12,
        "machines": 3}), None for local workers."""
        reports = [worker.cluster for worker in list(self._workers.values()) if worker.cluster]
        return reports[-1] if reports else None

    def close(self) -> None:
        with self._changed:
            self._closed = True
            for job in self._queue:
                job.finish(STOPPED, "The server shut down while this run waited for its next "
                           "turn; the history so far is kept." if job.history.epochs else
                           "The server shut down before this run started.")
            self._queue.clear()
            self._changed.notify_all()
        for job in list(self._jobs.values()):
            job.stop("Stopped because the server shut down; the history so far is kept.")
        for thread in self._threads:
            thread.join(timeout=STOP_GRACE_SECONDS + 5)
        shutil.rmtree(self._checkpoints, ignore_errors=True)

    # -- the thread that serves one worker ---------------------------------------------------

    def _serve(self, number: int) -> None:
        failures = 0
        while not self._closed:
            worker = self._workers[number] = WorkerProcess(self._command)
            try:
                self._wait_until_ready(worker, number)
                failures = 0
                self.problem = ""
                while not self._closed and worker.runs < RUNS_PER_WORKER:
                    job = self._next_job(worker)
                    if job is None:
                        break
                    worker.runs += 1
                    log.info("started run %s", job.id)
                    self._train(worker, job)
                    log.info("run %s ended: %s", job.id, job.history.state)
            except EOFError:
                failures += 1
            finally:
                self._ready.pop(number, None)
                worker.close(kill=self._closed)
            if failures:
                delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS)) - 1]
                time.sleep(delay)

    def _wait_until_ready(self, worker: WorkerProcess, number: int) -> None:
        while True:
            try:
                event = worker.receive(config.POLL_SECONDS)
            except EOFError:
                self.problem = f"A training process could not start: {worker.exit_reason()}."
                raise
            if event is not None and event[TYPE] == Event.READY:
                worker.device = event["device"]
                self._ready[number] = worker.device
                self._grow_to_cluster()
                return
            if self._closed:
                raise EOFError
            if worker.frozen():
                worker.close(kill=True)
                self.problem = f"A training process could not start: {worker.exit_reason()}."
                raise EOFError

    def _grow_to_cluster(self) -> None:
        """One more serving thread per trainer the cluster has room for. A cluster that
        shrinks needs nothing: its trainers beyond its room wait in Ray for a machine."""
        report = self.cluster
        if not self._grow_with_cluster or not report:
            return
        with self._changed:
            while self.size < report["trainers"] and not self._closed:
                thread = threading.Thread(target=self._serve, args=(self.size,), daemon=True,
                                          name=f"fitlab-pool-{self.size}")
                self.size += 1
                self._threads.append(thread)
                thread.start()

    def _next_job(self, worker: WorkerProcess) -> Job | None:
        """The next queued job in the pool's order, for a worker still there: one that died
        while it waited (a Ray trainer whose machine left) is replaced rather than handed a
        run to fail."""
        with self._changed:
            while not self._closed:
                if worker.has_exited():
                    raise EOFError
                for job in self._in_order():
                    self._queue.remove(job)
                    if job.take_from_queue():
                        now = time.monotonic()
                        self._served[job.group] = self._served[job.owner or job.id] = now
                        return job
                self._changed.wait(timeout=JANITOR_SECONDS)
            return None

    def _in_order(self) -> list[Job]:
        """The waiting runs in the order trainers take them (call under `_changed`); runs
        stopped while they waited leave the queue, and their checkpoints go."""
        for job in [job for job in self._queue if job.history.state != QUEUED]:
            self._queue.remove(job)
            _remove_checkpoint(job)
        holding = Counter(job.group for job in list(self._jobs.values())
                          if job.history.state in (STARTING, RUNNING))
        return sorted(self._queue, key=lambda job: _order(
            job.group, job.owner or job.id, job.arrival, _lesson_sized(job), holding,
            self._served, job.first))

    def _plan(self, job: Job) -> _Plan | None:
        """What the wait estimate needs of a run: its training left, within the run time
        limit, at the pace measured for its shape (else for all runs), and its epoch."""
        pace = self._pace.get(_shape(job.settings)) or self._pace.get(None)
        if pace is None:
            return None
        history = job.history
        epoch = pace[0] * (history.info.get("train_images") or _images(job.settings))
        if history.epochs and history.epochs[-1].get("seconds"):  # its own epochs, timed
            epoch = history.epochs[-1]["seconds"] / len(history.epochs)
        trained = history.elapsed()
        left = history.seconds_left() if history.state == RUNNING else None
        if left is None:
            left = max(0.0, epoch * (job.settings.epochs - len(history.epochs)))
        if self.max_run_seconds is not None:
            left = min(left, max(0.0, self.max_run_seconds - trained))
        held = time.monotonic() - job.turn_started if (
            history.state in (STARTING, RUNNING) and job.turn_started) else 0.0
        return _Plan(job.group, job.owner or job.id, job.arrival, _lesson_sized(job), left,
                     max(epoch, 1e-3), held, job.first)

    def _train(self, worker: WorkerProcess, job: Job) -> None:
        yielded = False
        try:
            job.hand_to(worker)
            while True:
                event = worker.receive(config.POLL_SECONDS)
                if self._turn_is_over(job):
                    job.ask_to_yield()
                if self._over_time(job):  # checked whether events flow or not
                    minutes = self.max_run_seconds / 60
                    job.stop(f"Stopped after {minutes:g} minute{'s' if minutes != 1 else ''}, "
                             "the longest a run may train on this server; the history so far "
                             "is kept. Fewer epochs or training images make a shorter run.")
                if event is not None:
                    try:
                        job.apply(event)
                    except (KeyError, TypeError, ValueError, IndexError):
                        worker.kill_for("it sent a message Fit Lab could not use")
                        raise EOFError from None
                    if event[TYPE] == Event.STARTED and job.turn_started is not None:
                        self._turn_overhead = _average(
                            self._turn_overhead, time.monotonic() - job.turn_started)
                    if event[TYPE] == Event.YIELDED:
                        yielded = True
                        with self._changed:  # back in the queue, to resume in its turn
                            self._queue.append(job)
                            self._changed.notify_all()
                        return
                    if event[TYPE] in RUN_ENDS:
                        self._learn_pace(job)
                        return
                # a worker that keeps sending events but not its end is stopped all the same
                if self._stop_overdue(job):
                    worker.close(kill=True)
                    job.finish(STOPPED, job.stop_reason
                                or "Stopped at your request; the history so far is kept.")
                    raise EOFError
                if event is None and worker.frozen():
                    worker.close(kill=True)
                    raise EOFError
        except (EOFError, OSError):
            if job.history.active:
                job.finish(
                    FAILED,
                    f"The training process ended unexpectedly: {worker.exit_reason()}. "
                    "A fresh one has taken its place; press Train to try again.",
                )
            raise EOFError from None
        finally:
            job.let_go_of_worker()
            if not yielded:
                _remove_checkpoint(job)

    def _turn_is_over(self, job: Job) -> bool:
        """Whether a run should end its turn at its next epoch's end: another learner's run
        waits, and another epoch would take it past TURN_SECONDS on its trainer."""
        history = job.history
        if history.state != RUNNING or job.yield_asked or job.turn_started is None:
            return False
        epochs = history.epochs
        epoch = epochs[-1]["seconds"] - (epochs[-2]["seconds"] if len(epochs) > 1 else 0.0) \
            if epochs and "seconds" in epochs[-1] else 0.0
        if time.monotonic() - job.turn_started + epoch < TURN_SECONDS:
            return False
        with self._changed:
            return any(other.history.state == QUEUED and other.owner != job.owner
                       for other in self._queue)

    def _learn_pace(self, job: Job) -> None:
        history = job.history
        images, epochs = history.info.get("train_images"), len(history.epochs)
        if images and epochs:
            pace = history.elapsed() / (images * epochs)
            for key in (_shape(job.settings), None):
                previous, runs = self._pace.get(key, (pace, 0))
                self._pace[key] = (_average(previous, pace) if runs else pace, runs + 1)

    # -- the thread that watches for sessions that have gone ----------------------------------

    def _janitor(self) -> None:
        while not self._closed:
            time.sleep(JANITOR_SECONDS)
            self.sweep()

    def sweep(self, now: float | None = None) -> None:
        """Stop the runs of learners away longer than the grace, and let go of their
        history (the store keeps it); now and then, sweep the store too."""
        now = time.monotonic() if now is None else now
        owners = {job.owner for job in list(self._jobs.values()) if job.owner}
        for owner in owners:
            if self._owner_alive(owner):
                self._departures.back(owner)
                self._delete_oldest(owner)
                continue
            if not self._departures.away_too_long(owner, now):
                continue
            for job in self._jobs_of(owner):
                job.stop(f"Stopped because no tab of yours was open for "
                         f"{self._departures.grace:.0f} seconds; the history so far is kept.")
            self.forget_session(owner)
        if self._store is not None and now - self._swept_store_at > STORE_SWEEP_SECONDS:
            self._swept_store_at = now
            busy = {job.owner for job in list(self._jobs.values()) if job.history.active}
            self._store.sweep(keep=busy | {owner for owner in owners if self._owner_alive(owner)})

    def forget_session(self, owner: str) -> None:
        """Let go of a learner's finished runs (the store, if any, keeps them); once none is
        left training, of their run numbers too, so that a server running for weeks holds
        nothing of learners long gone."""
        with self._changed:
            for job in self._jobs_of(owner):
                if not job.history.active:
                    del self._jobs[job.id]
            if not self._jobs_of(owner):
                self._departures.back(owner)
                self._runs_started.pop(owner, None)
                self._loaded.discard(owner)

    # -- the store ---------------------------------------------------------------------------

    def _keep(self, job: Job) -> None:
        if self._store is not None and job.owner:
            self._store.save(job.id, job.owner, job.number, job.history.active,
                             job.to_record())

    def _load(self, owner: str) -> None:
        """Bring the owner's stored runs into memory, once (call under `_changed`)."""
        if self._store is None or not owner or owner in self._loaded:
            return
        self._loaded.add(owner)
        for job_id, number, record in self._store.runs(owner)[-FINISHED_JOBS_KEPT_PER_OWNER:]:
            if job_id in self._jobs:
                continue
            try:
                job = self._jobs[job_id] = Job.restored(job_id, owner, number, record)
            except (KeyError, TypeError, SettingsError) as error:  # kept by another version
                log.warning("cannot read stored run %s: %s", job_id, error)
                continue
            job.on_change = self._keep
        self._runs_started[owner] = max(self._runs_started.get(owner, 0),
                                        self._store.last_number(owner))

    def _end_runs_left_by_a_stopped_server(self) -> None:
        for job_id, owner, number, record in self._store.left_active():
            try:
                job = Job.restored(job_id, owner, number, record)
            except (KeyError, TypeError, SettingsError):
                self._store.delete(job_id)
                continue
            job.end_after_restart()
            self._keep(job)

    def _jobs_of(self, owner: str) -> list[Job]:
        return [job for job in list(self._jobs.values()) if job.owner == owner]

    def _delete_oldest(self, owner: str) -> None:
        """Delete a learner's finished runs beyond the newest FINISHED_JOBS_KEPT_PER_OWNER."""
        finished = sorted((job for job in self._jobs_of(owner) if not job.history.active),
                          key=lambda job: job.number)
        for job in finished[:-FINISHED_JOBS_KEPT_PER_OWNER]:
            self.delete(job)

    def _over_time(self, job: Job) -> bool:
        return (self.max_run_seconds is not None and job.stop_requested_at is None
                and job.history.elapsed() > self.max_run_seconds)

    @staticmethod
    def _stop_overdue(job: Job) -> bool:
        asked = job.stop_requested_at
        return asked is not None and time.monotonic() - asked > STOP_GRACE_SECONDS


def _average(previous: float, new: float) -> float:
    """A running average that follows a server whose load changes."""
    return new if not previous else 0.7 * previous + 0.3 * new


def _shape(settings: Settings) -> tuple:
    """What a run's pace per image and epoch depends on."""
    return (settings.dataset if settings.dataset in data.BUILT_IN else "file",
            settings.model, settings.batch_size)


def _images(settings: Settings) -> int:
    """The images a run will train on: what it asks for, as far as its data set has them,
    less the fifth held out for validation."""
    images = settings.train_images
    if settings.dataset in data.BUILT_IN:
        images = min(images, data.images_available(
            data.BUILT_IN[settings.dataset], settings.classes, settings.images_per_class))
    return max(1, round(images * (1 - data.VALIDATION_FRACTION)))


def _lesson_sized(job: Job) -> bool:
    images = job.history.info.get("train_images") or _images(job.settings)
    return images * job.settings.epochs <= LESSON_IMAGE_EPOCHS


def _order(group: str, owner: str, arrival: int, lesson: bool, holding: Counter,
           served: dict[str, float], first: bool = False) -> tuple:
    """The pool's order of waiting runs (the module's docstring says why)."""
    never = -math.inf
    return (not first, not lesson, holding[group], served.get(group, never),
            served.get(owner, never), arrival)


def _remove_checkpoint(job: Job) -> None:
    if job.checkpoint:
        for path in (job.checkpoint, job.checkpoint + ".early.npz"):
            try:
                os.remove(path)
            except OSError:
                pass


@dataclasses.dataclass(eq=False)
class _Plan:
    """A run as the wait estimate plays it out."""
    group: str
    owner: str
    arrival: int
    lesson: bool
    left: float  # seconds of training left
    epoch: float  # seconds an epoch takes
    held: float = 0.0  # seconds on its trainer in this turn
    first: bool = False  # an instructor's run


def _turn(plan: _Plan, others_wait: bool) -> float:
    """Seconds of training in the turn `plan` is in, from `plan.held` on."""
    if not others_wait:
        return plan.left
    asked = max(TURN_SECONDS - plan.epoch, plan.held)  # when the pool asks it to yield
    end = (math.floor(asked / plan.epoch) + 1) * plan.epoch  # at the next epoch's end
    return min(plan.left, max(0.0, end - plan.held))


def _play_out(target: _Plan, waiting: list[_Plan], training: list[_Plan], trainers: int,
              served: dict[str, float], overhead: float) -> float:
    """Seconds until `target` gets a trainer, by the pool's rules: its order, turns that end
    while another learner waits, and the run time limit (in each plan's `left`)."""
    queue = list(waiting)
    busy = [(_turn(plan, any(other.owner != plan.owner for other in queue)), plan)
            for plan in training]
    busy = [(turn, turn, plan) for turn, plan in busy]  # (free at, trained in the turn, run)
    served, now = dict(served), 0.0
    for _ in range(100_000):
        holding = Counter(plan.group for _, _, plan in busy)
        while queue and len(busy) < trainers:
            plan = min(queue, key=lambda each: _order(each.group, each.owner, each.arrival,
                                                      each.lesson, holding, served,
                                                      each.first))
            if plan is target:
                return now
            queue.remove(plan)
            served[plan.group] = served[plan.owner] = now
            plan.held = 0.0
            turn = _turn(plan, any(other.owner != plan.owner for other in queue))
            busy.append((now + overhead + turn, turn, plan))
            holding[plan.group] += 1
        if not busy:
            return now
        free_at, turn, plan = min(busy, key=lambda each: each[0])
        busy.remove((free_at, turn, plan))
        now = free_at
        plan.left -= turn
        if plan.left > 1e-6:
            queue.append(plan)  # it yielded, and waits for its next turn
    return now
