"""Labels, figures and CSV for runs put side by side."""

import csv
import io

from fitlab import compare
from fitlab.history import RunHistory
from fitlab.settings import Settings


def test_runs_are_labelled_by_the_settings_in_which_they_differ():
    runs = [Settings(learning_rate=0.1), Settings(learning_rate=0.001),
            Settings(learning_rate=0.001, optimizer="sgd", classes=("circle", "ring"))]
    assert compare.labels(runs[:2], [1, 2]) == ["#1 lr=0.1", "#2 lr=0.001"]
    assert compare.labels(runs, [1, 2, 5]) == [
        "#1 Adam lr=0.1 classes=all", "#2 Adam lr=0.001 classes=all",
        "#5 SGD lr=0.001 classes=2"]
    assert compare.labels([Settings(), Settings()], [3, 4]) == ["#3", "#4"]  # a repeat
    # Rates as the slider shows them, never 1e-05.
    assert compare.labels([Settings(learning_rate=0.00001), Settings(learning_rate=10.0)],
                          [6, 7]) == ["#6 lr=0.00001", "#7 lr=10"]


def test_a_run_is_described_with_its_learning_rate_as_a_decimal():
    described = compare.describe(Settings(learning_rate=0.00003, optimizer="sgd"))
    assert "Shapes · Categorical cross-entropy · SGD · lr 0.00003 · batch 32 · 10 epochs" \
        in described


def _history() -> RunHistory:
    history = RunHistory(Settings(epochs=3))
    history.apply({"type": "batches", "records": [[1, 1, 2.3, 0.1, 0.2], [1, 2, 2.1, 0.2, 0.4]]})
    for epoch, (val_loss, val_accuracy) in enumerate([(1.9, 0.3), (1.5, 0.5), (1.7, 0.45)], 1):
        history.apply({"type": "epoch", "epoch": epoch, "loss": 2.0 - epoch / 10,
                       "accuracy": 0.2 + epoch / 10, "val_loss": val_loss,
                       "val_accuracy": val_accuracy, "seconds": float(epoch)})
    return history


def test_final_and_best_figures_name_the_best_epoch():
    assert compare.summary(_history()) == {
        "final val accuracy": 0.45, "best val accuracy": 0.5, "final val loss": 1.7,
        "best val loss": 1.5, "best epoch": 2}
    assert compare.summary(RunHistory(Settings())) == {}


def test_a_runs_history_downloads_as_csv_one_row_per_epoch_and_per_batch():
    history = _history()
    epochs = list(csv.DictReader(io.StringIO(history.epochs_csv())))
    assert [row["epoch"] for row in epochs] == ["1", "2", "3"]
    assert epochs[1]["val_accuracy"] == "0.5"
    batches = list(csv.reader(io.StringIO(history.batches_csv())))
    assert batches[0] == ["epoch", "batch", "running_mean_loss", "running_mean_accuracy",
                          "seconds", "loss_since_previous_row"]
    assert batches[2] == ["1", "2", "2.1", "0.2", "0.4"]


def test_a_runs_headline_names_the_settings_the_lesson_is_about():
    settings = Settings(optimizer="sgd", learning_rate=0.00001, train_images=500, epochs=3)
    assert compare.headline(settings) == ("SGD · learning rate 0.00001 · batch size 32 · 3 "
                                          "epochs · categorical cross-entropy · 500 images")
    assert compare.headline(settings.replace(model="dropout", patience=3)).endswith(
        "500 images · dropout 0.5 · early stopping, patience 3")
    # What a scenario trains on, when it is not the default data set: the room reads it.
    edition = settings.replace(dataset="cifar10", classes=("airplane", "bird", "cat", "dog",
                                                           "truck"))
    assert "500 images of CIFAR-10, 5 classes" in compare.headline(edition)


def test_a_label_names_images_model_and_dropout_whenever_they_are_not_the_lessons():
    """Issue 23: a scenario's 500 images or dropout model, set out of the bar's sight, stayed
    for the next challenge unnoticed; a run's label now says so even where runs share it."""
    bounce = Settings(optimizer="sgd", learning_rate=0.3)
    small = bounce.replace(train_images=500, model="dropout", dropout_rate=0.3)
    assert compare.labels([bounce, Settings()], [1, 2]) == ["#1 SGD lr=0.3", "#2 Adam lr=0.001"]
    assert compare.labels([small, small.replace(learning_rate=0.001)], [3, 4]) == [
        "#3 lr=0.3 images=500 dropout model dropout=0.3",
        "#4 lr=0.001 images=500 dropout model dropout=0.3"]
    assert compare.from_defaults_line(Settings()) == ""
    assert compare.from_defaults_line(Settings(train_images=2000, model="dropout")) == \
        "images=2,000 · dropout model · dropout=0.5"
    # a dropout rate the first model does not use is not named
    assert compare.labels([Settings(dropout_rate=0.3), small], [5, 6])[0] == \
        "#5 Adam lr=0.001 images=5,000 first model"
    assert compare.from_defaults_line(Settings(dropout_rate=0.3, epochs=5)) == "epochs=5"


def _ended(state, val_losses, **settings) -> RunHistory:
    history = RunHistory(Settings(epochs=len(val_losses), **settings))
    for epoch, val_loss in enumerate(val_losses, 1):
        history.apply({"type": "epoch", "epoch": epoch, "loss": 2.0, "accuracy": 0.3,
                       "val_loss": val_loss, "val_accuracy": 1 - val_loss / 2,
                       "seconds": float(epoch)})
    history.apply({"type": "end", "outcome": state, "message": "It ended."})
    return history


def test_an_early_stopped_runs_final_figures_are_those_of_the_epoch_it_kept():
    """Issue 23: Your runs showed the last epoch's accuracy while the run's message quoted
    the epoch whose weights early stopping kept."""
    stopped = _ended("early stopped", [1.2, 0.8, 0.9, 1.0])
    assert compare.kept_epoch(stopped) == 2
    assert compare.summary(stopped)["final val accuracy"] == 0.6  # epoch 2's: 1 - 0.8 / 2
    assert compare.summary(stopped)["final val loss"] == 0.8
    finished = _ended("finished", [1.2, 0.8, 0.9, 1.0])
    assert compare.kept_epoch(finished) is None
    assert compare.summary(finished)["final val loss"] == 1.0


def test_the_faint_run_is_the_latest_useful_one_before_unless_runs_are_pinned():
    """Issue 23: a run stopped after one epoch, or failed, was the one drawn faintly."""
    useful = _ended("finished", [1.2, 1.0], learning_rate=0.01)
    stopped = _ended("stopped", [1.1])
    failed = _ended("failed", [1.2, 1.1, 1.3])
    live = RunHistory(Settings(epochs=2))
    runs = [(1, useful), (2, stopped), (3, failed)]
    assert compare.faint_runs(runs, (4, live), []) == ([("#1 lr=0.01", useful)], False)
    assert compare.faint_runs(runs[1:], (4, live), []) == ([], False)  # none worth drawing
    # pinned: those, whatever their length, never the live run, at most MOST_PINNED
    more = [(5, _ended("finished", [1.0, 0.9])), (6, _ended("finished", [1.0, 0.9]))]
    chosen, pinned = compare.faint_runs(runs + more, (4, live), [2, 4, 5, 6, 1])
    assert pinned and [label for label, _ in chosen] == ["#1 lr=0.01", "#2 epochs=1", "#5"]
    assert compare.MOST_PINNED == 3
