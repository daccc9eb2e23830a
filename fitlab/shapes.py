"""Shapes, the offline default data set: 32x32 colour pictures of eight shapes that Fit Lab
draws itself, with NumPy alone, the same for the same seed.

It needs no download, so a workshop without internet still trains; the exported code
(`fitlab.export`) carries this module's drawing code as it is, so the same script draws
the same pictures outside Fit Lab.
"""

from __future__ import annotations

import inspect

import numpy as np

SHAPE_CLASSES = ("circle", "ring", "square", "frame", "triangle", "cross", "line", "dots")
SHAPES_TRAIN_SIZE, SHAPES_TEST_SIZE = 6000, 1200


def class_counts() -> tuple[int, ...]:
    """Training images of each class. What `shapes()` draws first are the labels, so they
    can be counted without drawing."""
    labels = np.random.default_rng(0).integers(0, len(SHAPE_CLASSES),
                                               SHAPES_TRAIN_SIZE + SHAPES_TEST_SIZE)
    return tuple(np.bincount(labels[:SHAPES_TRAIN_SIZE], minlength=len(SHAPE_CLASSES)).tolist())


def as_code() -> str:
    """The data set as the Python an exported script holds: its classes, its sizes and the
    functions that draw it, which need only NumPy."""
    drawing = "\n\n".join(inspect.getsource(function) for function in (shapes, _draw_shapes))
    return (f"SHAPE_CLASSES = {SHAPE_CLASSES!r}\n"
            f"SHAPES_TRAIN_SIZE, SHAPES_TEST_SIZE = {SHAPES_TRAIN_SIZE}, {SHAPES_TEST_SIZE}"
            f"\n\n\n{drawing}")


def shapes(seed: int = 0, train_size: int = SHAPES_TRAIN_SIZE, test_size: int = SHAPES_TEST_SIZE):
    """The offline default: 32x32 colour pictures of eight shapes, the same for the same seed.

    Position, size, rotation, colours, a gradient background, pixel noise and a stray blob
    vary, so that the task is learnable but not trivial: a few thousand images reach high
    accuracy in ten epochs, while a few hundred are memorised and overfit.
    """
    rng = np.random.default_rng(seed)
    total = train_size + test_size
    labels = rng.integers(0, len(SHAPE_CLASSES), size=total)
    images = np.empty((total, 32, 32, 3), dtype=np.uint8)
    for label in range(len(SHAPE_CLASSES)):
        chosen = np.flatnonzero(labels == label)
        images[chosen] = _draw_shapes(rng, label, len(chosen))
    return (images[:train_size], labels[:train_size].astype(np.uint8)), (
        images[train_size:], labels[train_size:].astype(np.uint8)
    )


def _draw_shapes(rng: np.random.Generator, label: int, count: int) -> np.ndarray:
    grid_y, grid_x = np.mgrid[0:32, 0:32].astype(np.float32)
    column = (count, 1, 1)
    centre_x = rng.uniform(10, 22, column)
    centre_y = rng.uniform(10, 22, column)
    size = rng.uniform(5, 11, column)
    angle = rng.uniform(0, 2 * np.pi, column)
    dx, dy = grid_x - centre_x, grid_y - centre_y
    u = (dx * np.cos(angle) + dy * np.sin(angle)) / size
    v = (-dx * np.sin(angle) + dy * np.cos(angle)) / size
    radius = np.hypot(u, v)
    box = np.maximum(np.abs(u), np.abs(v))
    inside = (
        lambda: radius <= 1.0,
        lambda: (radius >= 0.55) & (radius <= 1.0),
        lambda: box <= 0.8,
        lambda: (box >= 0.5) & (box <= 0.85),
        lambda: (v <= 0.6) & (v >= 1.8 * np.abs(u) - 1.0),
        lambda: ((np.abs(u) <= 0.25) & (np.abs(v) <= 1.0))
        | ((np.abs(v) <= 0.25) & (np.abs(u) <= 1.0)),
        lambda: (np.abs(v) <= 0.2) & (np.abs(u) <= 1.1),
        lambda: (np.hypot(u - 0.55, v) <= 0.35) | (np.hypot(u + 0.55, v) <= 0.35),
    )
    mask = inside[label]()

    background = rng.uniform(0, 1, (count, 1, 1, 3))
    tilt = rng.uniform(-0.3, 0.3, (count, 1, 1, 2))
    canvas = background + tilt[..., :1] * (grid_x[..., None] / 32 - 0.5) + tilt[..., 1:] * (
        grid_y[..., None] / 32 - 0.5
    )
    colour = rng.uniform(0, 1, (count, 1, 1, 3))
    too_close = np.abs(colour - background).mean(axis=-1, keepdims=True) < 0.3
    colour = np.where(too_close, 1.0 - background, colour)
    canvas = np.where(mask[..., None], colour, canvas)

    # A stray blob of a third colour in half of the pictures, so that "a patch of colour"
    # is never enough to tell the shapes apart.
    blob_x, blob_y = rng.uniform(0, 32, column), rng.uniform(0, 32, column)
    blob = np.hypot(grid_x - blob_x, grid_y - blob_y) <= rng.uniform(1.5, 3.5, column)
    blob &= rng.uniform(0, 1, column) < 0.5
    canvas = np.where(blob[..., None], rng.uniform(0, 1, (count, 1, 1, 3)), canvas)

    canvas += rng.normal(0, 0.08, canvas.shape)
    return (np.clip(canvas, 0, 1) * 255).round().astype(np.uint8)
