"""Altair charts of a run's history: per-epoch loss and accuracy, the per-batch curve, and
runs compared. Their sizes and colours are `fitlab.chart_style`'s; the charts of a data set,
a test evaluation and the explorer are `fitlab.page_charts`.

The run charts redraw twice a second while a learner reads them, so they hold still and
tell the truth:

- Nothing moves between redraws but the data. The axes have fixed domains (epochs 1 to the
  last, shares 0 to 1, a loss bound that only ever grows), fixed tick values and a fixed
  width for the y axis' labels, and every note is drawn inside the plot. Streamlit fits the
  whole chart into the height the page gives it, so anything outside the plot that changed
  size (a longer tick label, a label beside the plot) would shrink or shift the plot.
- Titles are short, since Streamlit cuts a title at the chart's width less 40 px; the extra
  words go into a one-line subtitle, always present so that the title block keeps its height.
- Training and validation differ in line style (solid, dashed) as well as colour, and the
  colours are from Okabe and Ito's palette (`chart_style`), which people with any colour
  blindness tell apart.
- Each chart carries a one- or two-sentence text alternative (`describe`,
  `describe_batches`, `describe_comparison`) as its Vega-Lite description. Neither Vega's
  SVG nor Streamlit names the chart with it, so the page puts it beside the chart, hidden
  from sight, for screen readers (ui/run_panel._chart).
- The per-batch chart shows the loss of each bundle of batches, not Keras' running mean,
  which smooths an explosion into what looks like learning.

Every chart carries a bounded number of points however long the run, so that a redraw
stays cheap: epochs are few, and batch records are thinned to MAX_POINTS.
"""

from __future__ import annotations

import dataclasses
import math

import altair as alt

from fitlab import data, diagnosis
from fitlab import history as history_module
from fitlab.chart_style import (
    ALARM_COLOUR,
    FAINT_COLOURS,
    NOTE_COLOUR,
    RUN_COLOURS,
    SPLIT_COLOURS,
    SPLIT_DASHES,
    Size,
    run_chart,
    size_for,
)
from fitlab.history import RunHistory
from fitlab.settings import METRICS

NAMES = {"loss": "Loss", "accuracy": "Accuracy", **METRICS}

MAX_POINTS = 300
# Every epoch gets a tick up to this many (a run has at most 50, a faint one no more);
# beyond, ticks would be too close to count.
MOST_EPOCH_TICKS = 100
# A loss this many times chance level, ln(classes), has exploded: on a linear axis it would
# flatten everything else to a line along the bottom.
EXPLODED = 10
# TensorBoard's default smoothing: each point of the smoothed curve keeps 60 % of the one
# before. The raw values stay drawn, faint, behind it.
SMOOTHING = 0.6
# The plot reaches this share of its height above the highest value labelled, so that no
# line touches its top edge: Vega would move the legend up to make room for the stroke.
HEADROOM = 0.04


# ---------------------------------------------------------------------------------------
# Helpers shared by the run charts: thinning, numbers, fixed axes.
#
# What keeps a redraw cheap, besides MAX_POINTS: Altair checks every object against the
# Vega-Lite schema as it is made and again when the chart is sent. Encodings are channel
# objects (alt.Tooltip("epoch:Q"), not "epoch:Q": a bare string or dict is looked up among
# all of Altair's schema classes, some 4 ms each) and data is alt.InlineData (alt.Data may
# be any of several kinds, and checking its values against each takes twice as long).


