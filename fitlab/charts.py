"""Altair charts of a run's history: per-epoch loss and accuracy, and the per-batch curve.

Every chart carries a bounded number of points however long the run, so that a redraw
twice a second stays cheap: epochs are few, and batch records are thinned to MAX_POINTS.
"""

from __future__ import annotations

import math

import altair as alt
# Altair looks pandas up in sys.modules rather than importing it; while another thread of
# the server is half-way through importing pandas, that lookup finds a half-made module and
# drawing fails ("partially initialized module 'pandas'", seen on the first chart a server
# drew). Importing it here waits for that import to finish.
import pandas  # noqa: F401

from fitlab.history import RunHistory
from fitlab.settings import METRICS

NAMES = {"loss": "Loss", "accuracy": "Accuracy", **METRICS}

MAX_POINTS = 300
SPLIT_COLOURS = alt.Scale(domain=["training", "validation"], range=["#1f77b4", "#ff7f0e"])
# Past this many times chance level, a linear axis would flatten everything else to a line.
LOG_SCALE_FACTOR = 10


def thin(records: list, max_points: int = MAX_POINTS) -> list:
    """Every n-th record, always keeping the last, so that at most `max_points` remain."""
    if len(records) <= max_points:
        return records
    stride = math.ceil(len(records) / max_points)
    kept = records[::stride]
    return kept if kept[-1] is records[-1] else kept + [records[-1]]


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _loss_scale(values: list[float], num_classes: int) -> alt.Scale:
    big = max(values, default=0) > LOG_SCALE_FACTOR * math.log(max(num_classes, 2))
    return alt.Scale(type="log") if big else alt.Scale(zero=True)


def epoch_chart(history: RunHistory, metric: str) -> alt.Chart:
    """`metric` (the loss, accuracy, or a chosen metric such as "f1_score") for training and
    validation, one point per epoch."""
    rows = [
        {"epoch": record["epoch"], "split": split, metric: record[key]}
        for record in history.epochs
        for split, key in (("training", metric), ("validation", f"val_{metric}"))
        if _finite(record.get(key))
    ]
    values = [row[metric] for row in rows]
    scale = (
        _loss_scale(values, len(history.info.get("class_names", []))) if metric == "loss"
        else alt.Scale(domain=[0, 1])  # every metric Fit Lab offers is a share, 0 to 1
    )
    last_epoch = max(history.settings.epochs, 2)
    name = NAMES.get(metric, metric)
    title = f"{name} per epoch"
    if getattr(scale, "type", None) == "log":
        title += " (log scale: the loss exploded)"
    x = alt.X("epoch:Q", title="Epoch", scale=alt.Scale(domain=[1, last_epoch]),
              axis=alt.Axis(tickMinStep=1, format="d"))
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(f"{metric}:Q", title=name, scale=scale),
            color=alt.Color("split:N", title=None, scale=SPLIT_COLOURS,
                            legend=alt.Legend(orient="top")),
            tooltip=["epoch:Q", "split:N", alt.Tooltip(f"{metric}:Q", format=".4f")],
        )
    )
    return alt.layer(_gap(history, metric, x), lines, *_best_epoch(history, x), title=title)


def _gap(history: RunHistory, metric: str, x) -> alt.Chart:
    """The space between the training and the validation curve, shaded: the generalisation
    gap, which widens as the network overfits."""
    rows = [{"epoch": record["epoch"], "low": min(record[metric], record[f"val_{metric}"]),
             "high": max(record[metric], record[f"val_{metric}"])}
            for record in history.epochs
            if _finite(record.get(metric)) and _finite(record.get(f"val_{metric}"))]
    return alt.Chart(alt.Data(values=rows)).mark_area(opacity=0.12, color="#888888").encode(
        x=x, y="low:Q", y2="high:Q")


