import math

from fitlab import charts
from fitlab.history import RunHistory
from fitlab.settings import Settings


def history_with(batches, epochs=()):
    history = RunHistory(Settings(epochs=50))
    history.apply({"type": "started", "steps_per_epoch": 100, "class_names": list("abcdefgh"),
                   "device": "CPU", "epochs": 50})
    history.apply({"type": "batches", "records": batches})
    for record in epochs:
        history.apply({"type": "epoch", **record})
    return history


def points(chart):
    spec = chart.to_dict()
    if "layer" in spec:  # the epoch charts: gap, lines, best-epoch marker
        spec = spec["layer"][1]
    return spec["data"]["values"]


def test_a_long_run_redraws_a_bounded_number_of_points_ending_at_the_latest():
    batches = [[1 + step // 100, 1 + step % 100, 2.0 - step / 10000, 0.5, step / 100]
               for step in range(5000)]
    drawn = points(charts.batch_chart(history_with(batches)))
    assert len(drawn) <= charts.MAX_POINTS + 1
    assert math.isclose(drawn[-1]["epoch"], 50.0) and math.isclose(drawn[-1]["loss"], 1.5001)


def test_the_batch_chart_says_it_plots_kerass_running_mean():
    title = charts.batch_chart(history_with([[1, 1, 2.0, 0.1, 0.1]])).to_dict()["title"]
    assert "running mean" in title["subtitle"]


def test_epoch_charts_show_training_and_validation_and_skip_nan():
    epochs = [{"epoch": 1, "loss": 2.0, "val_loss": 2.1, "accuracy": 0.2, "val_accuracy": 0.3},
              {"epoch": 2, "loss": float("nan"), "val_loss": 2.0, "accuracy": 0.1,
               "val_accuracy": 0.1}]
    drawn = points(charts.epoch_chart(history_with([], epochs), "loss"))
    assert {(row["epoch"], row["split"]) for row in drawn} == {
        (1, "training"), (1, "validation"), (2, "validation")}


def test_an_exploded_loss_switches_the_axis_to_a_log_scale_and_says_so():
    epochs = [{"epoch": 1, "loss": 5e10, "val_loss": 2.9, "accuracy": 0.1, "val_accuracy": 0.1}]
    spec = charts.epoch_chart(history_with([], epochs), "loss").to_dict()
    assert spec["layer"][1]["encoding"]["y"]["scale"]["type"] == "log"
    assert "log scale" in spec["title"]


def test_the_best_validation_epoch_is_marked_and_the_gap_is_shaded():
    epochs = [{"epoch": epoch, "loss": 2.0 - epoch / 5, "val_loss": val_loss,
               "accuracy": 0.2 + epoch / 10, "val_accuracy": 0.3}
              for epoch, val_loss in ((1, 1.9), (2, 1.5), (3, 1.7))]
    spec = charts.epoch_chart(history_with([], epochs), "loss").to_dict()
    gap, _, rule, label = spec["layer"]
    assert gap["mark"]["type"] == "area"
    assert gap["data"]["values"][2] == {"epoch": 3, "low": 1.4, "high": 1.7}
    assert rule["data"]["values"][0]["epoch"] == 2
    assert label["data"]["values"][0]["label"] == "best val loss: epoch 2"
    one_epoch = charts.epoch_chart(history_with([], epochs[:1]), "loss").to_dict()
    assert len(one_epoch["layer"]) == 2  # no "best" until there are two to compare
