"""The compile challenge: an answer typed into the blanks of `model.compile`, judged.
Each blank is read as Python (ast: parsed, never run) and judged by what Keras 3.15.1 does
with it, not by a normalised spelling. The tables below were read from Keras itself
(keras/src/optimizers/__init__.py, losses/__init__.py, metrics/__init__.py,
trainers/compile_utils.py); tests/test_exercises.py checks every entry in real Keras, and
the server never imports Keras to check an answer.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib

from fitlab.keras_names import (
    KERAS_LOSS_CLASSES, KERAS_LOSS_FUNCTIONS, KERAS_LOSS_STRINGS, KERAS_METRIC_CLASSES,
    KERAS_METRIC_FUNCTIONS, KERAS_METRIC_STRINGS, KERAS_OPTIMIZER_CLASSES,
    KERAS_OPTIMIZER_STRINGS)

# The labels of each variant: one-hot (Fit Lab's default, the 2025 edition of the episode) or
# whole numbers (the current edition: sparse categorical cross-entropy).
LABELS = {"one-hot": "one-hot labels ([0, 0, 0, 1, 0, …])",
          "integer": "whole-number labels (3)"}

RIGHT_LOSS = {"one-hot": "categorical_crossentropy", "integer": "sparse_categorical_crossentropy"}
# The accuracy the task asks for, by labels; and the classification metrics of the lesson's
# section 5 that Keras computes right from those labels, welcome beside it.
RIGHT_ACCURACY = {"one-hot": "CategoricalAccuracy", "integer": "SparseCategoricalAccuracy"}
FINE_BESIDE = {"one-hot": {"TopKCategoricalAccuracy", "Precision", "Recall", "AUC"},
               "integer": {"SparseTopKCategoricalAccuracy"}}
# The module paths a name may be written under (`from keras import optimizers`, `import
# keras`, TensorFlow's tf.keras, which is Keras 3 from TensorFlow 2.16), or none (`from
# keras.optimizers import Adam`).
_PREFIXES = ("", "{m}.", "keras.{m}.", "tf.keras.{m}.")


@dataclasses.dataclass(frozen=True)
class _Answer:
    """A blank as Python sees it: a string, a name (dotted), or a call of a name."""
    kind: str  # "string", "name", "call", "list", "other"
    text: str = ""  # the string, or the name's last part
    module: str = ""  # what comes before the last part, with its dot: "keras.optimizers."
    args: tuple = ()  # a call's positional arguments, as Python values (None: not a literal)
    keywords: tuple = ()  # a call's (keyword, value) pairs
    items: tuple = ()  # a list's or tuple's answers


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _read(node) -> _Answer:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _Answer("string", node.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return _Answer("list", items=tuple(_read(item) for item in node.elts))
    if isinstance(node, ast.Dict):
        return _Answer("dict", items=tuple(_read(value) for value in node.values))
    name = _dotted(node.func if isinstance(node, ast.Call) else node)
    if name is None:
        return _Answer("other")
    module, _, last = name.rpartition(".")
    module = f"{module}." if module else ""
    if not isinstance(node, ast.Call):
        return _Answer("name", last, module)
    return _Answer("call", last, module, tuple(_literal(arg) for arg in node.args),
                   tuple((keyword.arg, _literal(keyword.value)) for keyword in node.keywords))


class _Unreadable(ValueError):
    pass


def _answer(text: str) -> _Answer | str | None:
    """A blank's answer; else why Python cannot read it, or None for an empty blank."""
    try:
        return _parse(text)
    except _Unreadable as unreadable:
        return str(unreadable)


def _parse(text: str) -> _Answer | None:
    """None for an empty blank; _Unreadable for one Python cannot read."""
    text = text.strip()
    if not text:
        return None
    try:
        return _read(ast.parse(text, mode="eval").body)
    except SyntaxError as error:
        raise _Unreadable(f"Python cannot read {text!r}: {error.msg}.") from None


def _module_problem(answer: _Answer, module: str) -> str | None:
    """Why the path before the name is not where Keras keeps it, or None."""
    if answer.module in [prefix.format(m=module) for prefix in _PREFIXES]:
        return None
    brackets = "()" if answer.kind == "call" else ""
    if answer.module.endswith("legacy."):
        return (f"keras.{module}.legacy is gone in Keras 3 (importing from it fails): write "
                f"keras.{module}.{answer.text}{brackets}.")
    return (f"Keras keeps its {module} in keras.{module}: write "
            f"keras.{module}.{answer.text}{brackets}, not {answer.module}{answer.text}.")


