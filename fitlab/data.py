"""Data sets: the offline default (drawn by `fitlab.shapes`), Keras' three image sets,
`.npz` files and photo folders.

Everything here needs only NumPy and Pillow, so the Streamlit server can describe, check and
show a data set without importing Keras; the downloads live in `fitlab.downloads` and photo
folders and zips in `fitlab.images`.
"""

from __future__ import annotations

import dataclasses
import pathlib
import tokenize
import zipfile
import zlib

import numpy as np

from fitlab import config, downloads, images, shapes
from fitlab.datasets import BUILT_IN, CIFAR10, FASHION_MNIST, MNIST, SHAPES, DatasetInfo
from fitlab.errors import DataError

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Read from the table of built-in data sets, fitlab.datasets.BUILT_IN.
DOWNLOADED = tuple(name for name, dataset in BUILT_IN.items() if dataset.downloaded)
CIFAR10_CLASSES = BUILT_IN[CIFAR10].class_names
# The five classes of CIFAR-10 that the lesson's newer edition trains on.
LESSON_FIVE = BUILT_IN[CIFAR10].lesson_classes
# ImageNet's count. Labels number the classes, so one label of a billion would otherwise ask
# for a billion class names and a network with a billion outputs, and exhaust the memory.
MAX_CLASSES = 1000
# As in the lesson, the last 20 % of a run's training images are held out for validation.
VALIDATION_FRACTION = 0.2

# Re-exported: callers catch data.DataError and name data sets as data.CIFAR10 and so on.
__all__ = ["BUILT_IN", "DataError", "DatasetInfo", "SHAPES", "CIFAR10", "MNIST",
           "FASHION_MNIST"]


@dataclasses.dataclass(frozen=True)
class Split:
    """What one run trains and validates on, already scaled and encoded."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    num_classes: int


def is_cached(name: str) -> bool:
    """Whether a built-in data set is ready without the internet."""
    return name not in DOWNLOADED or downloads.is_cached(name)


def choices(folder: pathlib.Path | None = None) -> dict[str, str]:
    """Data sets the app offers, as {name: title}; the data folder adds files and folders.

    A data-folder entry is named by its own name alone, so that no server path reaches a
    page or a share link; `resolve` turns the name back into the path.
    """
    offered = {name: dataset.offered for name, dataset in BUILT_IN.items()}
    folder = config.data_dir() if folder is None else folder
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix == ".npz" and path.is_file():
                offered[path.name] = f"{path.name} (data folder)"
            elif path.is_dir() and not path.name.startswith("."):
                offered[path.name] = f"{path.name}/ photos (data folder)"
    return offered


def resolve(name: str, folder: pathlib.Path | None = None) -> str:
    """The data set to load for a name from `choices`: a built-in name or a path."""
    if name in BUILT_IN:
        return name
    folder = config.data_dir() if folder is None else folder
    if name not in choices(folder):  # only entries that are really there, never a typed path
        raise DataError(f"There is no data set called {name!r} in the data folder.")
    return str((folder / name).resolve())


def describe(name: str) -> DatasetInfo:
    """Classes, image shape and sizes; for files and folders this reads them, without Keras."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    if not pathlib.Path(name).exists():
        raise DataError(
            f"There is no data set called {name!r}: choose {', '.join(BUILT_IN)}, the path of "
            "an .npz file, or a folder holding one folder of images per class.")
    if pathlib.Path(name).is_dir():
        photos = _read_folder(name)
        return DatasetInfo(name, pathlib.Path(name).name, photos.class_names,
                           photos.x.shape[1:], len(photos.x), 0,
                           _counts(photos.y, photos.class_names), photos.summary())
    x_train, y_train, x_test, _, names = load_npz(name)
    return DatasetInfo(name, npz_title(name), names, x_train.shape[1:], len(x_train),
                       len(x_test), _counts(y_train, names))


def npz_title(path: str) -> str:
    """An uploaded set carries the name of the zip it came from; a file its own name."""
    with np.load(path, allow_pickle=False) as archive:
        return str(archive["title"]) if "title" in archive.files else pathlib.Path(path).name


