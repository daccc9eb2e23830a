"""`python -m fitlab` as a user runs it, in a subprocess."""

import json
import subprocess
import sys

import pytest


def fitlab(*arguments, timeout=300):
    return subprocess.run([sys.executable, "-m", "fitlab", *arguments], capture_output=True,
                          text=True, timeout=timeout)


def test_json_prints_one_object_per_epoch(small_npz):
    result = fitlab("train", "--dataset", str(small_npz), "--epochs", "2", "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [record["epoch"] for record in records] == [1, 2]
    for record in records:
        assert set(record) >= {"epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                               "seconds"}
    assert "finished" in result.stderr


def test_the_table_has_a_row_per_epoch_and_says_how_the_run_ended():
    result = fitlab("train", "--epochs", "1", "--train-images", "200", "--optimizer", "sgd",
                    "--learning-rate", "0.01")
    assert result.returncode == 0, result.stderr
    assert "val_accuracy" in result.stdout and "Finished all 1 epochs." in result.stdout


def test_divergence_is_reported_on_the_command_line():
    result = fitlab("train", "--optimizer", "sgd", "--learning-rate", "10", "--seed", "1",
                    "--train-images", "500", "--epochs", "3", "--json")
    assert result.returncode == 0
    assert "diverged" in result.stderr and "far too high" in result.stderr


@pytest.mark.parametrize("arguments, words", [
    (["train", "--epochs", "0"], "number of epochs must be between 1 and 50"),
    (["train", "--learning-rate", "fast"], "invalid float value: 'fast'"),
    (["train", "--optimizer", "adagrad"], "invalid choice: 'adagrad'"),
    (["train", "--dataset", "nowhere.npz"], "no data set called 'nowhere.npz'"),
    (["train", "--classes", "cat"], "at least two classes"),
    (["train", "--classes", "cat,dog"], "no class called 'cat'"),
    (["fetch", "imagenet"], "invalid choice: 'imagenet'"),
])
def test_a_bad_argument_is_one_line_and_exit_status_2(arguments, words):
    result = fitlab(*arguments, timeout=60)
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_bad_file_is_one_line_and_exit_status_2(tmp_path):
    bad = tmp_path / "labels-missing.npz"
    import numpy as np

    np.savez(bad, x_train=np.zeros((5, 32, 32, 3), np.uint8))
    result = fitlab("train", "--dataset", str(bad), timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "fitlab: error: labels-missing.npz has no y_train, x_test, y_test; "
        "it needs x_train, y_train, x_test, y_test."
    )
