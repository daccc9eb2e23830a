"""The run charts as a learner sees them, read from their Vega-Lite specs: they hold still
between redraws, tell training from validation without colour, name explosions, and grow
for a projector."""

import colorsys
import json
import math

import pytest

from fitlab import charts
from fitlab.history import RunHistory
from fitlab.settings import Settings

CHANCE = math.log(8)  # the tests' runs have eight classes


def history_with(batches=(), epochs=(), total_epochs=50, steps=100):
    history = RunHistory(Settings(epochs=total_epochs))
    history.apply({"type": "started", "steps_per_epoch": steps, "class_names": list("abcdefgh"),
                   "device": "CPU", "epochs": total_epochs})
    history.apply({"type": "batches", "records": list(batches)})
    for record in epochs:
        history.apply({"type": "epoch", **record})
    return history


def keras_reports(losses_per_epoch, every=8):
    """Batch records as Keras sends them: [epoch, step, running mean, accuracy, seconds]
    every `every` batches and at the end of each epoch, from each batch's own loss."""
    records = []
    for epoch, losses in enumerate(losses_per_epoch, 1):
        total = 0.0
        for step, loss in enumerate(losses, 1):
            total += loss
            if step % every == 0 or step == len(losses):
                records.append([epoch, step, total / step, 0.5, 0.0])
    return records


def epochs_of(*val_losses, accuracy=0.5):
    return [{"epoch": epoch, "loss": 2.0 - epoch / 10, "val_loss": val_loss,
             "accuracy": accuracy, "val_accuracy": accuracy - 0.05}
            for epoch, val_loss in enumerate(val_losses, 1)]


def layers(spec, data=None, datasets=None):
    """Every single-mark view of a chart, nested layers flattened, each with its data as
    {"values": [...]}: its own, or its parent's, looked up by name among the chart's
    datasets, where Altair gathers them."""
    datasets = spec.get("datasets", datasets or {})
    data = spec.get("data", data)
    if data and "name" in data:
        data = {"values": datasets[data["name"]]}
    if "layer" not in spec:
        return [{**spec, "data": data}]
    return [view for child in spec["layer"] for view in layers(child, data, datasets)]


def mark(view):
    return view["mark"] if isinstance(view["mark"], str) else view["mark"]["type"]


def lines(spec):
    """The view that draws the curves: a line mark with its data."""
    return next(view for view in layers(spec) if mark(view) == "line")


def texts(spec):
    """The labels drawn inside the plot (each comes with a white halo under it: skipped)."""
    return [view for view in layers(spec)
            if mark(view) == "text" and "color" in view["mark"]]


def hue(colour):
    red, green, blue = (int(colour[start:start + 2], 16) / 255 for start in (1, 3, 5))
    return colorsys.rgb_to_hls(red, green, blue)[0] * 360


def hue_distance(a, b):
    return min(abs(hue(a) - hue(b)), 360 - abs(hue(a) - hue(b)))


# --- Per-epoch charts ---------------------------------------------------------------------


def test_epoch_charts_show_training_and_validation_and_skip_nan():
    epochs = [{"epoch": 1, "loss": 2.0, "val_loss": 2.1, "accuracy": 0.2, "val_accuracy": 0.3},
              {"epoch": 2, "loss": float("nan"), "val_loss": 2.0, "accuracy": 0.1,
               "val_accuracy": 0.1}]
    spec = charts.epoch_chart(history_with([], epochs), "loss").to_dict()
    assert {(row["epoch"], row["split"]) for row in lines(spec)["data"]["values"]} == {
        (1, "training"), (1, "validation"), (2, "validation")}
    json.dumps(spec, allow_nan=False)  # what the browser parses has no NaN in it


def test_validation_is_dashed_as_well_as_coloured_and_the_legend_shows_both():
    encoding = lines(charts.epoch_chart(history_with([], epochs_of(1.9, 1.5)), "loss")
                     .to_dict())["encoding"]
    assert encoding["color"]["field"] == encoding["strokeDash"]["field"] == "split"
    dash = dict(zip(encoding["strokeDash"]["scale"]["domain"],
                    encoding["strokeDash"]["scale"]["range"]))
    assert dash["training"] == [1, 0] and len(dash["validation"]) == 2  # solid and dashed
    # one legend of dashed and solid coloured lines: both channels keep theirs, same title
    assert encoding["color"]["legend"] == encoding["strokeDash"]["legend"]
    colours = encoding["color"]["scale"]["range"]
    assert hue_distance(*colours) > 90  # blue against vermillion, apart for colour blindness


