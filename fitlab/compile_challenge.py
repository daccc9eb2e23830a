"""The compile challenge: an answer typed into the blanks of `model.compile`, judged the way
Keras judges it.

Each blank is parsed with `ast` into a small structure (`structure`): names and dotted names,
calls of them with literal arguments, strings, numbers (constant arithmetic such as 1/1000
included), lists, tuples and dictionaries. Anything else is refused with a sentence saying
what, and nothing a learner types is ever run here. The structure goes to Keras, in its own
process (fitlab.judge), which builds the objects, compiles and trains one batch, and reports
what they compute; an answer is right when Keras takes it and it computes what the task
needs: Adam with Adam's default settings, the cross-entropy of the labels, and the accuracy
among the metrics (any other metric Keras accepts beside it). For a wrong answer, the reason
is Fit Lab's own where it has one (a misspelt name's nearest neighbour, a path Keras does not
have, labels of the wrong kind), else what Keras said or computed. Keras' names are in
fitlab.keras_names; the server never imports Keras.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import math

from fitlab import judge
from fitlab.keras_names import (
    KERAS_LOSS_CLASSES,
    KERAS_LOSS_FUNCTIONS,
    KERAS_LOSS_STRINGS,
    KERAS_METRIC_CLASSES,
    KERAS_METRIC_FUNCTIONS,
    KERAS_METRIC_STRINGS,
    KERAS_OPTIMIZER_CLASSES,
    KERAS_OPTIMIZER_STRINGS,
)

# The labels of each variant: one-hot (Fit Lab's default, every edition before June 2026) or
# whole numbers (the current edition: sparse categorical cross-entropy).
LABELS = {"one-hot": "one-hot labels ([0, 0, 0, 1, 0, …])",
          "integer": "whole-number labels (3)"}
RIGHT_LOSS = {"one-hot": "categorical_crossentropy", "integer": "sparse_categorical_crossentropy"}
RIGHT_ACCURACY = {"one-hot": "CategoricalAccuracy", "integer": "SparseCategoricalAccuracy"}
# Metrics made for the other kind of labels: Keras fails on most, and where it runs, the
# figure it reports is not what its name says, so they are wrong beside accuracy too.
WRONG_LABELS = {
    "one-hot": {"SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
                "SparseCategoricalCrossentropy"},
    "integer": {"CategoricalAccuracy", "TopKCategoricalAccuracy", "CategoricalCrossentropy",
                "Precision", "Recall", "AUC", "F1Score", "FBetaScore"},
}
# The module paths a name may be written under (`from keras import optimizers`, `import
# keras`, TensorFlow's tf.keras, which is Keras 3 from TensorFlow 2.16), or none (`from
# keras.optimizers import Adam`); fitlab.judge resolves the same.
_PREFIXES = ("", "{m}.", "keras.{m}.", "tf.keras.{m}.", "tensorflow.keras.{m}.")
MISSING = {"optimizer": "The optimizer is missing.", "loss": "The loss is missing.",
           "metrics": "metrics is missing: put accuracy in a list, [\"accuracy\"]."}
# No setting of an optimizer, a loss or a metric in this task needs a number beyond ten
# thousand; the bound keeps constant arithmetic such as 10**10**10 from running for ever, and
# Keras from sizing a metric's state by a huge one (MeanIoU(num_classes=...) holds a square
# matrix of that side).
LARGEST = 10_000
LONGEST = 500  # characters in a blank


class Unreadable(ValueError):
    """A blank Fit Lab does not read; the message says why."""


_WHAT = {ast.Lambda: "a lambda", ast.Subscript: "indexing with [ ]",
         ast.JoinedStr: "an f-string", ast.ListComp: "a comprehension",
         ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
         ast.GeneratorExp: "a comprehension", ast.Set: "a set", ast.Compare: "a comparison",
         ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.NamedExpr: "an assignment (:=)",
         ast.Starred: "a starred *argument", ast.Await: "await"}


def _refuse(node) -> Unreadable:
    what = _WHAT.get(type(node), f"a {type(node).__name__} expression")
    return Unreadable(f"Fit Lab reads a blank as names, calls of them, strings, numbers and "
                       f"lists, and runs none of it: {what} is not among them.")


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        if not isinstance(node.value, (ast.Name, ast.Attribute)):
            raise Unreadable("Fit Lab reads a name written with dots (keras.optimizers.Adam), "
                              "not an attribute of something else, such as what a call "
                              "returns; nothing is run.")
        name = f"{_dotted(node.value)}.{node.attr}"
    else:
        raise Unreadable("Fit Lab calls only a name written with dots, such as "
                          "keras.optimizers.Adam(); nothing else is run.")
    if any(part.startswith("_") for part in name.split(".")):
        raise Unreadable(f"{name} reaches into Python's insides (a name starting with _), "
                          "which no answer needs; Fit Lab does not read it.")
    return name


def _checked(number):
    if isinstance(number, float) and not math.isfinite(number) or abs(number) > LARGEST:
        raise Unreadable(f"Fit Lab takes numbers up to ten thousand ({LARGEST:,}); no "
                          "setting of the answer needs more.")
    return number


_OPERATIONS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
               ast.Pow: lambda a, b: a ** b}


def _number(node):
    """A number, or constant arithmetic on numbers (1/1000, 1e-3, 10**-3), worked out here
    with every step bounded."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _checked(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _number(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATIONS:
        left, right = _number(node.left), _number(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise Unreadable("Fit Lab takes a power up to 64, as in 10**-3; no setting of the "
                              "answer needs more.")
        try:
            value = _OPERATIONS[type(node.op)](left, right)
        except ZeroDivisionError:
            raise Unreadable("That divides by zero.") from None
        except OverflowError:
            value = math.inf
        if isinstance(value, complex):
            raise Unreadable("That makes a complex number (a negative number to a "
                              "fractional power); a setting takes a real one.")
        return _checked(value)
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool, type(None))):
        raise Unreadable("Fit Lab works out arithmetic on numbers only, such as 1/1000.")
    raise _refuse(node) if not isinstance(node, ast.Constant) else Unreadable(
        f"Fit Lab reads strings, numbers, True, False and None, not {node.value!r}.")


