"""Your own photos: folders of class folders and zips of them, with real image files."""

from __future__ import annotations

import io
import json
import os
import pathlib
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

from fitlab import data, images

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _photo(colour, size=(32, 32), mode="RGB", kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, kind)
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], **options) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content, **options)
    return buffer.getvalue()


def _pets(count=5, top="pets/") -> dict[str, bytes]:
    entries = {f"{top}cat/{n}.png": _photo((200, 10, 10)) for n in range(count)}
    entries.update({f"{top}dog/{n}.jpg": _photo((10, 10, 200), (50, 40), kind="JPEG")
                    for n in range(count)})
    return entries


def test_a_folder_of_class_folders_reads_as_32x32_colour_with_classes_mixed(tmp_path):
    for name, colour in (("cat", 255), ("dog", 0)):
        (tmp_path / name).mkdir()
        for n in range(6):
            size = (32, 32) if n % 2 else (64, 48)  # mixed sizes, and grayscale
            Image.new("L", size, colour).save(tmp_path / name / f"{n}.png")
    (tmp_path / "cat" / "notes.txt").write_text("not a photo")
    (tmp_path / "dog" / "broken.png").write_bytes(b"\x89PNG truncated")
    (tmp_path / ".DS_Store").write_text("")
    photos = images.read_folder(tmp_path)
    assert photos.x.shape == (12, 32, 32, 3) and photos.x.dtype == np.uint8
    assert photos.class_names == ("cat", "dog")
    assert photos.resized == 6
    assert sorted(photos.skipped) == ["cat/notes.txt", "dog/broken.png"]
    assert "12 images in 2 classes (cat, dog); 6 resized to 32x32 pixels; 2 files skipped" \
        in photos.summary()
    # the label follows the picture, and the classes are mixed rather than one after another
    assert all((picture.mean() > 128) == (label == 0) for picture, label in zip(photos.x,
                                                                                photos.y))
    assert photos.y.tolist() != sorted(photos.y.tolist())


def test_a_zip_of_one_folder_of_class_folders_reads_in_memory(tmp_path):
    photos = images.read_zip(_zip(_pets()), "pets.zip")
    assert photos.class_names == ("cat", "dog") and len(photos.x) == 10
    assert photos.resized == 5  # the dogs were 50x40
    flat = images.read_zip(_zip(_pets(top="")), "flat.zip")  # class folders at the top
    assert flat.class_names == ("cat", "dog")


@pytest.mark.parametrize("entries, words", [
    ({"../evil/cat.png": _photo(1), **_pets()}, "would land outside the folder"),
    ({"/etc/cron.d/cat.png": _photo(1), **_pets()}, "would land outside the folder"),
    ({"pets/cat/kittens/1.png": _photo(1), **_pets()}, "“cat/kittens” is a folder inside"),
    ({"cat.png": _photo(1), **_pets(top="")}, "cat.png is not inside a class folder"),
    ({"pets/bird/": b"", **_pets()}, "“bird” in pets.zip has no readable images"),
    ({**_pets(), "pets/bird/1.png": _photo(1)}, "“bird” in pets.zip has only 1 image;"),
    ({f"pets/cat/{n}.png": _photo(1) for n in range(6)}, "has 1 class folder; a classifier"),
    ({"pets/cat/1.png": b"not a picture", **{f"pets/dog/{n}.png": _photo(1) for n in
                                             range(5)}}, "“cat” in pets.zip has no readable"),
])
def test_each_bad_zip_gets_a_message_that_says_what_to_change(entries, words):
    with pytest.raises(data.DataError, match=words):
        images.read_zip(_zip(entries), "pets.zip")


def test_a_zip_that_is_too_big_or_unpacks_too_far_or_is_not_a_zip(monkeypatch):
    with pytest.raises(data.DataError, match="not a zip archive"):
        images.read_zip(b"just some text", "notes.zip")
    with pytest.raises(data.DataError, match=r"is 20.0 MB; the limit is 20.0 MB"):
        images.read_zip(b"x" * (images.MAX_ZIP_BYTES + 1), "huge.zip")
    # A zip bomb: 300 MB of zeros that pack into well under a megabyte.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("pets/cat/0.png", "w", force_zip64=True) as entry:
            for _ in range(300):
                entry.write(bytes(1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(data.DataError, match="would unpack to 300.0 MB, more than the limit"):
        images.read_zip(bomb.getvalue(), "bomb.zip")


def test_a_link_inside_a_zip_is_refused():
    link = zipfile.ZipInfo("pets/cat/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(link, "/etc/passwd")
        for name, content in _pets().items():
            archive.writestr(name, content)
    with pytest.raises(data.DataError, match="holds a link"):
        images.read_zip(buffer.getvalue(), "pets.zip")


def test_a_folder_with_nested_or_too_few_folders(tmp_path):
    (tmp_path / "cat" / "kittens").mkdir(parents=True)
    with pytest.raises(data.DataError, match="“cat/kittens” is a folder inside a class folder"):
        images.read_folder(tmp_path)
    with pytest.raises(data.DataError, match="no such folder"):
        images.read_folder(tmp_path / "missing")


def test_cifar_subset_as_png_class_folders_trains_from_the_command_line(cifar_subset, tmp_path):
    """The issue's bar: the lesson's settings for 10 epochs reach 0.42 on the photos as PNGs."""
    with np.load(cifar_subset) as subset:
        images.write_folder(tmp_path / "cifar", subset["x_train"], subset["y_train"],
                            data.CIFAR10_CLASSES)
    info = data.describe(str(tmp_path / "cifar"))
    assert (info.train_size, info.num_classes, info.image_shape) == (5085, 10, (32, 32, 3))
    result = subprocess.run(
        [sys.executable, "-m", "fitlab", "train", "--dataset", str(tmp_path / "cifar"),
         "--epochs", "10", "--json"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=400)
    assert result.returncode == 0, result.stderr[-2000:]
    epochs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(epochs) == 10
    assert epochs[-1]["val_accuracy"] >= 0.42, epochs[-1]
