"""The exercises: each one's task, hints, lesson section and predict-first question, which of
them a run completes (the checks are in fitlab.run_checks; the compile challenge, answered in
words, in fitlab.compile_challenge), and the progress marks a page's address keeps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from fitlab import data
from fitlab.run_checks import (
    BATCH_EPOCHS,
    FAST_EPOCHS,
    FAST_MIN_VALIDATION,
    FAST_TARGETS,
    GAP_MARGIN,
    GAP_SHOWN,
    HELD_EPOCHS,
    HELD_MARGIN,
    STUCK_BAND,
    STUCK_EPOCHS,
    TURN_EPOCHS_AFTER,
    TURN_RISE,
    Run,
    diverged,
    dropout_narrows_the_gap,
    early_stopped,
    fast,
    stuck,
)


@dataclasses.dataclass(frozen=True)
class Prediction:
    """A question answered before training, compared with what the run then showed."""
    question: str
    choices: tuple[str, ...]
    right: int  # what Fit Lab's measured runs did (for diverge, what its check requires)
    why: str  # what happens, and why: shown once the exercise is done
    claims: tuple[str, ...] = ()  # fitlab.claims keys that re-run what `right` and `why` say


@dataclasses.dataclass(frozen=True)
class Exercise:
    key: str  # also its name in the URL's progress marks: ?done=diverge,early_stop
    title: str
    task: str
    hints: tuple[str, ...]
    section: str  # the lesson section it belongs to (a file name in lesson/, without .md)
    predict: Prediction | None = None


_TARGETS = ", ".join(f"{target:g} on {data.title(name)}" for name, target in FAST_TARGETS.items())
# In the lesson's order: by section, and within one as they are written here.
EXERCISES = tuple(sorted((
    Exercise("compile", "Fill in the blanks of model.compile",
             "Complete the compile call for the lesson's CNN on CIFAR-10, whatever data set "
             "you train on here: its last layer is a softmax over CIFAR-10's ten classes. Ask "
             "for the cross-entropy that fits the labels chosen below, Adam with its default "
             "settings, and accuracy reported after every epoch. Fit Lab asks Keras itself: it "
             "builds your answer, compiles it and trains one batch.",
             ("The optimizer is an object from keras.optimizers, or its name as a string.",
              "One-hot labels call for the loss whose name has no 'sparse' in it; whole-number "
              "labels for the one that has.",
              "metrics takes a list, even for a single metric. \"accuracy\" lets Keras pick "
              "the accuracy that fits the labels."),
             "05-metrics"),
    Exercise("diverge", "Make a run diverge",
             "Choose a learning rate so high that training breaks down: the loss turns into "
             "NaN, or grows enormously while the network ends up guessing at chance level.",
             ("Learning rates go up to 10. Try the highest with SGD.",
              "The scenario 'Learning rate too high' sets Adam at 1.0."),
             "04-learning-rate",
             Prediction("Before you train at a learning rate of 1.0: what do you expect the "
                        "loss to do?",
                        ("Fall faster than at 0.001, since every step goes further",
                         "Hardly move, as if stuck",
                         "Break down: jump far up or turn into NaN, then stop improving"),
                        2,
                        "The steps are so long that they overshoot, and the loss jumps far "
                        "up. Measured on Shapes: Adam at 1.0 jumps, then sits at chance "
                        "level, as its first steps switch off the ReLU units for every image "
                        "and nothing more is learned; with SGD at 10 the loss grows "
                        "enormously and the network ends up guessing, near chance.",
                        ("adam-1-collapses", "sgd-10-explodes"))),
    Exercise("stuck", "Get stuck with a learning rate that is too low",
             f"Train for at least {STUCK_EPOCHS} epochs with a learning rate no higher than "
             "your optimizer's default, so low that the training loss hardly moves from where it "
             f"started: it and the validation loss stay within {STUCK_BAND:.0%} of chance "
             "level, ln(number of classes).",
             ("The lowest learning rate on the slider is 0.00001. An optimizer's own default "
              "counts too, if the loss hardly moves at it: try SGD at 0.01.",
              "The scenario 'Learning rate too low' does it in ten epochs.",
              "A run that learned, or whose loss went far above chance level, has not got "
              "stuck: its learning rate was not too low."),
             "04-learning-rate"),
    Exercise("fast", f"Reach the target within {FAST_EPOCHS} epochs",
             f"Reach a validation accuracy of at least {_TARGETS} within the first "
             f"{FAST_EPOCHS} epochs of a run on all of the data set's classes, validated on at "
             f"least {FAST_MIN_VALIDATION} images.",
             ("The lesson's defaults fall a little short. Which setting makes each step count "
              "for more?",
              "Try a learning rate of 0.003, or more training images.",
              "The targets were measured with every class of the data set. With fewer classes "
              "guessing is right more often (one time in two with two classes), so such a run "
              f"does not count; nor does one with fewer than {FAST_MIN_VALIDATION} validation "
              f"images (20 % of {FAST_MIN_VALIDATION * 5:,} training images), where luck "
              "decides."),
             "06-batch-size-and-epochs"),
    Exercise("batch_size", "Batch size 8 against 256",
             f"Train two runs for at least {BATCH_EPOCHS} epochs each, the same in all but the "
             "batch size: 8 in one, 256 in the other. Then answer from your own runs: which "
             "took less time per epoch, whose per-batch loss jumps more, and which ended more "
             "accurate.",
             ("The lesson's defaults for 5 epochs take about 10 s at 8 and 3 s at 256 on two "
              "CPU cores.",
              "Your runs lists each run's seconds; divide by its epochs. Compare the runs "
              "there to see both accuracy curves on one chart.",
              "The Loss per batch chart is drawn below the loss and accuracy charts for the "
              "run you trained last; Re-run on Your runs brings back the other.",
              "Change nothing but the batch size between the two runs (the seed and the "
              "number of epochs may differ): otherwise two things changed at once."),
             "06-batch-size-and-epochs",
             Prediction("Before you train both: after the same number of epochs, which run "
                        "will have the higher validation accuracy?",
                        ("Batch size 8", "Batch size 256", "About the same"),
                        0,
                        "At batch size 8 an epoch holds 500 weight updates, at 256 only 16, "
                        "with the same learning rate: the small batches get much further in "
                        "the same epochs (in Fit Lab's runs on Shapes, three seeds, batch size "
                        "8 ended well ahead of 256 after 3 epochs), though each epoch takes "
                        "longer.",
                        ("small-batch-further-per-epoch", "larger-batch-faster-epochs"))),
    Exercise("best_epoch", "Find the epoch where validation loss stops improving",
             "Train a run that overfits, without early stopping, until its validation loss "
             f"has risen for {TURN_EPOCHS_AFTER} epochs after its lowest point and by "
             f"{TURN_RISE:.0%} of it. Then choose that run and enter the epoch in which its "
             "validation loss was lowest.",
             ("The scenario 'Overfitting' trains 1,500 images for 30 epochs.",
              "Follow the dashed validation line on the loss chart to its lowest point and "
              "read the epoch below it.",
              "A run with early stopping names its best epoch in its message, so it does not "
              "count here: set the patience to 0."),
             "07-reading-the-curves"),
    Exercise("dropout_gap", "Show that dropout narrows the gap",
             "Train the dropout model twice on the same images with the same settings, once "
             "with Dropout rate 0 and once with a higher rate, for at least "
             f"{FAST_EPOCHS} epochs each. At rate 0 the gap between training and validation "
             f"accuracy should reach {GAP_SHOWN:g} or more; with dropout it should be at "
             f"least {GAP_MARGIN:g} smaller, while the validation accuracy holds (over the "
             f"last {HELD_EPOCHS} epochs, at most {HELD_MARGIN:g} lower).",
             ("Use the scenarios 'Dropout switched off' and then 'Dropout helps': the same "
              "model, rate 0 against 0.5.",
              "Comparing with the first model would compare two networks of different sizes "
              "as well as dropout, so only the dropout model at two rates counts.",
              "Compare the two runs on the Your runs page: the shaded band is the gap.",
              "A rate as high as 0.9 narrows the gap too, by leaving the network unable to "
              "learn even the training images: its validation accuracy falls, and that does "
              "not count."),
             "09-dropout",
             Prediction("Before you train with dropout: after 25 epochs, how will its "
                        "training accuracy compare with the run at rate 0?",
                        ("Higher: dropout helps the network learn the training images",
                         "Lower, while its validation accuracy holds or rises",
                         "The same: dropout only matters for validation"),
                        1,
                        "Dropout switches off a share of the units at random in every "
                        "training step (half at rate 0.5), so the network cannot lean on "
                        "memorised details. In Fit Lab's runs of the two dropout scenarios "
                        "(2,000 Shapes pictures, 25 epochs, three seeds), rate 0.5 ended with "
                        "lower training accuracy than rate 0, a gap narrower by 0.1 or more, "
                        "and a lower validation loss, its validation accuracy about the "
                        "same.",
                        ("dropout-narrows-gap", "dropout-helps"))),
    Exercise("early_stop", "Let early stopping end a run",
             "Set a patience and train until early stopping ends the run before its last "
             "epoch.",
             ("Overfitting runs stop early: the scenario 'Overfitting' (1,500 images, 30 "
              "epochs) with a patience of 3 does.",),
             "10-early-stopping"),
), key=lambda exercise: exercise.section))
BY_KEY = {exercise.key: exercise for exercise in EXERCISES}

CHECKS: dict[str, Callable[[Sequence[Run]], str | None]] = {
    "diverge": diverged, "stuck": stuck, "fast": fast,
    "dropout_gap": dropout_narrows_the_gap, "early_stop": early_stopped,
}


def what_happened(key: str, pair: dict | None = None) -> int:
    """The choice of an exercise's predict-first question that came true once it is done:
    for the batch-size exercise, what the learner's own two runs showed (`pair`, from
    batch_size_pair), else the answer its check requires or Fit Lab's measured runs gave."""
    predict = BY_KEY[key].predict
    if key == "batch_size" and pair is not None:
        # "About the same" is the third choice: too close to call, in the check's words.
        return {"8": 0, "256": 1, None: 2}[pair["accurate"]]
    return predict.right


