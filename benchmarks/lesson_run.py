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


def lesson_run(dataset: str) -> None:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "fitlab", "train", "--dataset", dataset,
                             "--epochs", "10", "--json"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    wall = time.monotonic() - started
    last = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{pathlib.Path(dataset).name}: {wall:.1f} s wall, {last['seconds']:.1f} s training, "
          f"final val_accuracy {last['val_accuracy']:.3f}")


if __name__ == "__main__":
    for name in ["shapes", *sys.argv[1:]]:
        lesson_run(name)
