"""A stand-in training worker for the fast tier: training is replaced because it is slow.

A real worker imports TensorFlow (3 to 5 s) and compiles a warm-up run before it says
`ready`, and every run then trains for seconds; a page test that only checks what the page
does with a run's events pays all of that for nothing. This is a real process on real pipes,
started by the real pool through its seam (FITLAB_WORKER_COMMAND, read each time a worker
starts): `python tests/fake_worker.py`. It is fitlab.worker's own `main` (heartbeats every
ALIVE_SECONDS, Stop on standard input, end of input ends it), with the one function that
imports Keras, `train_runs`, replaced by scripted curves. It never imports Keras.

The curves are plausible, not measured: the loss falls from chance level, ln(classes), and
faster for a larger learning rate; a learning rate of 1 or more turns the loss into NaN in
the first epoch (as SGD at 10 and Adam at 1 do under TensorFlow); one of 0.00001 or less
stays at chance level, and its validation loss with it; validation loss turns upwards after
a few epochs on few images without dropout, so the overfitting exercises and early stopping
have something to find. A batch size below the lesson's 32 makes the per-batch loss
noisier and the progress per epoch greater (more steps), and one above it the opposite, so
that the batch-size exercise has two runs that differ; at 32 the curves do not
depend on it. Each report carries the epoch's running mean and the loss of its bundle of
batches alone, as Keras' do. A run takes FAKE_SECONDS_PER_IMAGE per image and epoch
(MIN_SECONDS_PER_EPOCH at least), so that Stop has a run to stop. Tests whose assertion
depends on what Keras really does are marked `keras` or `app` instead.
"""

from __future__ import annotations

import math
import os
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # started as a script

from fitlab import data, devices, diagnosis, worker  # noqa: E402
from fitlab.data import VALIDATION_FRACTION  # noqa: E402
from fitlab.protocol import TYPE, Event  # noqa: E402
from fitlab.settings import Settings  # noqa: E402

# 5,000 images (4,000 to train) for 10 epochs take 4 s, at any batch size: time enough to press
# Stop in a test; the lesson's small runs (500 images) take MIN_SECONDS_PER_EPOCH. A test whose
# run must outlast a minute's wait sets FITLAB_STAND_IN_SECONDS_PER_IMAGE.
FAKE_SECONDS_PER_IMAGE = float(os.environ.get("FITLAB_STAND_IN_SECONDS_PER_IMAGE", 0.0001))
# An epoch takes at least this long, as a real one does: a run is seen training (Stop on,
# Train off) before it ends, and a test that waits for "running" can see it.
MIN_SECONDS_PER_EPOCH = 0.3
BATCHES_PER_REPORT = 8  # Keras' steps_per_execution on a CPU: a report every 8 batches
TEST_SAMPLE, GRID_IMAGES = 500, 24  # as fitlab.training scores each epoch
LESSON_BATCH_SIZE = 32  # the batch size whose curves the ones above are


def command() -> list[str]:
    """The worker command for FITLAB_WORKER_COMMAND, as a list."""
    return [sys.executable, str(pathlib.Path(__file__).resolve())]


def train_runs(runs, send, should_stop, should_yield=lambda: False) -> None:
    """fitlab.worker.train_runs, with scripted runs in place of Keras."""
    send({TYPE: Event.READY, "device": _device(), "backend": devices.configured_backend()})
    while (message := runs.get()) is not None:
        try:
            run(Settings.from_dict(message["settings"]), send, should_stop,
                save_to=message.get("save_to"), should_yield=should_yield,
                checkpoint=message.get("checkpoint"), resume=message.get("resume"))
        except Exception as error:  # as the real worker: every failure as words
            send({TYPE: Event.FAILED, "reason": str(error) or type(error).__name__})


def _device() -> str:
    """What a real worker on this machine's CPU says, without importing Keras to ask."""
    return f"CPU ({devices.backend_title(devices.configured_backend())})"


