"""The compile challenge's judge: `python -m fitlab.judge`, a Keras process beside the
trainers, and the server's end of it.

A learner's answer reaches it already parsed (fitlab.compile_challenge: names, calls of names
with literal arguments, strings, numbers, lists; never Python to run). The judge builds the
optimizer, loss and metrics with Keras itself, compiles each blank beside the task's own
answer for the two others into a small softmax over ten classes, trains it one batch, and
reports what Keras made of it: its error in words, or what the objects compute. The server
decides what that means for the task, so Keras' rules, not a table of spellings, say what is
right.

It is its own process, not one of the pool's trainers, so that a check never waits behind
the room's runs, and the server still never imports Keras (design.md). Both ends speak JSON
lines: the server writes {"id", "labels", "optimizer", "loss", "metrics"} and the judge
answers {"id", "optimizer", "loss", "metrics"}, each blank's verdict or null; it says
{"type": "ready"} once Keras is imported. The server starts it at the first check, keeps it
warm, gives up on an answer after ANSWER_SECONDS and starts a fresh judge after a crash.
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time

# TensorFlow's import takes 3 to 10 s on a busy machine; a check itself, three tiny
# compilations and a batch each run eagerly, well under a second (measured: 0.02 to 0.3 s).
START_SECONDS = 90.0
ANSWER_SECONDS = 20.0
JUDGE_COMMAND = [sys.executable, "-m", "fitlab.judge"]
MODULES = {"optimizer": "optimizers", "loss": "losses", "metrics": "metrics"}
# How a name may begin before `optimizers.`, `losses.` or `metrics.`: TensorFlow's tf.keras
# is Keras 3 since TensorFlow 2.16.
PREFIXES = ("tensorflow.keras.", "tf.keras.", "keras.")
# The task's own answer for each blank, by labels: a blank is compiled beside the others'.
REFERENCE = {
    "one-hot": {"optimizer": ["str", "adam"], "loss": ["str", "categorical_crossentropy"],
                "metrics": ["list", [["str", "accuracy"]]]},
    "integer": {"optimizer": ["str", "adam"], "loss": ["str", "sparse_categorical_crossentropy"],
                "metrics": ["list", [["str", "accuracy"]]]},
}
ROWS, FEATURES, CLASSES = 32, 6, 10
# How close a computed figure must be to the task's to be the same: float32 arithmetic.
SAME = 1e-4


class Unavailable(RuntimeError):
    """The judge could not answer; the message says why, for the learner."""


def judge_command() -> list[str]:
    """`FITLAB_JUDGE_COMMAND` replaces the judge, so that a test can put a stand-in behind
    the real client (one that never answers, or dies)."""
    configured = os.environ.get("FITLAB_JUDGE_COMMAND", "").strip()
    return shlex.split(configured) if configured else JUDGE_COMMAND


class Judge:
    """The server's end: one judge process, started at the first question and kept warm.
    Questions are asked one at a time (a check takes a fraction of a second)."""

    def __init__(self, command: list[str] | None = None):
        self.command = command
        self.process: subprocess.Popen | None = None
        self.answers: queue.Queue = queue.Queue()
        self.asking = threading.Lock()
        self.asked = 0

    def _start(self) -> None:
        self.process = subprocess.Popen(
            self.command or judge_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, bufsize=1, errors="replace",
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.answers = queue.Queue()
        threading.Thread(target=self._read, args=(self.process, self.answers), daemon=True,
                         name="fitlab-judge-reader").start()
        self._wait_for({"type": "ready"}, START_SECONDS, "start")

    @staticmethod
    def _read(process: subprocess.Popen, answers: queue.Queue) -> None:
        try:
            for line in process.stdout:
                try:
                    answers.put(json.loads(line))
                except ValueError:
                    continue  # not the judge's: a library's print; its answers are whole lines
        except (OSError, ValueError):
            pass
        answers.put(None)  # end of file: the judge has gone

    def _wait_for(self, wanted: dict, seconds: float, doing: str) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            try:
                answer = self.answers.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                raise Unavailable(
                    f"Keras did not {doing} in time ({seconds:.0f} s): the server may be very "
                    "busy. Press Check again in a moment.") from None
            if answer is None:
                try:  # its output has ended: it is exiting, or has
                    code = self.process.wait(timeout=2) if self.process else None
                except subprocess.TimeoutExpired:
                    code = None
                self.close()
                raise Unavailable(
                    "The Keras process that checks answers stopped"
                    + (f" (exit status {code})" if code is not None else "")
                    + ". Press Check again: a fresh one starts.")
            if isinstance(answer, dict) and all(answer.get(key) == value
                                                for key, value in wanted.items()):
                return answer

    def ask(self, labels: str, blanks: dict[str, list | None]) -> dict[str, dict | None]:
        """{blank: verdict or None} for the parsed blanks; Unavailable when no answer came."""
        with self.asking:
            if self.process is None or self.process.poll() is not None:
                self._start()
            self.asked += 1
            question = {"id": self.asked, "labels": labels, **blanks}
            try:
                self.process.stdin.write(json.dumps(question) + "\n")
                self.process.stdin.flush()
            except (OSError, ValueError):
                self.close()
                raise Unavailable("The Keras process that checks answers stopped. Press Check "
                                  "again: a fresh one starts.") from None
            answer = self._wait_for({"id": self.asked}, ANSWER_SECONDS, "answer")
            return {blank: answer.get(blank) for blank in blanks}

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)


_JUDGE: Judge | None = None
_MADE = threading.Lock()


def ask(labels: str, blanks: dict[str, list | None]) -> dict[str, dict | None]:
    """The server's one judge, started at its first question."""
    global _JUDGE
    with _MADE:
        if _JUDGE is None:
            _JUDGE = Judge()
    return _JUDGE.ask(labels, blanks)