def thin(records: list, max_points: int = MAX_POINTS) -> list:
    """Every n-th record, always keeping the last, so that at most `max_points` remain."""
    if len(records) <= max_points:
        return records
    stride = math.ceil(len(records) / max_points)
    kept = records[::stride]
    return kept if kept[-1] is records[-1] else kept + [records[-1]]


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _figure(value: float) -> str:
    """A loss or a share as a sentence writes it: 0.91, 12,300, 31,000,000, NaN; large ones
    as the run's messages write them (diagnosis.format_loss)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "infinite"
    if abs(value) >= 100:
        return diagnosis.format_loss(value)
    return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"


def _chance(history: RunHistory) -> float:
    """Cross-entropy at chance level, ln(classes): where every run's loss starts. Before a
    run has started, from its settings, so that the empty axes are those it will start on."""
    settings = history.settings
    built_in = data.BUILT_IN.get(settings.dataset)
    classes = (len(history.info.get("class_names", [])) or len(settings.classes)
               or (len(built_in.class_names) if built_in else 0))
    return diagnosis.chance_loss(max(classes, 2))


def _nice_ceiling(value: float) -> float:
    """The next value up of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten: a loss
    bound that moves seldom, in steps that keep round tick labels."""
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
                if step * power >= value * (1 - 1e-9))


def _ticks(first: int, last: int, most: int = 10) -> list[int]:
    """Whole numbers from `first` to `last`, every 1, 2, 5, 10 or 25 so that at most about
    `most` are labelled; the same list on every redraw of a run."""
    step = next((step for step in (1, 2, 5, 10, 25, 50) if (last - first) / step <= most), 100)
    return [first] + [value for value in range(step, last + 1, step) if value > first]


def _epoch_x(last_epoch: int, field: str = "epoch", first: int = 1) -> alt.X:
    """Epochs `first` to `last_epoch`, a tick at every one and a label at every 1, 2, 5...
    (`_ticks`): the epoch below a curve's lowest point is read off the ticks, which the
    exercise "find the epoch where validation loss stops improving" asks for before the
    chart marks it."""
    last = max(last_epoch, first + 1)
    labelled = _ticks(first, last)
    every = list(range(first, last + 1))
    if len(every) > MOST_EPOCH_TICKS:
        every = labelled
    return alt.X(f"{field}:Q", title="Epoch", scale=alt.Scale(domain=[first, last], nice=False),
                 axis=alt.Axis(values=every, format="d", grid=False,
                               labelExpr=f"indexof({labelled}, datum.value) >= 0 ? "
                                         "datum.label : ''"))


@dataclasses.dataclass
class _YAxis:
    """A fixed y scale and its axis: `bound` is the highest value labelled (the plot
    reaches HEADROOM above it), `log` whether the loss exploded."""
    scale: alt.Scale
    axis: alt.Axis
    bound: float
    log: bool = False

    def encode(self, field: str, title: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=title, scale=self.scale, axis=self.axis)


def _share_axis() -> _YAxis:
    # every metric Fit Lab offers, accuracy included, is a share from 0 to 1
    return _YAxis(alt.Scale(domain=[0, 1 + HEADROOM], nice=False),
                  alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1.0], format=".1f"), bound=1.0)


def _loss_axis(values: list[float], chance: float) -> _YAxis:
    """From 0 to a round bound at or above every value and chance level, which only grows as
    a run goes on; past EXPLODED times chance, logarithmic, from decade to decade."""
    values = [value for value in values if _finite(value)]
    top = max(values, default=0.0)
    if top <= EXPLODED * chance:
        bound = _nice_ceiling(max(top, chance))
        decimals = max(0, -math.floor(math.log10(bound / 5)))
        return _YAxis(alt.Scale(domain=[0, bound * (1 + HEADROOM)], nice=False),
                      alt.Axis(tickCount=5, format=f".{decimals}f"), bound=bound)
    low = min((value for value in values if value > 0), default=chance)
    first = min(math.floor(math.log10(low)), math.floor(math.log10(chance)))
    last = max(math.ceil(math.log10(top)), first + 1)
    every = math.ceil((last - first) / 5)  # at most six decades labelled
    return _YAxis(
        alt.Scale(type="log", domain=[10.0 ** first, 10.0 ** (last + HEADROOM * (last - first))],
                  nice=False),
        alt.Axis(values=[10.0 ** power for power in range(first, last + 1, every)],
                 # 0.1, 1, 10, 100, 1000, then 1e+4: never wider than the axis allows
                 labelExpr="datum.value >= 1e4 ? format(datum.value, '.0e') "
                           ": format(datum.value, '~g')"),
        bound=10.0 ** last, log=True)


def _lower(name: str) -> str:
    """"Accuracy" to "accuracy" inside a sentence, but "F1 score" stays."""
    return name[0].lower() + name[1:] if name[1:2].islower() else name


# ---------------------------------------------------------------------------------------
# Per-epoch charts: loss, accuracy and the chosen metrics, training against validation.


def _epoch_rows(history: RunHistory, metric: str) -> list[dict]:
    return [
        {"epoch": record["epoch"], "split": split, metric: record[key]}
        for record in history.epochs
        for split, key in (("training", metric), ("validation", f"val_{metric}"))
        if _finite(record.get(key))
    ]


def _epoch_y(history: RunHistory, metric: str,
             faint: list[tuple[str, RunHistory]] = ()) -> _YAxis:
    if metric != "loss":
        return _share_axis()
    chance = _chance(history)
    values = [row["loss"] for row in _epoch_rows(history, "loss")]
    for _, before in faint:
        # An earlier run's losses are fixed before this one starts, so the bound they add is
        # there from the first redraw and never jumps; one that exploded is cut at the top
        # rather than turning this run's axis logarithmic.
        values += [min(row["loss"], EXPLODED * chance) for row in _epoch_rows(before, "loss")]
    return _loss_axis(values, chance)


def _last_epoch(history: RunHistory, faint: list[tuple[str, RunHistory]] = ()) -> int:
    """The x axis' last epoch: this run's last, or a faint run's if it trained longer. Faint
    runs are over before this one starts, so the axis is the same from the first redraw to
    the last, as TensorBoard's holds still."""
    return max([history.settings.epochs,
                *(before.epochs[-1]["epoch"] for _, before in faint if before.epochs)])


