"""How Fit Lab's charts look: the type, line and point sizes of the normal and the projector's
large style, and the colours.

The run charts (`fitlab.charts`) and the Evaluate page's (`fitlab.page_charts`) share the
sizes; the colours of training and validation, of compared runs and of notes are Okabe and
Ito's palette, which people with any colour blindness tell apart. The learning-rate
explorer's pictures use Tableau's first colours (EXPLORER_COLOURS), Vega's default.
"""

from __future__ import annotations

import dataclasses
import functools

import altair as alt

# Altair looks pandas up in sys.modules rather than importing it; while another thread of
# the server is half-way through importing pandas, that lookup finds a half-made module and
# drawing fails ("partially initialized module 'pandas'", seen on the first chart a server
# drew). Importing it here waits for that import to finish.
import pandas  # noqa: F401

# Okabe and Ito's colour-blind-safe palette. Training blue, validation vermillion.
SPLITS = ["training", "validation"]
SPLIT_COLOURS = alt.Scale(domain=SPLITS, range=["#0072B2", "#D55E00"])
SPLIT_DASHES = alt.Scale(domain=SPLITS, range=[[1, 0], [6, 3]])
# One colour per compared run, the same palette without its yellow (too pale on white);
# past seven runs the colours repeat and the legend's labels tell the runs apart.
RUN_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000"]
NOTE_COLOUR = "#444444"  # the best-epoch rule and its label
# Earlier runs drawn faintly under the live one (the run before, or up to three pinned):
# grey, then the palette's green and reddish purple, apart from the live run's blue and
# vermillion; each is also labelled at its end, so no colour has to be told apart.
FAINT_COLOURS = [NOTE_COLOUR, "#009E73", "#CC79A7"]
ALARM_COLOUR = "#D55E00"  # explosions and NaN on the per-batch chart (its line is blue)

# The explorer's curve, path and latest step, and its three optimizers' paths: Tableau's
# blue, orange and red, on a grey curve or a grey surface.
EXPLORER_COLOURS = ["#1f77b4", "#ff7f0e", "#d62728"]
CURVE_COLOUR = "#888888"


# Sizes: one place for the normal style and the projector's large one.

@dataclasses.dataclass(frozen=True)
class Size:
    font: int  # tick labels, legend labels, subtitles and the notes inside the plot
    axis_title: int
    title: int
    line: float
    point: int  # area in square pixels, as Vega-Lite sizes points
    y_axis: int  # pixels for the y axis' ticks and labels, whatever the numbers

    @property
    def row(self) -> int:
        """The height of one line of notes inside the plot."""
        return self.font + 4

    @property
    def overhang(self) -> int:
        """How far past the plot's top and right edges a mark may reach: a point's radius (an
        accuracy of 1 sits on the top edge), half a tick label. See struts."""
        return self.font // 2 + 1


NORMAL = Size(font=12, axis_title=13, title=15, line=2, point=30, y_axis=40)
LARGE = Size(font=20, axis_title=22, title=26, line=3.5, point=110, y_axis=64)


def size_for(large: bool) -> Size:
    return LARGE if large else NORMAL


def run_chart(layers: list, title: alt.Title, size: Size, description: str,
               **properties) -> alt.LayerChart:
    """A run chart from its layers, with the struts that keep its plot still (struts), its
    text alternative, and its sizes."""
    return alt.layer(*layers, struts(size), title=title, description=description,
                     config=config(size), **properties)


@functools.cache  # built once per size: Altair checks each part against its schema
def config(size: Size) -> alt.Config:
    """Every font, line and point size of a run chart, set once as chart configuration, so
    that the marks themselves name none (one Config rather than a chain of configure_*
    calls, each of which copies the whole chart: four times slower). The fixed y-axis
    extent keeps the plot from moving when the tick labels change width ("0.5" versus
    "1e+4")."""
    return alt.Config(
        # No mark is announced on its own (Vega gives each an ARIA role without a name): a
        # screen reader reads the chart's description, put beside it (ui/run_panel._chart).
        mark=alt.MarkConfig(aria=False),
        axis=alt.AxisConfig(labelFontSize=size.font, titleFontSize=size.axis_title,
                            titleFontWeight="normal", titlePadding=size.font // 2,
                            labelPadding=3, tickSize=5),
        axisY=alt.AxisConfig(minExtent=size.y_axis, maxExtent=size.y_axis,
                             labelLimit=size.y_axis - 8),
        axisX=alt.AxisConfig(minExtent=size.font + 8, maxExtent=size.font + 8),
        legend=alt.LegendConfig(labelFontSize=size.font, titleFontSize=size.font,
                                labelLimit=0, symbolType="stroke",
                                symbolStrokeWidth=size.line, symbolSize=size.font * 30,
                                padding=2, offset=4),
        title=alt.TitleConfig(fontSize=size.title, subtitleFontSize=size.font,
                              anchor="start", subtitleColor=NOTE_COLOUR, offset=4),
        # round joins: a sharp turn's mitre would poke past the plot's edge
        line=alt.LineConfig(strokeWidth=size.line, strokeJoin="round"),
        point=alt.MarkConfig(size=size.point, filled=True),
        rule=alt.MarkConfig(strokeWidth=max(1.0, size.line / 2)),
        text=alt.MarkConfig(fontSize=size.font),
    )


def struts(size: Size) -> alt.LayerChart:
    """Two invisible squares on the plot's top corners, reaching `size.overhang` past its
    edges. Vega places the title above the bounds of everything drawn, and fits the whole
    chart into the height Streamlit gives it, so a point that reached above the top edge
    would push the title up and shrink the plot; with the struts the bounds are the same
    whatever the data. (The legend goes above the plot, the axes and any multi-line series
    instead, which HEADROOM keeps inside.)"""
    corner = alt.Chart(alt.InlineData(values=[{}]))
    side = (2 * size.overhang) ** 2
    return alt.layer(*(corner.mark_point(shape="square", size=side, opacity=0, x=x, y=0,
                                         aria=False)
                       for x in (0, "width")))
