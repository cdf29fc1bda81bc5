"""Item 5 of the reliability issue: a training job killed mid-epoch (SIGTERM or SIGKILL) and run
again resumes from its last epoch checkpoint and ends with exactly the model and summary of an
uninterrupted run with the same seed.

The job is the real CLI (``python -m crossmodal train-vae``) on a tiny prepared file. To kill it *inside*
an epoch deterministically, the killed run goes through a launcher that holds the third epoch's
batch stream after two optimiser steps (``HOLD_IN_EPOCH``) until the test's signal arrives; the
rerun is the plain CLI.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
import torch
import yaml

from faults.faultkit import PYTHON, REPO_ROOT, avae_cli, files_under, job_env, wait_for

pytestmark = pytest.mark.faults

PARAMS = {
    "latent_dim": 3,
    "lambda_int": 1.0,
    "architecture": {"kind": "mlp", "hidden": [16]},
    "train": {"max_epochs": 4, "batch_size": 8, "learning_rate": 0.01, "patience": None},
}
SEED = 7

HOLD_IN_EPOCH = """
import sys, time
from pathlib import Path
import crossmodal.engine as engine
from crossmodal.cli import main

marker, hold_epoch, hold_after = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
original = engine.TensorBatches.batches
epochs = 0

def batches(self, batch_size, generator):
    global epochs
    if generator is None:  # evaluation
        yield from original(self, batch_size, generator)
        return
    epochs += 1
    for step, batch in enumerate(original(self, batch_size, generator), start=1):
        yield batch
        if epochs == hold_epoch and step == hold_after:
            marker.write_text(f"epoch {epochs}, after step {step}")
            time.sleep(120)  # the test's signal ends this

engine.TensorBatches.batches = batches
raise SystemExit(main(sys.argv[4:]))
"""


def tiny_prepared(path: Path) -> Path:
    """A prepared-file lookalike: 48 train / 16 val / 16 test 6x6 'images' in two classes."""
    generator = torch.Generator().manual_seed(0)
    tensors = {}
    for split, n in (("train", 48), ("val", 16), ("test", 16)):
        tensors[f"x_{split}"] = torch.randint(0, 256, (n, 1, 6, 6), dtype=torch.uint8, generator=generator)
        tensors[f"y_{split}"] = torch.arange(n) % 2
    meta = {"dataset": "mnist", "modality": "image", "classes": ["0", "1"], "shape": [1, 6, 6],
            "n_train": 48, "n_val": 16, "n_test": 16}
    torch.save({**tensors, "meta": meta}, path)
    return path


def train_args(data: Path, out: Path) -> list[str]:
    return ["train-vae", "--data", str(data), "--params", json.dumps(PARAMS), "--seed", str(SEED), "--out", str(out)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("uninterrupted")
    data = tiny_prepared(root / "tiny.pt")
    out = root / "models" / "vae.pt"
    run = subprocess.run(avae_cli(*train_args(data, out)), env=job_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return data, out


def summary_without_timing(path: Path) -> dict:
    summary = json.loads(path.read_text())
    summary.pop("train_seconds")
    return summary


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_training_resumes_and_ends_as_if_never_interrupted(
    tmp_path: Path, uninterrupted: tuple[Path, Path], signum: signal.Signals
) -> None:
    data, reference = uninterrupted
    out = tmp_path / "models" / "vae.pt"
    marker = tmp_path / "held"
    job = subprocess.Popen(
        [PYTHON, "-c", HOLD_IN_EPOCH, str(marker), "3", "2", "--threads", "1", *train_args(data, out)],
        env=job_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(marker.exists, 120, "the job to reach epoch 3, step 2", job)
        job.send_signal(signum)
        _, stderr = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
            job.communicate()

    if signum == signal.SIGTERM:
        assert job.returncode == 128 + signal.SIGTERM
        assert ("error: train-vae interrupted by SIGTERM; no output was written. "
                "Rerun it: training resumes from its last checkpoint.") in stderr
    else:
        assert job.returncode == -signal.SIGKILL
    # The only file left is the checkpoint of the last completed epoch (the tests checkpoint every epoch): no model, no summary, no temp file.
    left = files_under(out.parent)
    assert len(left) == 1 and left[0].startswith("vae.pt.resume-"), left
    assert torch.load(out.parent / left[0], weights_only=True)["epoch"] == 2

    rerun = subprocess.run(avae_cli(*train_args(data, out)), env=job_env(), capture_output=True, text=True, timeout=300)

    assert rerun.returncode == 0, rerun.stderr
    assert "vae[mnist,z=3,seed=7]: resuming after epoch 2" in rerun.stderr
    assert files_under(out.parent) == ["vae.json", "vae.pt"], "the resume checkpoint is removed once the model is written"
    expected, resumed = torch.load(reference, weights_only=True), torch.load(out, weights_only=True)
    assert expected["state_dict"].keys() == resumed["state_dict"].keys()
    for name, tensor in expected["state_dict"].items():
        assert torch.equal(tensor, resumed["state_dict"][name]), f"{name} differs from the uninterrupted run"
    assert summary_without_timing(out.with_suffix(".json")) == summary_without_timing(reference.with_suffix(".json"))


def test_profile_reruns_incomplete_jobs() -> None:
    """A job Snakemake saw start but not finish (a killed workflow) is rerun, never trusted."""
    profile = yaml.safe_load((REPO_ROOT / "workflow" / "profiles" / "default" / "config.yaml").read_text())
    assert profile["rerun-incomplete"] is True


class Killed(BaseException):
    """Stands for a kill between two epochs (the checkpoint of the last one is on disk)."""


def interrupt_after_epoch(monkeypatch: pytest.MonkeyPatch, epoch: int) -> None:
    from crossmodal import engine

    original = engine.Trainer.__init__

    def init(self, *args, **kwargs) -> None:
        def stop(finished: int) -> None:
            if finished == epoch:
                raise Killed

        original(self, *args, **kwargs, on_epoch_end=stop)

    monkeypatch.setattr(engine.Trainer, "__init__", init)


@pytest.mark.parametrize("change", ["parameters", "code"])
def test_checkpoint_of_other_parameters_or_code_is_never_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, change: str
) -> None:
    from crossmodal.jobs import training
    from crossmodal.jobs.specs import TrainSpec

    data = tiny_prepared(tmp_path / "tiny.pt")
    out = tmp_path / "models" / "vae.pt"
    with monkeypatch.context() as patch:
        interrupt_after_epoch(patch, 2)
        with pytest.raises(Killed):
            training.train_vae(TrainSpec(data=data, params=PARAMS, seed=SEED, out=out))
    (stale,) = out.parent.glob("vae.pt.resume-*")

    params = PARAMS
    if change == "parameters":
        params = {**PARAMS, "train": {**PARAMS["train"], "learning_rate": 0.02}}
    else:
        monkeypatch.setattr(training, "training_code_version", lambda: "edited-engine")
    with caplog.at_level("INFO", logger="crossmodal"):
        training.train_vae(TrainSpec(data=data, params=params, seed=SEED, out=out))

    assert f"vae[mnist,z=3,seed=7]: removing {stale}, left by a run with other parameters or code" in caplog.text
    assert "resuming" not in caplog.text
    assert json.loads(out.with_suffix(".json").read_text())["epochs_run"] == 4
    assert files_under(out.parent) == ["vae.json", "vae.pt"]
