"""The room view's charts: every learner's runs at once, for the instructor and the
projector. A scatter of learning rate (log scale) against validation accuracy, coloured by
optimizer, and the room's validation-loss curves overlaid; each with its text alternative
(`description`), as the run charts have (fitlab/charts.py)."""

from __future__ import annotations

import math

import altair as alt

from fitlab.chart_style import RUN_COLOURS, config, size_for
from fitlab.classroom import RoomRun
from fitlab.settings import OPTIMIZERS, format_learning_rate

OPTIMIZER_COLOURS = alt.Scale(domain=[known.label for known in OPTIMIZERS.values()],
                              range=RUN_COLOURS[:len(OPTIMIZERS)])
# Past this, a curve's loss is drawn at the top edge: one run at 1e25 would flatten the rest.
LOSS_CEILING = 10.0


def scatter(runs: list[RoomRun], names: dict[str, str], large: bool = False) -> alt.Chart:
    """Learning rate against the last epoch's validation accuracy, a point a run."""
    size = size_for(large)
    rows = [{"learning rate": run.learning_rate, "validation accuracy": run.val_accuracy,
             "optimizer": _label(run.optimizer),
             "who": f"{names.get(run.learner, '?')} #{run.number}",
             "rate": format_learning_rate(run.learning_rate)}
            for run in runs if run.val_accuracy is not None]
    chart = alt.Chart(alt.InlineData(values=rows), title="Learning rate and validation "
                      "accuracy, a point a run").mark_point().encode(
        x=alt.X("learning rate:Q", scale=alt.Scale(type="log", domain=[1e-5, 10]),
                axis=alt.Axis(format="~g"), title="Learning rate (log scale)"),
        y=alt.Y("validation accuracy:Q", scale=alt.Scale(domain=[0, 1]),
                title="Validation accuracy"),
        color=alt.Color("optimizer:N", scale=OPTIMIZER_COLOURS, title="Optimizer",
                        legend=alt.Legend(orient="top")),
        shape=alt.Shape("optimizer:N", title="Optimizer", legend=alt.Legend(orient="top")),
        tooltip=["who:N", "optimizer:N", "rate:N",
                 alt.Tooltip("validation accuracy:Q", format=".3f")],
    ).properties(description=describe_scatter(runs), config=config(size))
    return chart


def curves(runs: list[RoomRun], names: dict[str, str], large: bool = False) -> alt.Chart:
    """Each run's validation loss by epoch, overlaid, coloured by optimizer."""
    size = size_for(large)
    rows = [{"epoch": epoch, "validation loss": min(loss, LOSS_CEILING)
             if math.isfinite(loss) else LOSS_CEILING,
             "run": run.id, "who": f"{names.get(run.learner, '?')} #{run.number}",
             "optimizer": _label(run.optimizer)}
            for run in runs for epoch, loss in enumerate(run.val_losses, 1)]
    return alt.Chart(alt.InlineData(values=rows), title="Validation loss of the room's "
                     "runs").mark_line(opacity=0.6).encode(
        x=alt.X("epoch:Q", title="Epoch", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("validation loss:Q", title="Validation loss",
                scale=alt.Scale(domain=[0, LOSS_CEILING], clamp=True)),
        color=alt.Color("optimizer:N", scale=OPTIMIZER_COLOURS, title="Optimizer",
                        legend=alt.Legend(orient="top")),
        detail="run:N",
        tooltip=["who:N", "optimizer:N", "epoch:Q",
                 alt.Tooltip("validation loss:Q", format=".3f")],
    ).properties(description=describe_curves(runs), config=config(size))


def describe_scatter(runs: list[RoomRun]) -> str:
    points = [run for run in runs if run.val_accuracy is not None]
    if not points:
        return "No run of the room has finished an epoch yet."
    best = max(points, key=lambda run: run.val_accuracy)
    return (f"{len(points)} runs with a validation accuracy; the best, "
            f"{best.val_accuracy:.2f}, at learning rate "
            f"{format_learning_rate(best.learning_rate)} with {_label(best.optimizer)}.")


def _label(optimizer: str) -> str:
    return OPTIMIZERS[optimizer].label if optimizer in OPTIMIZERS else optimizer


def describe_curves(runs: list[RoomRun]) -> str:
    drawn = [run for run in runs if run.val_losses]
    if not drawn:
        return "No run of the room has finished an epoch yet."
    finite = [run.val_losses[-1] for run in drawn if math.isfinite(run.val_losses[-1])]
    lowest = f"; the lowest last validation loss is {min(finite):.3f}" if finite else ""
    return f"Validation loss curves of {len(drawn)} runs{lowest}."