def _best_epoch_number(history: RunHistory) -> int | None:
    """The epoch with the lowest validation loss, once there are two to compare."""
    scored = [record for record in history.epochs if _finite(record.get("val_loss"))]
    if len(scored) < 2:
        return None
    return min(scored, key=lambda record: record["val_loss"])["epoch"]


def epoch_chart(history: RunHistory, metric: str, *, large: bool = False,
                mark_best: bool = True,
                faint: list[tuple[str, RunHistory]] = ()) -> alt.LayerChart:
    """`metric` (the loss, accuracy, or a chosen metric such as "f1_score") for training
    (solid) and validation (dashed), one point per epoch, the gap between them shaded and
    the epoch of the lowest validation loss marked; mark_best=False leaves that epoch off
    the chart and its description, for the exercise that asks for it (fitlab.exercises,
    "best_epoch"). `faint`: earlier runs and their labels (what differs), drawn faintly
    under this one, on axes that hold them all, to compare without leaving the page.

    The chart's own data, what Streamlit's "Show data" lists, is this run's figures: the
    faint runs are in their tooltips, their labels and the description."""
    faint = list(faint)
    size = size_for(large)
    name = NAMES.get(metric, metric)
    last = _last_epoch(history, faint)
    x = _epoch_x(last)
    y = _epoch_y(history, metric, faint)
    split = _split_legend()
    lines = (
        alt.Chart()
        .mark_line(point=True)
        .encode(
            x=x,
            y=y.encode(metric, name),
            # the same field on both channels: one legend, of coloured solid and dashed lines
            color=alt.Color("split:N", scale=SPLIT_COLOURS, **split),
            strokeDash=alt.StrokeDash("split:N", scale=SPLIT_DASHES, **split),
            tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("split:N"),
                     alt.Tooltip(f"{metric}:Q", format=".4f")],
        )
    )
    if y.log:
        subtitle = "Log scale: the loss exploded"
    else:
        subtitle = ("Lower is better" if metric == "loss" else "Higher is better") + \
            " · shaded: the gap"
    notes = _best_epoch(history, metric, x, size, last) if mark_best else []
    if metric == "loss":
        notes += _nan_epoch(history, x, size, last)
    description = describe(history, metric, mark_best)
    layers = []
    if faint:
        layers = _faint_runs(faint, metric, x, y, name, size, last)
        subtitle += f" · faint: {faint[0][0].split()[0]}" if len(faint) == 1 else \
            f" · faint: {len(faint)} runs"
        description += " Drawn faintly for comparison: " + "; ".join(
            _describe_faint(label, before, metric) for label, before in faint) + "."
    return run_chart([*layers, _gap(history, metric, x, y, name), lines, *notes],
                      alt.Title(f"{name} per epoch", subtitle=subtitle), size, description,
                      data=alt.InlineData(values=_epoch_rows(history, metric)))


