"""The built-in data sets, one entry each in BUILT_IN: everything the rest of Fit Lab knows of
one (its title, its line in the Dataset box, its classes and sizes, the files it is downloaded
from, the accuracy the "fast" exercise asks of it, the classes the lesson trains on).

`fitlab.data` describes and loads them, `fitlab.downloads` fetches their files,
`fitlab.export` writes the code that loads them, and the settings, pages and exercises read
their titles and figures from here. It imports nothing of Fit Lab's but `shapes`, so any of
those can read it (settings.py and data.py once imported each other for a title).
"""

from __future__ import annotations

import dataclasses

from fitlab import shapes

SHAPES, CIFAR10, MNIST, FASHION_MNIST = "shapes", "cifar10", "mnist", "fashion_mnist"
GOOGLE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclasses.dataclass(frozen=True)
class Remote:
    """One file of a data set: where it comes from and where Keras' cache keeps it."""

    url: str
    cache_path: str  # under KERAS_HOME/datasets
    sha256: str | None = None
    megabytes: float = 0.0


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a page, a check or a run needs to know of a data set: a built-in one's from
    BUILT_IN, a file's or folder's from reading it (`fitlab.data.describe`)."""

    name: str
    title: str
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]
    train_size: int
    test_size: int
    class_counts: tuple[int, ...] = ()  # training images of each class
    note: str = ""  # what happened on reading: resized or skipped photos

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


@dataclasses.dataclass(frozen=True)
class BuiltIn(DatasetInfo):
    """A data set Fit Lab offers by name. Its key is its module in `keras.datasets` when it is
    downloaded: the exported code loads it from there."""

    offered: str = ""  # its line in the Dataset box
    # The files `fitlab.downloads` fetches into Keras' cache, and reads with a reader of its
    # own (downloads.READERS); none: Fit Lab makes it (Shapes).
    files: tuple[Remote, ...] = ()
    # The validation accuracy the exercise "reach a target within 5 epochs" asks for: above
    # what the lesson's defaults reach in that time, within reach of a better learning rate or
    # more images. Measured on Shapes (5 epochs, seeds 42, 1, 2): the defaults reach 0.44,
    # 0.39, 0.38; a learning rate of 0.003 reaches 0.59, 0.45, 0.50. The others are set a
    # little above the lesson's figures for 5 epochs.
    fast_target: float = 0.0
    lesson_classes: tuple[str, ...] = ()  # those the lesson's newer edition trains on

    @property
    def downloaded(self) -> bool:
        return bool(self.files)


BUILT_IN = {dataset.name: dataset for dataset in (
    BuiltIn(SHAPES, "Shapes", shapes.SHAPE_CLASSES, (32, 32, 3), shapes.SHAPES_TRAIN_SIZE,
            shapes.SHAPES_TEST_SIZE, shapes.class_counts(),
            offered="Shapes (offline, 8 classes)", fast_target=0.5),
    BuiltIn(CIFAR10, "CIFAR-10",
            ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck"), (32, 32, 3), 50_000, 10_000, (5000,) * 10,
            offered="CIFAR-10 (the lesson's photos)", fast_target=0.45,
            files=(Remote(
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                "cifar-10-batches-py-target_archive",
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170.5),),
            lesson_classes=("airplane", "bird", "cat", "dog", "truck")),
    BuiltIn(FASHION_MNIST, "Fashion-MNIST",
            ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
             "sneaker", "bag", "ankle boot"), (28, 28, 1), 60_000, 10_000, (6000,) * 10,
            offered="Fashion-MNIST (clothes, grayscale)", fast_target=0.85,
            files=tuple(Remote(GOOGLE + name, f"fashion-mnist/{name}", None, megabytes)
                        for name, megabytes in (
                            ("train-labels-idx1-ubyte.gz", 0.03),
                            ("train-images-idx3-ubyte.gz", 26.4),
                            ("t10k-labels-idx1-ubyte.gz", 0.005),
                            ("t10k-images-idx3-ubyte.gz", 4.4)))),
    BuiltIn(MNIST, "MNIST", tuple(str(digit) for digit in range(10)), (28, 28, 1), 60_000,
            10_000, (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
            offered="MNIST (handwritten digits, grayscale)", fast_target=0.97,
            files=(Remote(GOOGLE + "mnist.npz", "mnist.npz",
                          "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                          11.5),)),
)}
