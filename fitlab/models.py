"""The lesson's introductory CNN, and its summary computed by arithmetic.

The summary lets the Streamlit server show layers, output shapes and parameter counts
without importing Keras; a test checks the arithmetic against Keras' own model.
"""

from __future__ import annotations

import dataclasses

FILTERS_FIRST, FILTERS_SECOND, DENSE_UNITS, KERNEL, POOL = 16, 32, 64, 3, 2
LESSON_INPUT_SHAPE = (32, 32, 3)  # CIFAR-10's photos


@dataclasses.dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def build_model(input_shape, num_classes: int):
    """Conv2D(16) - MaxPool - Conv2D(32) - MaxPool - Flatten - Dense(64) - Dense(classes)."""
    import keras  # only workers and the command line get here

    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            keras.layers.Conv2D(FILTERS_FIRST, (KERNEL, KERNEL), activation="relu"),
            keras.layers.MaxPooling2D((POOL, POOL)),
            keras.layers.Conv2D(FILTERS_SECOND, (KERNEL, KERNEL), activation="relu"),
            keras.layers.MaxPooling2D((POOL, POOL)),
            keras.layers.Flatten(),
            keras.layers.Dense(DENSE_UNITS, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ],
        name="lesson_cnn",
    )


def layer_table(input_shape, num_classes: int) -> list[LayerRow]:
    """What `model.summary()` shows for `build_model`, worked out by hand."""
    height, width, channels = input_shape

    def conv(filters):  # 'valid' padding trims kernel - 1 pixels; each filter has a bias
        nonlocal height, width, channels
        parameters = (KERNEL * KERNEL * channels + 1) * filters
        height, width, channels = height - KERNEL + 1, width - KERNEL + 1, filters
        return (height, width, channels), parameters

    def pool():
        nonlocal height, width
        height, width = height // POOL, width // POOL
        return (height, width, channels), 0

    rows = []
    for kind, (shape, parameters) in [
        ("Conv2D", conv(FILTERS_FIRST)),
        ("MaxPooling2D", pool()),
        ("Conv2D", conv(FILTERS_SECOND)),
        ("MaxPooling2D", pool()),
    ]:
        rows.append(LayerRow("", kind, shape, parameters))
    flat = height * width * channels
    rows.append(LayerRow("", "Flatten", (flat,), 0))
    rows.append(LayerRow("", "Dense", (DENSE_UNITS,), (flat + 1) * DENSE_UNITS))
    rows.append(LayerRow("", "Dense", (num_classes,), (DENSE_UNITS + 1) * num_classes))
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


def check_input_shape(input_shape) -> None:
    """The two 3x3 convolutions and 2x2 poolings need images of at least 10x10 pixels."""
    height, width = input_shape[:2]
    if min(height, width) < 10:
        raise ValueError(
            f"Images of {height}x{width} pixels are too small for the lesson's CNN, "
            "which needs at least 10x10."
        )
