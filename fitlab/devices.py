"""Which device trains, named for the status line, whatever Keras' backend is."""

from __future__ import annotations

import os


def prepare_environment() -> None:
    """Call before Keras is imported: let many runs share one GPU instead of one taking it all."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # the same, for JAX
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out


def device_name() -> str:
    """`GPU: <name>` when the backend trains on a GPU, else `CPU`."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf  # Keras has no API for listing devices

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return f"GPU: {details.get('device_name', gpus[0].name)}"
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"GPU: {torch.cuda.get_device_name(0)}"
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform == "gpu":
            return f"GPU: {device.device_kind}"
    return "CPU"