def _counts(labels: np.ndarray, class_names) -> tuple[int, ...]:
    return tuple(np.bincount(labels, minlength=len(class_names)).tolist())


def images_available(info: DatasetInfo, classes=(), images_per_class: int = 0) -> int:
    """How many training images the chosen classes offer, at most `images_per_class` each."""
    chosen = set(classes) or set(info.class_names)
    return sum(min(count, images_per_class or count)
               for name, count in zip(info.class_names, info.class_counts) if name in chosen)


def title(name: str) -> str:
    if name in BUILT_IN:
        return BUILT_IN[name].title
    if name.endswith(".npz") and pathlib.Path(name).is_file():
        return npz_title(name)  # an upload is called by its zip's name
    return pathlib.Path(name).name


def fetch(name: str, progress: downloads.Progress | None = None) -> None:
    """Download a built-in data set into this machine's cache, if it is not there yet."""
    if name in DOWNLOADED:
        downloads.fetch(name, BUILT_IN[name].title, progress)


def load(name: str, progress: downloads.Progress | None = None):
    """Return (x_train, y_train, x_test, y_test, class_names), images as (N, H, W, C).

    A built-in data set that is not on this machine yet is downloaded first, reporting
    its bytes through `progress`.
    """
    if name == SHAPES:
        (x_train, y_train), (x_test, y_test) = shapes.shapes()
        return x_train, y_train, x_test, y_test, shapes.SHAPE_CLASSES
    if name in DOWNLOADED:
        downloads.fetch(name, BUILT_IN[name].title, progress)
        return (*downloads.read(name), BUILT_IN[name].class_names)
    if pathlib.Path(name).is_dir():
        photos = _read_folder(name)
        no_test = np.zeros((0, *photos.x.shape[1:]), np.uint8)
        return photos.x, photos.y, no_test, np.zeros(0, np.int64), photos.class_names
    return load_npz(name)


def _read_folder(name: str) -> images.ImageSet:
    """A folder of class folders; one the system will not let us read is named in a sentence,
    by its path inside the data set (never a server path)."""
    try:
        return images.read_folder(name)
    except OSError as error:
        root = pathlib.Path(name)
        try:
            inside = pathlib.Path(error.filename or root).relative_to(root)
        except ValueError:
            inside = pathlib.Path()
        shown = (pathlib.Path(root.name) / inside).as_posix()
        raise DataError(
            f"Cannot read {shown}: {(error.strerror or str(error)).lower()}."
        ) from None


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
    try:  # is_zipfile says False for a file it may not open, which is not what is wrong
        with open(file, "rb") as handle:
            is_zip = zipfile.is_zipfile(handle)  # an .npz is a zip archive of .npy arrays
    except OSError as error:
        raise DataError(
            f"Cannot read {file.name}: {(error.strerror or str(error)).lower()}.") from None
    if not is_zip:
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
            title = archive["title"] if "title" in archive.files else None
    except DataError:
        raise
    # What a damaged archive raises, found by flipping bytes all through a small .npz.
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error, tokenize.TokenError,
            NotImplementedError) as error:
        raise DataError(
            f"{file.name} is not a readable .npz file ({_first_line(error)}).") from None
    # The optional fields, as Fit Lab's uploads write them: a list of names, a piece of text.
    if names is not None and (names.ndim != 1 or names.dtype.kind not in "USiu"):
        raise DataError(f"{file.name}: class_names must be a list of names, one per class, "
                        f"not an array shaped {names.shape} of {names.dtype}.")
    if title is not None and (title.ndim != 0 or title.dtype.kind not in "US"):
        raise DataError(f"{file.name}: title must be one piece of text, the data set's name, "
                        f"not an array shaped {title.shape} of {title.dtype}.")
    x_train, y_train = _checked_pair(file.name, "train", arrays["x_train"], arrays["y_train"])
    # Photos turned into an .npz have no test set: an empty one is allowed.
    x_test, y_test = _checked_pair(file.name, "test", arrays["x_test"], arrays["y_test"],
                                   may_be_empty=True)
    if len(x_test) and x_train.shape[1:] != x_test.shape[1:]:
        raise DataError(
            f"{file.name}: training images are {x_train.shape[1:]} but test images are "
            f"{x_test.shape[1:]}; they must be the same size."
        )
    num_classes = int(max(y_train.max(), y_test.max(initial=0))) + 1
    if num_classes < 2:
        raise DataError(f"{file.name}: the labels hold a single class; a classifier needs two.")
    if names is None or len(names) != num_classes:
        names = [f"class {label}" for label in range(num_classes)]
    return x_train, y_train, x_test, y_test, tuple(str(name) for name in names)


