"""benchmarks/gpu.py, in its quick form, as CI runs it: one JSON object a line, each with the
keys docs/performance.md ("GPU benchmark") documents, and figures that could be true."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
COMMON = {"figure", "device", "backend", "quick"}
# The keys of each line besides COMMON, as docs/performance.md lists them.
FIGURES = {
    "device": {"keras", "backend_version", "cpus"},
    "first_point": {"seconds", "run_seconds", "median", "settings"},
    "seconds_per_epoch": {"images", "batch_size", "fitlab", "bare_fit"},
    "overhead": {"ratio", "pairs", "images"},
    "lesson_run": {"wall", "training", "val_accuracy", "settings"},
    "workshop": {"learners", "workers", "first_point_median", "first_point_worst", "total",
                 "settings"},
}


@pytest.mark.keras
def test_the_quick_gpu_benchmark_prints_every_figure_as_a_json_line():
    result = subprocess.run([sys.executable, "benchmarks/gpu.py", "--quick"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # every line is JSON
    assert [line["figure"] for line in lines] == list(FIGURES)
    for line in lines:
        assert set(line) == COMMON | FIGURES[line["figure"]], line
        assert line["quick"] is True and line["device"] == lines[0]["device"] != ""
    figures = {line["figure"]: line for line in lines}
    first = figures["first_point"]
    assert len(first["seconds"]) == len(first["run_seconds"]) == 3
    assert all(0 < seen < whole for seen, whole in zip(first["seconds"], first["run_seconds"]))
    assert 0 < figures["overhead"]["ratio"] < 2 and figures["seconds_per_epoch"]["fitlab"] > 0
    assert figures["lesson_run"]["wall"] > figures["lesson_run"]["training"] > 0
    shop = figures["workshop"]
    assert (shop["learners"], shop["workers"]) == (4, 2)
    assert 0 < shop["first_point_median"] <= shop["first_point_worst"] < shop["total"]
