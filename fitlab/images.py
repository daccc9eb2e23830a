"""Your own photos: a folder with one subfolder per class, or a `.zip` of such folders.

This is the layout `keras.utils.image_dataset_from_directory` reads. Fit Lab reads it with
Pillow (which Streamlit already depends on) instead, because the server must describe and
check the photos without importing TensorFlow, and because a learner's folder holds the odd
file that is not an image: those are skipped and counted rather than ending the run.

Every image becomes 32x32 RGB, the lesson's size, squashed as Keras' loader squashes it
(no cropping), so photos of any size and mode train with the lesson's model. A JPEG is
decoded at 1/2, 1/4 or 1/8 of its size where that still leaves 32x32 (Pillow's draft
mode), which makes a phone photo some 50 times cheaper to read.
"""

from __future__ import annotations

import dataclasses
import io
import lzma
import pathlib
import stat
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable

import numpy as np
from PIL import Image, UnidentifiedImageError

from fitlab.errors import DataError

IMAGE_SIZE = (32, 32)
MIN_IMAGES_PER_CLASS = 5
ORDER_SEED = 0

# What one upload may cost. A zip's size says little about that: 125,000 one-pixel PNGs pack
# into 20 MB and became a 384 MB array, and a PNG of a few kilobytes can say it is 40
# megapixels and take a second of CPU to decode. So the bounds count what reading costs
# after decoding, and each is checked from the zip's directory or the images' headers
# (Pillow's Image.open reads only the header) before a single pixel is decoded.
MAX_ZIP_BYTES = 20 * 1024 * 1024  # the upload limit, as .streamlit/config.toml sets it
MAX_EXPANDED_BYTES = 200 * 1024 * 1024  # a zip may not unpack to more than this
# Photos in one upload. Every photo becomes 32x32x3 bytes, so 10,000 make at most a 31 MB
# array, in memory while it is read and on disk once kept; a learner's own classes hold tens
# to hundreds of photos, and 10,000 tiny files take 0.9 s to read.
MAX_UPLOAD_FILES = 10_000
# Decoded pixels of one image, counted as Pillow will decode it (a JPEG is decoded at 1/2,
# 1/4 or 1/8 of its size when that still leaves 32x32, so a 50-megapixel phone photo costs
# under 1). 25 megapixels is a 24-megapixel camera's picture as PNG; it takes 75 to 175 MB
# while it is decoded and made RGB. A bigger image is a decompression bomb, not a photo.
MAX_IMAGE_PIXELS = 25_000_000
# Decoded pixels of a whole upload: what the decoding costs in CPU. A 20 MB zip of real
# photos decodes to well under 100 megapixels (photos as PNG take about 1.5 bytes a pixel,
# JPEGs decode at 1/8 of their size); 250 megapixels of PNG take 2 s (one colour) to 5 s
# (noise) on the 2-core development machine, where a 20 MB zip of small files that each
# decode to 25 megapixels would take minutes.
MAX_UPLOAD_PIXELS = 250_000_000
# Time for reading one upload, its headers and its pixels: six times the slowest upload the
# limits above allow, measured alone, so a server busy with training and other uploads
# still finishes honest ones; past it a sentence serves the learner better than a spinner.
READ_SECONDS = 30.0
# Classes in one upload: CIFAR-100 has 100. Each class is a line in the Data page's chart and
# a choice on the Train page; a zip of 2,000 folders of 5 photos is not a learner's own set.
MAX_UPLOAD_CLASSES = 100


@dataclasses.dataclass(frozen=True)
class ImageSet:
    x: np.ndarray  # (N, 32, 32, 3) uint8, classes mixed in a fixed order
    y: np.ndarray  # (N,) int64
    class_names: tuple[str, ...]
    skipped: tuple[str, ...]  # files that are not readable images
    resized: int  # images that were not 32x32 already

    def summary(self) -> str:
        names = ", ".join(_short(name, 30) for name in self.class_names[:12]) + (
            ", …" if len(self.class_names) > 12 else "")
        parts = [f"{len(self.x):,} images in {len(self.class_names)} classes ({names})"]
        if self.resized:
            parts.append(f"{self.resized:,} resized to {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} pixels")
        if self.skipped:
            shown = ", ".join(_short(path) for path in self.skipped[:3]) + (
                ", …" if len(self.skipped) > 3 else "")
            parts.append(f"{len(self.skipped):,} files skipped as unreadable ({shown})")
        return "; ".join(parts) + "."