def _best_epoch(history: RunHistory, x) -> list[alt.Chart]:
    """A dashed rule at the epoch with the lowest validation loss, once there are two."""
    scored = [record for record in history.epochs if _finite(record.get("val_loss"))]
    if len(scored) < 2:
        return []
    best = min(scored, key=lambda record: record["val_loss"])["epoch"]
    marker = alt.Chart(alt.Data(values=[{"epoch": best,
                                         "label": f"best val loss: epoch {best}"}]))
    return [marker.mark_rule(strokeDash=[4, 4], color="#555555").encode(x=x),
            marker.mark_text(align="left", dx=4, dy=-6, baseline="top", color="#555555",
                             fontSize=11).encode(x=x, y=alt.value(0), text="label:N")]


def batch_chart(history: RunHistory) -> alt.Chart:
    """Training loss after each batch, as Keras reports it: the mean over the epoch so far."""
    steps = history.info.get("steps_per_epoch") or 1
    rows = [
        {"epoch": epoch - 1 + step / steps, "loss": loss}
        for epoch, step, loss, *_ in thin(history.batches)
        if _finite(loss)
    ]
    scale = _loss_scale([row["loss"] for row in rows], len(history.info.get("class_names", [])))
    return (
        alt.Chart(
            alt.Data(values=rows),
            title=alt.Title(
                "Training loss during each epoch",
                subtitle="Keras' running mean over the epoch so far; it restarts each epoch.",
            ),
        )
        .mark_line(color="#1f77b4")
        .encode(
            x=alt.X("epoch:Q", title="Epoch",
                    scale=alt.Scale(domain=[0, max(history.settings.epochs, 1)])),
            y=alt.Y("loss:Q", title="Loss (running mean)", scale=scale),
            tooltip=[alt.Tooltip("epoch:Q", format=".2f"), alt.Tooltip("loss:Q", format=".4f")],
        )
    )


def class_counts_chart(class_names, counts) -> alt.Chart:
    """How many training images each class has: a bar per class."""
    rows = [{"class": name, "images": int(count)} for name, count in zip(class_names, counts)]
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("images:Q", title="Training images"),
        y=alt.Y("class:N", sort=None, title=None),
        tooltip=["class:N", "images:Q"],
    )


def compare_chart(runs: list[tuple[str, RunHistory]], metric: str) -> alt.Chart:
    """`metric` per epoch for several runs: a colour per run, solid for training and dashed
    for validation."""
    rows = [
        {"run": label, "epoch": record["epoch"], "split": split, metric: record[key]}
        for label, history in runs
        for record in history.epochs
        for split, key in (("training", metric), ("validation", f"val_{metric}"))
        if _finite(record.get(key))
    ]
    num_classes = max((len(history.info.get("class_names", [])) for _, history in runs),
                      default=2)
    scale = (alt.Scale(domain=[0, 1]) if metric == "accuracy"
             else _loss_scale([row[metric] for row in rows], num_classes))
    return (
        alt.Chart(alt.Data(values=rows), title=f"{metric.capitalize()} per epoch")
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", title="Epoch", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y(f"{metric}:Q", title=metric.capitalize(), scale=scale),
            color=alt.Color("run:N", title="Run", sort=[label for label, _ in runs],
                            legend=alt.Legend(orient="top", labelLimit=400)),
            strokeDash=alt.StrokeDash("split:N", title=None,
                                      scale=alt.Scale(domain=["training", "validation"],
                                                      range=[[1, 0], [6, 3]]),
                                      legend=alt.Legend(orient="bottom")),
            detail="split:N",
            tooltip=["run:N", "epoch:Q", "split:N", alt.Tooltip(f"{metric}:Q", format=".4f")],
        )
    )


