"""Which backend and device train, named for the status line, whatever Keras' backend is."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

from fitlab import config

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


def compile_cache() -> pathlib.Path:
    """Fit Lab's compiled training steps, beside Keras' own cache."""
    return config.keras_home() / "fitlab-compiled"


def configured_backend() -> str:
    """The backend Keras chooses in a process started with this environment, found the way
    Keras finds it (KERAS_BACKEND, else "backend" in keras.json under KERAS_HOME or ~/.keras,
    else TensorFlow), without importing Keras: the server, which never imports it, starts the
    workers with its own environment, so this is theirs too."""
    chosen = config.keras_backend()
    if chosen:
        return chosen
    try:
        configured = json.loads((config.keras_home() / "keras.json").read_text()).get("backend")
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


# How many runs train at once, from measurements (docs/performance.md, "How many workers").
# On a CPU each run already uses every core through the backend's own threads, so runs on
# too few cores only take turns: one worker per four cores. On a GPU a lesson run leaves
# the card mostly idle and its Python side needs a core: 32 learners on an H100 with 16
# cores waited a median 11.2 s for a first point with 4 workers, 7.0 s with 8, 4.25 s with
# 16. Each worker holds about 1 GB of memory after a lesson run (TensorFlow: 0.9 GB once
# warm, 1.05 GB after a run) and some GPU memory, which it takes as it needs it.
CORES_PER_CPU_WORKER = 4
MEMORY_PER_WORKER_GIB = 2.0
GPU_MEMORY_PER_WORKER_GIB = 2.0


def worker_count(cores: int, memory_gib: float, gpu_memory_gib: float | None = None) -> int:
    """The default number of workers for a machine with these cores, this memory and, if it
    has one, a GPU with this much memory: at least one."""
    by_memory = int(memory_gib // MEMORY_PER_WORKER_GIB)
    if gpu_memory_gib:
        wanted = min(cores, int(gpu_memory_gib // GPU_MEMORY_PER_WORKER_GIB))
    else:
        wanted = cores // CORES_PER_CPU_WORKER
    return max(1, min(wanted, by_memory))


def memory_gib() -> float:
    """This machine's memory, in GiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def gpu_memory_gib() -> float | None:
    """The first NVIDIA GPU's memory in GiB, asked of `nvidia-smi` (the server never imports
    a backend that could say); None where there is none. Runs train on the first GPU."""
    try:
        answer = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=10)
        return float(answer.stdout.split()[0]) / 1024 if answer.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return None
