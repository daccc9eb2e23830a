"""The choices a learner makes before pressing Train, their ranges, defaults and checks."""

from __future__ import annotations

import dataclasses
import decimal
import math
from collections.abc import Mapping

from fitlab import data
from fitlab.models import INTRO, MODELS

LOSSES = {
    "categorical_crossentropy": "Categorical cross-entropy",
    "sparse_categorical_crossentropy": "Sparse categorical cross-entropy",
}
# What each loss expects the labels to look like.
LABEL_ENCODING = {
    "categorical_crossentropy": "one-hot",
    "sparse_categorical_crossentropy": "integer",
}


@dataclasses.dataclass(frozen=True)
class Optimizer:
    """An optimizer a run can use: read by the checks, the pages, the command line, the
    engine (fitlab.training) and the exported code (fitlab.export), so that they agree."""

    key: str  # in Settings and the command line's --optimizer
    label: str  # on the pages, in run labels, and a link's value for it
    keras_class: str  # its class in keras.optimizers
    default_learning_rate: float  # Keras' own default for the class, in Keras 3.15


OPTIMIZERS = {optimizer.key: optimizer for optimizer in (
    Optimizer("adam", "Adam", "Adam", 0.001),
    Optimizer("sgd", "SGD", "SGD", 0.01),
    Optimizer("rmsprop", "RMSprop", "RMSprop", 0.001),
)}
# Metrics reported besides accuracy, which every run measures: the charts, the collapse check
# and the exercises read it. Keys are the names Keras gives them in the history.
METRICS = {
    "categorical_accuracy": "Categorical accuracy",
    "top_3_accuracy": "Top-3 accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1_score": "F1 score",
}
# Keras computes these from one-hot labels only (a whole-number label has no per-class column).
ONE_HOT_METRICS = ("precision", "recall", "f1_score")
# Each metric as Keras' class and its arguments, for one-hot and for whole-number labels, so
# that the engine (fitlab.training) and the exported code (fitlab.export) compile the same.
# Precision and recall count a class as predicted when its probability passes 0.5, Keras'
# threshold; F1 is macro: each class's F1 from the most likely class, then their mean.
_TOP_3 = {"k": 3, "name": "top_3_accuracy"}
KERAS_METRICS = {
    "categorical_accuracy": (("CategoricalAccuracy", {}),
                             ("SparseCategoricalAccuracy", {"name": "categorical_accuracy"})),
    "top_3_accuracy": (("TopKCategoricalAccuracy", _TOP_3),
                       ("SparseTopKCategoricalAccuracy", _TOP_3)),
    "precision": (("Precision", {}),) * 2,
    "recall": (("Recall", {}),) * 2,
    "f1_score": (("F1Score", {"average": "macro"}),) * 2,
}


def keras_metric(name: str, label_encoding: str) -> tuple[str, dict]:
    """(Keras' class name in keras.metrics, its arguments) for one of METRICS. The name is
    always given: Keras names an unnamed metric after its class and numbers a second one in
    the same process ("precision_1"), which the history and the charts would not find."""
    one_hot, whole_number = KERAS_METRICS[name]
    kind, arguments = one_hot if label_encoding == "one-hot" else whole_number
    return kind, {"name": name, **arguments}


DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

# A log scale: each step multiplies the learning rate by about 3. It reaches past 1 because
# "far too high" (SGD at 10 makes the loss explode) is one of the things the lesson shows.
LEARNING_RATES = (
    0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0
)
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512)
MIN_LEARNING_RATE, MAX_LEARNING_RATE = LEARNING_RATES[0], LEARNING_RATES[-1]
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 1, 4096
MIN_EPOCHS, MAX_EPOCHS = 1, 50
MIN_TRAIN_IMAGES, MAX_TRAIN_IMAGES = 50, 60_000


def format_learning_rate(rate: float) -> str:
    """A learning rate as the lesson writes it: a plain decimal with no exponent and no
    trailing zeros (0.00001, 0.0003, 0.001, 1, 3, 10). Pages, messages and links write rates
    this way (the exported code adds ".0" to a whole one: Keras' optimizers take floats only);
    float() reads it back, as it reads the 1e-05 of older links."""
    text = format(decimal.Decimal(repr(float(rate))), "f")  # repr: the shortest exact digits
    return text.rstrip("0").rstrip(".") if "." in text else text