def _did_you_mean(name: str, known, quoted: bool = True, unless: str = "") -> str:
    """" Did you mean 'x'?" for the name Keras knows nearest to a misspelt one, else "";
    also "" when `unless`, which the message names anyway, is among the near ones: "adma"
    is nearer "adamax" than "adam", but the task asks for Adam."""
    near = difflib.get_close_matches(name, list(known), n=3)
    if not near or unless in near:
        return ""
    return f" Did you mean {near[0]!r}?" if quoted else f" Did you mean {near[0]}?"


def _quote_reason(answer: _Answer, what: str) -> str:
    return (f"Without quotes, {answer.module}{answer.text} is a Python name that nothing has "
            f"defined: write the {what}'s name as a string, in quotes.")


def check_optimizer(text: str) -> str | None:
    """None when Keras takes it as Adam with its default settings; else what is wrong, in a
    sentence."""
    answer = _answer(text)
    if not isinstance(answer, _Answer):
        return answer or "The optimizer is missing."
    if answer.kind == "string":
        name = answer.text.lower()
        if name == "adam":
            return None
        if name.strip() == "adam":
            return (f"Keras looks the name up as it is written, spaces included: {text.strip()}"
                    " is not an optimizer it knows. Leave out the spaces.")
        if name in KERAS_OPTIMIZER_STRINGS:
            return f"{answer.text!r} is an optimizer Keras knows, but the task asks for Adam."
        return (f"Keras has no optimizer called {answer.text!r}."
                f"{_did_you_mean(name, KERAS_OPTIMIZER_STRINGS, unless='adam')} Try \"adam\".")
    if answer.kind not in ("name", "call"):
        return "The optimizer is a string, \"adam\", or an object: keras.optimizers.Adam()."
    if answer.text not in KERAS_OPTIMIZER_CLASSES:
        if answer.kind == "name" and not answer.module:
            return _quote_reason(answer, "optimizer")
        return (f"Keras has no optimizer called {answer.text}."
                + _did_you_mean(answer.text, KERAS_OPTIMIZER_CLASSES, quoted=False,
                                unless="Adam") + " Try keras.optimizers.Adam().")
    problem = _module_problem(answer, "optimizers")
    if problem:
        return problem
    if answer.text != "Adam":
        return f"{answer.text} is an optimizer Keras knows, but the task asks for Adam."
    if answer.kind == "name":
        return ("That is the class itself, which compile refuses: it needs an optimizer made "
                "from it. Add the brackets: keras.optimizers.Adam().")
    keywords = dict(answer.keywords)
    if "lr" in keywords:
        return "Keras 3 calls it learning_rate and refuses lr."
    rates = [*answer.args[:1], *([keywords.pop("learning_rate")] if "learning_rate" in keywords
                                 else [])]
    if len(answer.args) > 1 or keywords or \
            any(not isinstance(rate, (int, float)) or rate != 0.001 for rate in rates):
        return ("The task asks for Adam with its default settings: leave out the arguments, or "
                "give learning_rate=0.001, Adam's default.")
    return None


