"""The command line: `python -m fitlab train ...` and `python -m fitlab fetch all`."""

from __future__ import annotations

import os
import signal
import sys


class CtrlC:
    """Ctrl-C, this program's to handle from its first line, so that it always ends with
    status 130. A KeyboardInterrupt raised at a random moment is lost where Keras, JAX or
    TensorFlow catch it (JAX printed "Exception ignored ... KeyboardInterrupt" and the run
    went on to exit 0), and one raised while Python imports this module ended the program by
    the signal. So a press is counted, and raised only where Fit Lab's own code runs."""

    def __init__(self):
        self.presses = 0
        self.raises = False  # a KeyboardInterrupt at once: main's except ends the program
        self.stops_a_run = False  # the first press asks the run to stop after its batch

    def __call__(self, signum, frame):
        self.presses += 1
        if self.stops_a_run and self.presses > 1:  # a second press: at once
            try:  # a print here could break into one the program is making
                sys.stdout.flush()
            except Exception:
                pass
            os.write(2, b"fitlab: stopped\n")
            os._exit(EXIT_STOPPED)
        if self.raises and not self.stops_a_run:
            raise KeyboardInterrupt

    def stop_if_pressed(self) -> None:
        """Where a press counted while nothing could be interrupted ends the program."""
        if self.presses:
            raise KeyboardInterrupt


CTRL_C = CtrlC()
if __name__ == "__main__":  # before the imports below, which take a second or more
    signal.signal(signal.SIGINT, CTRL_C)

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

from fitlab import data, downloads, models  # noqa: E402
from fitlab.protocol import (  # noqa: E402
    COLLAPSED,
    DIVERGED,
    EARLY_STOPPED,
    FAILED,
    FINISHED,
    STOPPED,
    TYPE,
    Event,
)
from fitlab.settings import (  # noqa: E402
    MAX_TRAIN_IMAGES,
    MIN_TRAIN_IMAGES,
    Settings,
    SettingsError,
)

# Exit statuses, so that a script can tell how a run ended (listed in `train --help`).
EXIT_FAILED = 1  # the run raised an error that is not the arguments' fault
EXIT_USAGE = 2  # argparse's convention for a bad argument; here a bad data set too
EXIT_DIVERGED = 3
EXIT_COLLAPSED = 4
EXIT_STOPPED = 130  # what a shell reports for a program ended by Ctrl-C (128 + SIGINT)
EXIT_STATUS = {
    FINISHED: 0, EARLY_STOPPED: 0, DIVERGED: EXIT_DIVERGED, COLLAPSED: EXIT_COLLAPSED,
    STOPPED: EXIT_STOPPED,
}
EXIT_STATUS_HELP = f"""\
exit status:
  0    the run finished: all its epochs, or early stopping ended it
  {EXIT_FAILED}    the run failed: an error in training, named on standard error
  {EXIT_USAGE}    a bad argument or data set, named in one line on standard error
  {EXIT_DIVERGED}    the loss diverged (became NaN or infinite, or stayed far above chance
       level): the learning rate is far too high
  {EXIT_COLLAPSED}    the network collapsed to chance level and stopped learning
  {EXIT_STOPPED}  stopped with Ctrl-C; the epochs so far were printed
"""
COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