class Labels(Mapping):
    """{key: label} of a table whose entries carry a `.label` (OPTIMIZERS, MODELS), read from
    the table when asked: an entry added to the table is a choice everywhere at once."""

    def __init__(self, table: dict):
        self.table = table

    def __getitem__(self, key):
        return self.table[key].label

    def __iter__(self):
        return iter(self.table)

    def __len__(self):
        return len(self.table)


class SettingsError(ValueError):
    """A setting outside what Fit Lab can train with; the message says which and why."""


def _setting(value, link: str, short, *, labels: dict | None = None,
             whole: tuple[int, int] | None = None, offered: tuple | None = None, **flag):
    """A field of Settings with what every other part of Fit Lab needs to know about it, so
    that a new setting is, besides its widget and its use in training, one edit:

    - `link`: its name in a link's notices ("The link asks for the learning rate ...") and
      its messages ("The learning rate must be ...");
    - `short`: how a run's label writes its value (`lr=0.1`), for runs compared side by side;
    - `labels`: for a choice, {key: label}: `validate` refuses other keys, a link gives the
      label, the command line offers the keys;
    - `whole`: for a whole number, (lowest, highest): `validate` and links check it;
    - `offered`: the values the page's widget offers (a slider's stops), all a link may ask;
    - `flag`: what its command-line flag (--learning-rate) adds to argparse's: help, a
      default of its own.

    fitlab.links, fitlab.compare and fitlab.__main__ read these."""
    return dataclasses.field(default=value, metadata={
        "link": link, "short": short, "labels": labels, "whole": whole, "offered": offered,
        "flag": flag})


MAX_SEED = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class Settings:
    """One training run's settings; the defaults are the lesson's."""

    dataset: str = _setting(
        "shapes", "data set", lambda value: f"data={data.title(value)}",
        help="shapes (offline), cifar10, fashion_mnist, mnist, a path to "
        "an .npz file, or a folder holding one folder of images per class")
    loss: str = _setting(
        "categorical_crossentropy", "loss function",
        lambda value: "sparse" if value.startswith("sparse") else "categorical", labels=LOSSES)
    optimizer: str = _setting(
        "adam", "optimizer", lambda value: OPTIMIZERS[value].label,
        labels=Labels(OPTIMIZERS))
    learning_rate: float = _setting(
        0.001, "learning rate", lambda value: f"lr={format_learning_rate(value)}",
        offered=LEARNING_RATES)
    batch_size: int = _setting(32, "batch size", lambda value: f"batch={value}",
                               whole=(MIN_BATCH_SIZE, MAX_BATCH_SIZE), offered=BATCH_SIZES)
    epochs: int = _setting(10, "number of epochs", lambda value: f"epochs={value}",
                           whole=(MIN_EPOCHS, MAX_EPOCHS))
    # The command line's default is the whole data set, which it knows once it is loaded.
    train_images: int = _setting(
        5000, "number of training images", lambda value: f"images={value:,}",
        whole=(MIN_TRAIN_IMAGES, MAX_TRAIN_IMAGES), default=None,
        help=f"use at most this many training images (default: all of them, up to "
        f"{MAX_TRAIN_IMAGES:,})")
    seed: int = _setting(42, "seed", lambda value: f"seed={value}", whole=(0, MAX_SEED))
    # The classes to train on; none chosen means all of them. ({lesson_five}: the command line
    # names the lesson's classes, which fitlab.data holds.)
    classes: tuple[str, ...] = _setting(
        (), "classes", lambda value: f"classes={len(value) or 'all'}",
        help="comma-separated classes to train on, e.g. {lesson_five} (default: all)")
    images_per_class: int = _setting(  # 0: all
        0, "number of images per class", lambda value: f"per class={value or 'all'}",
        whole=(0, MAX_TRAIN_IMAGES), help="use at most this many training images of each class")
    model: str = _setting(
        INTRO, "model", lambda value: MODELS[value].short,
        labels=Labels(MODELS),
        help="; ".join(f"{key}: {model.name}" for key, model in MODELS.items()))
    dropout_rate: float = _setting(  # the share the dropout model drops
        0.5, "dropout rate", lambda value: f"dropout={value:g}", offered=DROPOUT_RATES)
    patience: int = _setting(
        0, "patience", lambda value: f"patience={value or 'off'}", whole=(0, MAX_EPOCHS),
        help="early stopping after this many epochs without a better validation loss "
        "(default 0: off)")
    metrics: tuple[str, ...] = _setting(
        (), "metric", lambda value: f"metrics={'+'.join(value) or 'accuracy'}", labels=METRICS,
        help=f"comma-separated metrics to report besides accuracy, from "
        f"{', '.join(METRICS)} (default: accuracy only)")

    def __post_init__(self):
        for name in ("classes", "metrics"):
            if isinstance(getattr(self, name), list):  # as they arrive from JSON
                object.__setattr__(self, name, tuple(getattr(self, name)))
        validate(self)

    @property
    def label_encoding(self) -> str:
        return LABEL_ENCODING[self.loss]

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise SettingsError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        return cls(**values)