# -- the judge's own end: Keras -------------------------------------------------------------


class Refused(ValueError):
    """Keras (or Python) would not make an object of this: its words."""


def _in_words(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def resolve(name: str, module: str):
    """A dotted name as Keras has it: `keras.optimizers.Adam`, `tf.keras.optimizers.Adam`,
    `optimizers.Adam` or `Adam`, looked up in keras.<module> only; for a metric, in
    keras.losses too (any loss can be a metric)."""
    import keras

    rest = name
    for prefix in PREFIXES:
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
            break
    place = module
    for other in (module, "losses") if module == "metrics" else (module,):
        if rest.startswith(f"{other}."):
            rest, place = rest[len(other) + 1:], other
            break
    if "." in rest or rest.startswith("_") or not hasattr(getattr(keras, place), rest):
        raise Refused(f"NameError: keras.{module} has nothing called {name!r}")
    return getattr(getattr(keras, place), rest)


def build(node: list, module: str):
    """A Python value from a parsed blank (fitlab.compile_challenge.structure). Only a class
    of keras.<module> is ever called, and only with literal arguments."""
    kind = node[0]
    if kind in ("str", "num", "const"):
        return node[1]
    if kind == "list":
        return [build(item, module) for item in node[1]]
    if kind == "tuple":
        return tuple(build(item, module) for item in node[1])
    if kind == "dict":
        return {key: build(value, module) for key, value in node[1]}
    if kind == "name":
        return resolve(node[1], module)
    if kind == "call":
        made = resolve(node[1], module)
        # `get` looks a name up among Keras' registered objects: safe with a string.
        looks_up = made.__name__ == "get" and all(arg[0] == "str" for arg in node[2])
        if not isinstance(made, type) and not looks_up:
            raise Refused(f"TypeError: {node[1]} is a function: called with no labels to "
                          "compare, it fails")
        try:
            return made(*[build(arg, module) for arg in node[2]],
                        **{key: build(value, module) for key, value in node[3]})
        except Exception as error:  # a learner's arguments: whatever Keras says of them
            raise Refused(_in_words(error)) from None
    raise Refused(f"Fit Lab cannot read a {kind!r}")


def _samples(labels: str, seed: int):
    """(inputs, labels as the task gives them, labels as class numbers, softmax outputs)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    classes = rng.integers(0, CLASSES, ROWS)
    logits = rng.normal(size=(ROWS, CLASSES)) * 2
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = np.eye(CLASSES, dtype="float32")[classes] if labels == "one-hot" else classes
    inputs = rng.normal(size=(ROWS, FEATURES)).astype("float32")
    return inputs, given, classes, probabilities.astype("float32")


def _train_one_batch(values: dict, labels: str):
    """Compile the values into a softmax over ten classes and train one batch, eagerly:
    (the model, {reported name: value}, the figures the task asks for before the step)."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((FEATURES,)),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(**values, run_eagerly=True)
    inputs, given, classes, _ = _samples(labels, 0)
    predicted = keras.ops.convert_to_numpy(model(inputs))  # as the step computes its loss
    reported = model.train_on_batch(inputs, given, return_dict=True)
    expected = {"loss": float(-np.log(predicted[np.arange(ROWS), classes]).mean()),
                "accuracy": float((predicted.argmax(axis=1) == classes).mean())}
    return model, reported, expected


def _optimizer_facts(optimizer) -> dict:
    import keras

    default = keras.optimizers.Adam().get_config()
    config = optimizer.get_config()
    differs = {}
    for key in sorted(set(default) | set(config)):
        if key == "name":
            continue
        given, wanted = config.get(key), default.get(key)
        same = given == wanted or (isinstance(given, (int, float)) and
                                   isinstance(wanted, (int, float)) and
                                   abs(given - wanted) <= 1e-9 * max(1.0, abs(wanted)))
        if not same:
            differs[key] = [_plain(given), _plain(wanted)]
    right = type(optimizer) is keras.optimizers.Adam and not differs
    return {"ok": right, "class": type(optimizer).__name__, "differs": differs}


def _plain(value):
    """A config value that JSON can carry: a learning-rate schedule's config is a dict."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def _metric_items(value) -> list:
    if isinstance(value, dict):
        return [item for entry in value.values()
                for item in (entry if isinstance(entry, (list, tuple)) else [entry])]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _metric_facts(items: list, labels: str) -> list[dict]:
    """What each metric of the list computes on two samples, beside the accuracy there."""
    import numpy as np
    from keras.src.trainers import compile_utils

    facts = []
    for item in items:
        fact = {}
        try:
            values = []
            for seed in (1, 2):
                _, given, classes, probabilities = _samples(labels, seed)
                metric = compile_utils.get_metric(item, given, probabilities)
                metric.reset_state()  # an object of the learner's is measured twice
                metric.update_state(given, probabilities)
                result = np.asarray(metric.result())
                accuracy = float((probabilities.argmax(axis=1) == classes).mean())
                values.append((float(result) if result.shape == () else None, accuracy))
            function = getattr(metric, "_fn", None)
            fact.update(name=metric.name, **{"class": type(metric).__name__},
                        function=getattr(function, "__name__", ""),
                        accuracy=all(value is not None and abs(value - accuracy) <= SAME
                                     for value, accuracy in values))
        except Exception as error:  # Keras' own refusal of this metric with these labels
            fact["error"] = _in_words(error)
        facts.append(fact)
    return facts


def judge_blank(blank: str, node: list, labels: str) -> dict:
    """One blank's verdict: {"ok": bool, "error": Keras' words, ...what it computes}."""
    import warnings

    values = {other: build(REFERENCE[labels][other], MODULES[other]) for other in MODULES
              if other != blank}
    try:
        values[blank] = build(node, MODULES[blank])
    except Refused as refused:
        return {"ok": False, "error": str(refused)}
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            model, reported, expected = _train_one_batch(values, labels)
        except Exception as error:  # the learner's answer, as Keras takes it: say what it said
            return {"ok": False, "error": _in_words(error)}
    said = [str(warning.message) for warning in warned]
    if blank == "optimizer":
        return _optimizer_facts(model.optimizer)
    if blank == "loss":
        loss = float(reported["loss"])
        intended = not any("Was this intended?" in text for text in said)
        return {"ok": abs(loss - expected["loss"]) <= SAME and intended, "loss": loss,
                "expected": expected["loss"], "warned": not intended}
    facts = _metric_facts(_metric_items(values[blank]), labels)
    return {"ok": any(fact.get("accuracy") for fact in facts)
            and not any("error" in fact for fact in facts), "items": facts}


def answer(question: dict) -> dict:
    import keras

    keras.backend.clear_session()  # a long-lived judge builds three models a question
    verdict = {"id": question.get("id")}
    labels = question.get("labels") if question.get("labels") in REFERENCE else "one-hot"
    for blank in MODULES:
        node = question.get(blank)
        try:
            verdict[blank] = None if node is None else judge_blank(blank, node, labels)
        except Exception as error:  # the judge's own fault: say so and stay up for the next
            verdict[blank] = {"ok": False, "error": f"Fit Lab's judge failed: {_in_words(error)}"}
    return verdict


def main() -> None:
    # Our answers own standard output; anything a library prints goes to the server's log.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: F401  (paid once, before the first question)

    protocol.write(json.dumps({"type": "ready"}) + "\n")
    for line in sys.stdin:
        try:
            question = json.loads(line)
        except ValueError:
            print(f"fitlab judge: ignored an unreadable message {line[:80]!r}", file=sys.stderr)
            continue
        protocol.write(json.dumps(answer(question)) + "\n")


if __name__ == "__main__":
    main()
