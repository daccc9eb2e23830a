"""Wall time of the default lesson run (10 epochs, batch 32, Adam) from the command line.

    python benchmarks/lesson_run.py [path/to/cifar10-subset.npz]

Runs `python -m fitlab train` as a user would, on the offline Shapes data set and, when a
path is given, on that .npz, and prints the wall time of each including TensorFlow's
import. Goal: at most 30 s on 2 CPU cores.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def lesson_run(dataset: str, *flags: str) -> dict:
    """Wall seconds of the command, training seconds and the last epoch's val_accuracy;
    `flags` are more of the command line's (benchmarks/gpu.py's --quick makes it short)."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "fitlab", "train", "--dataset", dataset,
                             "--epochs", "10", *flags, "--json"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    wall = time.monotonic() - started
    last = json.loads(result.stdout.strip().splitlines()[-1])
    return {"wall": wall, "training": last["seconds"], "val_accuracy": last["val_accuracy"]}


if __name__ == "__main__":
    for name in ["shapes", *sys.argv[1:]]:
        run = lesson_run(name)
        print(f"{pathlib.Path(name).name}: {run['wall']:.1f} s wall, {run['training']:.1f} s "
              f"training, final val_accuracy {run['val_accuracy']:.3f}")