def test_the_plot_holds_still_as_a_run_goes_on():
    # epoch 3 and epoch 6 of a run that is learning: the same axes on both redraws
    early, late = (charts.epoch_chart(history_with([], epochs_of(*values)), "loss").to_dict()
                   for values in ((1.9, 1.5, 1.4), (1.9, 1.5, 1.4, 1.2, 1.1, 1.0)))
    for spec in (early, late):
        assert spec["config"]["axisY"]["minExtent"] == spec["config"]["axisY"]["maxExtent"]
    assert lines(early)["encoding"]["y"]["scale"] == lines(late)["encoding"]["y"]["scale"]
    assert lines(early)["encoding"]["x"] == lines(late)["encoding"]["x"]
    x = lines(late)["encoding"]["x"]
    assert x["scale"]["domain"] == [1, 50]
    assert all(isinstance(tick, int) for tick in x["axis"]["values"])
    assert early["title"] == late["title"]  # a title and a one-line subtitle, both times


def test_the_loss_axis_starts_at_zero_covers_chance_level_and_only_grows():
    def top(*val_losses):
        spec = charts.epoch_chart(history_with([], epochs_of(*val_losses)), "loss").to_dict()
        low, high = lines(spec)["encoding"]["y"]["scale"]["domain"]
        assert low == 0
        return high

    assert top(1.0) >= CHANCE  # room for where every run starts
    assert top(1.9, 1.5) == top(1.9, 1.5, 1.2)  # a falling loss moves nothing
    assert top(1.9, 1.5, 3.1) > 3.1  # an overfitting run's rising loss stays on the chart
    assert top(1.9, 1.5, 3.1) == top(1.9, 1.5, 3.1, 3.2)  # in round steps, seldom


def test_shares_are_drawn_from_0_to_1_whatever_the_values():
    spec = charts.epoch_chart(history_with([], epochs_of(1.9, accuracy=0.3)),
                              "accuracy").to_dict()
    y = lines(spec)["encoding"]["y"]
    assert y["scale"]["domain"][0] == 0 and 1 <= y["scale"]["domain"][1] <= 1.05
    assert y["axis"]["values"][-1] == 1.0


