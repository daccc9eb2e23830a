"""Which backend and device train, named for the status line, whatever Keras' backend is."""

from __future__ import annotations

import json
import os
import pathlib

# Keras' backends as their projects write their names.
BACKEND_TITLES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch",
                  "numpy": "NumPy", "openvino": "OpenVINO"}
DEFAULT_BACKEND = "tensorflow"


# Compiled steps kept on disk for each backend that can keep them, at most this many bytes
# (JAX evicts the least recently used beyond it; a lesson run's steps take about 0.4 MB).
COMPILE_CACHE_BYTES = 512 * 2**20


def prepare_environment() -> None:
    """Call before Keras is imported: let many runs share one GPU instead of one taking it
    all, and keep compiled training steps on disk, so that a restarted server does not
    compile its first runs again (measured, JAX on CPU: a new process's first point 6.5 s
    without the cache, 5.0 s with it; on a GPU compiling is most of the first point)."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # the same, for JAX
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out
    cache = compile_cache()
    backend = configured_backend()
    if backend == "jax":
        os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(cache / "jax"))
        # JAX keeps only compilations slower than 1 s by default; the lesson's steps are
        # quicker than that one by one, and together they are the wait.
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(COMPILE_CACHE_BYTES))
    elif backend == "tensorflow":
        # Keras compiles with XLA where TensorFlow has a GPU (jit_compile="auto"); on a CPU
        # it does not, and this cache is never written.
        flags = os.environ.get("TF_XLA_FLAGS", "")
        if "tf_xla_persistent_cache_directory" not in flags:
            os.environ["TF_XLA_FLAGS"] = (
                f"{flags} --tf_xla_persistent_cache_directory={cache / 'xla'}".strip())


def keras_home() -> pathlib.Path:
    """Where Keras keeps its configuration and its downloads: KERAS_HOME, else ~/.keras,
    else /tmp/.keras where the home folder cannot be written (as Keras decides)."""
    if "KERAS_HOME" in os.environ:
        return pathlib.Path(os.environ["KERAS_HOME"])
    base = pathlib.Path("~").expanduser()
    return (base if os.access(base, os.W_OK) else pathlib.Path("/tmp")) / ".keras"


def compile_cache() -> pathlib.Path:
    """Fit Lab's compiled training steps, beside Keras' own cache."""
    return keras_home() / "fitlab-compiled"


def configured_backend() -> str:
    """The backend Keras chooses in a process started with this environment, found the way
    Keras finds it (KERAS_BACKEND, else "backend" in keras.json under KERAS_HOME or ~/.keras,
    else TensorFlow), without importing Keras: the server, which never imports it, starts the
    workers with its own environment, so this is theirs too."""
    chosen = os.environ.get("KERAS_BACKEND", "").strip()
    if chosen:
        return chosen
    try:
        configured = json.loads((keras_home() / "keras.json").read_text()).get("backend")
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
