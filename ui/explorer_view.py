"""The explorer's two views: step or play gradient descent on a curve with two minima, and
three optimizers' paths through a narrow valley."""

from __future__ import annotations

import time

import streamlit as st

from fitlab import explorer, page_charts
from fitlab.settings import format_learning_rate

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.2, 0.3, 0.5,
                  1.0)
VALLEY_RATES = (0.01, 0.03, 0.1, 0.3, 0.6, 0.9, 1.0, 1.1)
PLAY_SECONDS_PER_STEP = 0.05


def _state() -> None:
    preset = explorer.PRESETS[1]
    st.session_state.setdefault("explorer_rate", preset.learning_rate)
    st.session_state.setdefault("explorer_start", preset.start)
    st.session_state.setdefault("explorer_step", 0)


def _use_preset(title: str) -> None:
    preset = next(each for each in explorer.PRESETS if each.title == title)
    st.session_state.explorer_rate, st.session_state.explorer_start = \
        preset.learning_rate, preset.start
    st.session_state.explorer_step = 0
    st.session_state.explorer_preset = title


def _restart() -> None:
    st.session_state.explorer_step = 0
    st.session_state.explorer_preset = None


def _step(path: list[float]) -> None:
    st.session_state.explorer_step = min(st.session_state.explorer_step + 1, len(path) - 1)


def one_weight() -> None:
    _state()
    st.markdown(
        "The curve has a **shallow dip** on the right (a local minimum) and a **deeper "
        "valley** on the left (the global minimum). Each step moves the weight by minus the "
        "learning rate times the slope. Pick a preset, or your own learning rate and starting "
        "point, then **Step** through it or **Play** it. With one weight, a ball that stops "
        "in the shallow dip is trapped for good. The lesson's network, with its thousands of "
        "weights, is not: there a rate too low means slow progress (see the lesson's "
        "section on the learning rate).")
    for column, preset in zip(st.columns(len(explorer.PRESETS)), explorer.PRESETS):
        column.button(preset.title, on_click=_use_preset, args=(preset.title,),
                      key=f"preset_{preset.title}", width="stretch")
    left, right = st.columns(2)
    rate = left.select_slider("Learning rate", LEARNING_RATES, key="explorer_rate",
                              format_func=format_learning_rate, on_change=_restart)
    start = right.slider("Starting weight", -2.5, 2.5, step=0.1, key="explorer_start",
                         on_change=_restart)
    path = explorer.descend(start, rate)
    step_button, play_button, restart_button = st.columns(3)
    step_button.button("Step", on_click=_step, args=(path,), width="stretch",
                       disabled=st.session_state.explorer_step >= len(path) - 1)
    play = play_button.button("Play", width="stretch", type="primary")
    restart_button.button("Back to the start", on_click=_restart, width="stretch")

    picture, words = st.empty(), st.empty()
    if play:  # one frame per step; any click on the page interrupts it
        for step in range(st.session_state.explorer_step, len(path)):
            st.session_state.explorer_step = step
            _draw(picture, words, path, step)
            time.sleep(PLAY_SECONDS_PER_STEP)
    _draw(picture, words, path, st.session_state.explorer_step)
    chosen = st.session_state.get("explorer_preset")
    preset = next((each for each in explorer.PRESETS if each.title == chosen), None)
    if preset and (preset.learning_rate, preset.start) == (rate, start):
        st.info(f"**{preset.title}** (learning rate "
                f"{format_learning_rate(preset.learning_rate)}). "
                f"{preset.what_happens}")


def _draw(picture, words, path: list[float], step: int) -> None:
    shown = [(x, explorer.loss(x)) for x in path[:step + 1]]
    picture.altair_chart(page_charts.descent_chart(explorer.curve(), shown, explorer.CURVE_X,
                                              explorer.CURVE_Y), key=None, height=380)
    x = path[step]
    line = f"Step {step} of {len(path) - 1}: weight {x:.3f}, loss {explorer.loss(x):.3f}"
    if step < len(path) - 1:
        line += (f", slope {explorer.slope(x):.2f}, so the next step moves the weight by "
                 f"{path[step + 1] - x:+.3f}.")
    else:
        line += f". **After {step} steps: {explorer.verdict(path)}.**"
        if explorer.verdict(path) == explorer.DIVERGED:
            line += " The weight has left the chart, and the loss is " \
                f"{explorer.loss(x):,.0f}."
    words.markdown(line)


def two_weights() -> None:
    st.markdown(
        "A long, narrow valley: steep across, almost flat along. The lowest point is in the "
        "middle. All three optimizers start at the same place with the same learning rate; "
        f"each line is {explorer.VALLEY_STEPS} steps.")
    rate = st.select_slider("Learning rate", VALLEY_RATES, value=0.3, key="valley_rate",
                            format_func=format_learning_rate)
    paths = explorer.valley_paths(rate)
    st.altair_chart(page_charts.valley_chart(explorer.valley_grid(), paths, explorer.VALLEY_X,
                                        explorer.VALLEY_Y), height=420)
    st.dataframe([{"Optimizer": name,
                   "Loss after the last step": explorer.valley_loss(*path[-1]),
                   "Weights at the end": f"({path[-1][0]:.2f}, {path[-1][1]:.2f})"}
                  for name, path in paths.items()], hide_index=True,
                 column_config={"Loss after the last step": st.column_config.NumberColumn(
                     format="%.4f")})
    st.markdown(
        "- **SGD** steps straight down the slope. Along the valley the slope is gentle, so it "
        "crawls. Across it the slope is steep: above a learning rate of 0.5 every step "
        "overshoots to the other side, and it zig-zags; above 1 the zig-zag grows with every "
        "step and it leaves the valley.\n"
        f"- **SGD with momentum** ({explorer.MOMENTUM:g}) keeps most of its last step. The "
        "pushes along the valley add up, so it gathers speed and travels much further; it "
        "overshoots the lowest point and swings back and forth before it settles.\n"
        "- **Adam** divides each direction's step by the size of its recent gradients, so it "
        "moves about one learning rate in every direction at once, heading straight for the "
        "middle whatever the shape of the valley.")