def test_an_exploded_loss_switches_the_axis_to_a_log_scale_and_says_so_in_the_subtitle():
    epochs = [{"epoch": 1, "loss": 5e10, "val_loss": 2.9, "accuracy": 0.1, "val_accuracy": 0.1}]
    spec = charts.epoch_chart(history_with([], epochs), "loss").to_dict()
    assert lines(spec)["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["title"]["text"] == "Loss per epoch"
    assert "log scale" in spec["title"]["subtitle"].lower()


@pytest.mark.parametrize("metric", ["loss", "accuracy", "categorical_accuracy", "f1_score",
                                    "top_3_accuracy"])
def test_titles_are_short_enough_never_to_be_cut(metric):
    # Streamlit cuts a title at the chart's width less 40 px: about 36 characters of the
    # bold title font in a 360 px column, 45 of the subtitle's
    for spec in (charts.epoch_chart(history_with([], epochs_of(1.9, 1.5)), metric).to_dict(),
                 charts.batch_chart(history_with(keras_reports([[1e5] * 40]))).to_dict()):
        assert len(spec["title"]["text"]) <= 32
        assert len(spec["title"]["subtitle"]) <= 50


def test_the_best_validation_epoch_is_marked_inside_the_plot_and_the_gap_is_shaded():
    spec = charts.epoch_chart(history_with([], epochs_of(1.9, 1.5, 1.7)), "loss").to_dict()
    gap = next(view for view in layers(spec) if mark(view) == "area")
    assert gap["data"]["values"][2] == {"epoch": 3, "low": 1.7, "high": 1.7, "gap": 0.0}
    # pointing at the shaded gap says what it is, rounded, not the raw fields
    assert [(tip["field"], tip.get("format")) for tip in gap["encoding"]["tooltip"]] == [
        ("epoch", None), ("gap", ".4f")]
    rule = next(view for view in layers(spec) if mark(view) == "rule")
    assert rule["data"]["values"][0]["epoch"] == 2
    [label] = texts(spec)
    assert label["data"]["values"][0]["label"] == "best val loss: epoch 2"
    # at the top of the plot, a few pixels inside its edge, reading away from the rule
    assert label["mark"]["baseline"] == "top" and 0 < label["encoding"]["y"]["value"] < 20
    assert label["mark"]["align"] == "left" and label["mark"]["dx"] > 0
    one_epoch = charts.epoch_chart(history_with([], epochs_of(1.9)), "loss").to_dict()
    assert not texts(one_epoch)  # no "best" until there are two to compare


def test_a_late_best_epoch_is_labelled_to_the_left_and_on_a_share_at_the_bottom():
    history = history_with([], epochs_of(1.9, 1.5, 1.2), total_epochs=4)
    [label] = texts(charts.epoch_chart(history, "loss").to_dict())
    assert label["mark"]["align"] == "right" and label["mark"]["dx"] < 0
    [label] = texts(charts.epoch_chart(history, "accuracy").to_dict())
    assert label["mark"]["baseline"] == "bottom"
    assert label["encoding"]["y"]["value"]["expr"].startswith("height - ")


def test_an_epoch_whose_loss_became_nan_is_named_on_the_otherwise_empty_chart():
    nan = float("nan")
    history = history_with([], [{"epoch": 1, "loss": nan, "val_loss": nan, "accuracy": 0.1,
                                 "val_accuracy": 0.1}])
    spec = charts.epoch_chart(history, "loss").to_dict()
    json.dumps(spec, allow_nan=False)
    [label] = texts(spec)
    assert label["data"]["values"] == [{"epoch": 1, "label": "loss became NaN"}]
    assert "training NaN, validation NaN" in spec["description"]


def test_every_run_chart_describes_itself_in_words():
    history = history_with([], [
        {"epoch": 1, "loss": 1.5, "val_loss": 1.3, "accuracy": 0.4, "val_accuracy": 0.5},
        {"epoch": 2, "loss": 1.2, "val_loss": 1.1, "accuracy": 0.5, "val_accuracy": 0.55},
        {"epoch": 3, "loss": 1.0, "val_loss": 0.98, "accuracy": 0.6, "val_accuracy": 0.61},
        {"epoch": 4, "loss": 0.91, "val_loss": 1.02, "accuracy": 0.7, "val_accuracy": 0.6}],
        total_epochs=10)
    assert charts.describe(history, "loss") == (
        "Loss after epoch 4 of 10: training 0.91, validation 1.02; lowest validation loss "
        "0.98 at epoch 3 (marked).")
    assert charts.describe(history, "accuracy") == (
        "Accuracy after epoch 4 of 10: training 0.70, validation 0.60; highest validation "
        "accuracy 0.61 at epoch 3. Marked: epoch 3, the lowest validation loss.")
    assert charts.epoch_chart(history, "loss").to_dict()["description"] == \
        charts.describe(history, "loss")
    assert "no epoch" in charts.describe(history_with(), "loss")


# --- Per-batch chart ----------------------------------------------------------------------


def test_bundle_losses_are_each_bundles_own_mean_restarting_every_epoch():
    own = [[float(n) for n in range(1, 21)], [5.0] * 8 + [3.0] * 8 + [1.0] * 4]
    bundles = charts.bundle_losses(history_with(keras_reports(own), steps=20))
    assert [(row["epoch"], row["first"], row["last"]) for row in bundles] == [
        (1, 1, 8), (1, 9, 16), (1, 17, 20), (2, 1, 8), (2, 9, 16), (2, 17, 20)]
    assert [row["loss"] for row in bundles] == pytest.approx([4.5, 12.5, 18.5, 5, 3, 1])
    assert bundles[1]["position"] == pytest.approx(0.8)  # 16 of 20 batches into epoch 1


def test_a_diverging_runs_bundle_losses_rise_where_keras_running_mean_falls():
    own = [1e5] * 8 + [loss for loss in (100, 200, 400, 800, 1600, 3200) for _ in range(8)]
    history = history_with(keras_reports([own]), steps=len(own))
    running_means = [record[2] for record in history.batches]
    assert running_means == sorted(running_means, reverse=True)  # reads as "learning"
    bundles = [row["loss"] for row in charts.bundle_losses(history)]
    assert bundles[1:] == pytest.approx([100, 200, 400, 800, 1600, 3200])  # it is not
    assert all(row["exploded"] for row in charts.bundle_losses(history))  # all past 10x chance

    spec = charts.batch_chart(history).to_dict()
    assert lines(spec)["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["title"]["subtitle"].lower().startswith("log scale")
    triangles = [view for view in layers(spec) if view["mark"].get("shape") == "triangle-up"]
    assert [point["position"] for point in triangles[0]["data"]["values"]] == [8 / 56]
    assert texts(spec)[0]["data"]["values"][0]["label"] == "exploded: 100,000"


def test_a_nan_loss_is_marked_and_labelled_and_never_sent_as_nan():
    own = [2.0] * 16 + [float("nan")] * 8
    history = history_with(keras_reports([own]), steps=24)
    assert math.isnan(charts.bundle_losses(history)[-1]["loss"])
    spec = charts.batch_chart(history).to_dict()
    json.dumps(spec, allow_nan=False)
    assert lines(spec)["data"]["values"][-1]["loss"] is None
    assert [label["data"]["values"][0]["label"] for label in texts(spec)] == [
        "loss became NaN"]
    rule = next(view for view in layers(spec) if mark(view) == "rule")
    assert rule["data"]["values"] == [{"position": 1.0}]
    assert "became NaN in epoch 1, batch 24" in spec["description"]


def test_a_calm_run_has_a_linear_loss_axis_and_a_key_in_the_subtitle():
    history = history_with(keras_reports([[2.0 - n / 100 for n in range(100)]]))
    spec = charts.batch_chart(history).to_dict()
    y = lines(spec)["encoding"]["y"]
    assert y["scale"].get("type") is None and y["scale"]["domain"][0] == 0
    assert spec["title"]["subtitle"] == "Faint: each 8 batches · bold: smoothed"
    assert not texts(spec)


def test_smoothing_is_tensorboards_debiased_average_and_on_a_log_axis_of_logarithms():
    assert charts.smooth([2.0, 2.0, 2.0]) == pytest.approx([2.0, 2.0, 2.0])  # no pull to 0
    assert charts.smooth([1.0, float("nan"), 1.0]) == pytest.approx([1.0, None, 1.0])
    spike = [2.0] + [50_000.0] + [2.0] * 10
    linear, logarithmic = charts.smooth(spike), charts.smooth(spike, log=True)
    assert linear[-1] > 10  # a linear average drags a long tail behind a spike...
    assert logarithmic[-1] < 2.2  # ...which the losses themselves do not have


def test_a_long_run_redraws_a_bounded_number_of_points_ending_at_the_latest():
    batches = [[1 + step // 100, 1 + step % 100, 2.0 - step / 10000, 0.5, step / 100]
               for step in range(5000)]
    drawn = lines(charts.batch_chart(history_with(batches)).to_dict())["data"]["values"]
    assert len(drawn) <= charts.MAX_POINTS + 1
    assert math.isclose(drawn[-1]["position"], 50.0)


# --- Large style ----------------------------------------------------------------------------


def test_the_projector_style_has_large_text_thick_lines_and_big_points():
    history = history_with(keras_reports([[2.0] * 40]), epochs_of(1.9, 1.5))
    for draw in (lambda **style: charts.epoch_chart(history, "loss", **style),
                 lambda **style: charts.batch_chart(history, **style)):
        normal, large = draw().to_dict()["config"], draw(large=True).to_dict()["config"]
        assert large["axis"]["labelFontSize"] >= 20 and large["axis"]["titleFontSize"] >= 20
        assert large["legend"]["labelFontSize"] >= 20
        assert large["title"]["fontSize"] >= 20 and large["title"]["subtitleFontSize"] >= 20
        assert large["text"]["fontSize"] >= 20  # the notes inside the plot
        assert large["line"]["strokeWidth"] >= 3 and normal["line"]["strokeWidth"] == 2
        assert large["point"]["size"] > normal["point"]["size"]
        assert normal["axis"]["labelFontSize"] >= 11


# --- Runs compared ------------------------------------------------------------------------


def run_of(*val_losses, epochs=3):
    return history_with([], epochs_of(*val_losses), total_epochs=epochs)


def test_compared_runs_have_distinct_hues_and_every_name_whole_in_the_legend():
    runs = [("#1 lr=0.001", run_of(1.9, 1.5)), ("#2 lr=0.01", run_of(1.8, 1.2))]
    spec = charts.compare_chart(runs, "loss").to_dict()
    color = lines(spec)["encoding"]["color"]
    assert hue_distance(*color["scale"]["range"][:2]) > 30
    assert spec["config"]["legend"]["labelLimit"] == 0  # never "#2 lr=0.…"
    assert color["legend"]["columns"] >= 1
    dash = lines(spec)["encoding"]["strokeDash"]
    assert dash["legend"] is not None and dash["scale"]["range"][1] != [1, 0]


def test_long_run_names_wrap_into_fewer_legend_columns():
    def columns(label):
        runs = [(f"#{n} {label}", run_of(1.9)) for n in range(4)]
        return lines(charts.compare_chart(runs, "loss").to_dict())["encoding"]["color"][
            "legend"]["columns"]

    assert columns("lr=1") > columns("Adam lr=0.001 batch=32 dropout=0.5") == 1


def test_a_diverged_run_is_clipped_at_the_top_not_a_log_scale_for_all():
    runs = [("#1", run_of(1.9, 1.5)), ("#2", run_of(1.8, 1.2)), ("#3", run_of(4e6, 5e7))]
    spec = charts.compare_chart(runs, "loss").to_dict()
    y = lines(spec)["encoding"]["y"]
    assert y["scale"].get("type") is None and y["scale"]["domain"][1] < 3
    shown = {(row["run"], row["split"], row["epoch"]): row["shown"]
             for row in lines(spec)["data"]["values"]}
    assert shown[("#3", "validation", 1)] is None and shown[("#1", "validation", 1)] == 1.9
    triangles = next(view for view in layers(spec) if view["mark"].get("shape") == "triangle-up")
    assert {row["run"] for row in triangles["data"]["values"]} == {"#3"}
    assert "off the scale" in spec["title"]["subtitle"]
    assert spec["height"] == 320  # the plot's own height, legends besides
    assert charts.compare_chart(runs, "loss", height=480).to_dict()["height"] == 480
    json.dumps(spec, allow_nan=False)



def test_the_run_before_is_drawn_faintly_under_the_live_one_on_axes_that_hold_still():
    """Issue 23: challenges ask for comparisons, so the Train page draws the run before
    faintly. Its losses are fixed before this run starts, so the bound they add is there
    from the first redraw; one that exploded is cut at the top, not made a log axis."""
    before = history_with([], epochs_of(2.6, 2.9, 3.3, 3.6, 3.9), total_epochs=5)
    label = "#1 lr=0.1"
    first, later = (charts.epoch_chart(history_with([], epochs_of(*values), total_epochs=10),
                                       "loss", faint=[(label, before)]).to_dict()
                    for values in ((1.9,), (1.9, 1.5, 1.4, 1.2)))
    faint = layers(first)[0]  # under everything of the live run
    assert mark(faint) == "line" and faint["mark"]["opacity"] < 0.5
    assert {row["run"] for row in faint["data"]["values"]} == {label}
    assert len(faint["data"]["values"]) == 10  # five epochs, training and validation
    assert lines(first)["encoding"]["y"]["scale"]["domain"][1] > 3.9  # it fits from the start
    for axis in ("x", "y"):  # and nothing moves while the live run trains
        assert faint["encoding"][axis]["scale"] == lines(first)["encoding"][axis]["scale"]
        assert lines(first)["encoding"][axis] == lines(later)["encoding"][axis]
    assert first["title"]["subtitle"].endswith("faint: #1") and len(
        first["title"]["subtitle"]) <= 50
    # its label is written at the end of its validation line, in the line's colour
    assert [row["run"] for row in run_labels(first)] == [label]
    assert run_labels(first)[0]["epoch"] == 5 and run_labels(first)[0]["split"] == "validation"
    assert faint["encoding"]["stroke"]["scale"] == labels_of(first)["encoding"]["fill"]["scale"]
    # the text alternative states its latest figures too
    assert ("Drawn faintly for comparison: run #1 lr=0.1, after epoch 5 of 5: training 1.50, "
            "validation 3.90.") in first["description"]
    exploded = history_with([], [{"epoch": 1, "loss": 5e10, "val_loss": 2.9, "accuracy": 0.1,
                                  "val_accuracy": 0.1}], total_epochs=5)
    spec = charts.epoch_chart(history_with([], epochs_of(1.9)), "loss",
                              faint=[("#2 lr=10", exploded)]).to_dict()
    assert lines(spec)["encoding"]["y"]["scale"].get("type") != "log"
    assert layers(spec)[0]["mark"]["clip"] is True


def labels_of(spec):
    """The faint runs' labels' layer (coloured by run: its fill is encoded)."""
    return next(view for view in layers(spec)
                if mark(view) == "text" and "fill" in view.get("encoding", {}))


def run_labels(spec):
    return labels_of(spec)["data"]["values"]


def test_a_longer_faint_run_is_drawn_whole_on_an_x_axis_that_covers_both_and_holds_still():
    """Issue 23: a faint run of 5 epochs under a live run of 2 was cut at epoch 2."""
    before = history_with([], epochs_of(2.6, 2.2, 2.0, 1.9, 1.8), total_epochs=5)
    specs = [charts.epoch_chart(history_with([], epochs_of(*values), total_epochs=2),
                                "accuracy", faint=[("#1 epochs=5", before)]).to_dict()
             for values in ((), (1.9,), (1.9, 1.7))]
    for spec in specs:
        assert {row["epoch"] for row in layers(spec)[0]["data"]["values"]} == {1, 2, 3, 4, 5}
        assert lines(spec)["encoding"]["x"]["scale"]["domain"] == [1, 5]
        assert lines(spec)["encoding"]["x"]["axis"] == lines(specs[0])["encoding"]["x"]["axis"]


def test_pinned_runs_are_drawn_each_in_its_own_faint_colour_with_its_label():
    first = history_with([], epochs_of(2.6, 2.2, 2.0), total_epochs=3)
    second = history_with([], epochs_of(2.4, 2.0, 1.7), total_epochs=3)
    spec = charts.epoch_chart(history_with([], epochs_of(1.9), total_epochs=3), "loss",
                              faint=[("#1 lr=0.1", first), ("#2 batch=64", second)]).to_dict()
    faint = layers(spec)[0]
    assert {row["run"] for row in faint["data"]["values"]} == {"#1 lr=0.1", "#2 batch=64"}
    colours = faint["encoding"]["stroke"]["scale"]
    assert colours["domain"] == ["#1 lr=0.1", "#2 batch=64"]
    assert len(set(colours["range"])) == 2 and not set(colours["range"]) & {
        "#0072B2", "#D55E00"}  # apart from the live run's training and validation
    assert faint["encoding"]["stroke"]["legend"] is None
    assert [row["run"] for row in run_labels(spec)] == ["#1 lr=0.1", "#2 batch=64"]
    # written as their numbers: two whole labels ending close together ran into each other
    assert labels_of(spec)["encoding"]["text"]["field"] == "number"
    assert [row["number"] for row in run_labels(spec)] == ["#1", "#2"]
    assert spec["title"]["subtitle"].endswith("faint: 2 runs")
    assert "run #1 lr=0.1, after epoch 3 of 3" in spec["description"]
    assert "run #2 batch=64, after epoch 3 of 3: training 1.70, validation 1.70" in \
        spec["description"]


def test_a_faint_run_keeps_the_live_lines_legend_and_is_not_the_charts_own_data():
    """Issue 23: the legend of training and validation went when a faint run was drawn (its
    dashes' legend was switched off, and Vega-Lite merges a channel's legends across
    layers); Streamlit's "Show data" listed the faint run, the chart's first data set."""
    before = history_with([], epochs_of(2.6, 2.2), total_epochs=2)
    live = history_with([], epochs_of(1.9, 1.5), total_epochs=2)
    spec = charts.epoch_chart(live, "loss", faint=[("#1 lr=0.1", before)]).to_dict()
    for view in layers(spec):
        for channel in ("color", "strokeDash"):
            if channel in view.get("encoding", {}):
                assert view["encoding"][channel].get("legend", {}) is not None
    own = spec["datasets"][spec["data"]["name"]]
    assert own == [{"epoch": 1, "split": "training", "loss": 1.9},
                   {"epoch": 1, "split": "validation", "loss": 1.9},
                   {"epoch": 2, "split": "training", "loss": 1.8},
                   {"epoch": 2, "split": "validation", "loss": 1.5}]
    assert next(iter(spec["datasets"])) == spec["data"]["name"]  # the first, shown by default


def test_every_epoch_has_a_tick_to_read_the_best_epoch_off_and_every_fifth_a_label():
    """Issue 23: the Overfitting scenario asks for the epoch of the lowest validation loss,
    which the chart marks only once that exercise is done; with ticks every 5 epochs, the
    epoch below the lowest point was a guess."""
    spec = charts.epoch_chart(history_with([], epochs_of(1.9, 1.5), total_epochs=30), "loss",
                              mark_best=False).to_dict()
    axis = lines(spec)["encoding"]["x"]["axis"]
    assert axis["values"] == list(range(1, 31))
    assert "[1, 5, 10, 15, 20, 25, 30]" in axis["labelExpr"]
    assert not texts(spec)  # and the best epoch is not marked