def _whole_number(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{name} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:,} and {high:,}, not {value:,}.")


def validate(settings: Settings) -> None:
    """Raise SettingsError with a message a learner can act on, or return None. A choice
    (`labels`) and a whole number (`whole`) are checked from their field; the rest here."""
    for field in dataclasses.fields(settings):
        value, about = getattr(settings, field.name), field.metadata
        if about["labels"] is not None and not isinstance(field.default, tuple) and \
                value not in about["labels"]:
            raise SettingsError(f"Unknown {about['link']} {value!r}; choose one of "
                                f"{', '.join(about['labels'])}.")
        if about["whole"] is not None:
            _whole_number(f"The {about['link']}", value, *about["whole"])
    rate = settings.learning_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate):
        raise SettingsError(f"The learning rate must be a number, not {rate!r}.")
    if not MIN_LEARNING_RATE <= rate <= MAX_LEARNING_RATE:
        raise SettingsError(
            f"The learning rate must be between {format_learning_rate(MIN_LEARNING_RATE)} and "
            f"{format_learning_rate(MAX_LEARNING_RATE)}, not {format_learning_rate(rate)}."
        )
    if not isinstance(settings.dataset, str) or not settings.dataset.strip():
        raise SettingsError("Choose a data set to train on.")
    classes = settings.classes
    if not isinstance(classes, tuple) or not all(isinstance(name, str) for name in classes):
        raise SettingsError(f"The classes must be a list of class names, not {classes!r}.")
    if len(classes) == 1:
        raise SettingsError(f"Choose at least two classes to tell apart, not only {classes[0]!r}.")
    if len(set(classes)) != len(classes):
        raise SettingsError("Each class may be chosen once.")
    rate = settings.dropout_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise SettingsError(f"The dropout rate must be a number from 0 up to (not including) "
                            f"1, not {rate!r}.")
    metrics = settings.metrics
    if not isinstance(metrics, tuple) or not all(isinstance(name, str) for name in metrics):
        raise SettingsError(f"The metrics must be a list of metric names, not {metrics!r}.")
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise SettingsError(f"Unknown metric {unknown[0]!r}; choose from {', '.join(METRICS)}.")
    needs_one_hot = [METRICS[name] for name in metrics if name in ONE_HOT_METRICS]
    if needs_one_hot and settings.label_encoding != "one-hot":
        named = " and ".join([", ".join(needs_one_hot[:-1]), needs_one_hot[-1]] if
                             len(needs_one_hot) > 1 else needs_one_hot)
        raise SettingsError(
            f"{named} {'need' if len(needs_one_hot) > 1 else 'needs'} one-hot labels, one "
            "column per class, and sparse categorical cross-entropy keeps the labels as whole "
            "numbers. Choose categorical cross-entropy, or leave those metrics out.")
