"""Data sets: the offline default, CIFAR-10, and `.npz` files in Keras' own layout.

Describing a data set (classes, image shape, sizes) needs only NumPy, so the Streamlit server
can do it; loading CIFAR-10 goes through `keras.datasets`, which only a worker imports.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import socket
import zipfile

import numpy as np

from fitlab.settings import VALIDATION_FRACTION

SHAPES = "shapes"
CIFAR10 = "cifar10"
SHAPE_CLASSES = ("circle", "ring", "square", "frame", "triangle", "cross", "line", "dots")
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"
)
SHAPES_TRAIN_SIZE, SHAPES_TEST_SIZE = 6000, 1200
# Long enough for a slow link to start sending, short enough that an offline laptop hears
# "no" within seconds rather than waiting on the operating system's minutes-long default.
DOWNLOAD_TIMEOUT_SECONDS = 10
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(ValueError):
    """A data set that cannot be loaded or used; the message says what is wrong."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]
    train_size: int
    test_size: int

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


@dataclasses.dataclass(frozen=True)
class Split:
    """What one run trains and validates on, already scaled and encoded."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    num_classes: int


def data_dir() -> pathlib.Path:
    """The folder an instructor fills with `.npz` files for the app to offer."""
    return pathlib.Path(os.environ.get("FITLAB_DATA_DIR", "data")).expanduser()


def cifar10_is_cached() -> bool:
    keras_home = os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras"))
    return pathlib.Path(keras_home, "datasets", "cifar-10-batches-py-target").is_dir()


def choices(folder: pathlib.Path | None = None) -> dict[str, str]:
    """Data sets the app offers, as {name: title}; `.npz` files come from the data folder.

    A data-folder file is named by its file name alone, so that no server path reaches a
    page or a share link; `resolve` turns the name back into the file.
    """
    offered = {
        SHAPES: "Shapes (offline, 8 classes)",
        CIFAR10: "CIFAR-10",
    }
    folder = data_dir() if folder is None else folder
    if folder.is_dir():
        for path in sorted(folder.glob("*.npz")):
            offered[path.name] = f"{path.name} (data folder)"
    return offered


def resolve(name: str, folder: pathlib.Path | None = None) -> str:
    """The data set to load for a name from `choices`: a built-in name or a file's path."""
    if name in (SHAPES, CIFAR10):
        return name
    folder = data_dir() if folder is None else folder
    if name not in choices(folder):  # only files that are really there, never a typed path
        raise DataError(f"There is no data set called {name!r} in the data folder.")
    return str((folder / name).resolve())


def describe(name: str) -> DatasetInfo:
    """Classes, image shape and sizes, without loading the images or importing Keras."""
    if name == SHAPES:
        return DatasetInfo(
            SHAPES, "Shapes", SHAPE_CLASSES, (32, 32, 3), SHAPES_TRAIN_SIZE, SHAPES_TEST_SIZE
        )
    if name == CIFAR10:
        return DatasetInfo(CIFAR10, "CIFAR-10", CIFAR10_CLASSES, (32, 32, 3), 50_000, 10_000)
    x_train, y_train, x_test, y_test, names = load_npz(name)
    return DatasetInfo(
        name, pathlib.Path(name).name, names, x_train.shape[1:], len(x_train), len(x_test)
    )


def load(name: str):
    """Return (x_train, y_train, x_test, y_test, class_names), images as (N, H, W, C)."""
    if name == SHAPES:
        (x_train, y_train), (x_test, y_test) = shapes()
        return x_train, y_train, x_test, y_test, SHAPE_CLASSES
    if name == CIFAR10:
        (x_train, y_train), (x_test, y_test) = load_cifar10()
        return x_train, y_train.ravel(), x_test, y_test.ravel(), CIFAR10_CLASSES
    return load_npz(name)