# An entry: its path split into parts below the top, and a function that returns its bytes.
Entry = tuple[tuple[str, ...], Callable[[], bytes]]
# Told (photos read, photos in all) as reading goes on; it may raise to stop the reading.
Progress = Callable[[int, int], None]
# Room in a zip's directory for a Mac's hidden twin of every photo (__MACOSX/._1.jpg) and
# for the folders: more entries than this are refused before the directory is even parsed.
MAX_ZIP_ENTRIES = 3 * MAX_UPLOAD_FILES


def read_folder(folder: str | pathlib.Path) -> ImageSet:
    """A folder of class folders, as an instructor or the command line gives it: trusted, so
    the upload bounds do not apply; an image too big to be a photo is skipped."""
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


def read_zip(payload: bytes, name: str, progress: Progress | None = None,
             seconds: float = READ_SECONDS) -> ImageSet:
    """Read a zip of class folders in memory: nothing is unpacked onto the disk. What it may
    cost is bounded (the MAX_ constants above, READ_SECONDS), and each bound is checked
    before the pixels it counts are decoded."""
    budget = _Budget(name, seconds, progress)
    if len(payload) > MAX_ZIP_BYTES:
        raise DataError(f"{name} is {_megabytes(len(payload))}; the limit is "
                             f"{_megabytes(MAX_ZIP_BYTES)}. Use fewer or smaller photos.")
    claimed = _entries_claimed(payload)
    if claimed > MAX_ZIP_ENTRIES:  # parsing 125,000 entries alone takes 1.5 s
        raise _too_many(name, claimed, "files and folders")
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile:
        raise DataError(f"{name} is not a zip archive.") from None
    with archive:
        if len(archive.infolist()) > MAX_ZIP_ENTRIES:  # its end record understated them
            raise _too_many(name, len(archive.infolist()), "files and folders")
        for info in archive.infolist():  # every entry, the hidden ones too
            _check_member(name, info)
        members = [info for info in archive.infolist() if not _ignored(info.filename)]
        expanded = sum(info.file_size for info in members)
        if expanded > MAX_EXPANDED_BYTES:
            raise DataError(f"{name} would unpack to {_megabytes(expanded)}, more than "
                                 f"the limit of {_megabytes(MAX_EXPANDED_BYTES)}.")
        parts = [tuple(part for part in info.filename.split("/") if part) for info in members]
        files = [(path, info) for path, info in zip(parts, members) if not info.is_dir()]
        if len(files) > MAX_UPLOAD_FILES:
            raise _too_many(name, len(files), "files")
        # A zip of a folder usually holds that one folder: its subfolders are the classes.
        # A zip of one class folder has no subfolders: that folder is its one class.
        tops = {path[0] for path in parts if path}
        if len(tops) == 1 and all(len(path) >= 2 for path, _ in files) and any(
                len(path) >= 3 for path, _ in files):
            parts = [path[1:] for path in parts]
            files = [(path[1:], info) for path, info in files]
        class_names = sorted({path[0] for path in parts if len(path) >= 2}
                             | {path[0] for path, info in zip(parts, members)
                                if info.is_dir() and len(path) == 1})
        if len(class_names) > MAX_UPLOAD_CLASSES:
            raise DataError(
                f"{name} has {len(class_names):,} class folders; Fit Lab trains on at most "
                f"{MAX_UPLOAD_CLASSES} classes from one upload. Keep the classes you want to "
                "tell apart.")
        for path, _ in files:
            if len(path) > 2:
                raise _nested("/".join(path[:2]))
        loose = [path[0] for path, _ in files if len(path) == 1]
        if loose:
            raise DataError(
                f"{_short(loose[0])} is not inside a class folder. Put each photo into a "
                "folder named after its class (cat/1.png, dog/2.png, …) and zip those "
                "folders.")
        entries = [(path, _reader(archive, info)) for path, info in files]
        return _decode(name, entries, class_names, budget)


