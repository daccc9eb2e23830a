"""The choices a learner makes before pressing Train, their ranges, defaults and checks."""

from __future__ import annotations

import dataclasses
import decimal
import math

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


OPTIMIZERS = {optimizer.key: optimizer for optimizer in (
    Optimizer("adam", "Adam", "Adam"),
    Optimizer("sgd", "SGD", "SGD"),
    Optimizer("rmsprop", "RMSprop", "RMSprop"),
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
    """(Keras' class name in keras.metrics, its arguments) for one of METRICS."""
    one_hot, whole_number = KERAS_METRICS[name]
    return one_hot if label_encoding == "one-hot" else whole_number
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

# A log scale: each step multiplies the learning rate by about 3. It reaches past 1 because
# "far too high" (SGD at 10 turns the loss into NaN) is one of the things the lesson shows.
LEARNING_RATES = (
    0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0
)
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512)
MIN_LEARNING_RATE, MAX_LEARNING_RATE = LEARNING_RATES[0], LEARNING_RATES[-1]
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 1, 4096
MIN_EPOCHS, MAX_EPOCHS = 1, 50
MIN_TRAIN_IMAGES, MAX_TRAIN_IMAGES = 50, 60_000
VALIDATION_FRACTION = 0.2


def format_learning_rate(rate: float) -> str:
    """A learning rate as the lesson writes it: a plain decimal with no exponent and no
    trailing zeros (0.00001, 0.0003, 0.001, 1, 3, 10). Pages, messages and links write rates
    this way (the exported code adds ".0" to a whole one: Keras' optimizers take floats only);
    float() reads it back, as it reads the 1e-05 of older links."""
    text = format(decimal.Decimal(repr(float(rate))), "f")  # repr: the shortest exact digits
    return text.rstrip("0").rstrip(".") if "." in text else text


class SettingsError(ValueError):
    """A setting outside what Fit Lab can train with; the message says which and why."""


def _setting(value, link: str, **flag):
    """A field of Settings with the words that name it outside Python, so that a new setting
    is one edit: `link` in a link's notices ("The link asks for the learning rate ..."), and
    `flag`, what its command-line flag (--learning-rate) adds to argparse's: help, choices,
    a default of its own. fitlab.__main__ makes the flags from these."""
    return dataclasses.field(default=value, metadata={"link": link, "flag": flag})


@dataclasses.dataclass(frozen=True)
class Settings:
    """One training run's settings; the defaults are the lesson's."""

    dataset: str = _setting(
        "shapes", "data set", help="shapes (offline), cifar10, fashion_mnist, mnist, a path to "
        "an .npz file, or a folder holding one folder of images per class")
    loss: str = _setting("categorical_crossentropy", "loss function", choices=list(LOSSES))
    optimizer: str = _setting("adam", "optimizer", choices=list(OPTIMIZERS))
    learning_rate: float = _setting(0.001, "learning rate")
    batch_size: int = _setting(32, "batch size")
    epochs: int = _setting(10, "number of epochs")
    # The command line's default is the whole data set, which it knows once it is loaded.
    train_images: int = _setting(
        5000, "number of training images", default=None,
        help=f"use at most this many training images (default: all of them, up to "
        f"{MAX_TRAIN_IMAGES:,})")
    seed: int = _setting(42, "seed")
    # The classes to train on; none chosen means all of them. ({lesson_five}: the command line
    # names the lesson's classes, which fitlab.data holds.)
    classes: tuple[str, ...] = _setting(
        (), "classes", help="comma-separated classes to train on, e.g. {lesson_five} "
        "(default: all)")
    images_per_class: int = _setting(  # 0: all
        0, "number of images per class",
        help="use at most this many training images of each class")
    model: str = _setting(INTRO, "model", choices=list(MODELS), help="; ".join(
        f"{key}: {model.name}" for key, model in MODELS.items()))
    dropout_rate: float = _setting(0.5, "dropout rate")  # the share the dropout model drops
    patience: int = _setting(
        0, "patience", help="early stopping after this many epochs without a better "
        "validation loss (default 0: off)")
    metrics: tuple[str, ...] = _setting(
        (), "metric", help=f"comma-separated metrics to report besides accuracy, from "
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
    """Raise SettingsError with a message a learner can act on, or return None."""
    if settings.loss not in LOSSES:
        raise SettingsError(
            f"Unknown loss function {settings.loss!r}; choose one of {', '.join(LOSSES)}."
        )
    if settings.optimizer not in OPTIMIZERS:
        raise SettingsError(
            f"Unknown optimizer {settings.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}."
        )
    rate = settings.learning_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate):
        raise SettingsError(f"The learning rate must be a number, not {rate!r}.")
    if not MIN_LEARNING_RATE <= rate <= MAX_LEARNING_RATE:
        raise SettingsError(
            f"The learning rate must be between {format_learning_rate(MIN_LEARNING_RATE)} and "
            f"{format_learning_rate(MAX_LEARNING_RATE)}, not {format_learning_rate(rate)}."
        )
    _whole_number("The batch size", settings.batch_size, MIN_BATCH_SIZE, MAX_BATCH_SIZE)
    _whole_number("The number of epochs", settings.epochs, MIN_EPOCHS, MAX_EPOCHS)
    _whole_number(
        "The number of training images", settings.train_images, MIN_TRAIN_IMAGES, MAX_TRAIN_IMAGES
    )
    _whole_number("The seed", settings.seed, 0, 2**31 - 1)
    if not isinstance(settings.dataset, str) or not settings.dataset.strip():
        raise SettingsError("Choose a data set to train on.")
    classes = settings.classes
    if not isinstance(classes, tuple) or not all(isinstance(name, str) for name in classes):
        raise SettingsError(f"The classes must be a list of class names, not {classes!r}.")
    if len(classes) == 1:
        raise SettingsError(f"Choose at least two classes to tell apart, not only {classes[0]!r}.")
    if len(set(classes)) != len(classes):
        raise SettingsError("Each class may be chosen once.")
    _whole_number("The number of images per class", settings.images_per_class, 0,
                  MAX_TRAIN_IMAGES)
    if settings.model not in MODELS:
        raise SettingsError(f"Unknown model {settings.model!r}; choose one of "
                            f"{', '.join(MODELS)}.")
    rate = settings.dropout_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise SettingsError(f"The dropout rate must be a number from 0 up to (not including) "
                            f"1, not {rate!r}.")
    _whole_number("The patience", settings.patience, 0, MAX_EPOCHS)
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


# -- settings in a share link's query string ---------------------------------------------------

LINK_NAMES = {field.name: field.metadata["link"] for field in dataclasses.fields(Settings)}


def link_problems(query: dict[str, str], dataset_titles) -> list[str]:
    """What is wrong with a link's settings, one sentence each; empty when all is well.

    The app binds its widgets to the query string, which applies the good values and drops
    the rest; these sentences tell the learner what was dropped and what is used instead.
    Choices travel by the label the learner sees ("SGD", "Categorical cross-entropy").
    """
    default = Settings()
    shown_default = {**default.to_dict(), "dataset": "Shapes", "loss": LOSSES[default.loss],
                     "optimizer": OPTIMIZERS[default.optimizer].label,
                     "images_per_class": "all", "model": MODELS[default.model].label,
                     "patience": "0, off", "metrics": "accuracy only"}
    allowed = {
        "dataset": lambda text: text in dataset_titles,
        "loss": lambda text: text in LOSSES.values(),
        "optimizer": lambda text: text in _labels(OPTIMIZERS),
        "learning_rate": lambda text: _number(text) in LEARNING_RATES,
        "batch_size": lambda text: _number(text) in BATCH_SIZES,
        "epochs": lambda text: _whole(text, MIN_EPOCHS, MAX_EPOCHS),
        "train_images": lambda text: _whole(text, MIN_TRAIN_IMAGES, MAX_TRAIN_IMAGES),
        "seed": lambda text: _whole(text, 0, 2**31 - 1),
        "classes": lambda text: True,  # they depend on the data set: checked once it is known
        "hide": lambda text: True, "lock": lambda text: True, "view": lambda text: True,
        # (instructor mode: checked by instructor_choices and the page)
        "images_per_class": lambda text: _whole(text, 0, MAX_TRAIN_IMAGES),
        "model": lambda text: text in _labels(MODELS),
        "dropout_rate": lambda text: _number(text) in DROPOUT_RATES,
        "patience": lambda text: _whole(text, 0, MAX_EPOCHS),
        "metrics": lambda text: text in METRICS.values(),
        "done": lambda text: True,  # the exercises' progress marks (see fitlab.exercises)
        "section": lambda text: True,  # the lesson section shown; a bad one shows the first
    }
    problems = []
    for key, value in query.items():
        text = value if isinstance(value, str) else str(value)
        if key not in allowed:
            problems.append(f"The link's “{as_text(key)}” is not a Fit Lab setting, so it was "
                            "ignored.")
        elif not allowed[key](text):
            problems.append(
                f"The link asks for {LINK_NAMES[key]} “{as_text(text)}”, which Fit Lab does not "
                f"offer, so the default ({shown_default[key]}) is used."
            )
    return problems


def _labels(table: dict) -> dict:
    """A table of optimizers or models by its labels, as links name them: {"SGD": "sgd"}."""
    return {entry.label: key for key, entry in table.items()}


def link_values(query: dict[str, str]) -> dict:
    """The settings a link gives that Fit Lab can use, as Settings fields and values."""
    keys = {"loss": {label: key for key, label in LOSSES.items()},
            "optimizer": _labels(OPTIMIZERS), "model": _labels(MODELS)}
    values = {}
    for key, text in query.items():
        if key in keys and text in keys[key]:
            values[key] = keys[key][text]
        elif key in ("learning_rate", "batch_size", "dropout_rate") and _number(text) in {
                "learning_rate": LEARNING_RATES, "batch_size": BATCH_SIZES,
                "dropout_rate": DROPOUT_RATES}[key]:
            values[key] = int(_number(text)) if key == "batch_size" else _number(text)
        elif key in ("epochs", "train_images", "seed", "images_per_class", "patience") and \
                _digits(text):
            values[key] = int(text)
    return values


# What an instructor may hide or lock from the URL: ?hide=optimizer,loss&lock=learning_rate
CONTROLS = ("dataset", "loss", "optimizer", "learning_rate", "batch_size", "epochs",
            "train_images", "seed", "classes", "model", "dropout_rate", "patience", "metrics")


def instructor_choices(query: dict[str, str]) -> tuple[set[str], set[str], list[str]]:
    """(hidden, locked, problems) from a link's `hide` and `lock` lists."""
    chosen, problems = {}, []
    for mode in ("hide", "lock"):
        names = {name.strip() for name in query.get(mode, "").split(",") if name.strip()}
        for unknown in sorted(names - set(CONTROLS)):
            problems.append(f"The link asks to {mode} “{as_text(unknown)}”, which is not one of "
                            f"Fit Lab's controls ({', '.join(CONTROLS)}).")
        chosen[mode] = names & set(CONTROLS)
    return chosen["hide"], chosen["lock"] - chosen["hide"], problems


def learning_rate_from_old_link(query: dict[str, str]) -> float | None:
    """The learning rate of a link written before rates were plain decimals
    (?learning_rate=1e-05), which the slider, bound to the address and reading its choices as
    format_learning_rate writes them, would drop; None when there is no such rate."""
    text = query.get("learning_rate")
    rate = _number(text) if isinstance(text, str) else None
    if rate in LEARNING_RATES and text != format_learning_rate(rate):
        return rate
    return None


def as_text(text: str, limit: int = 40) -> str:
    """Words from a link, to be quoted in a notice that renders Markdown: at most `limit`
    characters, and every ASCII punctuation mark escaped, so that a crafted link shows as
    the characters it holds, never as a link, an image or formatting."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return "".join(f"\\{char}" if char.isascii() and not char.isalnum() and not char.isspace()
                   else char for char in text)


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def _digits(text: str) -> bool:
    """Plain ASCII digits, few enough to be a setting: str.isdigit() also takes "²" and "٣",
    which int() refuses or reads as another number."""
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def _whole(text: str, low: int, high: int) -> bool:
    return _digits(text) and low <= int(text) <= high
