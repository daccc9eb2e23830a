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


def test_the_replayed_run_goes_on_for_the_epochs_a_page_asks_at_the_recorded_pace():
    # benchmarks/server_cost.py's trainers replay one recorded real run; a page of 50 epochs
    # must see 50 epochs, in order, each as long as a recorded one, and the run's own end.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import replay_worker

    recorded = replay_worker.recorded()
    timed = [event["seconds"] for _, event in recorded if event["type"] == "epoch"]
    pace = timed[-1] / len(timed)  # seconds an epoch, as recorded
    for epochs in (5, 50):
        events = replay_worker.schedule(recorded, epochs)
        times = [at for at, _ in events]
        assert times == sorted(times)
        numbered = [event["epoch"] for _, event in events if event["type"] == "epoch"]
        assert numbered == list(range(1, epochs + 1))
        assert events[0][1]["epochs"] == epochs
        assert events[-1][1]["message"] == f"Finished all {epochs} epochs."
        seconds = [event["seconds"] for _, event in events if event["type"] == "epoch"]
        assert abs(seconds[-1] / epochs - pace) < 0.25 * pace