def _loss_reason(function: str, labels: str, given: str) -> str | None:
    """None when this loss function is right for the labels; else why not."""
    right = RIGHT_LOSS[labels]
    if function == right:
        return None
    if function == "sparse_categorical_crossentropy":
        return ("Sparse categorical cross-entropy expects whole-number labels (3), but these "
                "labels are one-hot ([0, 0, 0, 1, 0, …]): Keras fails on them.")
    if function == "categorical_crossentropy":
        return ("Categorical cross-entropy expects one-hot labels ([0, 0, 0, 1, 0, …]), but "
                "these labels are whole numbers (3): Keras fails on them. Their loss has "
                "'sparse' in its name.")
    if function == "kl_divergence" and labels == "one-hot":
        return None  # for one-hot labels, the same number as categorical cross-entropy
    if function in ("mean_squared_error", "mean_absolute_error",
                    "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                    "huber", "log_cosh"):
        return ("That is a regression loss: it measures distances between numbers, not how "
                "much probability went to the right class, and trains a classifier slowly "
                "and poorly. Choose a cross-entropy.")
    if function in ("binary_crossentropy", "binary_focal_crossentropy"):
        return ("Binary cross-entropy is for yes-or-no answers; these labels choose one of "
                "ten classes. Keras runs it, but it scores each class on its own.")
    if function == "categorical_focal_crossentropy":
        return ("Focal cross-entropy counts the images the network already gets right for "
                "less; Keras runs it, but the task asks for plain cross-entropy.")
    return (f"{given} is a loss Keras knows, but not a cross-entropy for ten classes: it "
            f"measures something else. The task asks for cross-entropy.")


def check_loss(text: str, labels: str = "one-hot") -> str | None:
    answer = _answer(text)
    if not isinstance(answer, _Answer):
        return answer or "The loss is missing."
    if answer.kind == "string":
        if answer.text.lower() in ("crossentropy", "ce"):
            return None  # compile picks the cross-entropy the labels' shape calls for
        function = KERAS_LOSS_STRINGS.get(answer.text)
        if function is None:
            near = [name for name in KERAS_LOSS_STRINGS
                    if name.lower().replace("_", "") == answer.text.lower().replace("_", "")]
            if near:
                return (f"Keras looks the name up exactly as it is written: {answer.text!r} is "
                        f"not one it knows, {near[0]!r} is.")
            return (f"Keras has no loss called {answer.text!r}."
                    f"{_did_you_mean(answer.text, KERAS_LOSS_STRINGS)}")
        return _loss_reason(function, labels, repr(answer.text))
    if answer.kind not in ("name", "call"):
        return ("The loss is a string, such as \"categorical_crossentropy\", or an object "
                "from keras.losses.")
    known = answer.text in KERAS_LOSS_CLASSES or answer.text in KERAS_LOSS_FUNCTIONS
    if not known:
        if answer.kind == "name" and not answer.module:
            return _quote_reason(answer, "loss")
        return (f"Keras has no loss called {answer.text}."
                + _did_you_mean(answer.text, [*KERAS_LOSS_CLASSES, *KERAS_LOSS_FUNCTIONS],
                                quoted=False))
    problem = _module_problem(answer, "losses")
    if problem:
        return problem
    function = KERAS_LOSS_CLASSES.get(answer.text, answer.text)
    if answer.kind == "call" and answer.text in KERAS_LOSS_FUNCTIONS:
        return (f"That calls {answer.text} with no labels to compare, which fails. Give the "
                f"function itself, without the brackets, or its name as a string.")
    reason = _loss_reason(function, labels, answer.text)
    if reason or answer.kind == "name":
        return reason  # Keras makes an object from a class given without brackets
    keywords = dict(answer.keywords)
    if answer.args:
        return "Give the loss's settings by name, such as from_logits=False, or none at all."
    if keywords.get("from_logits", False) is not False:
        return ("from_logits=True is for a last layer without softmax, and the lesson's model "
                "ends in one. Keras 3 notices and warns (\"Was this intended?\"), then works "
                "from the values before the softmax; say what is true instead: leave "
                "from_logits out.")
    keywords.pop("from_logits", None)
    if keywords:
        return (f"The task asks for plain cross-entropy: leave out {', '.join(keywords)}, "
                "which changes what the loss measures.")
    return None


def _metric_class(answer: _Answer) -> str | tuple[str]:
    """The Keras metric class this element of the list gives, "accuracy" for the string that
    lets compile choose, or a (reason,) when Keras would not take it."""
    if answer.kind == "string":
        if answer.text.lower() in ("accuracy", "acc"):
            return "accuracy"
        if answer.text in KERAS_METRIC_STRINGS:
            return KERAS_METRIC_STRINGS[answer.text]
        return (f"Keras has no metric called {answer.text!r}."
                f"{_did_you_mean(answer.text, ['accuracy', *KERAS_METRIC_STRINGS])}",)
    if answer.kind not in ("name", "call"):
        return ("Each metric is a string, such as \"accuracy\", or an object from "
                "keras.metrics.",)
    if answer.text not in KERAS_METRIC_CLASSES and answer.text not in KERAS_METRIC_FUNCTIONS:
        if answer.kind == "name" and not answer.module:
            return (_quote_reason(answer, "metric"),)
        return (f"Keras has no metric called {answer.text}."
                + _did_you_mean(answer.text, [*KERAS_METRIC_CLASSES, *KERAS_METRIC_FUNCTIONS],
                                quoted=False),)
    problem = _module_problem(answer, "metrics")
    if problem:
        return (problem,)
    if answer.text in KERAS_METRIC_FUNCTIONS:
        if answer.kind == "call":
            return (f"That calls {answer.text} with nothing to compare, which fails. Give the "
                    "function itself, without the brackets, or its name as a string.",)
        return KERAS_METRIC_FUNCTIONS[answer.text]
    if answer.kind == "call" and (answer.args or any(
            keyword not in ("name", "k") for keyword, _ in answer.keywords)):
        return ("Fit Lab checks a metric's name alone: leave out its settings, but for name= "
                "and k=.",)
    return answer.text


def _metric_reason(metric: str, labels: str, given: str) -> str | None:
    """None when this metric measures what its name says with these labels; else why not."""
    if metric == "accuracy" or metric == RIGHT_ACCURACY[labels] or metric in FINE_BESIDE[labels]:
        return None
    if metric in ("SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy"):
        return (f"{given} reads each label as a whole number (3), but these labels are one-hot "
                "([0, 0, 0, 1, 0, …]): Keras fails on them, or compares the wrong numbers. "
                "\"accuracy\" picks the right accuracy for the labels.")
    if metric in ("CategoricalAccuracy", "TopKCategoricalAccuracy"):
        return (f"{given} reads each label as one-hot ([0, 0, 0, 1, 0, …]), but these labels "
                "are whole numbers (3): Keras fails on them, or runs and reports the "
                "wrong figure. \"accuracy\" picks the right accuracy for the labels.")
    if metric in ("Precision", "Recall", "AUC", "F1Score", "FBetaScore") and labels == "integer":
        return (f"{given} needs one-hot labels, a column per class; with whole-number labels "
                "Keras fails.")
    if metric == "BinaryAccuracy":
        return (f"{given} checks each of the ten outputs against 0.5 on its own, so a network "
                "that answers nothing scores 0.9. The task asks for the share of images "
                "classified right: \"accuracy\".")
    if metric == "Accuracy":
        return (f"{given} counts predictions exactly equal to their labels, and probabilities "
                "from a softmax almost never are: it reads about 0. The string \"accuracy\" "
                "is another thing: with it, Keras picks the accuracy for the labels.")
    if metric.endswith("Crossentropy"):
        return ("The loss already reports cross-entropy; the task asks for accuracy, the "
                "share of images classified right.")
    return (f"{given} is a metric Keras knows, but it does not measure how many images are "
            "classified right. The task asks for accuracy (beside it, only the lesson's "
            "classification metrics: top-k accuracy, and for one-hot labels precision, recall "
            "and AUC).")


def check_metrics(text: str, labels: str = "one-hot") -> str | None:
    answer = _answer(text)
    if not isinstance(answer, _Answer):
        return answer or "metrics is missing: put accuracy in a list, [\"accuracy\"]."
    if answer.kind == "dict":  # by output name; with one output, Keras measures every
        answer = _Answer("list", items=tuple(  # entry's metrics, whatever the names
            item for value in answer.items
            for item in (value.items if value.kind == "list" else (value,))))
    if answer.kind != "list":
        return ("metrics takes a list, even for a single metric: Keras refuses a lone "
                "string. Put it in square brackets: [\"accuracy\"].")
    if not answer.items:
        return "The list of metrics is empty: put accuracy in it."
    found = []
    for item in answer.items:
        metric = _metric_class(item)
        if isinstance(metric, tuple):
            return metric[0]
        given = repr(item.text) if item.kind == "string" else f"{item.module}{item.text}"
        reason = _metric_reason(metric, labels, given)
        if reason:
            return reason
        found.append(metric)
    if not any(metric in ("accuracy", RIGHT_ACCURACY[labels]) for metric in found):
        return "The task asks for accuracy in the list: \"accuracy\" is enough."
    return None


def check_compile(optimizer: str, loss: str, metrics: str,
                  labels: str = "one-hot") -> dict[str, str]:
    """{blank: what is wrong} for each blank answered wrongly, for a model ending in softmax
    over ten classes and labels of this kind (a key of LABELS); empty when all are right."""
    problems = {"optimizer": check_optimizer(optimizer), "loss": check_loss(loss, labels),
                "metrics": check_metrics(metrics, labels)}
    return {blank: problem for blank, problem in problems.items() if problem}
