"""The compile challenge: answers right and wrong, each judged by Keras in the judge process
and each also compiled and trained one batch in real Keras here, so that the corpus itself is
proven; the parser that keeps a learner's text from ever being run; and the server's end of
the judge (a judge that never answers, or dies).

The answers marked "issue 22" were refused by the old table-based check although Keras runs
them right (or, one, accepted although Keras refuses it)."""

import json
import sys
import warnings

import pytest

from fitlab import compile_challenge, judge, keras_names

ONE_HOT, INTEGER = "one-hot", "integer"
# (labels, optimizer, loss, metrics): answers Keras 3.15.1 takes and runs right for the task.
RIGHT = [
    (ONE_HOT, "keras.optimizers.Adam()", "keras.losses.CategoricalCrossentropy()", '["accuracy"]'),
    (ONE_HOT, '"adam"', "'categorical_crossentropy'", "['acc']"),
    (ONE_HOT, '"Adam"', '"CategoricalCrossentropy"', '["Accuracy"]'),  # Keras lowercases both
    (ONE_HOT, "Adam(learning_rate=0.001)", '"crossentropy"', "['categorical_accuracy']"),
    (ONE_HOT, "tf.keras.optimizers.Adam(learning_rate=1e-3)", "CategoricalCrossentropy()",
     "[keras.metrics.CategoricalAccuracy(), 'top_k_categorical_accuracy']"),
    (ONE_HOT, "optimizers.Adam(0.001)", "keras.losses.categorical_crossentropy",
     '("accuracy", "Precision", "recall", keras.metrics.AUC())'),
    (ONE_HOT, '"ADAM"', "keras.losses.CategoricalCrossentropy(from_logits=False)",
     "[metrics.categorical_accuracy, metrics.TopKCategoricalAccuracy(k=3)]"),
    (ONE_HOT, "keras.optimizers.Adam()", "keras.losses.CategoricalCrossentropy", '["ACC"]'),
    (ONE_HOT, "keras.optimizers.Adam()", '"kld"', '["accuracy"]'),  # the same number, one-hot
    # by output name: with one output, Keras takes its one entry whatever the name
    (ONE_HOT, "keras.optimizers.Adam()", '"categorical_crossentropy"', '{"dense": "accuracy"}'),
    # issue 22: explicit defaults, rates as arithmetic, TensorFlow's spelling, the video's own
    # metric, F1 beside accuracy, losses as extra metrics (any loss can be a metric)
    (ONE_HOT, "keras.optimizers.Adam(epsilon=1e-07)",
     "keras.losses.CategoricalCrossentropy(label_smoothing=0.0)", '["accuracy"]'),
    (ONE_HOT, "Adam(learning_rate=1/1000)", '"categorical_crossentropy"',
     "[tf.keras.metrics.CategoricalAccuracy('accuracy')]"),
    (ONE_HOT, "keras.optimizers.Adam(learning_rate=10**-3, beta_1=0.9, beta_2=0.999, "
     "epsilon=1e-7, amsgrad=False)", "keras.losses.CategoricalCrossentropy(axis=-1)",
     '["accuracy", "f1_score"]'),
    (ONE_HOT, "tensorflow.keras.optimizers.Adam()",
     "tensorflow.keras.losses.CategoricalCrossentropy()",
     "[tensorflow.keras.metrics.CategoricalAccuracy(), keras.metrics.F1Score(average='macro')]"),
    (ONE_HOT, "keras.optimizers.get('adam')", '"categorical_crossentropy"',
     '["accuracy", "mse", "categorical_crossentropy"]'),
    (ONE_HOT, "Adam(learning_rate=0.0005 * 2)", '"categorical_crossentropy"',
     "[\"accuracy\", keras.losses.KLDivergence(), keras.metrics.Precision(thresholds=0.5)]"),
    (ONE_HOT, "keras.optimizers.Adam()", '"categorical_crossentropy"',
     '{"a": ["accuracy"], "b": "mse"}'),
    (INTEGER, "keras.optimizers.Adam()", '"sparse_categorical_crossentropy"', '["accuracy"]'),
    (INTEGER, '"adam"', "keras.losses.SparseCategoricalCrossentropy()",
     '["sparse_categorical_accuracy"]'),
    (INTEGER, '"adam"', '"CE"',
     '["SparseCategoricalAccuracy", "sparse_top_k_categorical_accuracy"]'),
    (INTEGER, '"adam"', "losses.sparse_categorical_crossentropy",
     "[keras.metrics.SparseCategoricalAccuracy(name='acc')]"),
    (INTEGER, "Adam(epsilon=1e-07)",
     "keras.losses.SparseCategoricalCrossentropy(from_logits=False, ignore_class=None)",
     "[keras.metrics.SparseCategoricalAccuracy('accuracy'), 'sparse_categorical_crossentropy']"),
]