def confusion_chart(class_names, confusion) -> alt.Chart:
    """A heat map: rows are the true classes, columns what the network answered."""
    rows = [{"true": true, "predicted": predicted, "images": int(count)}
            for true, counts in zip(class_names, confusion)
            for predicted, count in zip(class_names, counts)]
    base = alt.Chart(alt.Data(values=rows), title="Confusion matrix (test images)").encode(
        x=alt.X("predicted:N", sort=list(class_names), title="Predicted class",
                axis=alt.Axis(labelOverlap=False)),
        y=alt.Y("true:N", sort=list(class_names), title="True class",
                axis=alt.Axis(labelOverlap=False)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("images:Q", title="Images", scale=alt.Scale(scheme="blues")),
        tooltip=["true:N", "predicted:N", "images:Q"],
    )
    numbers = base.mark_text(fontSize=11).encode(
        text="images:Q",
        color=alt.condition(alt.datum.images > max(map(max, confusion)) / 2,
                            alt.value("white"), alt.value("black")),
    )
    return cells + numbers


def per_class_chart(class_names, accuracies) -> alt.Chart:
    """Accuracy on each class's test images: the diagonal of the confusion matrix, per row."""
    rows = [{"class": name, "accuracy": float(value)}
            for name, value in zip(class_names, accuracies)]
    return alt.Chart(alt.Data(values=rows), title="Accuracy per class").mark_bar().encode(
        x=alt.X("accuracy:Q", title="Accuracy", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("class:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False)),
        tooltip=["class:N", alt.Tooltip("accuracy:Q", format=".3f")],
    )


def descent_chart(curve: list[tuple[float, float]], path: list[tuple[float, float]],
                  x_domain: tuple[float, float], y_domain: tuple[float, float]) -> alt.Chart:
    """A loss curve, the steps taken so far as a line of points, and the latest one in red.
    Points off the chart are clipped: a diverging path leaves it."""
    x = alt.X("x:Q", title="Weight", scale=alt.Scale(domain=list(x_domain)))
    y = alt.Y("loss:Q", title="Loss", scale=alt.Scale(domain=list(y_domain)))
    line = alt.Chart(alt.Data(values=[{"x": a, "loss": b} for a, b in curve])).mark_line(
        color="#888888", clip=True).encode(x=x, y=y)
    steps = [{"step": number, "x": a, "loss": b} for number, (a, b) in enumerate(path)]
    walk = alt.Chart(alt.Data(values=steps)).mark_line(
        point=True, color="#1f77b4", clip=True, opacity=0.7).encode(
        x=x, y=y, order="step:Q",
        tooltip=["step:Q", alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("loss:Q", format=".3f")])
    here = alt.Chart(alt.Data(values=steps[-1:])).mark_point(
        color="#d62728", filled=True, size=220, clip=True).encode(x=x, y=y)
    return alt.layer(line, walk, here)


def valley_chart(grid: list[dict], paths: dict[str, list[tuple[float, float]]],
                 x_domain: tuple[float, float], y_domain: tuple[float, float]) -> alt.Chart:
    """A loss surface seen from above (darker is lower), with one optimizer's path each.
    `grid` holds cells {x, x2, y, y2, loss}."""
    x = alt.X("x:Q", title="Weight 1", scale=alt.Scale(domain=list(x_domain)))
    y = alt.Y("y:Q", title="Weight 2", scale=alt.Scale(domain=list(y_domain)))
    surface = alt.Chart(alt.Data(values=grid)).mark_rect(clip=True).encode(
        x=x, x2="x2:Q", y=y, y2="y2:Q",
        color=alt.Color("loss:Q", title="Loss",
                        scale=alt.Scale(scheme="greys", type="sqrt", reverse=True)))
    rows = [{"optimizer": name, "step": number, "x": a, "y": b}
            for name, path in paths.items() for number, (a, b) in enumerate(path)]
    walks = alt.Chart(alt.Data(values=rows)).mark_line(point=True, clip=True).encode(
        x=x, y=y, order="step:Q",
        color=alt.Color("optimizer:N", title=None, sort=list(paths),
                        scale=alt.Scale(domain=list(paths),
                                        range=["#1f77b4", "#ff7f0e", "#d62728"]),
                        legend=alt.Legend(orient="top")),
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("x:Q", format=".3f"),
                 alt.Tooltip("y:Q", format=".3f")])
    return alt.layer(surface, walks)