def structure(node, literal: bool = False) -> list:
    """A blank as data: ["str", s], ["num", x], ["const", v], ["name", "a.b"],
    ["call", "a.b", [args], [[keyword, value], ...]], ["list"|"tuple", [...]],
    ["dict", [[key, value], ...]]; Unreadable with a sentence for anything else. A call's
    argument (`literal`) is a string, a number, True, False, None, or a list of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ["str", node.value]
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
        return ["const", node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return ["list" if isinstance(node, ast.List) else "tuple",
                [structure(item, literal) for item in node.elts]]
    if literal and isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Dict)):
        raise Unreadable("Fit Lab takes a setting's value as a number, a string, True, False "
                          "or None: not a name or a call.")
    if isinstance(node, ast.Dict):
        if not all(isinstance(key, ast.Constant) and isinstance(key.value, str)
                   for key in node.keys):
            raise Unreadable("A dictionary of metrics is keyed by output names, in quotes.")
        return ["dict", [[key.value, structure(value)]
                         for key, value in zip(node.keys, node.values)]]
    if isinstance(node, (ast.Name, ast.Attribute)):
        return ["name", _dotted(node)]
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        if any(keyword.arg is None for keyword in node.keywords):
            raise _refuse(ast.Starred())
        return ["call", name, [structure(arg, literal=True) for arg in node.args],
                [[keyword.arg, structure(keyword.value, literal=True)]
                 for keyword in node.keywords]]
    return ["num", _number(node)]


def parse(text: str) -> list | None:
    """A blank's structure; None for an empty blank; Unreadable for one Fit Lab does not
    read."""
    text = text.strip()
    if not text:
        return None
    if len(text) > LONGEST:
        raise Unreadable(f"That is longer than any answer needs ({LONGEST} characters).")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise Unreadable(f"Python cannot read {text!r}: {error.msg}.") from None
    except (ValueError, RecursionError, MemoryError):
        raise Unreadable("Python cannot read that.") from None
    try:
        return structure(tree)
    except RecursionError:
        raise Unreadable("That is nested deeper than any answer needs.") from None


@dataclasses.dataclass(frozen=True)
class _Answer:
    """A blank as the reasons read it: a string, a name (dotted), a call of a name, a list."""
    kind: str  # "string", "name", "call", "list", "dict", "other"
    text: str = ""  # the string, or the name's last part
    module: str = ""  # what comes before the last part, with its dot: "keras.optimizers."
    args: tuple = ()  # a call's positional arguments, as Python values
    keywords: tuple = ()  # a call's (keyword, value) pairs
    items: tuple = ()  # a list's, tuple's or dictionary's answers


def _value(node: list):
    if node[0] in ("list", "tuple"):
        return [_value(item) for item in node[1]]
    return node[1]


def _answer(node: list) -> _Answer:
    kind = node[0]
    if kind == "str":
        return _Answer("string", node[1])
    if kind in ("list", "tuple"):
        return _Answer("list", items=tuple(_answer(item) for item in node[1]))
    if kind == "dict":
        return _Answer("dict", items=tuple(_answer(value) for _, value in node[1]))
    if kind not in ("name", "call"):
        return _Answer("other")
    module, _, last = node[1].rpartition(".")
    module = f"{module}." if module else ""
    if kind == "name":
        return _Answer("name", last, module)
    return _Answer("call", last, module, tuple(_value(arg) for arg in node[2]),
                   tuple((keyword, _value(value)) for keyword, value in node[3]))


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
    if answer.module in [prefix.format(m="losses") for prefix in _PREFIXES[1:]] and (
            answer.text in KERAS_LOSS_CLASSES or answer.text in KERAS_LOSS_FUNCTIONS):
        if answer.kind == "call" and answer.text in KERAS_LOSS_FUNCTIONS:
            return (f"That calls {answer.text} with nothing to compare, which fails. Give the "
                    "function itself, without the brackets.",)
        return answer.text  # any loss can be a metric: Keras reports its mean
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
    return answer.text



def _metric_reason(metric: str, labels: str, given: str) -> str | None:
    """Why this metric, of the list, is not the accuracy asked for: made for the other kind of
    labels, or measuring something else (said only when the list has no accuracy)."""
    if metric == "accuracy" or metric == RIGHT_ACCURACY[labels]:
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
            "classified right. The task asks for accuracy in the list; any other metric Keras "
            "accepts may stand beside it.")




def _optimizer_reason(answer: _Answer, text: str) -> str | None:
    """Fit Lab's own reason why this optimizer is wrong, where it has one."""
    if answer.kind == "string":
        name = answer.text.lower()
        if name.strip() == "adam" and name != "adam":
            return (f"Keras looks the name up as it is written, spaces included: {text.strip()}"
                    " is not an optimizer it knows. Leave out the spaces.")
        if name in KERAS_OPTIMIZER_STRINGS and name != "adam":
            return f"{answer.text!r} is an optimizer Keras knows, but the task asks for Adam."
        if name not in KERAS_OPTIMIZER_STRINGS:
            return (f"Keras has no optimizer called {answer.text!r}."
                    f"{_did_you_mean(name, KERAS_OPTIMIZER_STRINGS, unless='adam')} Try "
                    "\"adam\".")
        return None
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
    if "lr" in dict(answer.keywords):
        return "Keras 3 calls it learning_rate and refuses lr."
    return None