def load_cifar10():
    """CIFAR-10 through Keras, downloaded once into Keras' cache; a clear error if offline."""
    from fitlab.devices import prepare_environment

    prepare_environment()
    import keras  # only workers and the command line get here

    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)
    try:
        return keras.datasets.cifar10.load_data()
    except Exception as error:  # Keras wraps every network failure in a bare Exception
        raise DataError(
            "Could not download CIFAR-10, which needs the internet the first time "
            f"({_first_line(error)}). Run `python -m fitlab fetch cifar10` on a connected "
            "machine before the workshop, or train on the offline Shapes data set."
        ) from None
    finally:
        socket.setdefaulttimeout(previous_timeout)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def load_npz(path: str):
    """Load an `.npz` in the layout of Keras' data sets, checking everything a run relies on."""
    file = pathlib.Path(path)
    if file.suffix != ".npz":
        raise DataError(f"{file.name}: expected a .npz file holding {', '.join(NPZ_KEYS)}.")
    if not file.is_file():
        raise DataError(f"{file}: no such file.")
    if not zipfile.is_zipfile(file):  # an .npz is a zip archive of .npy arrays
        raise DataError(f"{file.name} is not an .npz archive (numpy.savez writes those).")
    try:
        with np.load(file, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DataError(
                    f"{file.name} has no {', '.join(missing)}; it needs {', '.join(NPZ_KEYS)}."
                )
            arrays = {key: archive[key] for key in NPZ_KEYS}
            names = archive["class_names"] if "class_names" in archive.files else None
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{file.name} is not a readable .npz file ({_first_line(error)}).") from None
    x_train, y_train = _checked_pair(file.name, "train", arrays["x_train"], arrays["y_train"])
    x_test, y_test = _checked_pair(file.name, "test", arrays["x_test"], arrays["y_test"])
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DataError(
            f"{file.name}: training images are {x_train.shape[1:]} but test images are "
            f"{x_test.shape[1:]}; they must be the same size."
        )
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    if num_classes < 2:
        raise DataError(f"{file.name}: the labels hold a single class; a classifier needs two.")
    if names is None or len(names) != num_classes:
        names = [f"class {label}" for label in range(num_classes)]
    return x_train, y_train, x_test, y_test, tuple(str(name) for name in names)


def _checked_pair(file_name: str, split: str, x: np.ndarray, y: np.ndarray):
    if x.ndim == 3:  # grayscale without a channel axis, as MNIST ships
        x = x[..., np.newaxis]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or len(x) == 0:
        raise DataError(
            f"{file_name}: x_{split} must hold images shaped (count, height, width, 1 or 3), "
            f"not {x.shape}."
        )
    if x.dtype != np.uint8 and not (np.issubdtype(x.dtype, np.floating) and np.isfinite(x).all()):
        raise DataError(f"{file_name}: x_{split} must be uint8 pixels or finite floats.")
    y = y.reshape(len(y), -1)
    y = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]  # one-hot or integer labels
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise DataError(f"{file_name}: y_{split} must hold whole-number labels from 0 up.")
    if len(y) != len(x):
        raise DataError(
            f"{file_name}: {len(x)} images in x_{split} but {len(y)} labels in y_{split}."
        )
    return x, y.astype(np.int64)


def split_for_training(x, y, train_images: int, num_classes: int, label_encoding: str) -> Split:
    """Take the first `train_images` images and hold out the last 20 % for validation.

    Pixels are scaled to 0-1; labels become one-hot vectors for categorical cross-entropy
    and stay integers for the sparse variant.
    """
    count = min(train_images, len(x))
    held_out = max(1, round(count * VALIDATION_FRACTION))
    if count - held_out < 1:
        raise DataError(f"{count} images are too few to hold 20 % out for validation.")
    images = scale(x[:count])
    labels = encode_labels(y[:count], num_classes, label_encoding)
    cut = count - held_out
    return Split(images[:cut], labels[:cut], images[cut:], labels[cut:], num_classes)


def scale(images: np.ndarray) -> np.ndarray:
    """Pixels 0-255 become 0-1 floats, as the lesson normalises them; floats pass as they are."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return images.astype(np.float32)


def encode_labels(labels: np.ndarray, num_classes: int, label_encoding: str) -> np.ndarray:
    if label_encoding == "one-hot":
        return np.eye(num_classes, dtype=np.float32)[labels]
    return labels.astype(np.int64)


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
