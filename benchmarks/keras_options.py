"""What Keras' own speed options do for the lesson's CNN: `jit_compile` and
`steps_per_execution`, timed against Keras' defaults, alternated in one run.

    python benchmarks/keras_options.py [--rounds 3] [--epochs 2] [--train-images 5000]

Each variant trains the lesson's model on the same images with the same seed by bare
`model.fit`; every round runs every variant once, in turn, so that a machine whose speed
drifts treats them alike. Prints each variant's median throughput as a ratio to the
defaults (above 1 is faster). Under the default backend that is TensorFlow; run it with
KERAS_BACKEND=jax or torch to time those.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from fitlab import training  # noqa: E402
from fitlab.settings import Settings  # noqa: E402

VARIANTS = {
    "defaults (jit_compile='auto', steps_per_execution=1)": {},
    "jit_compile=False": {"jit_compile": False},
    "jit_compile=True": {"jit_compile": True},
    "steps_per_execution=8": {"steps_per_execution": 8},
    "steps_per_execution=32": {"steps_per_execution": 32},
}


def seconds_to_fit(settings: Settings, split, options: dict) -> float:
    keras.utils.set_random_seed(settings.seed)
    # Against Keras' default of one step per execution, not the engine's, unless varied.
    model = training.build_and_compile(settings, split, **{"steps_per_execution": 1, **options})
    started = time.perf_counter()
    training.fit(model, settings, split)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-images", type=int, default=5000)
    parser.add_argument("--dataset", default="shapes")
    arguments = parser.parse_args()
    settings = Settings(dataset=arguments.dataset, epochs=arguments.epochs,
                        train_images=arguments.train_images)
    split = training.load_and_prepare(settings).split
    for options in VARIANTS.values():  # a first, untimed fit of each: tracing and warm-up
        seconds_to_fit(settings.replace(epochs=1), split, options)
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for round_number in range(1, arguments.rounds + 1):
        for name, options in VARIANTS.items():
            times[name].append(seconds_to_fit(settings, split, options))
        print(f"round {round_number}: " + ", ".join(
            f"{seconds[-1]:.2f} s" for seconds in times.values()), flush=True)
    baseline = statistics.median(next(iter(times.values())))
    print(f"backend {keras.backend.backend()}, {os.cpu_count()} CPUs, "
          f"{settings.train_images} images, {settings.epochs} epochs, batch "
          f"{settings.batch_size}; throughput against the defaults (median of "
          f"{arguments.rounds}):")
    for name, seconds in times.items():
        print(f"  {name:55s} {baseline / statistics.median(seconds):.2f}")


if __name__ == "__main__":
    main()