# (labels, blank, answer, words of its reason): each is wrong for the task in Keras 3.15.1.
WRONG = [
    (ONE_HOT, "optimizer", "keras.optimizers.SGD()", "the task asks for Adam"),
    (ONE_HOT, "optimizer", '"adamw"', "the task asks for Adam"),
    (ONE_HOT, "optimizer", "Adam(learning_rate=0.1)",
     "Adam with its default settings; in this one learning_rate is 0.1 (Adam's default: 0.001)"),
    (ONE_HOT, "optimizer", "Adam(learning_rate=1/100)", "learning_rate is 0.01 (Adam's"),
    (ONE_HOT, "optimizer", "Adam(beta_1=0.5)", "beta_1 is 0.5 (Adam's default: 0.9)"),
    (ONE_HOT, "optimizer", "keras.optimizers.Adam(epsilon=1e-3)", "epsilon is 0.001"),
    # issue 22: accepted before, a TypeError in Keras
    (ONE_HOT, "optimizer", "Adam(0.001, learning_rate=0.001)",
     "Keras refuses it: TypeError: Adam.__init__() got multiple values for argument "
     "'learning_rate'."),
    (ONE_HOT, "optimizer", "Adam(lr=0.001)", "refuses lr"),
    (ONE_HOT, "optimizer", "keras.optimizers.Adam", "the class itself"),
    (ONE_HOT, "optimizer", "keras.optimizers.legacy.Adam()", "gone in Keras 3"),
    (ONE_HOT, "optimizer", "keras.optimizer.Adam()", "write keras.optimizers.Adam()"),
    (ONE_HOT, "optimizer", "adam", "Without quotes"),
    (ONE_HOT, "optimizer", '" adam"', "spaces included"),
    (ONE_HOT, "optimizer", '"gradient"', "no optimizer called 'gradient'"),
    (ONE_HOT, "optimizer", '"rmsprob"', "Did you mean 'rmsprop'? Try \"adam\"."),
    (ONE_HOT, "optimizer", "keras.optimizers.RMSProp()", "Did you mean RMSprop?"),
    # "adma" is nearer Keras' "adamax" than "adam", which the message names anyway.
    (ONE_HOT, "optimizer", '"adma"', "Keras has no optimizer called 'adma'. Try \"adam\"."),
    (ONE_HOT, "optimizer", 'print("ran")', "no optimizer called print"),
    (ONE_HOT, "loss", "crossentropy", "Without quotes"),
    (ONE_HOT, "loss", '"sparse_categorical_crossentropy"', "expects whole-number labels"),
    (ONE_HOT, "loss", "keras.losses.SparseCategoricalCrossentropy()", "expects whole-number"),
    (ONE_HOT, "loss", '"Categorical_Crossentropy"', "'categorical_crossentropy' is"),
    (ONE_HOT, "loss", '"categoricalcrossentropy"', "'categorical_crossentropy' is"),
    (ONE_HOT, "loss", '"categorical_crossentopy"', "Keras has no loss called "
     "'categorical_crossentopy'. Did you mean 'categorical_crossentropy'?"),
    (ONE_HOT, "loss", "keras.losses.CategoricalCrossEntropy()",
     "Did you mean CategoricalCrossentropy?"),
    (ONE_HOT, "loss", '"xyz"', "Keras has no loss called 'xyz'."),
    (ONE_HOT, "loss", '"mse"', "regression loss"),
    (ONE_HOT, "loss", "keras.losses.MeanSquaredError()", "regression loss"),
    (ONE_HOT, "loss", '"binary_crossentropy"', "yes-or-no"),
    (ONE_HOT, "loss", '"categorical_focal_crossentropy"', "plain cross-entropy"),
    (ONE_HOT, "loss", '"categorical_hinge"', "measures something else"),
    (ONE_HOT, "loss", "CategoricalCrossentropy(from_logits=True)", "leave from_logits out"),
    (ONE_HOT, "loss", "CategoricalCrossentropy(label_smoothing=0.1)",
     "with label_smoothing=0.1 Keras computes"),
    (ONE_HOT, "loss", "keras.losses.categorical_crossentropy()", "with no labels"),
    (ONE_HOT, "metrics", '"accuracy"', "Keras refuses a lone string"),
    # a bare name is no string: it was told "Keras refuses a lone string" (a tester)
    (ONE_HOT, "metrics", "accuracy", "Without quotes, accuracy is a Python name"),
    (ONE_HOT, "metrics", "keras.metrics.CategoricalAccuracy()", "Keras refuses a lone metric"),
    (ONE_HOT, "metrics", "[]", "empty"),
    (ONE_HOT, "metrics", '["categorical_crossentropy"]', "loss already reports cross-entropy"),
    (ONE_HOT, "metrics", '["sparse_categorical_accuracy"]', "reads each label as a whole number"),
    (ONE_HOT, "metrics", '["accuracy", "sparse_top_k_categorical_accuracy"]', "whole number"),
    (ONE_HOT, "metrics", '["binary_accuracy"]', "scores 0.9"),
    (ONE_HOT, "metrics", "[keras.metrics.Accuracy()]", "exactly equal to their labels"),
    (ONE_HOT, "metrics", '["AUC"]', "asks for accuracy in the list"),
    (ONE_HOT, "metrics", "[keras.metrics.F1Score()]", "asks for accuracy in the list"),
    (ONE_HOT, "metrics", '["accurracy"]', "no metric called 'accurracy'"),
    (ONE_HOT, "metrics", '["acuracy"]', "Did you mean 'accuracy'?"),
    (ONE_HOT, "metrics", "[keras.metrics.CategoricalAcuracy()]",
     "Did you mean CategoricalAccuracy?"),
    (ONE_HOT, "metrics", "[__import__('os').system('true')]", "nothing is run"),
    (INTEGER, "loss", '"categorical_crossentropy"', "expects one-hot labels"),
    (INTEGER, "loss", "keras.losses.CategoricalCrossentropy()", "expects one-hot labels"),
    (INTEGER, "loss", '"kld"', "measures something else"),
    (INTEGER, "loss", "SparseCategoricalCrossentropy(from_logits=True)", "ends in one"),
    (INTEGER, "metrics", '["categorical_accuracy"]', "reads each label as one-hot"),
    (INTEGER, "metrics", '["accuracy", "top_k_categorical_accuracy"]', "as one-hot"),
    (INTEGER, "metrics", '["accuracy", "Precision"]', "needs one-hot labels"),
    (INTEGER, "metrics", '["accuracy", "f1_score"]', "needs one-hot labels"),
]
ANSWERS = {ONE_HOT: {"optimizer": "keras.optimizers.Adam()", "loss": '"categorical_crossentropy"',
                     "metrics": '["accuracy"]'},
           INTEGER: {"optimizer": "keras.optimizers.Adam()",
                     "loss": '"sparse_categorical_crossentropy"', "metrics": '["accuracy"]'}}


