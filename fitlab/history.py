"""A run's history as the server keeps it: settings, state, and the progress events so far."""

from __future__ import annotations

import csv
import dataclasses
import io
import time

from fitlab.protocol import ACTIVE_STATES, EVENTS, FAILED, QUEUED, RUNNING, TYPE, Event
from fitlab.settings import Settings


@dataclasses.dataclass
class RunHistory:
    settings: Settings
    state: str = QUEUED
    message: str = ""
    info: dict = dataclasses.field(default_factory=dict)
    epochs: list[dict] = dataclasses.field(default_factory=list)
    # [epoch, step, loss, accuracy, seconds, bundle_loss]: Keras' batch-end running means,
    # as sent, and the loss of the batches since the previous record alone (runs recorded
    # before it was measured have five fields: see bundle_losses)
    batches: list[list] = dataclasses.field(default_factory=list)
    # {"title", "done", "total"} while the data set downloads before the run starts
    download: dict = dataclasses.field(default_factory=dict)
    # the latest "evaluation" event: test loss, accuracy, confusion matrix, predictions
    evaluation: dict = dataclasses.field(default_factory=dict)
    model_file: str = ""  # the trained model, once the worker has saved it
    started_at: float | None = None
    ended_at: float | None = None

    def apply(self, event: dict) -> None:
        """Fold one event from a training run into the history."""
        kind = event[TYPE]
        if kind == Event.DOWNLOAD:
            self.download = {key: event[key] for key in EVENTS[Event.DOWNLOAD]}
        elif kind == Event.STARTED:
            # a run resumed after yielding its trainer: its clock counts training time only
            before = self.elapsed() if self.epochs else 0.0
            self.info = _fields(event)
            self.state, self.started_at = RUNNING, time.monotonic() - before
            self.ended_at = None
        elif kind == Event.YIELDED:  # waits again, its clock stopped, until its next turn
            self.state, self.ended_at = QUEUED, time.monotonic()
        elif kind == Event.BATCHES:
            self.batches.extend(event["records"])
        elif kind == Event.EPOCH:
            self.epochs.append(_fields(event))
        elif kind == Event.EVALUATION:
            self.evaluation = _fields(event)
        elif kind == Event.SAVED:
            self.model_file = event["path"]
        elif kind == Event.END:
            self.finish(event["outcome"], event["message"])
        elif kind == Event.FAILED:
            self.finish(FAILED, event["reason"])

    def finish(self, state: str, message: str) -> None:
        self.state, self.message, self.ended_at = state, message, time.monotonic()

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def device(self) -> str:
        return self.info.get("device", "")

    @property
    def fraction_done(self) -> float:
        """Share of all the run's batches done so far, 0 to 1."""
        steps, epochs = self.info.get("steps_per_epoch"), self.settings.epochs
        if not steps or not self.batches:
            return 0.0
        epoch, step = self.batches[-1][:2]
        return min(1.0, ((epoch - 1) * steps + step) / (epochs * steps))

    @property
    def current_epoch(self) -> int:
        return self.batches[-1][0] if self.batches else 0

    def elapsed(self, now: float | None = None) -> float:
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else (now or time.monotonic())
        return end - self.started_at

    def seconds_left(self, now: float | None = None) -> float | None:
        """A linear estimate from the pace so far; None until there is a pace to go by."""
        done = self.fraction_done
        if not self.active or done <= 0:
            return None
        elapsed = self.elapsed(now)
        return elapsed / done * (1 - done)

    def epochs_csv(self) -> str:
        """One row per epoch: what the epoch charts show."""
        columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]
        return _csv(columns, ([record.get(name) for name in columns] for record in self.epochs))

    def batches_csv(self) -> str:
        """One row per batch, as Keras reported it: running means over the epoch so far."""
        return _csv(["epoch", "batch", "running_mean_loss", "running_mean_accuracy", "seconds",
                     "loss_since_previous_row"], self.batches)

    def to_record(self) -> dict:
        """Everything a learner sees of the run, as JSON-ready values, for the run store."""
        record = dataclasses.asdict(self)
        record["settings"] = self.settings.to_dict()
        del record["started_at"], record["ended_at"]  # this process's clock: kept as seconds
        record["seconds"] = self.elapsed()
        return record

    @classmethod
    def from_record(cls, record: dict) -> RunHistory:
        """The run as `to_record` kept it; its clock reads the seconds it had run."""
        fields = {key: value for key, value in record.items()
                  if key not in ("settings", "seconds")}
        history = cls(Settings.from_dict(record["settings"]), **fields)
        history.started_at, history.ended_at = 0.0, float(record.get("seconds", 0.0))
        return history

    def copy(self) -> RunHistory:
        """A copy to draw from while the run goes on adding to this one."""
        return dataclasses.replace(
            self, info=dict(self.info), epochs=list(self.epochs), batches=list(self.batches)
        )


def _fields(event: dict) -> dict:
    """What an event says, without its type."""
    return {key: value for key, value in event.items() if key != TYPE}


def bundle_losses(batches: list[list]) -> list[tuple[int, int, int, float]]:
    """(epoch, first batch, last batch, loss) of each bundle of batches a run reported on,
    oldest first: the loss the run measured for that bundle alone (training.BundleLoss).
    For records without it (runs kept from before), it is recovered from two running means,
    (m_b * b - m_a * a) / (b - a), which is exact only while the running mean is small:
    after an explosion it is float32 rounding noise."""
    from fitlab import diagnosis

    rows, epoch, step, mean = [], None, 0, 0.0
    for record in batches:
        record_epoch, record_step, running_mean = record[:3]
        if record_epoch != epoch:  # Keras' running mean restarts with each epoch
            epoch, step, mean = record_epoch, 0, 0.0
        if record_step <= step:  # a repeated report adds no batches
            continue
        loss = record[5] if len(record) > 5 else diagnosis.batch_loss(
            record_step, running_mean, step, mean)
        rows.append((epoch, step + 1, record_step, loss))
        step, mean = record_step, running_mean
    return rows


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
