"""A training run as the server sees it: its history, a way to stop it, and the state
changes the pool drives as the run passes through a worker (`fitlab.pool`)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING

from fitlab.history import RunHistory
from fitlab.protocol import FAILED, QUEUED, SAVED_AFTER, STARTING, STOPPED, TYPE, Event, Message
from fitlab.settings import Settings

if TYPE_CHECKING:
    from fitlab.worker_process import WorkerProcess


class Job:
    """One training run as the server sees it: its history and a way to stop it."""

    def __init__(self, settings: Settings, owner: str = "", number: int = 1,
                 save_to: str | None = None, client: str = ""):
        self.id = uuid.uuid4().hex  # not guessable: one learner cannot reach another's run
        self.owner = owner
        # who shares the trainers (fitlab.pool's order): the client's address, else the
        # learner, so that many cookies from one browser count as one
        self.group = client or owner or self.id
        self.checkpoint: str | None = None  # where the run keeps its state while it waits
        self.turn_started: float | None = None  # when it last got a trainer
        self.yield_asked = False
        self.arrival = 0  # its place in the order of arrival, which the pool numbers
        self.first = False  # a class's instructor's run: before the room's (fitlab.pool)
        self.number = number  # 1, 2, 3 … within its session, never reused
        self.save_to = save_to  # where the worker saves the trained model, if anywhere
        self.history = RunHistory(settings)
        self.stop_requested_at: float | None = None
        self.stop_reason = ""
        self._lock = threading.Lock()
        self._news = threading.Condition(self._lock)  # each event the run's worker sends
        self._worker = None  # while a worker trains this job
        self.on_change = None  # called with the job after each change worth keeping

    @classmethod
    def restored(cls, job_id: str, owner: str, number: int, record: dict) -> Job:
        """A run as the store kept it (`to_record`)."""
        job = cls(Settings(), owner, number)
        job.id, job.history = job_id, RunHistory.from_record(record)
        return job

    def end_after_restart(self) -> None:
        """End a run that a stopped server left queued or training, saying which."""
        with self._lock:
            history = self.history
            if history.state == QUEUED and not history.epochs:
                history.state, history.message = STOPPED, (
                    "The server restarted before this run started; nothing was trained. "
                    "Press Train to run it.")
            else:
                history.state, history.message = FAILED, (
                    f"The server restarted while this run was training, after "
                    f"{len(history.epochs)} of its {history.settings.epochs} epochs; those "
                    "are kept. Press Train to run it again.")

    def to_record(self) -> dict:
        with self._lock:
            return self.history.to_record()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    @property
    def settings(self) -> Settings:
        return self.history.settings

    def snapshot(self) -> RunHistory:
        with self._lock:
            return self.history.copy()

    def wait_for_first_point(self, seconds: float) -> None:
        """Return once the run has charted its first batch, or has ended, or after
        `seconds`: a page that polls can then draw the first point the moment it comes
        rather than at its next poll."""
        with self._news:
            self._news.wait_for(lambda: self.history.batches or not self.history.active,
                                timeout=seconds)

    def stop(self, reason: str = "") -> None:
        """Ask the run to stop within a few batches (Keras runs 8 at a time); a queued run
        is simply dropped.

        `reason` replaces the usual "stopped at your request" when the learner did not ask.
        """
        with self._lock:
            if not self.history.active or self.stop_requested_at is not None:
                return
            self.stop_requested_at, self.stop_reason = time.monotonic(), reason
            if self.history.state == QUEUED:
                self.history.finish(STOPPED, reason or (
                    "Stopped while it waited for its next turn; the history so far is kept."
                    if self.history.epochs else "Stopped before it started; nothing was trained."))
            elif self._worker is not None:
                try:
                    self._worker.send({TYPE: Message.STOP})
                except OSError:  # the worker has just died; its serving thread reports why
                    pass
        if not self.history.active:
            self._changed()

    # -- its run's passage through a worker, as the pool drives it ------------------------

    def take_from_queue(self) -> bool:
        """Mark the run as starting; False if it was stopped while it waited (then leave it)."""
        with self._lock:  # checked and set together, so that a Stop cannot fall in between
            if self.history.state != QUEUED:
                return False
            self.history.state = STARTING
            self.turn_started, self.yield_asked = time.monotonic(), False
            return True

    def hand_to(self, worker: WorkerProcess) -> None:
        """Send the run to `worker` to train, and after it a Stop asked for since it left
        the queue."""
        # Under the lock: `stop` then either finds the worker, which already has the run, or
        # finds none and leaves its request for this to send.
        with self._lock:
            history = self.history
            resume = {"epoch": len(history.epochs), "seconds": history.elapsed(),
                      # the first epoch's highest bundle loss, which a collapse is told by
                      "peak_loss": max((batch[5] for batch in history.batches
                                        if batch[0] == 1 and len(batch) > 5), default=0.0),
                      } if history.epochs else None
            worker.send({TYPE: Message.TRAIN, "settings": self.settings.to_dict(),
                         "save_to": self.save_to, "checkpoint": self.checkpoint,
                         "resume": resume})
            self._worker = worker
            if self.stop_requested_at is not None:
                worker.send({TYPE: Message.STOP})

    def ask_to_yield(self) -> None:
        """Ask the run to end its turn at the next epoch's end (others wait)."""
        with self._lock:
            if self.yield_asked or self._worker is None or self.stop_requested_at is not None:
                return
            self.yield_asked = True
            try:
                self._worker.send({TYPE: Message.YIELD})
            except OSError:  # the worker has just died; its serving thread reports why
                pass

    @property
    def yielded(self) -> bool:
        """It has trained some epochs, given its trainer back and waits for the next."""
        return self.history.state == QUEUED and bool(self.history.epochs)

    def let_go_of_worker(self) -> None:
        """The run has ended, or its worker has gone: a later Stop has nobody to tell."""
        with self._lock:
            self._worker = None

    def apply(self, event: dict) -> None:
        """Fold an event from its worker into the history, and keep the run if it matters."""
        with self._lock:
            if event[TYPE] == Event.END and event["outcome"] == STOPPED and self.stop_reason:
                event = {**event, "message": self.stop_reason}
            self.history.apply(event)
            self._news.notify_all()
        if event[TYPE] in SAVED_AFTER:
            self._changed()

    def finish(self, state: str, message: str) -> None:
        """End the run as the pool found it ended (its worker died, or ignored a Stop);
        a run that has ended already stays as it ended."""
        with self._lock:
            if not self.history.active:
                return
            self.history.finish(state, message)
        self._changed()