@pytest.mark.keras
@pytest.mark.parametrize("labels, optimizer, loss, metrics", RIGHT)
def test_right_answers_to_the_compile_challenge_in_the_spellings_keras_takes(
        labels, optimizer, loss, metrics):
    assert compile_challenge.check_compile(optimizer, loss, metrics, labels) == {}


@pytest.mark.keras
@pytest.mark.parametrize("labels, blank, answer, words", WRONG)
def test_each_wrong_blank_of_the_compile_challenge_gets_its_own_reason(labels, blank, answer,
                                                                       words):
    answers = {**ANSWERS[labels], blank: answer}
    problems = compile_challenge.check_compile(**answers, labels=labels)
    assert list(problems) == [blank] and words in problems[blank]


# -- the parser: a learner's text is read, never run --------------------------------------------

@pytest.mark.parametrize("text, structure", [
    ('"adam"', ["str", "adam"]),
    ("keras.optimizers.Adam(learning_rate=1/1000)",
     ["call", "keras.optimizers.Adam", [], [["learning_rate", ["num", 0.001]]]]),
    ("Adam(10**-3, amsgrad=False)", ["call", "Adam", [["num", 0.001]],
                                     [["amsgrad", ["const", False]]]]),
    ("Adam(-1e-3)", ["call", "Adam", [["num", -0.001]], []]),
    ('("accuracy", metrics.AUC)', ["tuple", [["str", "accuracy"], ["name", "metrics.AUC"]]]),
    ('{"dense": ["acc"]}', ["dict", [["dense", ["list", [["str", "acc"]]]]]]),
    ("F1Score(thresholds=[0.5])", ["call", "F1Score", [],
                                   [["thresholds", ["list", [["num", 0.5]]]]]]),
])
def test_a_blank_is_read_into_names_calls_literals_and_lists(text, structure):
    assert compile_challenge.parse(text) == structure
    assert json.loads(json.dumps(structure)) == structure  # what crosses to the judge