def _number_text(value) -> str:
    """A setting as a learner writes it: Keras keeps a rate as float32 (0.01 reads back as
    0.009999999776482582)."""
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _said(verdict: dict, reason: str | None) -> str | None:
    """For a blank Keras found wrong: Fit Lab's own reason where it has one, else Keras' error
    in words; None when neither says it (what the blank computes then does)."""
    if reason:
        return reason
    return f"Keras refuses it: {verdict['error']}." if "error" in verdict else None


def _optimizer_problem(answer: _Answer, text: str, verdict: dict) -> str | None:
    if verdict.get("ok"):
        return None
    said = _said(verdict, _optimizer_reason(answer, text))
    if said:
        return said
    if verdict.get("class") != "Adam":
        return f"That makes Keras' {verdict.get('class')}, but the task asks for Adam."
    settings = ", ".join(f"{key} is {_number_text(given)} (Adam's default: "
                         f"{_number_text(default)})"
                         for key, (given, default) in verdict.get("differs", {}).items())
    return f"The task asks for Adam with its default settings; in this one {settings}."


def _loss_static(answer: _Answer, labels: str) -> str | None:
    """Fit Lab's own reason why this loss is wrong for these labels, where it has one."""
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
    if answer.text not in KERAS_LOSS_CLASSES and answer.text not in KERAS_LOSS_FUNCTIONS:
        if answer.kind == "name" and not answer.module:
            return _quote_reason(answer, "loss")
        return (f"Keras has no loss called {answer.text}."
                + _did_you_mean(answer.text, [*KERAS_LOSS_CLASSES, *KERAS_LOSS_FUNCTIONS],
                                quoted=False))
    problem = _module_problem(answer, "losses")
    if problem:
        return problem
    if answer.kind == "call" and answer.text in KERAS_LOSS_FUNCTIONS:
        return (f"That calls {answer.text} with no labels to compare, which fails. Give the "
                f"function itself, without the brackets, or its name as a string.")
    reason = _loss_reason(KERAS_LOSS_CLASSES.get(answer.text, answer.text), labels,
                          answer.text)
    if reason or answer.kind == "name":
        return reason
    keywords = dict(answer.keywords)
    if keywords.get("from_logits", False) is not False:
        return _FROM_LOGITS
    return None