def _split_legend() -> dict:
    """Training and validation's one legend, above the plot. Its symbols are opaque: the
    legend merges the faint runs' dashes with the live lines', and took their opacity."""
    return dict(title=None, legend=alt.Legend(orient="top", direction="horizontal",
                                              symbolOpacity=1))


def _faint_runs(faint: list[tuple[str, RunHistory]], metric: str, x: alt.X, y: _YAxis,
                name: str, size: Size, last: int) -> list[alt.Chart]:
    """Earlier runs' lines, faint and without points, dashed as this run's, each in its
    colour and with its number at the end of its validation line, on this run's axes: a loss
    above the axis is cut at the plot's edge rather than moving it. Their dashes share the
    live lines' legend (a legend left off here took the whole legend away); their colours are
    the `stroke` and `fill` channels', which the live lines' `color` does not share. One
    layer of lines and one label layer per side, however many runs: each layer is checked
    against Vega-Lite's schema on every redraw."""
    labels = [label for label, _ in faint]
    colours = alt.Scale(domain=labels, range=[FAINT_COLOURS[number % len(FAINT_COLOURS)]
                                              for number in range(len(labels))])
    rows = [{**row, "run": label} for label, before in faint
            for row in _epoch_rows(before, metric)]
    layers = [
        alt.Chart(alt.InlineData(values=rows))
        .mark_line(opacity=0.45, clip=True)
        .encode(x=x, y=y.encode(metric, name),
                stroke=alt.Stroke("run:N", scale=colours, legend=None),
                strokeDash=alt.StrokeDash("split:N", scale=SPLIT_DASHES, **_split_legend()),
                tooltip=[alt.Tooltip("run:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("split:N"),
                         alt.Tooltip(f"{metric}:Q", format=".4f")])
    ]
    ends = [[row for row in rows if row["run"] == label and row["split"] == "validation"][-1:]
            for label in labels]
    # the run's number only ("#2"): whole labels ("#2 batch=32 epochs=12 images=300") ran
    # into each other where two runs ended close; the caption under the charts, the
    # tooltips and the text alternative say what differs
    ends = [{**end[0], "number": end[0]["run"].split()[0]} for end in ends
            if end and (y.log or end[0][metric] <= y.bound)]
    position = dict(x=x, y=y.encode(metric, name), text=alt.Text("number:N"))
    for right in (False, True):  # left of the end in the plot's right half, else right of it
        side = [end for end in ends if ((end["epoch"] - 1) / max(last - 1, 1) > 0.5) == right]
        if not side:
            continue
        place = dict(align="right" if right else "left", dx=-4 if right else 4,
                     dy=-size.row // 2, baseline="bottom", clip=True, aria=False)
        data = alt.Chart(alt.InlineData(values=side))
        layers += [data.mark_text(stroke="white", strokeWidth=4, strokeJoin="round",
                                  opacity=0.8, **place).encode(**position),
                   data.mark_text(**place).encode(
                       fill=alt.Fill("run:N", scale=colours, legend=None), **position)]
    return layers


def _describe_faint(label: str, before: RunHistory, metric: str) -> str:
    """A faint run's latest figures in words: "#1 lr=0.1, after epoch 5 of 5: training
    0.91, validation 1.02"."""
    if not before.epochs:
        return f"{label}, no epoch"
    last = before.epochs[-1]
    figures = [f"{split} {_figure(last[key])}"
               for split, key in (("training", metric), ("validation", f"val_{metric}"))
               if isinstance(last.get(key), (int, float))]
    return (f"run {label}, after epoch {last['epoch']} of {before.settings.epochs}: "
            + ", ".join(figures))


def _gap(history: RunHistory, metric: str, x: alt.X, y: _YAxis, name: str) -> alt.Chart:
    """The space between the training and the validation curve, shaded: the generalisation
    gap, which widens as the network overfits."""
    rows = [{"epoch": record["epoch"], "low": min(record[metric], record[f"val_{metric}"]),
             "high": max(record[metric], record[f"val_{metric}"]),
             "gap": abs(record[f"val_{metric}"] - record[metric])}
            for record in history.epochs
            if _finite(record.get(metric)) and _finite(record.get(f"val_{metric}"))]
    # Its own tooltip: else Streamlit's default lists the raw fields, to eleven decimals.
    return alt.Chart(alt.InlineData(values=rows)).mark_area(opacity=0.12, color="#888888").encode(
        x=x, y=y.encode("low", name), y2=alt.Y2("high"),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("gap:Q", format=".4f",
                                                     title=f"gap in {_lower(name)}")])


def _best_epoch(history: RunHistory, metric: str, x: alt.X, size: Size,
                last: int) -> list[alt.Chart]:
    """A dashed rule at the epoch with the lowest validation loss, labelled inside the plot:
    at the top of a loss chart and at the bottom of a share's, where the curves seldom are
    late in a run."""
    best = _best_epoch_number(history)
    if best is None:
        return []
    rule = alt.Chart(alt.InlineData(values=[{"epoch": best}])).mark_rule(
        strokeDash=[4, 4], color=NOTE_COLOUR).encode(x=x)
    return [rule, *_note(best, f"best val loss: epoch {best}", "epoch", x,
                         last, size, top=metric == "loss", first=1)]


def _nan_epoch(history: RunHistory, x: alt.X, size: Size, last: int) -> list[alt.Chart]:
    """The first epoch whose loss is NaN or infinite, which no point can show, named at the
    top of the plot (below the best-epoch label): else a diverged run's chart is empty."""
    for record in history.epochs:
        broken = [value for value in (record.get("loss"), record.get("val_loss"))
                  if isinstance(value, float) and not math.isfinite(value)]
        if broken:
            return _note(record["epoch"], f"loss became {_figure(broken[0])}", "epoch", x,
                         last, size, first=1, colour=ALARM_COLOUR,
                         row=1 if _best_epoch_number(history) is not None else 0)
    return []


def _note(at: float, text: str, field: str, x: alt.X, last: int, size: Size, *, row: int = 0,
          top: bool = True, colour: str = NOTE_COLOUR, first: int = 0,
          room: float = 0.5) -> list[alt.Chart]:
    """A label inside the plot beside the position `at` on the x axis, `row` lines from the
    top (or bottom) edge: to the right of it while `at` is within the first `room` of the
    axis, to its left after, so that it stays inside. A white halo under the text keeps it
    readable where it crosses a line."""
    right = (at - first) / max(last - first, 1) > room
    data = alt.Chart(alt.InlineData(values=[{field: at, "label": text}]))
    place = dict(align="right" if right else "left", dx=-4 if right else 4,
                 baseline="top" if top else "bottom", fontWeight="bold")
    position = dict(x=x, y=_inside(row, size, top), text=alt.Text("label:N"))
    return [data.mark_text(stroke="white", strokeWidth=4, strokeJoin="round", aria=False,
                           **place).encode(**position),
            data.mark_text(color=colour, **place).encode(**position)]


def _inside(row: int, size: Size, top: bool = True, centre: bool = False):
    """A pixel position inside the plot: `row` lines of notes down from its top edge, or
    up from its bottom edge; for a mark centred on it (a point), half a line further."""
    offset = 4 + row * size.row + (size.row // 2 if centre else 0)
    return alt.YValue(offset if top else alt.ExprRef(f"height - {offset}"))


def describe(history: RunHistory, metric: str, mark_best: bool = True) -> str:
    """The epoch chart of `metric` in words, for screen readers: "Loss after epoch 4 of 10:
    training 0.91, validation 1.02; lowest validation loss 0.98 at epoch 3 (marked)." """
    name = NAMES.get(metric, metric)
    total = history.settings.epochs
    if not history.epochs:
        return f"{name} per epoch, training and validation: no epoch of {total} has ended yet."
    last = history.epochs[-1]
    figures = [f"{split} {_figure(last[key])}"
               for split, key in (("training", metric), ("validation", f"val_{metric}"))
               if isinstance(last.get(key), (int, float))]
    text = f"{name} after epoch {last['epoch']} of {total}: {', '.join(figures)}"
    scored = [record for record in history.epochs if _finite(record.get(f"val_{metric}"))]
    best = _best_epoch_number(history) if mark_best else None
    if metric == "loss" and best is not None:
        lowest = min(record["val_loss"] for record in scored)
        text += f"; lowest validation loss {_figure(lowest)} at epoch {best} (marked)."
    elif metric != "loss" and len(scored) > 1:
        top = max(scored, key=lambda record: record[f"val_{metric}"])
        text += (f"; highest validation {_lower(name)} {_figure(top[f'val_{metric}'])} at "
                 f"epoch {top['epoch']}.")
        if best is not None:
            text += f" Marked: epoch {best}, the lowest validation loss."
    else:
        text += "."
    if _epoch_y(history, metric).log:
        text += " The loss exploded, so the axis is logarithmic."
    return text


# ---------------------------------------------------------------------------------------
# Per-batch chart: the loss of each bundle of batches, as the run measured it.


def bundle_losses(history: RunHistory) -> list[dict]:
    """The training loss of each bundle of batches Keras reported on (8 at a time), oldest
    first, as the run measured it (fitlab.history.bundle_losses). The running mean
    hides what a run is doing late in an epoch (a diverging run's mean falls from 100,000
    towards 3,000, which reads as learning, while each bundle stays in the thousands).

    Each row: epoch, first and last batch, position (epochs done: 2.25 is a quarter into
    the third), loss (NaN or infinite once training broke) and exploded (not finite, or over
    EXPLODED times chance level)."""
    steps = history.info.get("steps_per_epoch") or 1
    limit = EXPLODED * _chance(history)
    rows: list[dict] = []
    for epoch, first, last, loss in history_module.bundle_losses(history.batches):
        # NaN and infinity carry through; rounding can take a loss near zero a hair below
        # it, where a loss never is
        loss = max(0.0, loss) if math.isfinite(loss) else loss
        rows.append({"epoch": epoch, "first": first, "last": last,
                     "position": epoch - 1 + last / steps, "loss": loss,
                     "exploded": not math.isfinite(loss) or loss > limit})
    return rows


def smooth(values: list[float], log: bool = False) -> list[float | None]:
    """TensorBoard's smoothing: an exponential moving average, each value keeping SMOOTHING
    of the one before, debiased so that the first values are not pulled towards 0; None
    where a value is not finite, which the average skips. With `log`, the average is of the
    logarithms: on a log axis a linear average would keep one bundle's 50,000 above the
    others' 2 for more than an epoch, a tail the losses do not have."""
    smoothed: list[float | None] = []
    average, count = 0.0, 0
    for value in values:
        if not _finite(value) or (log and value <= 0):
            smoothed.append(None)
            continue
        count += 1
        average = SMOOTHING * average + (1 - SMOOTHING) * (math.log(value) if log else value)
        level = average / (1 - SMOOTHING ** count)
        smoothed.append(math.exp(level) if log else level)
    return smoothed


def _bundle_size(bundles: list[dict]) -> int:
    """How many batches one report covers (8, the steps per execution), from the first."""
    return bundles[0]["last"] - bundles[0]["first"] + 1 if bundles else 1


def batch_chart(history: RunHistory, *, large: bool = False) -> alt.LayerChart:
    """The training loss of each bundle of batches, faint, with its smoothed curve over it;
    explosions and a NaN marked and labelled inside the plot. Made for a shorter space than
    the epoch charts: no legend, the key is in the subtitle."""
    size = size_for(large)
    bundles = bundle_losses(history)
    y = _loss_axis([row["loss"] for row in bundles], _chance(history))
    x = _epoch_x(history.settings.epochs, field="position", first=0)
    smoothed = smooth([row["loss"] for row in bundles], log=y.log)

    def shown(value):  # what Vega can draw: no NaN in JSON, nothing at or below 0 on a log axis
        return value if _finite(value) and (value > 0 or not y.log) else None

    # three fields a point, once for both lines: Altair validates every value of every
    # point on each redraw, and that, not drawing, is most of a redraw's cost
    drawn = thin([{"position": round(row["position"], 4), "loss": shown(row["loss"]),
                   "smoothed": shown(level)} for row, level in zip(bundles, smoothed)])
    tooltip = [alt.Tooltip("position:Q", title="epoch", format=".2f"),
               alt.Tooltip("loss:Q", format=".4~g"), alt.Tooltip("smoothed:Q", format=".4~g")]
    layers = [
        alt.Chart().mark_line(color="#0072B2", opacity=0.3).encode(
            x=x, y=y.encode("loss", "Loss")),
        alt.Chart().mark_line(color="#0072B2").encode(
            x=x, y=y.encode("smoothed", "Loss"), tooltip=tooltip),
        *_alarms(bundles, x, y, size, history.settings.epochs),
    ]
    batches = _bundle_size(bundles)
    each = "each batch" if batches == 1 else f"each {batches} batches"
    subtitle = (f"Log scale: loss exploded · faint: {each}" if y.log
                else f"Faint: {each} · bold: smoothed")
    return run_chart(layers, alt.Title("Loss per batch", subtitle=subtitle), size,
                      _describe_batches(history, bundles, smoothed),
                      data=alt.InlineData(values=drawn))


def _alarms(bundles: list[dict], x: alt.X, y: _YAxis, size: Size,
            epochs: int) -> list[alt.Chart]:
    """A triangle on the curve where each explosion began (a bundle over EXPLODED times
    chance after one that was not), a rule where the loss first became NaN or infinite
    (which no axis can place), and a label inside the plot, at the top, for the first of
    each. One marker per explosion, not per bundle: a diverging run's whole curve would
    turn into a band of triangles."""
    starts = [row for before, row in zip([None, *bundles], bundles)
              if row["exploded"] and math.isfinite(row["loss"])
              and not (before and before["exploded"])]
    broken = next((row for row in bundles if not math.isfinite(row["loss"])), None)
    layers = []
    if starts:
        points = [{"position": row["position"], "loss": row["loss"]} for row in thin(starts)]
        layers.append(alt.Chart(alt.InlineData(values=points)).mark_point(
            shape="triangle-up", color=ALARM_COLOUR, size=size.point * 3).encode(
            x=x, y=y.encode("loss", "Loss"), tooltip=[alt.Tooltip("loss:Q", format=".4~g")]))
        layers += _note(starts[0]["position"], f"exploded: {_figure(starts[0]['loss'])}",
                        "position", x, epochs, size, row=0, colour=ALARM_COLOUR)
    if broken:
        layers.append(alt.Chart(alt.InlineData(values=[{"position": broken["position"]}]))
                      .mark_rule(color=ALARM_COLOUR, strokeDash=[3, 2]).encode(x=x))
        layers += _note(broken["position"], f"loss became {_figure(broken['loss'])}",
                        "position", x, epochs, size, row=1 if starts else 0,
                        colour=ALARM_COLOUR, room=0.75)
    return layers


def describe_batches(history: RunHistory) -> str:
    """The per-batch chart in words: the latest bundle's loss, its smoothed value, and the
    first explosion or NaN."""
    bundles = bundle_losses(history)
    losses = [row["loss"] for row in bundles]
    return _describe_batches(history, bundles,
                             smooth(losses, log=_loss_axis(losses, _chance(history)).log))


def _describe_batches(history: RunHistory, bundles: list[dict],
                      smoothed: list[float | None]) -> str:
    if not bundles:
        return "Training loss per batch: no batch has been reported yet."
    latest, level = bundles[-1], smoothed[-1]
    text = (f"Training loss of batches {latest['first']} to {latest['last']} of epoch "
            f"{latest['epoch']} of {history.settings.epochs}: {_figure(latest['loss'])}"
            + (f", smoothed {_figure(level)}." if level is not None else "."))
    exploded = next((row for row in bundles if row["exploded"]), None)
    if exploded:
        how = (f"became {_figure(exploded['loss'])}" if not math.isfinite(exploded["loss"])
               else f"exploded to {_figure(exploded['loss'])}, over {EXPLODED} times chance "
                    f"level ({_figure(_chance(history))})")
        text += f" The loss {how} in epoch {exploded['epoch']}, batch {exploded['last']}."
    return text


# ---------------------------------------------------------------------------------------
# Runs compared: one colour per run, solid training, dashed validation.


def _legend_columns(labels: list[str], size: Size, width: int) -> int:
    """As many columns of run names as fit `width` pixels with the longest name whole
    (a character is about 0.6 of the font size, a symbol and its gap 40 px)."""
    widest = max((len(label) for label in labels), default=1) * size.font * 0.6 + 40
    return max(1, min(len(labels), int((width - 20) // widest)))


def compare_chart(runs: list[tuple[str, RunHistory]], metric: str, *, large: bool = False,
                  height: int = 320, width: int = 360) -> alt.LayerChart:
    """`metric` per epoch for several runs, a colour per run, solid for training and dashed
    for validation, with `height` pixels of plot whatever the legends take (the run names
    go below it, in as many columns as `width` pixels allow, each name whole).

    A run whose loss exploded does not squash the others onto the bottom: the axis stops at
    a bound set by the runs that did not explode, that run's line stops where it leaves the
    plot, and each of its points beyond is a triangle at the top edge, with its value in the
    tooltip. Only if every run exploded is the axis logarithmic."""
    size = size_for(large)
    name = NAMES.get(metric, metric)
    labels = [label for label, _ in runs]
    rows = [
        {"run": label, "epoch": record["epoch"], "split": split, metric: record[key]}
        for label, history in runs
        for record in history.epochs
        for split, key in (("training", metric), ("validation", f"val_{metric}"))
        if _finite(record.get(key))
    ]
    if metric == "loss":
        chance = max(_chance(history) for _, history in runs)
        exploded = {row["run"] for row in rows if row["loss"] > EXPLODED * chance}
        calm = [row["loss"] for row in rows if row["run"] not in exploded]
        y = _loss_axis(calm or [row["loss"] for row in rows], chance)
    else:
        y = _share_axis()
    for row in rows:  # what the line draws: nothing past the top (the line breaks there)
        row["shown"] = row[metric] if y.log or row[metric] <= y.bound else None
    clipped = [row for row in rows if row["shown"] is None]
    x = _epoch_x(max(history.settings.epochs for _, history in runs))
    color = alt.Color(
        "run:N", title=None, sort=labels,
        scale=alt.Scale(domain=labels,
                        range=[RUN_COLOURS[n % len(RUN_COLOURS)] for n in range(len(labels))]),
        legend=alt.Legend(orient="bottom", direction="horizontal",
                          columns=_legend_columns(labels, size, width)))
    tooltip = [alt.Tooltip("run:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("split:N"),
               alt.Tooltip(f"{metric}:Q", format=".4~g")]
    lines = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_line(point=True, invalid="break-paths-filter-domains")
        .encode(
            x=x, y=y.encode("shown", name), color=color,
            strokeDash=alt.StrokeDash("split:N", title=None, scale=SPLIT_DASHES,
                                      legend=alt.Legend(orient="top", direction="horizontal",
                                                        symbolStrokeColor=NOTE_COLOUR)),
            tooltip=tooltip,
        )
    )
    layers = [lines]
    if clipped:
        layers.append(
            alt.Chart(alt.InlineData(values=clipped)).mark_point(shape="triangle-up").encode(
                x=x, y=_inside(0, size, top=True, centre=True), color=color, tooltip=tooltip,
                size=alt.SizeValue(size.point * 3)))
        subtitle = f"Triangles: off the scale, above {_figure(y.bound)}"
    elif y.log:
        subtitle = "Log scale: every run's loss exploded"
    else:
        subtitle = "Lower is better" if metric == "loss" else "Higher is better"
    return run_chart(
        layers, alt.Title(f"{name} per epoch", subtitle=subtitle), size,
        describe_comparison(runs, metric), height=height,
        # the width fits the column; the height is the plot's, and the legends add to it
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def describe_comparison(runs: list[tuple[str, RunHistory]], metric: str) -> str:
    """The comparison chart in words: each run's latest validation figure."""
    name = NAMES.get(metric, metric)
    parts = []
    for label, history in runs:
        scored = [record for record in history.epochs if _finite(record.get(f"val_{metric}"))]
        if scored:
            parts.append(f"{label} {_figure(scored[-1][f'val_{metric}'])} after epoch "
                         f"{scored[-1]['epoch']}")
        else:
            parts.append(f"{label} no validation figure")
    return f"Validation {_lower(name)} per epoch for {len(runs)} runs: " + "; ".join(parts) + "."
