"""Your own photos: a folder with one subfolder per class, or a `.zip` of such folders.

This is the layout `keras.utils.image_dataset_from_directory` reads. Fit Lab reads it with
Pillow (which Streamlit already depends on) instead, because the server must describe and
check the photos without importing TensorFlow, and because a learner's folder holds the odd
file that is not an image: those are skipped and counted rather than ending the run.

Every image becomes 32x32 RGB, the lesson's size, squashed as Keras' loader squashes it
(no cropping), so photos of any size and mode train with the lesson's model.
"""

from __future__ import annotations

import dataclasses
import io
import pathlib
import stat
import zipfile
from typing import Callable, Iterable

import numpy as np
from PIL import Image, UnidentifiedImageError

from fitlab.errors import DataError

IMAGE_SIZE = (32, 32)
MIN_IMAGES_PER_CLASS = 5
MAX_ZIP_BYTES = 20 * 1024 * 1024  # the upload limit, as .streamlit/config.toml sets it
MAX_EXPANDED_BYTES = 200 * 1024 * 1024  # a zip may not unpack to more than this
MAX_IMAGE_PIXELS = 40_000_000  # a bigger "photo" is a decompression bomb, not a picture
ORDER_SEED = 0


@dataclasses.dataclass(frozen=True)
class ImageSet:
    x: np.ndarray  # (N, 32, 32, 3) uint8, classes mixed in a fixed order
    y: np.ndarray  # (N,) int64
    class_names: tuple[str, ...]
    skipped: tuple[str, ...]  # files that are not readable images
    resized: int  # images that were not 32x32 already

    def summary(self) -> str:
        parts = [f"{len(self.x):,} images in {len(self.class_names)} classes "
                 f"({', '.join(self.class_names)})"]
        if self.resized:
            parts.append(f"{self.resized:,} resized to {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} pixels")
        if self.skipped:
            shown = ", ".join(self.skipped[:3]) + (", …" if len(self.skipped) > 3 else "")
            parts.append(f"{len(self.skipped):,} files skipped as unreadable ({shown})")
        return "; ".join(parts) + "."


# An entry: its path split into parts below the top, and a function that returns its bytes.
Entry = tuple[tuple[str, ...], Callable[[], bytes]]


def read_folder(folder: str | pathlib.Path) -> ImageSet:
    root = pathlib.Path(folder)
    if not root.is_dir():
        raise DataError(f"{root.name}: no such folder.")
    class_folders = [path for path in sorted(root.iterdir())
                     if path.is_dir() and not _hidden(path.name)]
    for path in class_folders:
        nested = [child.name for child in path.iterdir() if child.is_dir()
                  and not _hidden(child.name)]
        if nested:
            raise _nested(f"{path.name}/{nested[0]}")
    entries = [((path.name, file.name), file.read_bytes) for path in class_folders
               for file in sorted(path.iterdir()) if file.is_file() and not _hidden(file.name)]
    return _decode(root.name, entries, [path.name for path in class_folders])


