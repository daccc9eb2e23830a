"""The other pages' charts: images per class on the data page, the test scores on the
Evaluate page, and the learning-rate explorer's curve and valley. They draw a data set, a
run's evaluation or a calculation, not a run's history (`fitlab.charts` draws that)."""

from __future__ import annotations

import altair as alt

from fitlab.chart_style import CURVE_COLOUR, EXPLORER_COLOURS, size_for


def class_counts_chart(class_names, counts) -> alt.Chart:
    """How many training images each class has: a bar per class."""
    rows = [{"class": name, "images": int(count)} for name, count in zip(class_names, counts)]
    return alt.Chart(alt.InlineData(values=rows)).mark_bar().encode(
        x=alt.X("images:Q", title="Training images"),
        y=alt.Y("class:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False)),
        tooltip=["class:N", "images:Q"],
    )


def _class_chart_size(chart, large: bool):
    """A chart of the Evaluate page in the type size of the run's charts."""
    size = size_for(large)
    return chart.configure_axis(labelFontSize=size.font, titleFontSize=size.axis_title) \
        .configure_title(fontSize=size.title).configure_legend(
            labelFontSize=size.font, titleFontSize=size.font)


def confusion_chart(class_names, confusion, large: bool = False) -> alt.Chart:
    """A heat map: rows are the true classes, columns what the network answered."""
    rows = [{"true": true, "predicted": predicted, "images": int(count)}
            for true, counts in zip(class_names, confusion)
            for predicted, count in zip(class_names, counts)]
    base = alt.Chart(alt.InlineData(values=rows), title="Confusion matrix (test images)").encode(
        x=alt.X("predicted:N", sort=list(class_names), title="Predicted class",
                axis=alt.Axis(labelOverlap=False)),
        y=alt.Y("true:N", sort=list(class_names), title="True class",
                axis=alt.Axis(labelOverlap=False)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("images:Q", title="Images", scale=alt.Scale(scheme="blues")),
        tooltip=["true:N", "predicted:N", "images:Q"],
    )
    numbers = base.mark_text(fontSize=size_for(large).font).encode(
        text="images:Q",
        color=alt.condition(alt.datum.images > max(map(max, confusion)) / 2,
                            alt.value("white"), alt.value("black")),
    )
    return _class_chart_size(cells + numbers, large)


def per_class_chart(class_names, accuracies, large: bool = False) -> alt.Chart:
    """Accuracy on each class's test images: the diagonal of the confusion matrix, per row."""
    rows = [{"class": name, "accuracy": float(value)}
            for name, value in zip(class_names, accuracies)]
    return _class_chart_size(alt.Chart(
        alt.InlineData(values=rows), title="Accuracy per class").mark_bar().encode(
        x=alt.X("accuracy:Q", title="Accuracy", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("class:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False)),
        tooltip=["class:N", alt.Tooltip("accuracy:Q", format=".3f")],
    ), large)


def descent_chart(curve: list[tuple[float, float]], path: list[tuple[float, float]],
                  x_domain: tuple[float, float], y_domain: tuple[float, float]) -> alt.Chart:
    """A loss curve, the steps taken so far as a line of points, and the latest one in red.
    Points off the chart are clipped: a diverging path leaves it."""
    x = alt.X("x:Q", title="Weight", scale=alt.Scale(domain=list(x_domain)))
    y = alt.Y("loss:Q", title="Loss", scale=alt.Scale(domain=list(y_domain)))
    line = alt.Chart(alt.InlineData(values=[{"x": a, "loss": b} for a, b in curve])).mark_line(
        color=CURVE_COLOUR, clip=True).encode(x=x, y=y)
    steps = [{"step": number, "x": a, "loss": b} for number, (a, b) in enumerate(path)]
    walk = alt.Chart(alt.InlineData(values=steps)).mark_line(
        point=True, color=EXPLORER_COLOURS[0], clip=True, opacity=0.7).encode(
        x=x, y=y, order="step:Q",
        tooltip=["step:Q", alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("loss:Q", format=".3f")])
    here = alt.Chart(alt.InlineData(values=steps[-1:])).mark_point(
        color=EXPLORER_COLOURS[2], filled=True, size=220, clip=True).encode(x=x, y=y)
    return alt.layer(line, walk, here)


def valley_chart(grid: list[dict], paths: dict[str, list[tuple[float, float]]],
                 x_domain: tuple[float, float], y_domain: tuple[float, float]) -> alt.Chart:
    """A loss surface seen from above (darker is lower), with one optimizer's path each.
    `grid` holds cells {x, x2, y, y2, loss}."""
    x = alt.X("x:Q", title="Weight 1", scale=alt.Scale(domain=list(x_domain)))
    y = alt.Y("y:Q", title="Weight 2", scale=alt.Scale(domain=list(y_domain)))
    surface = alt.Chart(alt.InlineData(values=grid)).mark_rect(clip=True).encode(
        x=x, x2="x2:Q", y=y, y2="y2:Q",
        color=alt.Color("loss:Q", title="Loss",
                        scale=alt.Scale(scheme="greys", type="sqrt", reverse=True)))
    rows = [{"optimizer": name, "step": number, "x": a, "y": b}
            for name, path in paths.items() for number, (a, b) in enumerate(path)]
    walks = alt.Chart(alt.InlineData(values=rows)).mark_line(point=True, clip=True).encode(
        x=x, y=y, order="step:Q",
        color=alt.Color("optimizer:N", title=None, sort=list(paths),
                        scale=alt.Scale(domain=list(paths),
                                        range=EXPLORER_COLOURS),
                        legend=alt.Legend(orient="top")),
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("x:Q", format=".3f"),
                 alt.Tooltip("y:Q", format=".3f")])
    return alt.layer(surface, walks)
