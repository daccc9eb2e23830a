import os
import zipfile

import numpy as np
import pytest

from fitlab import data, images, shapes, uploads


def test_shapes_are_32x32_colour_in_eight_balanced_classes_and_repeat_for_a_seed():
    (x_train, y_train), (x_test, y_test) = shapes.shapes(seed=5, train_size=800, test_size=200)
    assert x_train.shape == (800, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (200, 32, 32, 3)
    counts = np.bincount(y_train, minlength=8)
    assert len(counts) == 8 and counts.min() > 60
    (again, _), _ = shapes.shapes(seed=5, train_size=800, test_size=200)
    (other, _), _ = shapes.shapes(seed=6, train_size=800, test_size=200)
    assert np.array_equal(x_train, again) and not np.array_equal(x_train, other)


def test_the_shapes_class_counts_are_those_the_default_draws_without_drawing_them():
    (_, y_train), _ = shapes.shapes()
    assert shapes.class_counts() == tuple(np.bincount(y_train, minlength=8).tolist())
    assert data.describe(data.SHAPES).class_counts == shapes.class_counts()


def test_split_holds_out_the_last_fifth_and_encodes_labels_for_the_loss():
    x = np.arange(100 * 2 * 2 * 3, dtype=np.uint8).reshape(100, 2, 2, 3)
    y = np.arange(100) % 4
    one_hot = data.split_for_training(x, y, 50, 4, "one-hot")
    assert len(one_hot.x_train) == 40 and len(one_hot.x_val) == 10
    assert np.array_equal(one_hot.x_val, x[40:50].astype(np.float32) / 255)
    assert one_hot.y_train.shape == (40, 4) and one_hot.y_train[3].tolist() == [0, 0, 0, 1]
    integers = data.split_for_training(x, y, 50, 4, "integer")
    assert integers.y_val.tolist() == (np.arange(40, 50) % 4).tolist()
    assert one_hot.x_train.max() <= 1.0


def test_npz_in_keras_layout_is_described_without_loading_keras(small_npz):
    info = data.describe(str(small_npz))
    assert (info.train_size, info.test_size, info.image_shape) == (240, 60, (32, 32, 3))
    assert info.num_classes == 8


def _write(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


@pytest.mark.parametrize("arrays, words", [
    ({"x_train": np.zeros((4, 8, 8, 3), np.uint8)}, "has no y_train, x_test, y_test"),
    ({"x_train": np.zeros((4, 8, 8, 3), np.uint8), "y_train": np.zeros(3, np.int64),
      "x_test": np.zeros((2, 8, 8, 3), np.uint8), "y_test": np.zeros(2, np.int64)},
     "4 images in x_train but 3 labels"),
    ({"x_train": np.zeros((4, 8, 3), np.uint8)[:, :, :, None][..., 0, 0],
      "y_train": np.zeros(4, np.int64), "x_test": np.zeros((2, 8, 8, 3), np.uint8),
      "y_test": np.zeros(2, np.int64)}, "must hold images shaped"),
    ({"x_train": np.zeros((4, 8, 8, 3), np.uint8), "y_train": np.full(4, -1),
      "x_test": np.zeros((2, 8, 8, 3), np.uint8), "y_test": np.zeros(2, np.int64)},
     "whole-number labels"),
    ({"x_train": np.zeros((4, 8, 8, 3), np.uint8), "y_train": np.zeros(4, np.int64),
      "x_test": np.zeros((2, 8, 8, 3), np.uint8), "y_test": np.zeros(2, np.int64)},
     "single class"),
])
def test_malformed_npz_files_get_a_message_that_says_what_is_wrong(tmp_path, arrays, words):
    with pytest.raises(data.DataError, match=words):
        data.describe(_write(tmp_path / "bad.npz", **arrays))


def test_not_an_npz_at_all(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(data.DataError, match="not an .npz archive"):
        data.describe(str(text))
    (tmp_path / "photos.zip").write_bytes(b"PK")
    with pytest.raises(data.DataError, match="expected a .npz file"):
        data.describe(str(tmp_path / "photos.zip"))
    with pytest.raises(data.DataError, match="no data set called .*missing.npz"):
        data.describe(str(tmp_path / "missing.npz"))
    broken = tmp_path / "broken.npz"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("x_train.npy", b"not numpy")
    with pytest.raises(data.DataError):
        data.describe(str(broken))


def test_data_folder_npz_files_are_offered_by_name(tmp_path, monkeypatch, small_npz):
    (tmp_path / "birds.npz").write_bytes(small_npz.read_bytes())
    monkeypatch.setenv("FITLAB_DATA_DIR", str(tmp_path))
    offered = data.choices()
    assert list(offered)[:2] == ["shapes", "cifar10"]
    assert offered["birds.npz"] == "birds.npz (data folder)"
    assert data.resolve("birds.npz") == str((tmp_path / "birds.npz").resolve())
    with pytest.raises(data.DataError, match="no data set called '../etc/passwd'"):
        data.resolve("../etc/passwd")


def test_classes_are_chosen_renumbered_and_capped_per_class():
    x = np.arange(12, dtype=np.uint8).reshape(12, 1, 1, 1)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
    names = ("cat", "dog", "bird")
    picked_x, picked_y, picked = data.select(x, y, names, ("bird", "cat"), images_per_class=3)
    assert picked == ("bird", "cat")
    assert picked_x.ravel().tolist() == [0, 2, 3, 5, 6, 8]  # still in the data set's order
    assert picked_y.tolist() == [1, 0, 1, 0, 1, 0]  # bird is now 0, cat 1
    every_x, every_y, every = data.select(x, y, names)
    assert every == names and every_x is x and every_y.tolist() == y.tolist()
    with pytest.raises(data.DataError, match="no class called 'horse'; its classes are cat"):
        data.select(x, y, names, ("horse", "cat"))


def test_the_data_folder_offers_npz_files_and_photo_folders_by_name(tmp_path, monkeypatch):
    (tmp_path / "pets").mkdir()
    (tmp_path / ".hidden").mkdir()
    monkeypatch.setenv("FITLAB_DATA_DIR", str(tmp_path))
    offered = data.choices()
    assert list(offered)[:4] == ["shapes", "cifar10", "fashion_mnist", "mnist"]
    assert offered["pets"] == "pets/ photos (data folder)" and ".hidden" not in offered
    assert data.resolve("pets") == str((tmp_path / "pets").resolve())


def test_grayscale_data_sets_are_described_with_one_channel():
    assert data.describe(data.MNIST).image_shape == (28, 28, 1)
    assert data.describe(data.FASHION_MNIST).class_names[-1] == "ankle boot"
    assert data.describe(data.CIFAR10).image_shape == (32, 32, 3)


def test_a_learners_oldest_uploads_make_room_but_never_one_a_run_of_theirs_uses(tmp_path):
    """Four uploads where three are kept: the oldest goes, but not while a run waits for it
    or trains on it. Each is written whole and read back."""
    photos = images.ImageSet(np.zeros((10, 32, 32, 3), np.uint8), np.arange(10) % 2,
                             ("cat", "dog"), (), 0)
    paths = []
    for number, name in enumerate(("first.zip", "second.zip", "third.zip", "fourth.zip")):
        paths.append(tmp_path / uploads.file_name(name, f"{number:064x}"))
        uploads.save(paths[-1], photos, name)
        os.utime(paths[-1], ns=(number * 10**9, number * 10**9))  # written in this order
    assert data.describe(str(paths[0])).title == "first.zip"
    assert uploads.keep_latest(tmp_path, paths[-1], in_use={paths[0]}) == []
    assert len(images.uploads_in(tmp_path)) == 4
    assert uploads.keep_latest(tmp_path, paths[-1], in_use=set()) == ["first.zip"]
    assert [name for _, name, _ in images.uploads_in(tmp_path)] == \
        ["fourth.zip", "third.zip", "second.zip"]
    assert not list(tmp_path.glob("*.part"))  # nothing half-written is left