def _checked_pair(file_name: str, split: str, x: np.ndarray, y: np.ndarray,
                  may_be_empty: bool = False):
    if x.ndim == 3:  # grayscale without a channel axis, as MNIST ships
        x = x[..., np.newaxis]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or (len(x) == 0 and not may_be_empty):
        raise DataError(
            f"{file_name}: x_{split} must hold images shaped (count, height, width, 1 or 3), "
            f"not {x.shape}."
        )
    if x.dtype != np.uint8 and not (np.issubdtype(x.dtype, np.floating) and np.isfinite(x).all()):
        raise DataError(f"{file_name}: x_{split} must be uint8 pixels or finite floats.")
    if y.ndim == 0 or (len(y) and y.size == 0):
        raise DataError(f"{file_name}: y_{split} must hold one label per image, not an array "
                        f"shaped {y.shape}.")
    y = y.reshape(len(y), -1) if len(y) else y.reshape(0, 1)
    if y.shape[1] > 1 and not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
        raise DataError(  # argmax would read every such row as some class, most often 0
            f"{file_name}: y_{split} is shaped {y.shape}, but its rows are not one-hot (a "
            "single 1 among 0s); give one whole-number label per image, or one-hot rows.")
    y = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]  # one-hot or integer labels
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise DataError(f"{file_name}: y_{split} must hold whole-number labels from 0 up.")
    if len(y) and y.max() >= MAX_CLASSES:
        raise DataError(
            f"{file_name}: y_{split} holds the label {int(y.max()):,}, but labels number the "
            f"classes from 0 and Fit Lab takes at most {MAX_CLASSES:,} classes (labels 0 to "
            f"{MAX_CLASSES - 1:,})."
        )
    if len(y) != len(x):
        raise DataError(
            f"{file_name}: {len(x)} images in x_{split} but {len(y)} labels in y_{split}."
        )
    return x, y.astype(np.int64)


def select(x, y, class_names, classes=(), images_per_class: int = 0):
    """Keep the chosen classes (all when none are chosen), at most `images_per_class` of each.

    Labels are renumbered 0, 1, … in the order the classes were chosen, as the model's
    outputs are; images keep their order in the data set.
    """
    class_names = tuple(class_names)
    chosen = check_classes(class_names, classes)
    keep, labels = [], np.empty(len(y), np.int64)
    for new_label, name in enumerate(chosen):
        found = np.flatnonzero(y == class_names.index(name))
        if images_per_class:
            found = found[:images_per_class]
        keep.append(found)
        labels[found] = new_label
    keep = np.sort(np.concatenate(keep))
    if len(keep) == len(y):
        return x, labels, chosen  # nothing left out: no copy of the images
    return x[keep], labels[keep], chosen


def check_classes(class_names, classes) -> tuple[str, ...]:
    """The chosen classes, all of them when none are chosen; DataError for a name not there."""
    unknown = [name for name in classes if name not in class_names]
    if unknown:
        raise DataError(f"This data set has no class called {unknown[0]!r}; its classes are "
                        f"{', '.join(class_names)}.")
    return tuple(classes) or tuple(class_names)


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


def scale(pixels: np.ndarray) -> np.ndarray:
    """Pixels 0-255 become 0-1 floats, as the lesson normalises them; floats pass as they are."""
    if pixels.dtype == np.uint8:
        return pixels.astype(np.float32) / 255.0
    return pixels.astype(np.float32)


def encode_labels(labels: np.ndarray, num_classes: int, label_encoding: str) -> np.ndarray:
    if label_encoding == "one-hot":
        return np.eye(num_classes, dtype=np.float32)[labels]
    return labels.astype(np.int64)
