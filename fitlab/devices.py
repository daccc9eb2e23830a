"""Which backend and device train, named for the status line, whatever Keras' backend is."""

from __future__ import annotations

import json
import os
import pathlib

# Keras' backends as their projects write their names.
BACKEND_TITLES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch",
                  "numpy": "NumPy", "openvino": "OpenVINO"}
DEFAULT_BACKEND = "tensorflow"


def prepare_environment() -> None:
    """Call before Keras is imported: let many runs share one GPU instead of one taking it all."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # the same, for JAX
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out


def configured_backend() -> str:
    """The backend Keras chooses in a process started with this environment, found the way
    Keras finds it (KERAS_BACKEND, else "backend" in keras.json under KERAS_HOME or ~/.keras,
    else TensorFlow), without importing Keras: the server, which never imports it, starts the
    workers with its own environment, so this is theirs too."""
    chosen = os.environ.get("KERAS_BACKEND", "").strip()
    if chosen:
        return chosen
    if "KERAS_HOME" in os.environ:
        home = pathlib.Path(os.environ["KERAS_HOME"])
    else:
        base = pathlib.Path("~").expanduser()
        home = (base if os.access(base, os.W_OK) else pathlib.Path("/tmp")) / ".keras"
    try:
        configured = json.loads((home / "keras.json").read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        configured = None
    return configured if isinstance(configured, str) and configured else DEFAULT_BACKEND


def backend_title(backend: str) -> str:
    """JAX for jax, PyTorch for torch: as a sentence names it."""
    return BACKEND_TITLES.get(backend, backend)


def device_name() -> str:
    """`GPU: <name> (<backend>)` when the backend trains on a GPU, else `CPU (<backend>)`:
    the status line names both, since the same run differs a little from backend to backend."""
    import keras

    backend = keras.backend.backend()
    return f"{_device(backend)} ({backend_title(backend)})"


def _device(backend: str) -> str:
    # Keras lists devices (keras.distribution.list_devices) for JAX and TensorFlow only, and
    # without the card's name, so each backend's own library is asked.
    if backend == "tensorflow":
        import tensorflow as tf

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
