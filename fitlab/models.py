"""The lesson's CNNs, and their summaries computed by arithmetic.

Both models are written once, as a plan of layers (`plan`); `build_model` turns the plan into
Keras layers and `layer_table` works out what `model.summary()` would show, so that the
Streamlit server can show layers, output shapes and parameter counts without importing
Keras. A test checks the arithmetic against Keras' own models.
"""

from __future__ import annotations

import dataclasses
import itertools

FILTERS_FIRST, FILTERS_SECOND, DENSE_UNITS, KERNEL, POOL = 16, 32, 64, 3, 2
# The dropout model the episode's site showed 9-14 June 2026.
FILTERS_THIRD, DROPOUT_DENSE_UNITS = 64, 64
LESSON_INPUT_SHAPE = (32, 32, 3)  # CIFAR-10's photos


@dataclasses.dataclass(frozen=True)
class Model:
    """One of the lesson's CNNs and every way Fit Lab names it, so that pages, links, run
    labels and the exported code agree."""

    key: str  # in Settings, links' ?model=, the command line's --model
    label: str  # the Model select box's choice, and a link's value for it
    name: str  # in a sentence: "The model: the lesson's first CNN, 28,234 parameters"
    short: str  # where runs side by side differ only in it
    code_title: str  # the exported code's heading for its layers
    has_dropout: bool  # the lesson's answer to overfitting: a third Conv2D, Dropout, Dense 64


INTRO = "intro"
MODELS = {model.key: model for model in (
    Model(INTRO, "The lesson's first CNN", "the lesson's first CNN", "first model",
          "the lesson's introductory CNN", has_dropout=False),
    Model("dropout", "With dropout (a third Conv2D, Dropout, Dense 64)",
          "the lesson's CNN with dropout", "dropout model", "the lesson's model with dropout",
          has_dropout=True),
)}


@dataclasses.dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def plan(model: str, num_classes: int, dropout_rate: float = 0.5) -> list[tuple[str, dict]]:
    """The layers of a model as (Keras layer class, arguments), input excluded."""
    layers = [
        ("Conv2D", {"filters": FILTERS_FIRST, "kernel_size": (KERNEL, KERNEL),
                    "activation": "relu"}),
        ("MaxPooling2D", {"pool_size": (POOL, POOL)}),
        ("Conv2D", {"filters": FILTERS_SECOND, "kernel_size": (KERNEL, KERNEL),
                    "activation": "relu"}),
        ("MaxPooling2D", {"pool_size": (POOL, POOL)}),
    ]
    if MODELS[model].has_dropout:
        layers += [
            ("Conv2D", {"filters": FILTERS_THIRD, "kernel_size": (KERNEL, KERNEL),
                        "activation": "relu"}),
            # Switches off this share of the third layer's outputs at random at every step of
            # training (never when predicting), so that no unit can count on another.
            ("Dropout", {"rate": dropout_rate}),
            ("Flatten", {}),
            ("Dense", {"units": DROPOUT_DENSE_UNITS, "activation": "relu"}),
        ]
    else:
        layers += [("Flatten", {}), ("Dense", {"units": DENSE_UNITS, "activation": "relu"})]
    return layers + [("Dense", {"units": num_classes, "activation": "softmax"})]


def build_model(input_shape, num_classes: int, model: str = INTRO,
                dropout_rate: float = 0.5):
    """The intro model: Conv2D(16) - MaxPool - Conv2D(32) - MaxPool - Flatten - Dense(64) -
    Dense(classes); the dropout model adds Conv2D(64) and Dropout before Flatten, as the
    episode's site showed it for five days in June 2026 (docs/lesson-notes.md, editions)."""
    import keras  # only workers and the command line get here

    return keras.Sequential(
        [keras.Input(shape=tuple(input_shape))]
        + [getattr(keras.layers, kind)(**arguments)
           for kind, arguments in plan(model, num_classes, dropout_rate)],
        name=f"lesson_cnn_{model}",
    )


def layer_table(input_shape, num_classes: int, model: str = INTRO) -> list[LayerRow]:
    """What `model.summary()` shows for `build_model`, worked out by hand."""
    shape = tuple(input_shape)
    rows = []
    for kind, arguments in plan(model, num_classes):
        parameters = 0
        if kind == "Conv2D":  # 'valid' padding trims kernel - 1 pixels; each filter has a bias
            height, width, channels = shape
            parameters = (KERNEL * KERNEL * channels + 1) * arguments["filters"]
            shape = (height - KERNEL + 1, width - KERNEL + 1, arguments["filters"])
        elif kind == "MaxPooling2D":
            shape = (shape[0] // POOL, shape[1] // POOL, shape[2])
        elif kind == "Flatten":
            shape = (shape[0] * shape[1] * shape[2],)
        elif kind == "Dense":
            parameters = (shape[0] + 1) * arguments["units"]
            shape = (arguments["units"],)
        rows.append(LayerRow("", kind, shape, parameters))  # Dropout keeps the shape
    return _named(rows)


def _named(rows: list[LayerRow]) -> list[LayerRow]:
    """Name layers the way Keras does: conv2d, conv2d_1, max_pooling2d, ..."""
    seen: dict[str, int] = {}
    named = []
    for row in rows:
        base = {"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d"}.get(row.kind, row.kind.lower())
        count = seen.get(base, 0)
        seen[base] = count + 1
        named.append(dataclasses.replace(row, name=base if count == 0 else f"{base}_{count}"))
    return named


def smallest_input(model: str = INTRO) -> int:
    """The side of the smallest square image that leaves every convolution and pooling of
    the model at least one pixel: 10 for the first CNN, 18 with the dropout model's third
    convolution. Worked out from the plan, so that a change of layers moves it."""
    return next(size for size in itertools.count(1)
                if all(min(row.output_shape) >= 1
                       for row in layer_table((size, size, 1), 1, model)))


def check_input_shape(input_shape, model: str = INTRO) -> None:
    height, width = input_shape[:2]
    smallest = smallest_input(model)
    if min(height, width) < smallest:
        raise ValueError(
            f"Images of {height}x{width} pixels are too small for this model, which needs at "
            f"least {smallest}x{smallest}."
        )
