"""The learning-rate explorer's arithmetic: gradient descent on loss curves small enough to
see whole, computed at once with nothing but Python.

One dimension: loss(x) = x⁴ − 3x² + x, a curve with a shallow dip (a local minimum near
x = 1.13) and a deeper valley (the global minimum near x = −1.30), separated by a hump near
x = 0.17. Starting at x = 2, a small learning rate rolls into the shallow dip and stays there;
the right one jumps the hump and settles in the deep valley; a larger one bounces from wall
to wall; a larger one still flies off.

Two dimensions: a long, narrow valley, loss(x, y) = x²/20 + y², where plain SGD zig-zags
across the steep side and crawls along the shallow one, momentum gathers speed along the
valley, and Adam scales each direction to a step of about the learning rate.
"""

from __future__ import annotations

import dataclasses
import math

HUMP = 0.1699  # where the 1-D curve's slope is zero between its two minima
GLOBAL_MINIMUM, LOCAL_MINIMUM = -1.3008, 1.1309
STEPS = 60
TOO_FAR = 10.0  # |x| past this has left the curve for good: the run diverged
SETTLED = 1e-3  # steps smaller than this, five in a row, mean the ball has come to rest


def loss(x: float) -> float:
    return x ** 4 - 3 * x ** 2 + x


def slope(x: float) -> float:
    return 4 * x ** 3 - 6 * x + 1


def descend(start: float, learning_rate: float, steps: int = STEPS) -> list[float]:
    """The positions of plain gradient descent: x ← x − learning rate × slope(x). Ends early
    once the position has left the curve (it would only grow to overflow)."""
    path = [start]
    for _ in range(steps):
        x = path[-1]
        path.append(x - learning_rate * slope(x))
        if not math.isfinite(path[-1]) or abs(path[-1]) > TOO_FAR:
            break
    return path


DIVERGED, STUCK, CONVERGED, BOUNCING, GOING = (
    "diverged", "stuck in the shallow dip", "converged in the deep valley", "bouncing",
    "still on its way")


def verdict(path: list[float]) -> str:
    """What a whole path did, in the lesson's words."""
    if not math.isfinite(path[-1]) or abs(path[-1]) > TOO_FAR:
        return DIVERGED
    moves = [after - before for before, after in zip(path, path[1:])]
    if len(moves) >= 5 and all(abs(move) < SETTLED for move in moves[-5:]):
        return CONVERGED if path[-1] < HUMP else STUCK
    late = moves[-10:]
    flips = sum(1 for first, second in zip(late, late[1:]) if first * second < 0)
    return BOUNCING if flips >= len(late) // 2 else GOING


@dataclasses.dataclass(frozen=True)
class Preset:
    title: str
    learning_rate: float
    start: float
    what_happens: str


PRESETS = (
    Preset("Too low", 0.01, 2.0,
           "Small, careful steps roll into the first dip they meet, the shallow one on the "
           "right, and stay there: a local minimum. The deeper valley is never found. Here "
           "the cartoon differs from a network: a network trained at a rate far too low "
           "(Adam at 0.00001) is not caught in a dip but still creeping downhill, slow rather "
           "than trapped."),
    Preset("Just right", 0.1, 2.0,
           "The first step is big enough to jump the hump; the next ones shrink as the slope "
           "flattens, and the ball settles at the bottom of the deep valley."),
    Preset("Too high", 0.16, 2.0,
           "Every step overshoots the valley floor and lands on the opposite wall: the loss "
           "bounces up and down and never settles."),
    Preset("Far too high", 0.3, 2.0,
           "The first step lands far out where the curve is steep, so the next step is larger "
           "still: the loss blows up. In a network the loss explodes too; then it either "
           "turns into NaN, which stops the run, or the network stops learning and sits at "
           "chance level."),
)


# -- two dimensions: SGD, momentum and Adam in a narrow valley ---------------------------------

VALLEY_START = (-4.5, 1.5)
VALLEY_STEPS = 50
MOMENTUM = 0.9  # what the lesson suggests for SGD with momentum
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Keras' Adam defaults


def valley_loss(x: float, y: float) -> float:
    return x * x / 20 + y * y


def valley_gradient(x: float, y: float) -> tuple[float, float]:
    return x / 10, 2 * y


def sgd_path(learning_rate: float, momentum: float = 0.0, start=VALLEY_START,
             steps: int = VALLEY_STEPS) -> list[tuple[float, float]]:
    """Keras' SGD: velocity ← momentum × velocity − learning rate × gradient;
    position ← position + velocity. With momentum 0 that is plain gradient descent."""
    point, velocity, path = start, (0.0, 0.0), [start]
    for _ in range(steps):
        gradient = valley_gradient(*point)
        velocity = tuple(momentum * v - learning_rate * g for v, g in zip(velocity, gradient))
        point = tuple(p + v for p, v in zip(point, velocity))
        path.append(point)
        if not all(math.isfinite(p) and abs(p) < 1e6 for p in point):
            break
    return path


def adam_path(learning_rate: float, start=VALLEY_START,
              steps: int = VALLEY_STEPS) -> list[tuple[float, float]]:
    """Adam as Keras computes it: running means of the gradient and of its square, each
    corrected for starting at zero, and a step of learning rate × mean / √(mean square)."""
    point, path = start, [start]
    first, second = (0.0, 0.0), (0.0, 0.0)
    for t in range(1, steps + 1):
        gradient = valley_gradient(*point)
        first = tuple(BETA_1 * m + (1 - BETA_1) * g for m, g in zip(first, gradient))
        second = tuple(BETA_2 * v + (1 - BETA_2) * g * g for v, g in zip(second, gradient))
        point = tuple(
            p - learning_rate * (m / (1 - BETA_1 ** t)) /
            (math.sqrt(v / (1 - BETA_2 ** t)) + EPSILON)
            for p, m, v in zip(point, first, second))
        path.append(point)
    return path


def valley_paths(learning_rate: float) -> dict[str, list[tuple[float, float]]]:
    return {"SGD": sgd_path(learning_rate),
            f"SGD with momentum {MOMENTUM:g}": sgd_path(learning_rate, MOMENTUM),
            "Adam": adam_path(learning_rate)}


CURVE_X = (-2.5, 2.5)
CURVE_Y = (-4.0, 8.0)
VALLEY_X, VALLEY_Y = (-5.0, 5.0), (-2.0, 2.0)


def curve(points: int = 201) -> list[tuple[float, float]]:
    low, high = CURVE_X
    xs = [low + (high - low) * n / (points - 1) for n in range(points)]
    return [(x, loss(x)) for x in xs]


def valley_grid(columns: int = 50, rows: int = 20) -> list[dict]:
    """The valley's loss on a grid of cells, each {x, x2, y, y2, loss} at its centre."""
    (x_low, x_high), (y_low, y_high) = VALLEY_X, VALLEY_Y
    width, height = (x_high - x_low) / columns, (y_high - y_low) / rows
    return [{"x": x_low + i * width, "x2": x_low + (i + 1) * width,
             "y": y_low + j * height, "y2": y_low + (j + 1) * height,
             "loss": round(valley_loss(x_low + (i + 0.5) * width, y_low + (j + 0.5) * height), 4)}
            for i in range(columns) for j in range(rows)]