def run(settings: Settings, send, should_stop, save_to: str | None = None,
        should_yield=lambda: False, checkpoint: str | None = None,
        resume: dict | None = None) -> str:
    info = data.describe(settings.dataset)  # reads a file or folder, as a real run would
    class_names = list(settings.classes or info.class_names)
    classes = len(class_names)
    available = info.train_size * classes // max(1, info.num_classes)
    if settings.images_per_class:
        available = min(available, settings.images_per_class * classes)
    count = min(settings.train_images, available)
    validation = max(1, round(count * VALIDATION_FRACTION))
    train = count - validation
    if train < 1:
        raise data.DataError(f"{count} images are too few to hold 20 % out for validation.")
    steps = math.ceil(train / settings.batch_size)
    send({TYPE: Event.STARTED, "device": _device(), "backend": devices.configured_backend(),
          "epochs": settings.epochs, "steps_per_epoch": steps, "train_images": train,
          "validation_images": validation, "class_names": class_names,
          "input_shape": list(info.image_shape)})

    chance = math.log(classes)
    rate = settings.learning_rate
    diverges, stuck = rate >= 1.0, rate <= 0.00001
    steps_ratio = LESSON_BATCH_SIZE / settings.batch_size  # steps per epoch, against 32's
    # how far training gets per epoch: 0 when stuck, more for larger rates up to 0.01, and
    # for more steps an epoch
    speed = 0.0 if stuck else min(1.0, 0.25 + 0.15 * math.log10(rate / 0.00001)) * \
        steps_ratio ** 0.25
    noise = 0.02 * steps_ratio ** 0.5  # a small batch's gradient is a noisier estimate
    overfit = 0.0 if settings.model == "dropout" and settings.dropout_rate >= 0.3 else \
        min(1.0, 1000 / max(train, 1))
    rng = random.Random(settings.seed)
    # Not by batch size: the scheduler's tests time turns by whole epochs of the lesson's
    # defaults, and a big run at batch size 8 twice as slow an epoch overran them
    epoch_seconds = max(FAKE_SECONDS_PER_IMAGE * train, MIN_SECONDS_PER_EPOCH)
    started, outcome, where, best_epoch = time.monotonic(), diagnosis.FINISHED, (0, 0), 0
    best_val, since_best = math.inf, 0
    first = resume["epoch"] + 1 if resume else 1  # a run resumed after its turn ended
    if resume:  # what the real worker's checkpoint keeps, it keeps: the epoch it was at
        assert pathlib.Path(checkpoint).read_text() == str(resume["epoch"]), "no checkpoint"
    for epoch in range(first, settings.epochs + 1):
        records, previous, total = [], 0, 0.0
        for step in range(BATCHES_PER_REPORT, steps + BATCHES_PER_REPORT, BATCHES_PER_REPORT):
            step = min(step, steps)
            time.sleep(epoch_seconds * (step - previous) / steps)
            done = epoch - 1 + step / steps
            if diverges and done > 0.3:
                records.append([epoch, step, math.nan, 1 / classes, time.monotonic() - started,
                                math.nan])
                outcome, where = diagnosis.DIVERGED, (epoch, step)
                break
            # As Keras reports: the running mean over the epoch so far, and the loss of the
            # batches since the last report alone (what the per-batch chart draws)
            loss = chance * math.exp(-speed * done) * (1 + noise * rng.random())
            total += loss * (step - previous)
            previous = step
            records.append([epoch, step, total / step, _accuracy(total / step, chance, classes),
                            time.monotonic() - started, loss])
            if should_stop():
                outcome, where = diagnosis.STOPPED, (epoch, step)
                break
        send({TYPE: Event.BATCHES, "records": records})
        if outcome != diagnosis.FINISHED:
            break
        loss = records[-1][5]  # the epoch's loss: where its curve has got to by its end
        # validation follows training, then turns upwards as the network learns its images;
        # a network still at chance level has learned nothing to overfit (a stuck run)
        learned = min(1.0, 5 * max(0.0, 1 - loss / chance))
        val_loss = loss + learned * (loss * 0.05 + chance * (0.05 + overfit * 0.03 * epoch))
        record = {TYPE: Event.EPOCH, "epoch": epoch, "loss": loss,
                  "accuracy": _accuracy(loss, chance, classes), "val_loss": val_loss,
                  "val_accuracy": _accuracy(val_loss, chance, classes),
                  "seconds": time.monotonic() - started}
        for metric in settings.metrics:
            record[metric] = record["accuracy"]
            record[f"val_{metric}"] = record["val_accuracy"]
        send(record)
        if info.test_size:
            send(_evaluation(epoch, record, classes, min(TEST_SAMPLE, info.test_size), rng))
        if val_loss < best_val:
            best_val, best_epoch, since_best = val_loss, epoch, 0
        else:
            since_best += 1
        if settings.patience and since_best >= settings.patience and epoch < settings.epochs:
            outcome, where = diagnosis.EARLY_STOPPED, (epoch, 0)
            break
        if checkpoint and epoch < settings.epochs and should_yield():  # fitlab.training.Turn
            pathlib.Path(checkpoint).write_text(str(epoch))
            send({TYPE: Event.YIELDED, "epoch": epoch})
            return Event.YIELDED
    if save_to and outcome != diagnosis.DIVERGED:
        # Not a model: what the pages do with a saved run (offer its download) is what the
        # fast tier checks; that the file loads in Keras is the keras tier's.
        pathlib.Path(save_to).write_bytes(b"Fit Lab's fast-tier stand-in: not a Keras model")
        send({TYPE: Event.SAVED, "path": save_to})
    send({TYPE: Event.END, "outcome": outcome, "message": diagnosis.explain(
        outcome, learning_rate=rate, epoch=where[0], step=where[1], num_classes=classes,
        epochs=settings.epochs, best_epoch=best_epoch, patience=settings.patience,
        optimizer=settings.optimizer)})
    return outcome


def _accuracy(loss: float, chance: float, classes: int) -> float:
    """From 1/classes at chance level towards 1 as the loss falls."""
    return 1 / classes + (1 - 1 / classes) * max(0.0, 1 - loss / chance) ** 0.7


def _evaluation(epoch: int, record: dict, classes: int, images: int, rng) -> dict:
    right = round(images * record["val_accuracy"])
    confusion = [[0] * classes for _ in range(classes)]
    for image in range(images):
        truth = image % classes
        answer = truth if image < right else (truth + 1) % classes
        confusion[truth][answer] += 1
    predicted = [image % classes if image < right else (image + 1) % classes
                 for image in range(min(GRID_IMAGES, images))]
    return {TYPE: Event.EVALUATION, "epoch": epoch, "test_images": images,
            "loss": record["val_loss"], "accuracy": right / images, "confusion": confusion,
            "predicted": predicted,
            "confidence": [round(0.5 + 0.5 * rng.random(), 3) for _ in predicted]}


if __name__ == "__main__":
    worker.train_runs = train_runs  # the one step that would import Keras
    worker.main()
