"""How the server and a trainer talk: one JSON object a line, over a trainer's standard
input and output. Written once here for both ends: the pool (`fitlab.worker_process`), the
worker (`fitlab.worker`), a Ray trainer (`fitlab.ray_trainer`), the history that folds the
events (`fitlab.history`) and the command line, which prints them (`fitlab.__main__`).

The pool sends `train` ({"type": "train", "settings": {...}, "save_to": ..., "checkpoint":
..., "resume": ...}), `stop`, and `yield` (end this turn at the next epoch's end, keeping the
model and optimizer in the checkpoint, so that others may train: `fitlab.pool`); a
trainer answers with the events in `EVENTS`, and says `alive` every ALIVE_SECONDS from its
first moment, so that the pool can tell a trainer that is busy from one that has frozen.
"""

from __future__ import annotations

import json
import os
import sys
import threading

TYPE = "type"  # the key every line carries: which message or event it is
ALIVE_SECONDS = 2.0


class Message:
    """What the pool sends a trainer."""
    TRAIN, STOP, YIELD = "train", "stop", "yield"


class Event:
    """What a trainer sends the pool."""
    ALIVE, READY, DOWNLOAD, STARTED = "alive", "ready", "download", "started"
    BATCHES, EPOCH, EVALUATION, SAVED = "batches", "epoch", "evaluation", "saved"
    END, FAILED = "end", "failed"
    # A run has ended its turn on a trainer at an epoch's end (asked with `yield`); its
    # weights and optimizer state are in its checkpoint, and it waits to resume.
    YIELDED = "yielded"
    # A trainer's last words before it exits, when it can say why (a Ray trainer whose
    # machine left the cluster): the pool ends the run in hand with them.
    GONE = "gone"


# The events and the keys each must carry: the pool reads every line against this, so that
# a line it cannot use ends that worker's run in words, not in a dead thread.
EVENTS = {
    Event.ALIVE: (), Event.READY: ("device",), Event.DOWNLOAD: ("title", "done", "total"),
    Event.STARTED: ("steps_per_epoch", "train_images", "validation_images"),
    Event.BATCHES: ("records",), Event.EPOCH: ("epoch",), Event.EVALUATION: (),
    Event.SAVED: ("path",), Event.END: ("outcome", "message"), Event.FAILED: ("reason",),
    Event.GONE: ("reason",), Event.YIELDED: ("epoch",),
}
# The events that end a run, and those after which it is written to the store: what a
# restarted server should not lose.
RUN_ENDS = (Event.END, Event.FAILED)
SAVED_AFTER = (Event.STARTED, Event.EPOCH, Event.SAVED, Event.EVALUATION, Event.YIELDED,
               *RUN_ENDS)

# A run's state: waiting, then on its way, then how it ended (`fitlab.diagnosis` tells
# which ending from the numbers).
QUEUED, STARTING, RUNNING = "queued", "starting", "running"
ACTIVE_STATES = (QUEUED, STARTING, RUNNING)
FINISHED, STOPPED, DIVERGED, COLLAPSED, FAILED, EARLY_STOPPED = (
    "finished", "stopped", "diverged", "collapsed", "failed", "early stopped"
)


class ProtocolError(EOFError):
    """A worker wrote what no worker writes: the pool treats it as a worker that has died."""


def encode(message: dict) -> str:
    """One message or event as the line that carries it."""
    return json.dumps(message) + "\n"


def read_event(line: str) -> dict:
    """One event, as a worker writes it; ProtocolError for anything else."""
    if not line.endswith("\n"):
        raise ProtocolError("it was cut off in the middle of a message")
    try:
        event = json.loads(line)
    except ValueError:
        raise ProtocolError("it sent a line that is not JSON") from None
    if not (isinstance(event, dict) and event.get(TYPE) in EVENTS
            and all(key in event for key in EVENTS[event[TYPE]])):
        raise ProtocolError("it sent a message Fit Lab does not know")
    return event


class Channel:
    """A trainer's end: its standard output taken over for events, written a whole line at a
    time from any thread; anything a library prints goes to standard error, the server's log."""

    def __init__(self):
        self._out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self._writing = threading.Lock()

    def send(self, event: dict) -> None:
        line = encode(event)
        with self._writing:
            self._out.write(line)

    def keep_alive(self, send=None, until: threading.Event | None = None) -> None:
        """Say `alive` every ALIVE_SECONDS, from a thread of its own, until `until` is set
        or the server has gone (then the input's end ends the trainer). `send` puts in what
        the trainer adds to its `alive`, if anything."""
        send = send or self.send
        until = until or threading.Event()

        def beat() -> None:
            while not until.wait(ALIVE_SECONDS):
                try:
                    send({TYPE: Event.ALIVE})
                except (OSError, ValueError):
                    return

        threading.Thread(target=beat, daemon=True, name="fitlab-alive").start()

    @staticmethod
    def read_messages(take, at_end, who: str) -> None:
        """Hand each message from standard input to `take`, from a thread of its own, and
        call `at_end` once the input ends: the server has gone, or has retired the trainer.
        A line that is not a message from the pool is named in the log and skipped."""

        def read() -> None:
            for line in sys.stdin:
                try:
                    take(json.loads(line))
                except (ValueError, TypeError, KeyError):
                    print(f"fitlab {who}: ignored an unreadable message {line[:80]!r}",
                          file=sys.stderr)
            at_end()

        threading.Thread(target=read, daemon=True, name="fitlab-input").start()