class _Budget:
    """An upload's time limit, checked as each photo is read, and its progress reports."""

    def __init__(self, source: str, seconds: float, progress: Progress | None):
        self.source, self.seconds, self.progress = source, seconds, progress
        self.deadline = time.monotonic() + seconds

    def check(self, done: int, total: int, stage: str = "read") -> None:
        if self.progress is not None and stage == "read":  # the headers take a moment only
            self.progress(done, total)
        if time.monotonic() > self.deadline:
            raise DataError(
                f"Reading {self.source} took more than {self.seconds:g} seconds, the limit "
                f"for one upload, and was stopped ({done:,} of {total:,} photos {stage}). "
                "Upload fewer or smaller photos; if many people are uploading at once, try "
                "again in a minute.")


def _entries_claimed(payload: bytes) -> int:
    """How many entries the zip's end record says it holds (0 if it has none): a cheap
    first count, before Python's zipfile parses every entry. A zip can understate it, so
    the parsed entries are counted too."""
    end = payload.rfind(b"PK\x05\x06", max(0, len(payload) - 22 - 65_535))
    if end < 0 or end + 22 > len(payload):
        return 0
    count = struct.unpack_from("<H", payload, end + 10)[0]
    zip64 = payload.rfind(b"PK\x06\x06", 0, end)
    if count == 0xFFFF and zip64 >= 0 and zip64 + 40 <= len(payload):
        count = struct.unpack_from("<Q", payload, zip64 + 32)[0]
    return count


def _too_many(name: str, count: int, what: str) -> DataError:
    return DataError(
        f"{name} holds {count:,} {what}; Fit Lab reads at most {MAX_UPLOAD_FILES:,} photos "
        "from one upload, as each one costs the server memory whatever its size. Zip fewer "
        "photos: a few hundred per class are plenty.")


def _reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        # The header's size can lie; read at most one byte more than it claims.
        try:
            with archive.open(info) as member:
                content = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
                NotImplementedError, RuntimeError):
            raise DataError(  # damaged, encrypted, or packed in a way zipfile cannot unpack
                f"{_quoted(info.filename)} cannot be unpacked: the zip is damaged, protected "
                "by a password or packed with an unusual method. Zip the folders again with "
                "your computer's own zip tool.") from None
        if len(content) > info.file_size:
            raise DataError(f"{_quoted(info.filename)} holds more than its header says.")
        return content
    return read


def _check_member(name: str, info: zipfile.ZipInfo) -> None:
    path = info.filename.replace("\\", "/")
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":"):
        raise DataError(
            f"{name} holds {_quoted(info.filename)}, which would land outside the folder it is "
            "unpacked into. Fit Lab does not read zips like that.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise DataError(f"{name} holds a link ({_quoted(info.filename)}); zip the photos "
                             "themselves.")


# What Pillow raises for a file that is not an image it can read (a truncated header raises
# struct.error, an odd one SyntaxError or ValueError).
UNREADABLE = (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error,
              EOFError, Image.DecompressionBombError)


def _open(content: bytes) -> Image.Image:
    """The image, its header read and nothing decoded; a JPEG set to decode at the smallest
    scale (1/2, 1/4, 1/8) that still gives 32x32, so its size is what decoding will cost."""
    image = Image.open(io.BytesIO(content))
    image.draft("RGB", IMAGE_SIZE)
    return image