def columns(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """COLUMNS with the chosen metrics, for training and validation, before the seconds."""
    return COLUMNS[:-1] + metrics + tuple(f"val_{name}" for name in metrics) + COLUMNS[-1:]


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line and exit status 2, rather than argparse's usage block."""
        self.exit(EXIT_USAGE, f"fitlab: error: {message} (see python -m fitlab --help)\n")


def main(argv=None) -> int:
    parser = Parser(prog="python -m fitlab", description="Fit Lab's engine from the shell.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the lesson's CNN and print its history",
                                epilog=EXIT_STATUS_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_setting_flags(train)
    train.add_argument("--json", action="store_true", help="print one JSON object per epoch")
    train.add_argument("--ray", metavar="ADDRESS",
                       help="train on the Ray cluster at ADDRESS (head:6379, or auto) rather "
                            "than here; needs requirements-ray.txt (docs/scaling.md)")

    fetch = commands.add_parser("fetch", help="download a data set ahead of a workshop")
    fetch.add_argument("dataset", choices=[*data.DOWNLOADED, "all"])

    claims = commands.add_parser(
        "claims", help="re-run every figure the lesson states and say which hold",
        description="Train the runs behind each claim (fitlab/claims.py) for each of its "
                    "seeds and print whether it holds; exit status 1 if any fails.")
    claims.add_argument("keys", nargs="*", metavar="KEY", help="only these claims")
    claims.add_argument("--quick", action="store_true", help="only the claims CI runs")
    claims.add_argument("--json", action="store_true", help="one JSON object per claim and seed")
    claims.add_argument("--workers", type=int, default=1,
                        help="train in this many processes (default 1: in this one)")

    lead = commands.add_parser(
        "class", help="open a class: a code for the room, a key for its instructor",
        description="Open a class on the server that uses this run store (FITLAB_STORE) or "
                    "database (FITLAB_DATABASE_URL), and print the learners' link and the "
                    "instructor's, whose key is shown this once and kept only as a hash.")
    lead.add_argument("action", choices=["open"])
    lead.add_argument("--url", default="http://localhost:8501",
                      help="the server's address as the room reaches it "
                           "(default http://localhost:8501)")

    args = parser.parse_args(argv)
    if args.command == "class":
        return open_class(args.url)
    try:
        CTRL_C.raises = True  # reading data and downloads stop at once, their files whole
        CTRL_C.stop_if_pressed()
        if args.command == "fetch":
            return fetch_dataset(args.dataset)
        if args.command == "claims":
            from fitlab import claims as lesson_claims
            return lesson_claims.main(args.quick, args.json, args.keys, max(1, args.workers))
        return train_from_arguments(args)
    except (SettingsError, data.DataError) as error:
        print(f"fitlab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C before training began, or twice; no half file is kept
        print("fitlab: stopped", file=sys.stderr)
        return EXIT_STOPPED


def add_setting_flags(train: argparse.ArgumentParser) -> None:
    """A flag for each of Settings' fields (--learning-rate for learning_rate), with the
    lesson's default, the help the field carries and, for a choice, its keys; a list is
    comma-separated."""
    default = Settings()
    for field in dataclasses.fields(Settings):
        value, labels = getattr(default, field.name), field.metadata["labels"]
        options = {"default": value, "type": _names if isinstance(value, tuple) else type(value),
                   **({"choices": list(labels)} if labels and not isinstance(value, tuple)
                      else {}),
                   **field.metadata["flag"]}
        if "help" in options:
            options["help"] = options["help"].format(lesson_five=",".join(data.LESSON_FIVE))
        train.add_argument(f"--{field.name.replace('_', '-')}", **options)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def open_class(url: str) -> int:
    """Open a class and print its code and links; the key is printed here only."""
    from fitlab import classroom, config, database, store

    try:
        folder = store.RunStore().folder  # made, and readable by this user alone
        code, key = classroom.Classroom(database.engine(folder)).open()
    except config.ConfigError as error:
        print(f"fitlab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    url = url.rstrip("/")
    print(f"Class code: {code}")
    print(f"Learners: {url}/?class={code}   (or the code on the Class page)")
    print(f"Instructor, keep it to yourself: {url}/room?class={code}&key={key}")
    return 0


def fetch_dataset(name: str) -> int:
    for each in data.DOWNLOADED if name == "all" else [name]:
        _fetch(each)
        x_train, _, x_test, _, _ = data.load(each)  # read back: the files are whole
        print(f"{data.title(each)} is ready: {len(x_train):,} training and {len(x_test):,} "
              "test images.")
    return 0


def _fetch(name: str) -> None:
    bar = DownloadBar(sys.stderr.isatty())
    data.fetch(name, progress=bar)
    bar.done()


class DownloadBar:
    """Bytes done and in all, redrawn in place on a terminal."""

    def __init__(self, redraw: bool):
        self.redraw, self.last = redraw, ""

    def __call__(self, title: str, done: int, total: int | None) -> None:
        self.last = downloads.progress_text(title, done, total)
        if self.redraw:
            sys.stderr.write(f"\r{self.last}   ")
            sys.stderr.flush()

    def done(self) -> None:
        if self.last:
            sys.stderr.write(("\r" if self.redraw else "") + self.last + "\n")
            self.last = ""


def train_from_arguments(args) -> int:
    dataset = args.dataset
    if not dataset.strip():  # an empty path would name the current folder
        raise data.DataError("--dataset is empty: give shapes, cifar10, fashion_mnist, "
                             "mnist, an .npz file or a folder of class folders.")
    info = data.describe(dataset)  # a bad .npz fails here, before TensorFlow is imported
    values = {field.name: getattr(args, field.name) for field in dataclasses.fields(Settings)}
    # --train-images is a cap; not given, it is the whole set, and a set smaller than the
    # least cap is trained on whole, as the app does, not refused in a flag's words.
    wanted = max(info.train_size, MIN_TRAIN_IMAGES) if args.train_images is None \
        else args.train_images
    settings = Settings(**{**values, "train_images": min(wanted, MAX_TRAIN_IMAGES)})
    data.check_classes(info.class_names, settings.classes)
    try:
        models.check_input_shape(info.image_shape, settings.model)
    except ValueError as error:
        raise data.DataError(f"{info.title}: {error}") from None
    if args.ray:  # the cluster's node loads and, if need be, downloads the data set
        return _train_on_ray(args.ray, settings, args.json)
    if not data.is_cached(dataset):
        _fetch(dataset)
    CTRL_C.raises = False  # Keras' import would lose a KeyboardInterrupt: counted instead
    try:  # imports Keras: only once the arguments are known to be good
        from fitlab import training
    except Exception as error:  # whatever keeps Keras from loading: a failed run
        return _failed(f"Keras could not be loaded: {type(error).__name__}: {error}")
    CTRL_C.stop_if_pressed()

    shown = columns(settings.metrics)
    printer = JsonPrinter(shown) if args.json else TablePrinter(sys.stderr.isatty(), shown)
    CTRL_C.stops_a_run = True  # a second Ctrl-C: at once, even where no batch is running
    try:
        outcome = training.run(settings, printer, should_stop=lambda: CTRL_C.presses > 0)
    except (SettingsError, data.DataError, KeyboardInterrupt):
        raise
    except Exception as error:  # reported in the words the app uses for a failed run
        return _failed(training.describe_failure(error))
    return EXIT_STATUS[outcome]


def _train_on_ray(address: str, settings: Settings, as_json: bool) -> int:
    """The same run on a trainer of a Ray cluster, its events printed here as they come."""
    CTRL_C.raises = False  # as for Keras' import
    try:
        from fitlab import ray_trainer
    except ImportError as error:
        return _failed(f"Ray could not be loaded ({error}): pip install -r requirements-ray.txt")
    CTRL_C.stop_if_pressed()
    shown = columns(settings.metrics)
    printer = JsonPrinter(shown) if as_json else TablePrinter(sys.stderr.isatty(), shown)
    CTRL_C.stops_a_run = True
    try:
        outcome = ray_trainer.train(address, settings, printer,
                                    should_stop=lambda: CTRL_C.presses > 0)
    except ray_trainer.ClusterError as error:
        return _failed(str(error))
    return EXIT_STATUS[outcome]


def _failed(message: str) -> int:
    first = (message.strip().splitlines() or ["the run raised an error"])[0]
    print(f"fitlab: {FAILED}: {first}", file=sys.stderr)
    return EXIT_FAILED


class JsonPrinter:
    """One JSON object per epoch on standard output; the outcome goes to standard error."""

    def __init__(self, columns: tuple[str, ...] = COLUMNS):
        self.columns = columns

    def __call__(self, event: dict) -> None:
        if event[TYPE] == Event.EPOCH:
            record = {key: event.get(key) for key in self.columns}
            print(json.dumps({key: _rounded(value) for key, value in record.items()}), flush=True)
        elif event[TYPE] == Event.END:
            print(f"fitlab: {event['outcome']}: {event['message']}", file=sys.stderr)


class TablePrinter:
    """A readable table, one row per epoch, with a progress bar while an epoch runs."""

    BAR_WIDTH = 30

    def __init__(self, show_bar: bool, columns: tuple[str, ...] = COLUMNS):
        self.show_bar, self.columns, self.steps, self.epochs = show_bar, columns, 1, 1

    def __call__(self, event: dict) -> None:
        kind = event[TYPE]
        if kind == Event.STARTED:
            self.steps, self.epochs = event["steps_per_epoch"], event["epochs"]
            print(
                f"Training on {event['train_images']:,} images, validating on "
                f"{event['validation_images']:,}, {self.steps} batches an epoch, "
                f"on {event['device']}."
            )
            print("  ".join(f"{name:>12}" for name in self.columns))
        elif kind == Event.BATCHES and self.show_bar:
            epoch, step, loss = event["records"][-1][:3]
            filled = round(self.BAR_WIDTH * step / self.steps)
            bar = "#" * filled + "." * (self.BAR_WIDTH - filled)
            sys.stderr.write(
                f"\r  epoch {epoch}/{self.epochs} [{bar}] {step}/{self.steps}  loss {loss:.4f} "
            )
            sys.stderr.flush()
        elif kind == Event.EPOCH:
            if self.show_bar:
                sys.stderr.write("\r" + " " * (self.BAR_WIDTH + 60) + "\r")
            print("  ".join(_cell(event.get(name)) for name in self.columns), flush=True)
        elif kind == Event.END:
            print(f"{event['outcome'].capitalize()}: {event['message']}")


def _rounded(value):
    return round(value, 6) if isinstance(value, float) and math.isfinite(value) else value


def _cell(value) -> str:
    if isinstance(value, int):
        return f"{value:>12}"
    if value is None or not math.isfinite(value):
        return f"{str(value):>12}"
    return f"{value:>12.4f}"


if __name__ == "__main__":
    sys.exit(main())