@pytest.mark.parametrize("text, words", [
    ("__import__('os').system('true')", "not an attribute of something else"),
    ("__import__('os')", "Python's insides"),
    ("keras.optimizers.Adam().__class__", "not an attribute of something else"),
    ("keras.__builtins__", "Python's insides"),
    ("(lambda: 1)()", "calls only a name written with dots"),
    ("lambda: 1", "a lambda is not among them"),
    ("[m for m in 'ab']", "a comprehension"),
    ("metrics[0]", "indexing with [ ]"),
    ("f'{1}'", "an f-string"),
    ("Adam(**{'learning_rate': 0.001})", "a starred *argument"),
    ("Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))",
     "not a name or a call"),
    ("Adam(learning_rate=1/0)", "divides by zero"),
    ("Adam(learning_rate=10**10**10)", "numbers up to ten thousand"),
    ("Adam(learning_rate=2**1000)", "a power up to 64"),
    ("Adam(learning_rate=1e308*10)", "numbers up to ten thousand"),
    ("Adam(learning_rate=(-8)**0.5)", "complex number"),
    ("keras.metrics.MeanIoU(num_classes=10**6)", "numbers up to ten thousand"),
    ("'a' * 10**6", "arithmetic on numbers only"),
    ("{1: 'accuracy'}", "keyed by output names"),
    ("x := 1", "Python cannot read"),
    ("Adam(", "Python cannot read"),
])
@pytest.mark.timeout(60)  # a hang guard: 10**10**10 worked out would never end
def test_anything_else_is_refused_quickly_with_a_sentence_saying_what(text, words):
    with pytest.raises(compile_challenge.Unreadable) as refused:
        compile_challenge.parse(text)
    assert words in str(refused.value)


def test_a_blank_that_cannot_be_read_is_answered_without_asking_keras(monkeypatch):
    """The judge is only asked about blanks that were read; an empty or unreadable one gets
    its sentence here. (The judge is replaced: it would start Keras.)"""
    asked = []
    monkeypatch.setattr(judge, "ask", lambda labels, blanks: asked.append(blanks) or
                        {blank: {"ok": True} for blank in blanks})
    problems = compile_challenge.check_compile("", "keras.losses.X().y", '["accuracy"]')
    assert problems == {
        "optimizer": "The optimizer is missing.",
        "loss": "Fit Lab reads a name written with dots (keras.optimizers.Adam), not an "
                "attribute of something else, such as what a call returns; nothing is run."}
    assert asked == [{"metrics": ["list", [["str", "accuracy"]]]}]


# -- the server's end of the judge ----------------------------------------------------------

FAKE_JUDGE = """
import json, sys, time
behaviour = sys.argv[1]
if behaviour == "silent":
    time.sleep(60)
print(json.dumps({"type": "ready"}), flush=True)
for line in sys.stdin:
    question = json.loads(line)
    if behaviour == "dies":
        sys.exit(3)
    if behaviour == "slow":
        time.sleep(60)
    print("a library's chatter", flush=True)
    print(json.dumps({"id": question["id"], "optimizer": {"ok": True, "asked": question}}),
          flush=True)
"""


def fake_judge(behaviour: str) -> judge.Judge:
    return judge.Judge([sys.executable, "-c", FAKE_JUDGE, behaviour])