_FROM_LOGITS = (
    "from_logits=True is for a last layer without softmax, and the lesson's model ends in "
    "one. Keras 3 notices and warns (\"Was this intended?\"), then works from the values "
    "before the softmax; say what is true instead: leave from_logits out.")


def _loss_problem(answer: _Answer, labels: str, verdict: dict) -> str | None:
    if verdict.get("ok"):
        return None
    said = _said(verdict, _loss_static(answer, labels))
    if said:
        return said
    if verdict.get("warned"):
        return _FROM_LOGITS
    settings = ", ".join(f"{keyword}={value!r}" for keyword, value in answer.keywords)
    return ("The task asks for plain cross-entropy, but " + (f"with {settings} " if settings
            else "this loss ") + f"Keras computes {verdict['loss']:.4f} on a sample batch where "
            f"plain cross-entropy is {verdict['expected']:.4f}: it measures something else.")


def _canonical(fact: dict) -> str:
    """A metric's class as the reasons name it: a function Keras wrapped, by its class."""
    if fact.get("class") == "MeanMetricWrapper":
        return KERAS_METRIC_FUNCTIONS.get(fact.get("function", ""), fact.get("function", ""))
    return fact.get("class", "")


def _given(item: _Answer) -> str:
    return repr(item.text) if item.kind == "string" else f"{item.module}{item.text}"


def _metrics_problem(answer: _Answer, labels: str, verdict: dict) -> str | None:
    if answer.kind == "dict":  # by output name; with one output, Keras measures every
        answer = _Answer("list", items=tuple(  # entry's metrics, whatever the names
            item for value in answer.items
            for item in (value.items if value.kind == "list" else (value,))))
    facts = verdict.get("items") or []
    if verdict.get("ok"):
        # Right by Keras, unless a metric for the other kind of labels runs all the same.
        for item, fact in zip(answer.items, facts):
            if _canonical(fact) in WRONG_LABELS[labels]:
                return _metric_reason(_canonical(fact), labels, _given(item))
        return None
    if answer.kind == "name" and not answer.module:  # metrics=accuracy
        return (_quote_reason(answer, "metric") + " And metrics takes a list, even for a "
                "single metric: [\"accuracy\"].")
    if answer.kind != "list":
        lone = "a lone string" if answer.kind == "string" else "a lone metric"
        return (f"metrics takes a list, even for a single metric: Keras refuses {lone}. "
                "Put it in square brackets: [\"accuracy\"].")
    if not answer.items:
        return "The list of metrics is empty: put accuracy in it."
    for item in answer.items:
        metric = _metric_class(item)
        if isinstance(metric, tuple):
            return metric[0]
        if metric in WRONG_LABELS[labels]:
            return _metric_reason(metric, labels, _given(item))
    for item, fact in zip(answer.items, facts):
        if "error" in fact:
            return f"Keras fails on {_given(item)} with these labels: {fact['error']}."
    if "error" in verdict:
        return f"Keras refuses it: {verdict['error']}."
    for item, fact in zip(answer.items, facts):
        reason = _metric_reason(_canonical(fact), labels, _given(item))
        if reason:
            return reason
    return "The task asks for accuracy in the list: \"accuracy\" is enough."


def check_compile(optimizer: str, loss: str, metrics: str,
                  labels: str = "one-hot") -> dict[str, str]:
    """{blank: what is wrong} for each blank answered wrongly, for a model ending in softmax
    over ten classes and labels of this kind (a key of LABELS); empty when all are right.
    Asks Keras (fitlab.judge); judge.Unavailable, with words for the learner, when it cannot
    answer, its `problems` those found without Keras."""
    texts = {"optimizer": optimizer, "loss": loss, "metrics": metrics}
    problems, nodes = {}, {}
    for blank, text in texts.items():
        try:
            node = parse(text)
        except Unreadable as unreadable:
            problems[blank] = str(unreadable)
            continue
        if node is None:
            problems[blank] = MISSING[blank]
        else:
            nodes[blank] = node
    try:
        verdicts = judge.ask(labels, nodes) if nodes else {}
    except judge.Unavailable as unavailable:
        unavailable.problems = problems  # what was found without Keras still stands
        raise
    for blank, node in nodes.items():
        answer, verdict = _answer(node), verdicts.get(blank) or {}
        problem = (_optimizer_problem(answer, texts[blank], verdict) if blank == "optimizer"
                   else _loss_problem(answer, labels, verdict) if blank == "loss"
                   else _metrics_problem(answer, labels, verdict))
        if problem:
            problems[blank] = problem
    return {blank: problems[blank] for blank in texts if blank in problems}
