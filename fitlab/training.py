"""One training run: compile, fit with a progress callback, stop on request or on divergence.

Progress leaves through `emit(event)` as small dictionaries, the same for the command line
and for the worker processes that serve the app:

- `download`: bytes done and in all, while a data set is downloaded before the run
- `started`: the device and Keras' backend, sizes, steps per epoch
- `batches`: [[epoch, step, loss, accuracy, seconds, bundle_loss], ...], Keras' batch-end
  values, where loss and accuracy are running means over the epoch so far, and bundle_loss
  is the mean loss of the batches since the previous report alone (BundleLoss)
- `epoch`: loss, accuracy, val_loss, val_accuracy at the end of an epoch
- `evaluation`: after each epoch, loss, accuracy and confusion matrix on test images, and the
  predictions for the first few of them (by index into the chosen classes' test images)
- `saved`: where the trained model was saved, when the run was asked to save it
- `end`: the outcome (finished, stopped, diverged, collapsed) and a sentence explaining it
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import time
from collections.abc import Callable

import numpy as np

from fitlab import data, devices, diagnosis, models
from fitlab.protocol import TYPE, Event
from fitlab.settings import OPTIMIZERS, Settings, keras_metric

devices.prepare_environment()
import keras  # noqa: E402  (after the environment is prepared)

# Batch records are sent in bundles: the callback only appends to a list on most batches.
FLUSH_EVERY_SECONDS = 0.1
# Keras runs this many batches per call into the compiled training step, and calls the
# batch callbacks once per call. For a network as small as the lesson's, the per-call
# overhead is a large part of a batch's time (about 25 % on 2 CPU cores, measured with
# benchmarks/keras_options.py). The cost: the per-batch curve has a point every 8 batches,
# and Stop takes effect within 8 batches, a fraction of a second. PyTorch's backend runs
# one batch a call and refuses more (see steps_per_execution).
STEPS_PER_EXECUTION = 8
PROBE_IMAGES = 256
# Test images scored after every epoch: enough for a confusion matrix that means something,
# few enough to cost about 2 % of an epoch's time on a CPU.
TEST_SAMPLE = 500
GRID_IMAGES = 24


def steps_per_execution() -> int:
    """STEPS_PER_EXECUTION where Keras' backend allows more than one batch a call; PyTorch's
    refuses it ("`steps_per_execution` must be 1 with the PyTorch backend")."""
    return 1 if keras.backend.backend() == "torch" else STEPS_PER_EXECUTION


def make_optimizer(settings: Settings):
    optimizer = getattr(keras.optimizers, OPTIMIZERS[settings.optimizer].keras_class)
    return optimizer(learning_rate=settings.learning_rate)


def make_metrics(settings: Settings) -> list:
    """Accuracy, which every run reports, and the chosen metrics, made by Keras' own metric
    classes under the names the history and the charts use; then BundleLoss, which only
    the per-batch chart and the diagnosis read (Progress keeps it out of the epochs)."""
    made = []
    for name in settings.metrics:
        kind, arguments = keras_metric(name, settings.label_encoding)
        made.append(getattr(keras.metrics, kind)(**arguments))
    return ["accuracy", *made, BundleLoss(settings.loss, steps_per_execution())]


BUNDLE_LOSS = "bundle_loss"


class BundleLoss(keras.metrics.Metric):
    """The mean loss of the images since Keras last called the batch callbacks (a bundle of
    `bundle` batches), which starts afresh with each bundle.

    Keras' own loss in the logs is a running mean over the epoch, in float32. Once a bundle's
    loss reaches 1.8e25 (SGD at 10 on Shapes, seed 1), the running mean stays above 1e24 for
    the rest of the epoch, where one float32 step is about 1e17: every later batch's loss
    of 2 vanishes in it, and a bundle's loss recovered from two running means is rounding
    noise (0, -5.8e17, +7.9e17 were measured). This metric sums only one bundle, so a
    bundle at chance level reads 2.08 whatever came before. It resets itself, inside the
    compiled step, every `bundle` batches of the epoch (Keras resets every metric at the
    start of each epoch), so it works on every backend, JAX's functional state included."""

    def __init__(self, loss: str, bundle: int, name: str = BUNDLE_LOSS, **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss, self.bundle = loss, bundle
        self.loss_function = keras.losses.get(loss)  # the compiled loss, image by image
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.images = self.add_variable(shape=(), initializer="zeros", name="images")
        self.batches = self.add_variable(shape=(), initializer="zeros", name="batches")

    def update_state(self, y_true, y_pred, sample_weight=None):
        losses = keras.ops.cast(self.loss_function(y_true, y_pred), self.dtype)
        # .value: JAX takes a variable's value, not the variable, inside a traced step
        fresh = keras.ops.equal(keras.ops.mod(self.batches.value, self.bundle), 0)
        self.total.assign(keras.ops.where(fresh, 0.0, self.total.value)
                          + keras.ops.sum(losses))
        self.images.assign(keras.ops.where(fresh, 0.0, self.images.value)
                           + keras.ops.cast(keras.ops.shape(losses)[0], self.dtype))
        self.batches.assign_add(1.0)

    def result(self):
        return keras.ops.divide_no_nan(self.total.value, self.images.value)

    def get_config(self):
        return {"loss": self.loss, "bundle": self.bundle, "name": self.name}


DATASETS_KEPT = 4
_loaded: dict[str, tuple] = {}


def load_dataset(name: str, emit: Callable[[dict], None] = lambda event: None):
    """Each worker loads a data set once and reuses it for later runs; a download on the way
    is reported as `download` events (bytes done and in all)."""
    if name not in _loaded:
        def report(title: str, done: int, total: int | None) -> None:
            emit({TYPE: Event.DOWNLOAD, "title": title, "done": done, "total": total})

        if len(_loaded) >= DATASETS_KEPT:
            _loaded.pop(next(iter(_loaded)))  # the one loaded longest ago
        _loaded[name] = data.load(name, progress=report)
    return _loaded[name]


class Progress(keras.callbacks.Callback):
    """Reports batches and epochs, honours Stop within a few batches, watches for collapse.
    Keras calls the batch hooks once per steps_per_execution() batches, with the running
    means after the last of them."""

    def __init__(self, emit, should_stop, num_classes: int, probe_images):
        super().__init__()
        self.emit, self.should_stop, self.num_classes = emit, should_stop, num_classes
        self.probe_images = probe_images  # a few validation images, to test for collapse
        self.pending: list[list] = []
        self.outcome, self.where = diagnosis.FINISHED, (0, 0)
        self.first_epoch_peak = 0.0
        self.recent_loss = 0.0  # the own loss of the last bundle of batches
        self.far_above_chance_since = None  # (epoch, step) where that loss rose and stayed
        self.diverged_loss = math.nan  # NaN, or the loss it stuck at (diagnosis.explain)
        self.live_units = math.nan  # share of the last hidden layer's units still alive
        self.broken_loss = math.nan
        self.epochs_done = 0
        self.started = time.perf_counter()
        self.last_flush = 0.0  # so that the first batch goes out at once: the first point

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.previous_step = epoch + 1, 0

    def on_train_batch_end(self, batch, logs=None):
        loss, accuracy = float(logs["loss"]), float(logs["accuracy"])
        own_loss = float(logs[BUNDLE_LOSS])
        now = time.perf_counter()
        # Keras numbers an epoch's last, shorter bundle of batches as if it were full
        # (batch 16 of an epoch of 15): the step is never past the epoch's last.
        step = min(batch + 1, (self.params or {}).get("steps") or batch + 1)
        self.pending.append([self.epoch, step, loss, accuracy, now - self.started, own_loss])
        if step > self.previous_step:
            if self.epoch == 1:
                self.first_epoch_peak = max(self.first_epoch_peak, own_loss)
            if not diagnosis.far_above_chance(own_loss, self.num_classes):
                self.far_above_chance_since = None
            elif self.far_above_chance_since is None:
                self.far_above_chance_since = (self.epoch, step)
            self.recent_loss = own_loss
            self.previous_step = step
        if not math.isfinite(loss):
            # What keras.callbacks.TerminateOnNaN does, without its print to standard output,
            # which would break the command line's one-JSON-object-a-line output.
            self.model.stop_training = True
            self.outcome, self.where = diagnosis.DIVERGED, (self.epoch, step)
            self.broken_loss = loss  # NaN or infinite: the sentence says which
        elif self.should_stop():
            self.model.stop_training = True
            self.outcome, self.where = diagnosis.STOPPED, (self.epoch, step)
        if now - self.last_flush >= FLUSH_EVERY_SECONDS:
            self.flush()

    def on_epoch_end(self, epoch, logs=None):
        self.flush()
        record = {key: float(value) for key, value in (logs or {}).items()
                  if not key.endswith(BUNDLE_LOSS)}  # the last bundle's: no epoch's figure
        record.update({TYPE: Event.EPOCH, "epoch": epoch + 1,
                       "seconds": time.perf_counter() - self.started})
        self.epochs_done = epoch + 1
        self.emit(record)
        if self.outcome == diagnosis.FINISHED and self.has_collapsed(record):
            self.model.stop_training = True
            if self.far_above_chance_since is not None:
                # One answer for every picture, and a loss still far above chance level: the
                # network is sure of that answer, so each picture it gets wrong costs a lot.
                self.outcome, self.where = diagnosis.DIVERGED, self.far_above_chance_since
                self.diverged_loss = self.recent_loss
            else:
                self.outcome, self.where = diagnosis.COLLAPSED, (epoch + 1, 0)

    def has_collapsed(self, record: dict) -> bool:
        if not diagnosis.looks_stuck(record["loss"], record["accuracy"], self.num_classes):
            return False
        answers, self.live_units = self.look_inside()
        return diagnosis.gives_same_answer(answers)

    def look_inside(self) -> tuple[np.ndarray, float]:
        """The probe images' answers, and the share of the last hidden ReLU layer's units
        that give more than 0 for at least one of them: 0.0 means every unit is dead, so
        the answer no longer depends on the picture (what diagnosis.explain then says)."""
        out, live = self.probe_images, math.nan
        for layer in self.model.layers:
            out = layer(out, training=False) if isinstance(layer, keras.layers.Dropout) \
                else layer(out)
            if getattr(layer, "activation", None) is keras.activations.relu:
                values = keras.ops.convert_to_numpy(out).reshape(len(out), -1)
                live = float((values > 0).any(axis=0).mean())
        return keras.ops.convert_to_numpy(out), live

    def flush(self):
        if self.pending:
            self.emit({TYPE: Event.BATCHES, "records": self.pending})
            self.pending = []
        self.last_flush = time.perf_counter()


class TestSetCheck(keras.callbacks.Callback):
    """Scores the model on test images after every epoch, for the Evaluate page, and once
    more at the end where early stopping gave the model back an earlier epoch's weights:
    the last score is always of the weights the run keeps (and saves), labelled with their
    epoch. It must come after `early` in fit's callbacks, whose on_train_end restores them."""

    def __init__(self, emit, x_test, y_test, num_classes: int, early=None):
        super().__init__()
        self.emit, self.x_test, self.y_test = emit, data.scale(x_test), y_test
        self.num_classes, self.early = num_classes, early
        self.last_scored = 0

    def on_train_end(self, logs=None):
        early = self.early
        if getattr(self.model, "yielded", False):  # the run goes on later: nothing is kept yet
            return
        if early is None or early.best_weights is None:  # the last epoch's weights stay
            return
        if early.best_epoch + 1 != self.last_scored:
            self.score(early.best_epoch, restored=True)

    def on_epoch_end(self, epoch, logs=None):
        self.score(epoch)

    def score(self, epoch: int, restored: bool = False) -> None:
        self.last_scored = epoch + 1
        # predict_on_batch runs the compiled predict step: about half the time of a call.
        probabilities = np.asarray(self.model.predict_on_batch(self.x_test))
        predicted = probabilities.argmax(axis=1)
        right = probabilities[np.arange(len(self.y_test)), self.y_test]
        confusion = np.zeros((self.num_classes, self.num_classes), np.int64)
        np.add.at(confusion, (self.y_test, predicted), 1)
        self.emit({
            TYPE: Event.EVALUATION, "epoch": epoch + 1, "test_images": len(self.y_test),
            "loss": float(-np.log(np.clip(right, 1e-7, 1.0)).mean()),
            "accuracy": float((predicted == self.y_test).mean()),
            "confusion": confusion.tolist(),
            "predicted": predicted[:GRID_IMAGES].tolist(),
            "confidence": [round(float(value), 3)
                           for value in probabilities.max(axis=1)[:GRID_IMAGES]],
            # True: early stopping gave back this earlier epoch's weights at the end
            "restored": restored,
        })


def run(settings: Settings, emit: Callable[[dict], None],
        should_stop: Callable[[], bool] = lambda: False, save_to: str | None = None,
        should_yield: Callable[[], bool] = lambda: False, checkpoint: str | None = None,
        resume: dict | None = None) -> str:
    """Train the lesson's CNN with `settings`, reporting through `emit`; return the outcome.
    With `save_to`, the trained model is saved there (a .keras file) unless it diverged.
    Its steps are those of the code fitlab.export writes for the same settings.

    With a `checkpoint` (a .weights.h5 path), the run ends its turn at the first epoch's end
    after `should_yield` says so: its weights, its optimizer's slots and step count, and
    early stopping's record go to the checkpoint, and it says `yielded`. `resume` ({"epoch",
    "seconds"}, from the pool) trains on from there."""
    keras.utils.set_random_seed(settings.seed)  # the same seed gives the same run
    run_data = load_and_prepare(settings, emit)
    model = build_and_compile(settings, run_data.split)
    turn = Turn(model, checkpoint, should_yield, settings.epochs)
    if resume:
        turn.restore(model)
    emit(started(settings, run_data))
    progress = Progress(emit, should_stop, run_data.split.num_classes,
                        run_data.split.x_val[:PROBE_IMAGES])
    if resume:  # a run's clock goes on, and what its first epoch showed is kept
        progress.started -= resume["seconds"]
        progress.first_epoch_peak = resume.get("peak_loss", 0.0)
    early = early_stopping(settings)
    callbacks = [each for each in (progress, early, turn.resumed(early),
                                   evaluation_each_epoch(emit, run_data, early), turn)
                 if each is not None]
    fit(model, settings, run_data.split, callbacks, initial_epoch=resume["epoch"] if resume else 0)
    progress.flush()
    if model.yielded and progress.outcome == diagnosis.FINISHED and not (
            early is not None and early.stopped_epoch > 0):
        turn.keep(early)
        emit({TYPE: Event.YIELDED, "epoch": progress.epochs_done})
        return Event.YIELDED
    end = ending(settings, run_data.split.num_classes, progress, early)
    if save_to and end["outcome"] != diagnosis.DIVERGED:
        save(model, save_to)
        emit({TYPE: Event.SAVED, "path": save_to})
    emit(end)
    return end["outcome"]


class Turn(keras.callbacks.Callback):
    """A run's turn on a shared trainer: at the first epoch's end after `should_yield`
    (and before the last epoch), save the weights and the optimizer's state and end fit;
    and, for a run that resumes, load them back. Last among fit's callbacks, so that every
    other one has seen the epoch first; model.save_weights keeps the optimizer's variables
    (Keras 3: saving_lib walks the model's optimizer too), and Dropout's seed state."""

    def __init__(self, model, checkpoint: str | None, should_yield, epochs: int):
        super().__init__()
        self.checkpoint, self.should_yield, self.epochs = checkpoint, should_yield, epochs
        model.yielded = False
        self.early_state: dict | None = None

    def on_epoch_end(self, epoch, logs=None):
        if (self.checkpoint and not self.model.stop_training and epoch + 1 < self.epochs
                and self.should_yield()):
            self.model.save_weights(self.checkpoint)  # before early stopping restores any
            self.model.stop_training = self.model.yielded = True

    def keep(self, early) -> None:
        """Early stopping's record beside the checkpoint: its count, best and best weights."""
        if early is None:
            return
        weights = early.best_weights or []
        np.savez(self.checkpoint + ".early.npz", wait=early.wait, best_epoch=early.best_epoch,
                 best=np.inf if early.best is None else early.best,
                 **{f"weight{number}": value for number, value in enumerate(weights)})

    def restore(self, model) -> None:
        """The weights and optimizer state of the turn before (the pool's checkpoint)."""
        model.load_weights(self.checkpoint)
        path = pathlib.Path(self.checkpoint + ".early.npz")
        if path.is_file():
            with np.load(path) as kept:
                count = sum(1 for key in kept.files if key.startswith("weight"))
                self.early_state = {
                    "wait": int(kept["wait"]), "best_epoch": int(kept["best_epoch"]),
                    "best": None if np.isinf(kept["best"]) else float(kept["best"]),
                    "best_weights": [kept[f"weight{number}"] for number in range(count)] or None}

    def resumed(self, early):
        """A callback that gives early stopping its record back after its on_train_begin
        has reset it; None when there is nothing to give back."""
        if early is None or self.early_state is None:
            return None
        state = self.early_state

        class GiveBack(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                for name, value in state.items():
                    setattr(early, name, value)

        return GiveBack()


def save(model, path: str) -> None:
    """model.save, its compile call written as the exported code makes it: without
    BundleLoss, which only Fit Lab reads, so that plain Keras loads the file. Keras keeps
    compile's arguments in `_compile_config` (trainers/trainer.py, compile) and writes them
    from there (get_compile_config); the kept model gets its own back at once."""
    config = model._compile_config.config
    metrics = config["metrics"]
    config["metrics"] = [each for each in metrics if not isinstance(each, BundleLoss)]
    try:
        model.save(path)
    finally:
        config["metrics"] = metrics


# The warm-up's images: 8 batches of 32 to train, 2 to validate. TensorFlow's compiled step
# takes any number of images; JAX compiles again for a shorter last batch, a fraction of
# the whole.
WARM_UP_IMAGES = 320


def warm_up() -> None:
    """Compile the lesson's default run before anyone presses Train, so that the first run
    of the day is as quick to its first point as the later ones."""
    run(Settings(epochs=1, train_images=WARM_UP_IMAGES), lambda event: None)


@dataclasses.dataclass(frozen=True)
class RunData:
    """What a run trains and validates on (scaled and encoded), the test images its
    TestSetCheck scores (as loaded), and the names of its classes."""

    split: data.Split
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


def load_and_prepare(settings: Settings, emit: Callable[[dict], None] = lambda event: None
                     ) -> RunData:
    """Load the data set, keep the chosen classes, and split off the validation images."""
    x_train, y_train, x_test, y_test, all_classes = load_dataset(settings.dataset, emit)
    models.check_input_shape(x_train.shape[1:], settings.model)
    x_train, y_train, class_names = data.select(
        x_train, y_train, all_classes, settings.classes, settings.images_per_class
    )
    x_test, y_test, _ = data.select(x_test, y_test, all_classes, settings.classes)
    split = data.split_for_training(
        x_train, y_train, settings.train_images, len(class_names), settings.label_encoding
    )
    return RunData(split, x_test, y_test, tuple(class_names))


# Compiled models a worker keeps for later runs, by what shapes their training step.
COMPILED_KEPT = 4
_compiled: dict[tuple, object] = {}


def build_and_compile(settings: Settings, split: data.Split, **compile_options):
    """The lesson's CNN for these images and classes, compiled with the run's loss, optimizer
    and metrics; `compile_options` replace Fit Lab's own (benchmarks/keras_options.py).

    Keras traces (TensorFlow) or compiles (JAX) a model's training step on its first batch,
    which is most of the wait for a run's first point (about 1 s of 2 on two CPU cores; 4 s
    on a GPU under JAX). So a worker keeps each compiled model and, for a later run whose
    step has the same shape, gives it the weights of a model freshly built from this run's
    seed and a freshly built optimizer's state: the same numbers as a new model, without
    compiling again (tests/test_training.py checks that they are the same)."""
    model = models.build_model(split.x_train.shape[1:], split.num_classes, settings.model,
                               settings.dropout_rate)
    if compile_options:  # an experiment with Keras' options: never kept
        model.compile(optimizer=make_optimizer(settings), loss=settings.loss,
                      metrics=make_metrics(settings),
                      **{"steps_per_execution": steps_per_execution(), **compile_options})
        return model
    if keras.backend.backend() == "torch":  # it trains eagerly: there is nothing to keep
        model.compile(optimizer=make_optimizer(settings), loss=settings.loss,
                      metrics=make_metrics(settings), steps_per_execution=steps_per_execution())
        return model
    key = _step_shape(settings, split)
    kept = _compiled.pop(key, None)
    if kept is None or not kept.optimizer.built:  # not built: no step was ever compiled
        model.compile(optimizer=make_optimizer(settings), loss=settings.loss,
                      metrics=make_metrics(settings), steps_per_execution=steps_per_execution())
        kept = model
    else:
        _start_afresh(kept, model, settings, split)
    if len(_compiled) >= COMPILED_KEPT:
        _compiled.pop(next(iter(_compiled)))  # the one used longest ago
    _compiled[key] = kept
    return kept


def _step_shape(settings: Settings, split: data.Split) -> tuple:
    """What a compiled training step depends on: a run that differs only in its seed,
    learning rate, batch size, epochs, patience or images can reuse it."""
    dropout = settings.dropout_rate if models.MODELS[settings.model].has_dropout else None
    return (settings.model, dropout, tuple(split.x_train.shape[1:]), split.num_classes,
            settings.loss, settings.optimizer, tuple(settings.metrics), steps_per_execution())


def _start_afresh(kept, fresh, settings: Settings, split: data.Split) -> None:
    """Give a kept model the state a new model and optimizer would have for this run: the
    fresh model's weights and random seeds (Dropout's), a new optimizer's slots and step
    count, and the run's learning rate, which Keras holds in a variable, not in the step."""
    if keras.backend.backend() == "jax":
        # Keras' JAX trainer builds a new model's loss and metrics from a first batch of the
        # shuffled images, which draws one permutation from NumPy's generator before the
        # first epoch draws its own (backend/jax/trainer.py: fit, _symbolic_build). A kept
        # model is built already; without this draw its run would shuffle differently from
        # a new model's, and from the exported code's.
        np.random.permutation(len(split.x_train))
    for kept_layer, fresh_layer in zip(kept.layers, fresh.layers, strict=True):
        for mine, new in zip(kept_layer.variables, fresh_layer.variables, strict=True):
            mine.assign(new.value)
    optimizer = make_optimizer(settings)
    optimizer.build(kept.trainable_variables)
    for mine, new in zip(kept.optimizer.variables, optimizer.variables, strict=True):
        mine.assign(new.value)


def started(settings: Settings, run_data: RunData) -> dict:
    """The `started` event: what the run trains on, where, and how many steps an epoch."""
    split = run_data.split
    return {
        TYPE: Event.STARTED,
        "device": devices.device_name(),
        "backend": keras.backend.backend(),
        "epochs": settings.epochs,
        "steps_per_epoch": math.ceil(len(split.x_train) / settings.batch_size),
        "train_images": len(split.x_train),
        "validation_images": len(split.x_val),
        "class_names": list(run_data.class_names),
        "input_shape": list(split.x_train.shape[1:]),
    }


def early_stopping(settings: Settings):
    """Keras' EarlyStopping on val_loss, keeping the best epoch's weights; None when off."""
    if not settings.patience:
        return None
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.patience,
                                         restore_best_weights=True)


def evaluation_each_epoch(emit: Callable[[dict], None], run_data: RunData, early=None
                          ) -> TestSetCheck | None:
    """The Evaluate page's scores on test images after each epoch, and of the weights kept
    where `early` restores an earlier epoch's; None without a test set."""
    if not len(run_data.x_test):  # photos of your own have no test set
        return None
    return TestSetCheck(emit, run_data.x_test[:TEST_SAMPLE], run_data.y_test[:TEST_SAMPLE],
                        run_data.split.num_classes, early)


def fit(model, settings: Settings, split: data.Split, callbacks=(), initial_epoch: int = 0):
    """model.fit as the lesson calls it; verbose=0 because progress leaves through callbacks,
    and Keras' progress bar would break the command line's one JSON object a line."""
    return model.fit(
        split.x_train, split.y_train,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        initial_epoch=initial_epoch,
        validation_data=(split.x_val, split.y_val),
        callbacks=list(callbacks),
        verbose=0,
    )


def ending(settings: Settings, num_classes: int, progress: Progress, early) -> dict:
    """The `end` event: how the run ended, a sentence saying why, and the figures the
    sentence rests on. Early stopping counts only where nothing else (Stop, divergence,
    collapse) ended the run first. `kept_epoch`: the epoch whose weights early stopping gave
    back at the end (Keras restores them whether or not it stopped the run), else 0."""
    outcome, (epoch, step), best_epoch = progress.outcome, progress.where, 0
    if early is not None and early.stopped_epoch > 0 and outcome == diagnosis.FINISHED:
        outcome, (epoch, step) = diagnosis.EARLY_STOPPED, (early.stopped_epoch + 1, 0)
        best_epoch = early.best_epoch + 1
    kept_epoch = 0
    if early is not None and early.best_weights is not None and \
            early.best_epoch + 1 != progress.epochs_done:
        kept_epoch = early.best_epoch + 1
    diverged_loss = progress.diverged_loss
    if outcome == diagnosis.DIVERGED and not math.isfinite(diverged_loss):
        diverged_loss = progress.broken_loss
    return {
        TYPE: Event.END,
        "outcome": outcome,
        "message": diagnosis.explain(
            outcome, learning_rate=settings.learning_rate, epoch=epoch, step=step,
            num_classes=num_classes, peak_loss=progress.first_epoch_peak,
            loss=diverged_loss, optimizer=settings.optimizer,
            live_units=progress.live_units, kept_epoch=kept_epoch,
            epochs=settings.epochs, best_epoch=best_epoch, patience=settings.patience,
        ),
        # None where not measured: JSON has no NaN
        "peak_loss": progress.first_epoch_peak,
        "live_units": None if math.isnan(progress.live_units) else progress.live_units,
        "kept_epoch": kept_epoch,
    }


def describe_failure(error: Exception) -> str:
    """A sentence for a run that raised, worded for the learner who pressed Train."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if "out of memory" in str(error).lower() or type(error).__name__ in (
        "ResourceExhaustedError", "OutOfMemoryError", "MemoryError"
    ):
        return (
            "The run ran out of memory. Try a smaller batch size or fewer training images."
        )
    if isinstance(error, ValueError):  # settings and data problems carry their own sentence
        return text
    return f"The run failed: {type(error).__name__}: {text}"
