import socket
import zipfile

import numpy as np
import pytest

from fitlab import data


def test_shapes_are_32x32_colour_in_eight_balanced_classes_and_repeat_for_a_seed():
    (x_train, y_train), (x_test, y_test) = data.shapes(seed=5, train_size=800, test_size=200)
    assert x_train.shape == (800, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (200, 32, 32, 3)
    counts = np.bincount(y_train, minlength=8)
    assert len(counts) == 8 and counts.min() > 60
    (again, _), _ = data.shapes(seed=5, train_size=800, test_size=200)
    (other, _), _ = data.shapes(seed=6, train_size=800, test_size=200)
    assert np.array_equal(x_train, again) and not np.array_equal(x_train, other)


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
    with pytest.raises(data.DataError, match="expected a .npz file"):
        data.describe(str(tmp_path / "photos.zip"))
    with pytest.raises(data.DataError, match="no such file"):
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


@pytest.mark.timeout(60)  # a hang, not a slow answer, is what this guards against
def test_cifar10_download_without_network_fails_with_advice(tmp_path, monkeypatch):
    # The network is external: we make name lookups fail, as on an offline laptop, and point
    # Keras' cache at an empty folder so that nothing cached is found.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    import keras.src.backend.config as keras_config

    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))

    def offline(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    with pytest.raises(data.DataError, match="Could not download CIFAR-10.*fetch cifar10"):
        data.load(data.CIFAR10)
    assert not data.cifar10_is_cached()