def _decode(source: str, entries: Iterable[Entry], class_names: list[str],
            budget: _Budget | None = None) -> ImageSet:
    """The photos as 32x32 RGB. With a budget (an upload), a photo too big, or photos that
    decode to too many pixels in all, refuse the upload, from their headers alone; without
    one (a folder on the server), a photo too big is skipped."""
    class_names = list(class_names)
    if len(class_names) < 2:
        raise DataError(
            f"{source} has {len(class_names) or 'no'} class folder"
            f"{'' if len(class_names) == 1 else 's'}; a classifier needs at least two. Put "
            "each class's photos in a folder named after the class.")
    index = {name: label for label, name in enumerate(class_names)}
    entries = list(entries)
    # First the headers: what each image will cost to decode, before any is decoded.
    readable, skipped, pixels = [], [], 0
    for number, (path, read) in enumerate(entries):
        if budget is not None and number % 64 == 0:
            budget.check(number, len(entries), "looked at")
        content = read()  # a damaged zip raises DataError here, not a skip
        try:
            with _open(content) as image:
                width, height = image.size
        except UNREADABLE as error:
            if isinstance(error, Image.DecompressionBombError) and budget is not None:
                raise _too_big(source, path, None) from None
            skipped.append("/".join(path))
            continue
        if width * height > MAX_IMAGE_PIXELS:
            if budget is not None:
                raise _too_big(source, path, (width, height))
            skipped.append("/".join(path))
            continue
        pixels += width * height
        readable.append((path, read))
    if budget is not None and pixels > MAX_UPLOAD_PIXELS:
        raise DataError(
            f"The photos in {source} would decode to {pixels / 1e6:,.0f} megapixels; Fit Lab "
            f"decodes at most {MAX_UPLOAD_PIXELS / 1e6:,.0f} megapixels from one upload, as "
            "decoding them costs the server time whatever the zip's size. Shrink the photos "
            "(they become 32x32 anyway) or upload fewer.")
    # Then the pixels, into one array made once: its size is known now.
    x = np.empty((len(readable), *IMAGE_SIZE, 3), np.uint8)
    labels, resized = [], 0
    for path, read in readable:
        if budget is not None:
            budget.check(len(labels), len(readable))
        content = read()
        try:
            with _open(content) as image:
                picture = image.convert("RGB")
        except UNREADABLE:
            skipped.append("/".join(path))
            continue
        if picture.size != IMAGE_SIZE:
            picture = picture.resize(IMAGE_SIZE, Image.Resampling.BILINEAR)
            resized += 1
        x[len(labels)] = np.asarray(picture, np.uint8)
        labels.append(index[path[0]])
    if budget is not None:
        budget.check(len(labels), len(readable))
    counts = np.bincount(np.asarray(labels, np.int64), minlength=len(class_names))
    empty = [name for name, count in zip(class_names, counts) if count == 0]
    if empty:
        raise DataError(f"The class folder {_quoted(empty[0])} in {source} has no readable "
                             "images.")
    few = [(name, count) for name, count in zip(class_names, counts)
           if count < MIN_IMAGES_PER_CLASS]
    if few:
        name, count = few[0]
        raise DataError(
            f"The class {_quoted(name)} in {source} has only {count} "
            f"image{'s' if count > 1 else ''}; each class needs at least "
            f"{MIN_IMAGES_PER_CLASS}, so that some can be held out for validation.")
    # Folders list one class after another; mixing them once, the same way every time,
    # means the last 20 % held out for validation has every class in it.
    order = np.random.default_rng(ORDER_SEED).permutation(len(labels))
    return ImageSet(x[:len(labels)][order], np.asarray(labels, np.int64)[order],
                    tuple(class_names), tuple(skipped), resized)


def _too_big(source: str, path: tuple[str, ...], size: tuple[int, int] | None) -> DataError:
    claim = (f"is {size[0]:,} x {size[1]:,} pixels ({size[0] * size[1] / 1e6:,.1f} megapixels)"
             if size else f"says it is over {2 * Image.MAX_IMAGE_PIXELS / 1e6:,.0f} "
             "megapixels")
    return DataError(
        f"{_quoted('/'.join(path))} in {source} {claim} once decoded; Fit Lab decodes photos "
        f"of up to {MAX_IMAGE_PIXELS / 1e6:,.0f} megapixels, as a bigger one costs the server "
        "too much memory. Shrink it (it becomes 32x32 anyway) or leave it out.")


def uploads_in(folder: pathlib.Path) -> list[tuple[pathlib.Path, str, int]]:
    """The uploads kept in a learner's folder, newest first: (file, name, bytes)."""
    kept = []
    for path in folder.glob("upload-*.npz"):
        try:
            with np.load(path) as photos:
                kept.append((path.stat().st_mtime_ns, path, str(photos["title"]),
                             path.stat().st_size))
        except (OSError, ValueError, KeyError, EOFError):  # removed meanwhile, or not ours
            continue
    return [(path, name, size) for _, path, name, size in sorted(kept, reverse=True)]


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


def _short(text: str, limit: int = 60) -> str:
    """A name from the zip, cut short: a zip's names can be any length."""
    return text if len(text) <= limit else text[:limit] + "…"


def _quoted(text: str) -> str:
    return f"“{_short(text)}”"


def _nested(where: str) -> DataError:
    return DataError(
        f"{_quoted(where)} is a folder inside a class folder. Fit Lab reads one level of class "
        "folders, each holding its photos directly.")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
