"""CPU thread policy: which count each run gets, and that setting it in one thread leaves the others alone."""

import threading

import pytest
import torch

from gan_core import device
from gan_core.presets import get_preset
from live.single.trainer import Trainer


@pytest.fixture
def no_override(monkeypatch):
    monkeypatch.delenv("GAN_CLASSROOM_THREADS", raising=False)
    monkeypatch.delenv("CPU_CORES", raising=False)
    n = torch.get_num_threads()
    yield monkeypatch
    torch.set_num_threads(n)


def test_policy_mlp_one_thread_dcgan_all_cores_only_above_two(no_override):
    no_override.setenv("CPU_CORES", "2")
    assert (device.threads_for("mlp"), device.threads_for("dcgan"), device.threads_for()) == (1, 1, 1)
    no_override.setenv("CPU_CORES", "8")
    assert (device.threads_for("mlp"), device.threads_for("dcgan"), device.threads_for()) == (1, 8, 8)


def test_explicit_override_wins(no_override):
    no_override.setenv("CPU_CORES", "8")
    no_override.setenv("GAN_CLASSROOM_THREADS", "3")
    assert device.threads_for("mlp") == device.threads_for("dcgan") == 3


def test_use_cpu_threads_is_per_thread_and_keeps_the_default(no_override):
    no_override.setenv("CPU_CORES", "8")
    torch.set_num_threads(2)
    seen = {}

    def run(arch):
        seen[arch] = (device.use_cpu_threads(arch), torch.get_num_threads())

    for arch in ("mlp", "dcgan"):
        t = threading.Thread(target=run, args=(arch,))
        t.start()
        t.join()
    later = []
    t = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
    t.start()
    t.join()
    assert seen == {"mlp": (1, 1), "dcgan": (8, 8)}
    assert torch.get_num_threads() == 2 and later == [2]  # this thread and new threads keep the default


def test_trainer_status_line_names_its_own_thread_count(no_override):
    no_override.setenv("CPU_CORES", "8")
    torch.set_num_threads(2)
    trainer = Trainer(get_preset("ring8", data={"n_points": 1000}), "cpu")
    try:
        trainer.step(2)
        assert trainer.snapshot().device == "cpu (1 thread)"  # the MLP run's, not this thread's 2
        assert torch.get_num_threads() == 2
    finally:
        trainer.stop()
    assert device.describe(torch.device("cpu"), 4) == "cpu (4 threads)"
