"""Every entry of every table (OPTIMIZERS, LOSSES, METRICS and KERAS_METRICS, MODELS, the
built-in data sets, the scenarios) through every part of Fit Lab that reads it: the checks,
a link, the command line, run labels, the exported code, the exercises' checks, the charts,
and, in the Keras tier, the objects Keras makes of it. Then an optimizer added the way
docs/design.md says ("A new optimizer") trains a learner's run to the end.

A table entry that some reader lacks (an optimizer without a default rate for the exercises,
a data set without a reader for its files) fails here by name, not in a learner's run."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from fitlab import charts, compare, data, datasets, downloads, exercises, export, links, models
from fitlab.__main__ import add_setting_flags
from fitlab.history import RunHistory
from fitlab.scenarios import SCENARIOS
from fitlab.settings import (
    KERAS_METRICS,
    LOSSES,
    METRICS,
    ONE_HOT_METRICS,
    OPTIMIZERS,
    Optimizer,
    Settings,
    format_learning_rate,
    keras_metric,
)

EPOCHS = 6  # past the 5 epochs after which the exercises' checks read a run's settings


def every_entry():
    """Settings that use each entry of each table, named by the entry."""
    for key in OPTIMIZERS:
        yield pytest.param(Settings(optimizer=key), id=f"optimizer={key}")
    for key in LOSSES:
        yield pytest.param(Settings(loss=key), id=f"loss={key}")
    for key in METRICS:
        yield pytest.param(Settings(metrics=(key,)), id=f"metric={key}")
        if key not in ONE_HOT_METRICS:
            yield pytest.param(Settings(metrics=(key,), loss="sparse_categorical_crossentropy"),
                               id=f"metric={key}-sparse")
    for key in models.MODELS:
        yield pytest.param(Settings(model=key), id=f"model={key}")
    for key in datasets.BUILT_IN:
        yield pytest.param(Settings(dataset=key), id=f"dataset={key}")
    for scenario in SCENARIOS:
        yield pytest.param(scenario.settings, id=f"scenario={scenario.title}")


def finished(settings: Settings, val_accuracy: float = 0.5) -> RunHistory:
    """A run that finished its epochs, folded from the events a worker sends (written here so
    that the fast tier needs no Keras; the Keras test below folds a real run's)."""
    info = datasets.BUILT_IN.get(settings.dataset, datasets.BUILT_IN[datasets.SHAPES])
    history = RunHistory(settings)
    history.apply({"type": "started", "class_names": list(info.class_names),
                   "validation_images": 1000, "train_images": 4000})
    for epoch in range(1, EPOCHS + 1):
        figures = {"loss": 2.0 - 0.1 * epoch, "accuracy": 0.5}
        figures.update({name: 0.5 for name in settings.metrics})
        history.apply({"type": "epoch", "epoch": epoch, **figures,
                       **{f"val_{name}": value for name, value in figures.items()},
                       "val_accuracy": val_accuracy, "seconds": 1.0})
    history.apply({"type": "end", "outcome": "finished",
                   "message": f"Finished all {EPOCHS} epochs."})
    return history


def page_link(settings: Settings) -> dict[str, str]:
    """The page's address for these settings, in the words its widgets write there."""
    query = {}
    for field in dataclasses.fields(Settings):
        value, labels = getattr(settings, field.name), field.metadata["labels"]
        if isinstance(value, tuple):
            continue  # a list is one key per value, which a dict cannot hold: read by the page
        if field.name == "dataset":
            query["dataset"] = data.choices()[value]
        elif labels is not None:
            query[field.name] = labels[value]
        elif field.name == "learning_rate":
            query[field.name] = format_learning_rate(value)
        else:
            query[field.name] = f"{value:g}" if isinstance(value, float) else str(value)
    return query


def command_line(settings: Settings) -> Settings:
    """The settings `python -m fitlab train` makes of these settings' flags."""
    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    flags = []
    for field in dataclasses.fields(Settings):
        value = getattr(settings, field.name)
        if value != ():
            flags += [f"--{field.name.replace('_', '-')}",
                      ",".join(value) if isinstance(value, tuple) else str(value)]
    args = parser.parse_args(flags)
    return Settings(**{field.name: getattr(args, field.name)
                       for field in dataclasses.fields(Settings)})


def every_reader(history: RunHistory) -> None:
    """Hand a finished run on these settings to each part of Fit Lab that reads the tables,
    and check what each says of it."""
    settings = history.settings
    optimizer, loss = OPTIMIZERS[settings.optimizer], LOSSES[settings.loss]
    assert Settings.from_dict(settings.to_dict()) == settings
    # A link: what the page writes, read back whole and without a notice.
    query = page_link(settings)
    assert links.link_problems(query, data.choices().values()) == []
    assert links.link_values(query) == {key: getattr(settings, key) for key in query
                                        if key != "dataset"}
    assert command_line(settings) == settings
    # Run labels, the run table's line and the projector's headline.
    assert optimizer.label in compare.headline(settings)
    described = compare.describe(settings)
    assert described.startswith(f"{data.title(settings.dataset)} · {loss} · {optimizer.label}")
    assert all(METRICS[name] in described for name in settings.metrics)
    assert compare.labels([Settings(), settings], [1, 2])[1].startswith("#2")
    # The exported code compiles the same optimizer, loss, metrics and model.
    code = export.keras_code(settings)
    compile(code, "fitlab_run.py", "exec")
    assert f"keras.optimizers.{optimizer.keras_class}(" in code
    assert settings.loss in code
    for name in settings.metrics:
        assert f"keras.metrics.{keras_metric(name, settings.label_encoding)[0]}(" in code
    if data.BUILT_IN.get(settings.dataset, datasets.BUILT_IN[datasets.SHAPES]).downloaded:
        assert f"keras.datasets.{settings.dataset}.load_data()" in code
    info = data.describe(settings.dataset)
    models.check_input_shape(info.image_shape, settings.model)  # raises for a model too deep
    assert models.layer_table(info.image_shape, info.num_classes, settings.model)
    # The exercises' checks, on a run long enough for every check to read its settings.
    assert isinstance(exercises.newly_done([(1, history)], set()), dict)
    # A chart per figure the run reports, each with its text alternative.
    for metric in ("loss", "accuracy", *settings.metrics):
        assert charts.epoch_chart(history, metric).to_dict()["description"]
    assert charts.batch_chart(history).to_dict()


@pytest.mark.parametrize("settings", every_entry())
def test_every_entry_of_every_table_passes_every_reader(settings):
    every_reader(finished(settings))


def test_every_table_is_whole():
    """What each reader looks up in a table entry's neighbours is there for every entry."""
    assert set(KERAS_METRICS) == set(METRICS) == set(charts.NAMES) - {"loss", "accuracy"}
    assert all(0 < optimizer.default_learning_rate <= 1 for optimizer in OPTIMIZERS.values())
    assert [key for key, optimizer in OPTIMIZERS.items() if optimizer.key != key] == []
    assert len({scenario.title for scenario in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("name", list(datasets.BUILT_IN))
def test_every_built_in_data_set_is_whole(name):
    """Its figures agree with each other, its files have a reader, and the exercise asking
    for a target accuracy on it is done exactly from that target up."""
    dataset = datasets.BUILT_IN[name]
    assert sum(dataset.class_counts) == dataset.train_size
    assert len(dataset.class_counts) == dataset.num_classes == len(set(dataset.class_names))
    assert set(dataset.lesson_classes) <= set(dataset.class_names)
    assert data.choices()[name] == dataset.offered and data.title(name) == dataset.title
    assert (name in downloads.READERS) == (name in downloads.REMOTES) == dataset.downloaded
    assert 0 < dataset.fast_target < 1
    for model in models.MODELS:  # raises for a model too deep for its images
        models.check_input_shape(dataset.image_shape, model)
    settings = Settings(dataset=name, epochs=exercises.FAST_EPOCHS)
    assert exercises.fast([(1, finished(settings, val_accuracy=dataset.fast_target))])
    assert not exercises.fast([(1, finished(settings, val_accuracy=dataset.fast_target - 0.01))])


# -- the Keras tier ---------------------------------------------------------------------


def default_rate(optimizer_class) -> float:
    """The learning rate Keras gives the class when none is asked for."""
    import keras

    return float(keras.ops.convert_to_numpy(optimizer_class().learning_rate))


@pytest.mark.keras
@pytest.mark.parametrize("settings", every_entry())
def test_keras_makes_every_entry_of_every_table(settings):
    """Keras has the optimizer (with the default rate the table says), the loss and the
    metrics under these names, and builds the model for the data set's images."""
    import keras

    from fitlab import training

    optimizer = OPTIMIZERS[settings.optimizer]
    assert default_rate(getattr(keras.optimizers, optimizer.keras_class)) == \
        pytest.approx(optimizer.default_learning_rate)
    assert type(training.make_optimizer(settings)).__name__ == optimizer.keras_class
    assert keras.losses.get(settings.loss)
    names = [metric.name for metric in training.make_metrics(settings)[1:]
             if metric.name != training.BUNDLE_LOSS]
    assert names == list(settings.metrics)
    info = data.describe(settings.dataset)
    model = models.build_model(info.image_shape, info.num_classes, settings.model,
                               settings.dropout_rate)
    assert model.output_shape == (None, info.num_classes)
    if info.name in data.DOWNLOADED:
        assert hasattr(keras.datasets, info.name)  # the exported code loads it from there


@pytest.mark.keras
def test_an_optimizer_added_as_the_design_notes_say_trains_a_run_to_the_end(monkeypatch):
    """docs/design.md: a new optimizer is one entry in OPTIMIZERS. Nadam, added so (here for
    this test only), is a choice for the checks, links and command line, trains a run of a
    learner's tiny settings to the end, and every reader of the table takes that run."""
    import keras

    from fitlab import training

    nadam = Optimizer("nadam", "Nadam", "Nadam", 0.001)
    assert default_rate(keras.optimizers.Nadam) == pytest.approx(nadam.default_learning_rate)
    monkeypatch.setitem(OPTIMIZERS, nadam.key, nadam)
    settings = Settings(optimizer="nadam", learning_rate=0.001, train_images=100,
                        epochs=EPOCHS, batch_size=32)
    history = RunHistory(settings)
    outcome = training.run(settings, history.apply)
    assert outcome == "finished" and history.state == "finished"
    assert [epoch["epoch"] for epoch in history.epochs] == list(range(1, EPOCHS + 1))
    every_reader(history)
    assert links.link_values({"optimizer": "Nadam"}) == {"optimizer": "nadam"}
