"""The Keras code of a run, to read, copy and run outside Fit Lab.

It follows the steps Fit Lab takes (the same data, classes, split, scaling, model, seed,
compile and fit) in the plain style of Keras' examples, and needs only NumPy and Keras;
the offline Shapes data set travels with it as the NumPy code that draws it. It names the
Keras backend Fit Lab's trainers use and sets it, as Keras' examples do, since the same seed
gives the same numbers only on the same backend.
"""

from __future__ import annotations

import pathlib
import textwrap

from fitlab import data, devices, models, shapes
from fitlab.data import VALIDATION_FRACTION
from fitlab.settings import (
    OPTIMIZERS,
    Settings,
    format_learning_rate,
    keras_metric,
)


def keras_code(settings: Settings) -> str:
    sections = [_header(settings), _load(settings.dataset), _select(settings),
                _split(settings), _model_and_fit(settings)]
    return "\n\n".join(textwrap.dedent(section).strip("\n") for section in sections) + "\n"


# What to install for each backend: TensorFlow brings Keras with it.
INSTALL = {"tensorflow": "pip install tensorflow numpy", "jax": "pip install jax keras numpy",
           "torch": "pip install torch keras numpy"}


def _header(settings: Settings) -> str:
    backend = devices.configured_backend()
    title = devices.backend_title(backend)
    install = INSTALL.get(backend, f"pip install {backend} keras numpy")
    return f'''
        """The lesson's CNN on {data.title(settings.dataset)}, as Fit Lab trained it.

        Exported by Fit Lab. Needs NumPy and Keras ({install}); run it
        with `python fitlab_run.py`.
        """

        import os

        # Made for Keras 3 with the {title} backend, on which the same seed gives the same
        # numbers as in Fit Lab. Set before Keras is imported; "tensorflow", "jax" and
        # "torch" all train this model.
        os.environ["KERAS_BACKEND"] = "{backend}"

        import numpy as np
        import keras

        keras.utils.set_random_seed({settings.seed})  # the same seed gives the same run
    '''


def _load(dataset: str) -> str:
    if dataset == data.SHAPES:
        return (
            "# -- Data: Shapes, drawn by NumPy (the same pictures as in Fit Lab) --\n\n"
            f"{shapes.as_code()}\n\n"
            "(x_train, y_train), (x_test, y_test) = shapes()\n"
            "class_names = list(SHAPE_CLASSES)"
        )
    if dataset in data.DOWNLOADED:
        reshape = "" if data.BUILT_IN[dataset].image_shape[-1] == 3 else (
            "x_train = x_train[..., np.newaxis]  # grayscale: add the channel axis\n")
        return (
            f"# -- Data: {data.title(dataset)}, downloaded once by Keras --\n"
            f"(x_train, y_train), (x_test, y_test) = keras.datasets.{dataset}.load_data()\n"
            f"y_train = y_train.ravel()\n{reshape}"
            f"class_names = {list(data.BUILT_IN[dataset].class_names)!r}"
        )
    name = pathlib.Path(dataset).name
    uploaded = dataset.endswith(".npz") and data.npz_title(dataset).endswith(".zip")
    if uploaded:
        name = pathlib.Path(data.npz_title(dataset)).stem  # unzipped, the zip's folder
    if pathlib.Path(dataset).is_dir() or uploaded:
        return f'''
            # -- Data: your photos, one folder per class: put the folder "{name}" beside
            # this script. Keras orders them its own way, so figures differ a little.
            photos = keras.utils.image_dataset_from_directory(
                "{name}", image_size=(32, 32), batch_size=None, shuffle=True, seed=0)
            class_names = photos.class_names
            pairs = list(photos.as_numpy_iterator())
            x_train = np.stack([image for image, _ in pairs]).astype("uint8")
            y_train = np.array([label for _, label in pairs])
        '''
    return f'''
        # -- Data: put "{name}" beside this script --
        with np.load("{name}") as archive:
            x_train, y_train = archive["x_train"], archive["y_train"]
        if x_train.ndim == 3:  # grayscale without a channel axis
            x_train = x_train[..., np.newaxis]
        y_train = y_train.reshape(len(y_train), -1)
        y_train = y_train.argmax(axis=1) if y_train.shape[1] > 1 else y_train[:, 0]
        class_names = [str(label) for label in range(int(y_train.max()) + 1)]
    '''