def test_the_judge_is_started_once_and_kept_warm_between_questions():
    fake = fake_judge("answers")
    try:
        first = fake.ask("one-hot", {"optimizer": ["str", "adam"]})
        process = fake.process
        second = fake.ask("integer", {"optimizer": ["str", "sgd"]})
        assert first["optimizer"]["asked"]["optimizer"] == ["str", "adam"]
        assert second["optimizer"]["asked"] == {"id": 2, "labels": "integer",
                                                "optimizer": ["str", "sgd"]}
        assert fake.process is process  # the same process: Keras is imported once
    finally:
        fake.close()


def test_a_judge_that_does_not_answer_in_time_is_replaced_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(judge, "ANSWER_SECONDS", 1.0)
    fake = fake_judge("slow")
    with pytest.raises(judge.Unavailable, match=r"Keras did not answer in time \(1 s\)"):
        fake.ask("one-hot", {"optimizer": ["str", "adam"]})
    assert fake.process is None  # killed: the next question starts a fresh one
    monkeypatch.setattr(judge, "START_SECONDS", 1.0)
    silent = fake_judge("silent")
    with pytest.raises(judge.Unavailable, match="Keras did not start in time"):
        silent.ask("one-hot", {"optimizer": ["str", "adam"]})


def test_a_judge_that_dies_says_so_and_a_fresh_one_answers_the_next_question():
    fake = fake_judge("dies")
    with pytest.raises(judge.Unavailable, match=r"stopped \(exit status 3\). Press Check again"):
        fake.ask("one-hot", {"optimizer": ["str", "adam"]})
    fake.command = [sys.executable, "-c", FAKE_JUDGE, "answers"]
    try:
        assert fake.ask("one-hot", {"optimizer": ["str", "adam"]})["optimizer"]["ok"]
    finally:
        fake.close()


@pytest.mark.keras
def test_the_judge_calls_only_keras_classes_and_get_and_only_with_literals():
    pytest.importorskip("keras")
    import keras

    assert isinstance(judge.build(["call", "tensorflow.keras.optimizers.Adam", [],
                                   [["epsilon", ["num", 1e-07]]]], "optimizers"),
                      keras.optimizers.Adam)
    assert isinstance(judge.build(["call", "keras.optimizers.get", [["str", "adam"]], []],
                                  "optimizers"), keras.optimizers.Adam)
    assert judge.build(["name", "keras.losses.KLDivergence"], "metrics") is \
        keras.losses.KLDivergence  # any loss can be a metric
    for node, module in ((["name", "os.system"], "optimizers"),
                         (["name", "keras.optimizers.Adam"], "losses"),
                         (["call", "keras.losses.categorical_crossentropy", [], []], "losses"),
                         (["call", "keras.optimizers.get", [["num", 1]], []], "optimizers"),
                         (["name", "keras.optimizers.__builtins__"], "optimizers"),
                         (["name", "keras.optimizers.schedules.ExponentialDecay"],
                          "optimizers")):
        with pytest.raises(judge.Refused):
            judge.build(node, module)


# -- the same answers in real Keras (tiny data: 32 rows of 6 numbers, ten classes) -------------

@pytest.fixture(scope="module")
def keras_run():
    """Compile a softmax over ten classes with the answers as Python code and train one batch:
    {reported name: value} and the figures the task asks for, computed by hand from the same
    predictions; or the exception Keras (or Python) raised."""
    import numpy as np
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6)).astype("float32")
    integer = rng.integers(0, 10, 32)
    labels = {ONE_HOT: np.eye(10, dtype="float32")[integer], INTEGER: integer}

    def namespace(module):  # as after `import keras`, `from keras import <module>` and
        names = {"keras": keras, "tf": tf, "tensorflow": tf,  # `... import *`
                 module: getattr(keras, module)}
        names.update({name: getattr(getattr(keras, module), name)
                      for name in dir(getattr(keras, module)) if not name.startswith("_")})
        return names

    def run(labels_kind, optimizer, loss, metrics):
        keras.utils.set_random_seed(0)
        # named as Keras names a model's second Dense layer, as in the lesson's model
        model = keras.Sequential([keras.Input((6,)),
                                  keras.layers.Dense(10, activation="softmax", name="dense_1")])
        try:
            values = {blank: eval(text, namespace(module)) for blank, text, module in (  # noqa: S307
                ("optimizer", optimizer, "optimizers"), ("loss", loss, "losses"),
                ("metrics", metrics, "metrics"))}
            predicted = model.predict(x, verbose=0)  # before the step, as train_on_batch reports
            model.compile(**values)
            reported = model.train_on_batch(x, labels[labels_kind], return_dict=True)
        except Exception as error:  # what a learner running this would meet
            return error
        chosen = predicted.argmax(axis=1)
        return {"reported": {name: np.asarray(value) for name, value in reported.items()},
                "accuracy": float((chosen == integer).mean()),
                "loss": float(-np.log(predicted[np.arange(32), integer]).mean()),
                "optimizer": model.optimizer}
    return run