def prediction_outcome(key: str, chosen: int, happened: int) -> str:
    """The learner's prediction beside what happened, saying whether it was right."""
    predict = BY_KEY[key].predict
    said, was = predict.choices[chosen], predict.choices[happened]
    if chosen == happened:
        return f"**You predicted *{said}*, and so it was: right.** {predict.why}"
    return f"**You predicted *{said}*; it was *{was}*. Not this time.** {predict.why}"






# How many exercises of each kind there are, for pages that describe them: counted here, so
# that a new exercise cannot leave a page's sentence behind.
PREDICT_FIRST = sum(1 for exercise in EXERCISES if exercise.predict)
ANSWERED = sum(1 for exercise in EXERCISES if exercise.key not in CHECKS)  # typed or chosen
_WORDS = "no one two three four five six seven eight nine ten eleven twelve".split()


def in_words(number: int) -> str:
    return _WORDS[number] if 0 <= number < len(_WORDS) else f"{number:,}"


def newly_done(runs: Sequence[Run], done: set[str]) -> dict[str, str]:
    """{exercise key: evidence} for the exercises these runs complete that are not yet done.
    Runs still training are left out: their curves may yet change."""
    ended = [(number, history) for number, history in runs if not history.active]
    found = {}
    for key, check in CHECKS.items():
        if key not in done:
            evidence = check(ended)
            if evidence:
                found[key] = evidence
    return found



