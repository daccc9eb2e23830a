"""The explorer's arithmetic against steps worked out by hand, and what each preset shows."""

import math

import pytest

from fitlab import explorer


def test_one_step_of_gradient_descent_by_hand():
    # loss(x) = x⁴ − 3x² + x, slope(x) = 4x³ − 6x + 1.
    assert explorer.loss(2.0) == 16 - 12 + 2 == 6
    assert explorer.slope(2.0) == 32 - 12 + 1 == 21
    path = explorer.descend(2.0, 0.1, steps=2)
    assert path[1] == pytest.approx(2.0 - 0.1 * 21)  # -0.1
    # slope(-0.1) = -0.004 + 0.6 + 1 = 1.596
    assert path[2] == pytest.approx(-0.1 - 0.1 * 1.596)  # -0.2596


def test_the_minima_and_the_hump_are_where_the_slope_is_zero():
    for x in (explorer.GLOBAL_MINIMUM, explorer.HUMP, explorer.LOCAL_MINIMUM):
        assert abs(explorer.slope(x)) < 1e-3
    assert explorer.loss(explorer.GLOBAL_MINIMUM) < explorer.loss(explorer.LOCAL_MINIMUM)


@pytest.mark.parametrize("title, verdict, where", [
    ("Too low", explorer.STUCK, explorer.LOCAL_MINIMUM),
    ("Just right", explorer.CONVERGED, explorer.GLOBAL_MINIMUM),
    ("Too high", explorer.BOUNCING, None),
    ("Far too high", explorer.DIVERGED, None),
])
def test_each_preset_shows_its_behaviour(title, verdict, where):
    preset = next(each for each in explorer.PRESETS if each.title == title)
    path = explorer.descend(preset.start, preset.learning_rate)
    assert explorer.verdict(path) == verdict
    if where is not None:
        assert path[-1] == pytest.approx(where, abs=1e-3)


def test_a_diverging_path_ends_as_soon_as_it_leaves_the_curve():
    path = explorer.descend(2.0, 0.3)
    # 2 − 0.3 × 21 = −4.3; slope(−4.3) = 4 × (−79.507) + 25.8 + 1 = −291.228
    assert path[1] == pytest.approx(-4.3)
    assert path[2] == pytest.approx(-4.3 + 0.3 * 291.228)
    assert len(path) == 3 and all(math.isfinite(x) for x in path)


def test_sgd_and_momentum_in_the_valley_by_hand():
    # valley: loss = x²/20 + y², gradient (x/10, 2y); start (−4.5, 1.5), gradient (−0.45, 3).
    sgd = explorer.sgd_path(0.1, steps=2)
    assert sgd[1] == pytest.approx((-4.5 + 0.045, 1.5 - 0.3))  # (−4.455, 1.2)
    assert sgd[2] == pytest.approx((-4.455 + 0.04455, 1.2 - 0.24))
    momentum = explorer.sgd_path(0.1, momentum=0.9, steps=2)
    assert momentum[1] == sgd[1]  # the first step has no past to carry
    # velocity 2 = 0.9 × (0.045, −0.3) − 0.1 × (−0.4455, 2.4) = (0.08505, −0.51)
    assert momentum[2] == pytest.approx((-4.455 + 0.08505, 1.2 - 0.51))


def test_adams_first_step_is_the_learning_rate_in_every_direction():
    # After one step the corrected means are g and g², so the step is lr × g / |g|.
    first = explorer.adam_path(0.1, steps=1)[1]
    assert first == pytest.approx((-4.5 + 0.1, 1.5 - 0.1), abs=1e-6)


def test_in_the_valley_momentum_and_adam_get_further_than_plain_sgd():
    paths = explorer.valley_paths(0.3)
    final = {name: explorer.valley_loss(*path[-1]) for name, path in paths.items()}
    assert final["SGD with momentum 0.9"] < final["SGD"] and final["Adam"] < final["SGD"]
    assert explorer.valley_loss(*explorer.sgd_path(1.1)[-1]) > \
        explorer.valley_loss(*explorer.VALLEY_START)  # above 1, SGD leaves the valley


def test_the_too_low_preset_says_where_the_cartoon_differs_from_a_network():
    """A one-weight ball stops in the shallow dip; a network at a rate too low keeps creeping
    down (the lesson's too-low-is-slow claim), and the preset must not teach otherwise."""
    too_low = next(each for each in explorer.PRESETS if each.title == "Too low")
    assert "cartoon differs from a network" in too_low.what_happens
    assert "slow rather than trapped" in too_low.what_happens
    far = next(each for each in explorer.PRESETS if each.title == "Far too high")
    assert "chance level" in far.what_happens  # not only NaN: SGD at 10 on Shapes is not NaN
