"""How many workers a machine gets by default, from its cores, memory and GPU memory."""

import pytest

from fitlab import devices


@pytest.mark.parametrize("cores, memory, gpu, workers", [
    (2, 24, None, 1),      # the project's machine and CI: one run at a time, at full speed
    (16, 64, None, 4),     # a CPU server: each run uses four cores
    (16, 128, 80, 16),     # the H100 that was measured: one worker per core did best
    (16, 128, 139, 16),    # more GPU memory does not make more cores
    (8, 16, 8, 4),         # a workstation's card: its memory decides
    (32, 8, 80, 4),        # too little memory for one worker per core
    (1, 1, 1, 1),          # at least one
])
def test_the_default_worker_count_follows_cores_memory_and_the_gpu(cores, memory, gpu,
                                                                   workers):
    assert devices.worker_count(cores, memory, gpu) == workers


def test_a_machine_without_nvidia_smi_has_no_gpu_memory(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert devices.gpu_memory_gib() is None
    assert devices.memory_gib() > 0.5