def read_zip(payload: bytes, name: str) -> ImageSet:
    """Read a zip of class folders in memory: nothing is unpacked onto the disk."""
    if len(payload) > MAX_ZIP_BYTES:
        raise DataError(f"{name} is {_megabytes(len(payload))}; the limit is "
                             f"{_megabytes(MAX_ZIP_BYTES)}. Use fewer or smaller photos.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile:
        raise DataError(f"{name} is not a zip archive.") from None
    with archive:
        for info in archive.infolist():  # every entry, the hidden ones too
            _check_member(name, info)
        members = [info for info in archive.infolist() if not _ignored(info.filename)]
        expanded = sum(info.file_size for info in members)
        if expanded > MAX_EXPANDED_BYTES:
            raise DataError(f"{name} would unpack to {_megabytes(expanded)}, more than "
                                 f"the limit of {_megabytes(MAX_EXPANDED_BYTES)}.")
        parts = [tuple(part for part in info.filename.split("/") if part) for info in members]
        files = [(path, info) for path, info in zip(parts, members) if not info.is_dir()]
        # A zip of a folder usually holds that one folder: its subfolders are the classes.
        tops = {path[0] for path in parts if path}
        if len(tops) == 1 and all(len(path) >= 2 for path, _ in files):
            parts = [path[1:] for path in parts]
            files = [(path[1:], info) for path, info in files]
        class_names = sorted({path[0] for path in parts if len(path) >= 2}
                             | {path[0] for path, info in zip(parts, members)
                                if info.is_dir() and len(path) == 1})
        for path, _ in files:
            if len(path) > 2:
                raise _nested("/".join(path[:2]))
        loose = [path[0] for path, _ in files if len(path) == 1]
        if loose:
            raise DataError(
                f"{loose[0]} is not inside a class folder. Put each photo into a folder "
                "named after its class (cat/1.png, dog/2.png, …) and zip those folders.")
        entries = [(path, _reader(archive, info)) for path, info in files]
        return _decode(name, entries, class_names)


def _reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        # The header's size can lie; read at most one byte more than it claims.
        with archive.open(info) as member:
            content = member.read(info.file_size + 1)
        if len(content) > info.file_size:
            raise DataError(f"{info.filename} holds more than its header says.")
        return content
    return read


def _check_member(name: str, info: zipfile.ZipInfo) -> None:
    path = info.filename.replace("\\", "/")
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":"):
        raise DataError(
            f"{name} holds “{info.filename[:60]}”, which would land outside the folder it is "
            "unpacked into. Fit Lab does not read zips like that.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise DataError(f"{name} holds a link (“{info.filename[:60]}”); zip the photos "
                             "themselves.")


def _decode(source: str, entries: Iterable[Entry], class_names: list[str]) -> ImageSet:
    class_names = list(class_names)
    if len(class_names) < 2:
        raise DataError(
            f"{source} has {len(class_names) or 'no'} class folder"
            f"{'' if len(class_names) == 1 else 's'}; a classifier needs at least two. Put "
            "each class's photos in a folder named after the class.")
    index = {name: label for label, name in enumerate(class_names)}
    images, labels, skipped, resized = [], [], [], 0
    for path, read in entries:
        try:
            with Image.open(io.BytesIO(read())) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise ValueError("too many pixels")
                picture = image.convert("RGB")
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
                SyntaxError):
            skipped.append("/".join(path))
            continue
        if picture.size != IMAGE_SIZE:
            picture = picture.resize(IMAGE_SIZE, Image.Resampling.BILINEAR)
            resized += 1
        images.append(np.asarray(picture, np.uint8))
        labels.append(index[path[0]])
    counts = np.bincount(np.asarray(labels, np.int64), minlength=len(class_names))
    empty = [name for name, count in zip(class_names, counts) if count == 0]
    if empty:
        raise DataError(f"The class folder “{empty[0]}” in {source} has no readable "
                             "images.")
    few = [(name, count) for name, count in zip(class_names, counts)
           if count < MIN_IMAGES_PER_CLASS]
    if few:
        name, count = few[0]
        raise DataError(
            f"The class “{name}” in {source} has only {count} image{'s' if count > 1 else ''}; "
            f"each class needs at least {MIN_IMAGES_PER_CLASS}, so that some can be held out "
            "for validation.")
    # Folders list one class after another; mixing them once, the same way every time,
    # means the last 20 % held out for validation has every class in it.
    order = np.random.default_rng(ORDER_SEED).permutation(len(images))
    return ImageSet(np.stack(images)[order], np.asarray(labels, np.int64)[order],
                    tuple(class_names), tuple(skipped), resized)


def write_folder(folder: pathlib.Path, x: np.ndarray, y: np.ndarray,
                 class_names: Iterable[str]) -> None:
    """Images as PNG files in class folders: what `read_folder` reads, for tests and demos."""
    names = list(class_names)
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for number, (image, label) in enumerate(zip(x, y)):
        Image.fromarray(image.squeeze()).save(folder / names[int(label)] / f"{number:05d}.png")


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _ignored(filename: str) -> bool:
    return any(_hidden(part) for part in filename.split("/") if part)


def _nested(where: str) -> DataError:
    return DataError(
        f"“{where}” is a folder inside a class folder. Fit Lab reads one level of class "
        "folders, each holding its photos directly.")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
