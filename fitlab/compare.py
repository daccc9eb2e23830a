"""Runs side by side: a label for each run made of the settings in which it differs."""

from __future__ import annotations

import dataclasses

from fitlab import data
from fitlab.history import RunHistory
from fitlab.models import MODELS
from fitlab.protocol import EARLY_STOPPED, FAILED
from fitlab.settings import LOSSES, METRICS, OPTIMIZERS, Settings, format_learning_rate

# How each setting is written in a label (its field's `short`), in the order labels list them.
SHORT = {field.name: field.metadata["short"] for field in dataclasses.fields(Settings)}


def differing(settings: list[Settings]) -> list[str]:
    """The names of the settings that are not the same in every run."""
    values = [dataclasses.asdict(each) for each in settings]
    return [name for name in SHORT if len({repr(value[name]) for value in values}) > 1]


def labels(settings: list[Settings], numbers: list[int]) -> list[str]:
    """"#2 lr=0.1" versus "#3 lr=0.001": the run's number and what sets it apart, and the
    settings out of the bar's sight that are not the lesson's ("#4 lr=0.3 images=500")."""
    names = differing(settings)
    return [
        " ".join([f"#{number}", *(SHORT[name](getattr(each, name)) for name in SHORT
                                  if (name in names or name in _hidden_shown(each))
                                  and _used(each, name))])
        for each, number in zip(settings, numbers)
    ]


# Set in the More settings tab, out of sight of the bar, by scenarios among others, and they
# change every curve: a scenario's 500 images or dropout model then stayed, unnoticed, for
# the next challenge. So a run's label names them whenever they are not the lesson's.
HIDDEN = ("train_images", "model", "dropout_rate")


def _used(settings: Settings, name: str) -> bool:
    """False for a dropout rate beside a model without dropout, which never reads it."""
    return name != "dropout_rate" or MODELS[settings.model].has_dropout


def _hidden_shown(settings: Settings) -> set[str]:
    return {name for name in from_defaults(settings) if name in HIDDEN}


def from_defaults(settings: Settings) -> list[str]:
    """The names of the settings that are not the lesson's defaults, in the labels' order;
    the dropout rate whenever the model has dropout (it is not the lesson's first model),
    never when it has none (it is not used)."""
    has_dropout = MODELS[settings.model].has_dropout
    return [name for name in SHORT
            if (name == "dropout_rate" and has_dropout)
            or (name != "dropout_rate" and getattr(settings, name) != getattr(DEFAULT, name))]


def from_defaults_line(settings: Settings) -> str:
    """What the next run changes from the lesson's defaults, as labels write it, or ""."""
    return " · ".join(SHORT[name](getattr(settings, name)) for name in from_defaults(settings))


def summary(history: RunHistory) -> dict:
    """Final and best validation figures of a run, with the epoch of the best. The final
    figures are the trained model's: after early stopping, those of the epoch whose weights
    it kept (`kept_epoch`), as the run's message says, not of the last epoch trained."""
    epochs = [epoch for epoch in history.epochs if "val_loss" in epoch]
    if not epochs:
        return {}
    best = min(epochs, key=lambda epoch: epoch["val_loss"])
    final = best if history.state == EARLY_STOPPED else epochs[-1]
    return {
        "final val accuracy": final["val_accuracy"],
        "best val accuracy": max(epoch["val_accuracy"] for epoch in epochs),
        "final val loss": final["val_loss"],
        "best val loss": best["val_loss"],
        "best epoch": best["epoch"],
    }


def kept_epoch(history: RunHistory) -> int | None:
    """The epoch whose weights early stopping kept (Keras' restore_best_weights: the lowest
    validation loss), or None for a run that early stopping did not end."""
    epochs = [epoch for epoch in history.epochs if "val_loss" in epoch]
    if history.state != EARLY_STOPPED or not epochs:
        return None
    return min(epochs, key=lambda epoch: epoch["val_loss"])["epoch"]


# Pinned runs drawn under the live one: more lines than this are a tangle, not a comparison.
MOST_PINNED = 3
# A run is worth drawing under another once it has this many epochs: a line, not a dot. A run
# stopped after its first epoch, or one that failed, compares with nothing.
USEFUL_EPOCHS = 2


def useful(history: RunHistory) -> bool:
    return len(history.epochs) >= USEFUL_EPOCHS and history.state != FAILED \
        and not history.active


def faint_runs(runs: list[tuple[int, RunHistory]], live: tuple[int, RunHistory],
               pinned: list[int]) -> tuple[list[tuple[str, RunHistory]], bool]:
    """The runs drawn faintly under the live one (`runs`: the learner's, (number, history),
    oldest first): those the learner pinned (`pinned`, run numbers), at most MOST_PINNED,
    or, with none pinned, the latest run before the live one that is `useful`. Each is
    labelled by the settings in which it differs from the live run ("#2 lr=0.1"). Returns
    them and whether they are the pinned ones."""
    number, history = live
    chosen = [(each, before) for each, before in runs
              if each in pinned and each != number and before.epochs][:MOST_PINNED]
    is_pinned = bool(chosen)
    if not chosen:
        chosen = [(each, before) for each, before in runs
                  if each < number and useful(before)][-1:]
    return [(labels([before.settings, history.settings], [each, number])[0], before)
            for each, before in chosen], is_pinned


DEFAULT = Settings()


def headline(settings: Settings) -> str:
    """The settings the lesson is about, in one line, as the Train page names a run, with the
    dropout model and early stopping when chosen, which also tell runs apart:
    "Adam · learning rate 0.001 · batch size 32 · 10 epochs · …"."""
    images = f"{settings.train_images:,} images"
    if settings.dataset != DEFAULT.dataset:  # the room should see what a scenario trains on
        images += f" of {data.title(settings.dataset)}"
    if settings.classes:
        images += f", {len(settings.classes)} classes"
    return " · ".join([
        OPTIMIZERS[settings.optimizer].label,
        f"learning rate {format_learning_rate(settings.learning_rate)}",
        f"batch size {settings.batch_size}", _epochs(settings.epochs),
        LOSSES[settings.loss].lower(), images,
        *([f"dropout {settings.dropout_rate:g}"] if MODELS[settings.model].has_dropout else []),
        *([f"early stopping, patience {settings.patience}"] if settings.patience else [])])


def describe(settings: Settings) -> str:
    """All of a run's settings in one line, as the run table lists them."""
    rate = format_learning_rate(settings.learning_rate)
    return (f"{data.title(settings.dataset)} · {LOSSES[settings.loss]} · "
            f"{OPTIMIZERS[settings.optimizer].label} · lr {rate} · batch "
            f"{settings.batch_size} · {_epochs(settings.epochs)} · {settings.train_images:,} "
            f"images · seed {settings.seed}"
            + (f" · {', '.join(settings.classes)}" if settings.classes else "")
            + (f" · {settings.images_per_class} per class" if settings.images_per_class else "")
            + (f" · dropout {settings.dropout_rate:g}" if MODELS[settings.model].has_dropout
               else "")
            + (f" · patience {settings.patience}" if settings.patience else "")
            + (f" · also {', '.join(METRICS[name] for name in settings.metrics)}"
               if settings.metrics else ""))


def _epochs(count: int) -> str:
    return f"{count} epoch" if count == 1 else f"{count} epochs"


def listed(names: list[str]) -> str:
    """Names as a sentence lists them: "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