def _select(settings: Settings) -> str:
    if not settings.classes and not settings.images_per_class:
        return "num_classes = len(class_names)"
    chosen = list(settings.classes) or None
    per_class = settings.images_per_class or None
    return f'''
        # -- The classes to train on, at most {per_class or "all"} images of each --
        chosen = {chosen!r} or class_names
        per_class = {per_class!r}
        keep = np.sort(np.concatenate([
            np.flatnonzero(y_train == class_names.index(name))[:per_class] for name in chosen
        ]))
        new_label = {{class_names.index(name): number for number, name in enumerate(chosen)}}
        x_train = x_train[keep]
        y_train = np.array([new_label[label] for label in y_train[keep]])
        class_names = list(chosen)
        num_classes = len(class_names)
    '''


def _split(settings: Settings) -> str:
    if settings.label_encoding == "one-hot":
        encode = ("labels = keras.utils.to_categorical(y_train[:count], num_classes)  "
                  "# one-hot, for categorical cross-entropy")
    else:
        encode = ("labels = y_train[:count]  "
                  "# whole numbers, for sparse categorical cross-entropy")
    held_out = f"{VALIDATION_FRACTION:.0%}"
    return f'''
        # -- The first {settings.train_images:,} images; the last {held_out} are for validation --
        count = min({settings.train_images}, len(x_train))
        held_out = max(1, round(count * {VALIDATION_FRACTION}))
        images = x_train[:count].astype("float32") / 255.0  # pixels from 0-255 to 0-1
        {encode}
        train_images, val_images = images[:-held_out], images[-held_out:]
        train_labels, val_labels = labels[:-held_out], labels[-held_out:]
    '''


def _layer(kind: str, arguments: dict) -> str:
    """One line of the Sequential list: keras.layers.Conv2D(16, (3, 3), activation="relu")."""
    values = dict(arguments)
    first = [repr(values.pop(name)) for name in ("filters", "kernel_size", "units", "rate",
                                                  "pool_size") if name in values]
    named = [f"{name}={value!r}" for name, value in values.items()]
    text = ", ".join(first + named).replace("'", '"')
    return f"    keras.layers.{kind}({text}),"


def _metrics(settings: Settings) -> list[str]:
    """The compile call's metrics, as fitlab.training.make_metrics makes them."""
    code = ['"accuracy"']
    for name in settings.metrics:
        kind, arguments = keras_metric(name, settings.label_encoding)
        listed = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
        code.append(f"keras.metrics.{kind}({listed})".replace("'", '"'))
    return code


def _model_and_fit(settings: Settings) -> str:
    metric_words = "metrics" if settings.metrics else "metric"
    rate = format_learning_rate(settings.learning_rate)
    rate += "" if "." in rate else ".0"  # Keras' optimizers refuse a whole number: 1.0, not 1
    optimizer = (f"keras.optimizers.{OPTIMIZERS[settings.optimizer].keras_class}"
                 f"(learning_rate={rate})")
    layers = [_layer(kind, arguments) for kind, arguments in
              models.plan(settings.model, 0, settings.dropout_rate)]
    # The plan was made for 0 classes; the code counts them itself, from the data it loads.
    layers[-1] = layers[-1].replace("Dense(0,", "Dense(num_classes,")
    stopping, callbacks = "", ""
    if settings.patience:
        stopping = (
            "\n# -- Early stopping: stop once val_loss has not improved for "
            f"{settings.patience} epochs --\n"
            "early_stopping = keras.callbacks.EarlyStopping(\n"
            f'    monitor="val_loss", patience={settings.patience}, restore_best_weights=True)\n')
        callbacks = "\n    callbacks=[early_stopping],"
    return (
        f"# -- The model: {models.MODELS[settings.model].code_title} --\n"
        "model = keras.Sequential([\n    keras.Input(shape=train_images.shape[1:]),\n"
        + "\n".join(layers) + "\n])\nmodel.summary()\n\n"
        f"# -- Compile: the loss, the optimizer and the {metric_words} --\n"
        f"model.compile(\n    optimizer={optimizer},\n    loss=\"{settings.loss}\",\n"
        f"    metrics=[{', '.join(_metrics(settings))}],\n)\n"
        + stopping +
        f"\n# -- Fit: up to {settings.epochs} epochs in batches of {settings.batch_size} --\n"
        "history = model.fit(\n    train_images, train_labels,\n"
        f"    batch_size={settings.batch_size},\n    epochs={settings.epochs},\n"
        f"    validation_data=(val_images, val_labels),{callbacks}\n)\n"
        "print(f\"Final validation accuracy: {history.history['val_accuracy'][-1]:.3f}\")\n"
        'model.save("fitlab-model.keras")\n'
    )