@pytest.mark.keras
def test_the_tables_are_what_keras_itself_resolves():
    keras = pytest.importorskip("keras")
    from keras.src import losses, metrics, optimizers

    assert sorted(keras_names.KERAS_OPTIMIZER_STRINGS) == sorted(optimizers.ALL_OBJECTS_DICT)
    public = [name for name in dir(keras.optimizers)
              if isinstance(getattr(keras.optimizers, name), type)]
    assert sorted(keras_names.KERAS_OPTIMIZER_CLASSES) == sorted(public)
    resolved = {name: losses.get(name) for name in losses.ALL_OBJECTS_DICT
                if name not in ("Loss", "LossFunctionWrapper")}
    assert keras_names.KERAS_LOSS_STRINGS == {
        name: getattr(loss, "fn", loss).__name__ for name, loss in resolved.items()}
    for name, function in keras_names.KERAS_LOSS_CLASSES.items():
        assert getattr(keras.losses, name)().fn.__name__ == function
        assert getattr(keras.losses, function).__name__ == function
    assert keras_names.KERAS_METRIC_STRINGS == {
        name: metric.__name__ for name, metric in metrics.ALL_OBJECTS_DICT.items()}
    for name, class_name in keras_names.KERAS_METRIC_FUNCTIONS.items():
        assert callable(getattr(keras.metrics, name))
        assert class_name == name or isinstance(getattr(keras.metrics, class_name), type)
    functions = {name for name in dir(keras.metrics) if not name.startswith("_")
                 and callable(getattr(keras.metrics, name))
                 and not isinstance(getattr(keras.metrics, name), type)}
    assert functions - {"get", "serialize", "deserialize"} == \
        set(keras_names.KERAS_METRIC_FUNCTIONS)


@pytest.mark.keras
@pytest.mark.parametrize("labels, optimizer, loss, metrics", RIGHT)
def test_each_right_answer_trains_in_keras_and_reports_the_accuracy_asked_for(
        keras_run, labels, optimizer, loss, metrics):
    import keras

    result = keras_run(labels, optimizer, loss, metrics)
    assert not isinstance(result, Exception), result
    adam = result["optimizer"]
    assert type(adam) is keras.optimizers.Adam
    assert adam.get_config() == {**keras.optimizers.Adam().get_config(), "name": adam.name}
    assert result["reported"]["loss"] == pytest.approx(result["loss"], abs=1e-4)
    accuracies = [value for name, value in result["reported"].items()
                  if "accuracy" in name.lower() and "top" not in name or name.lower() == "acc"]
    assert accuracies and all(float(value) == pytest.approx(result["accuracy"])
                              for value in accuracies)


@pytest.mark.keras
@pytest.mark.parametrize("labels, blank, answer, words", WRONG)
def test_each_wrong_answer_fails_in_keras_or_measures_something_else(keras_run, labels, blank,
                                                                     answer, words):
    import keras

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = keras_run(labels, **{**ANSWERS[labels], blank: answer})
    if isinstance(result, Exception):
        return  # Keras (or Python) refuses it
    if "from_logits=True" in answer:  # Keras recovers from it, and says it looks wrong
        assert any("Was this intended?" in str(warning.message) for warning in warned)
        return
    if blank == "optimizer":
        optimizer = result["optimizer"]
        assert type(optimizer) is not keras.optimizers.Adam or \
            optimizer.get_config() != {**keras.optimizers.Adam().get_config(),
                                       "name": optimizer.name}
    elif blank == "loss":
        assert float(result["reported"]["loss"]) != pytest.approx(result["loss"], abs=1e-4)
    else:  # something in the list is not the accuracy of these labels
        others = {name: value for name, value in result["reported"].items() if name != "loss"}
        assert not others or any(
            value.shape != () or float(value) != pytest.approx(result["accuracy"])
            for value in others.values())

