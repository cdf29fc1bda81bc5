"""Item 10 of the reliability issue: a non-finite loss stops the job naming model, epoch and step,
and nothing out of range ever reaches ``metrics.csv``."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from crossmodal.engine import NonFiniteLossError, TensorBatches, TrainConfig, Trainer
from crossmodal.jobs.collection import collect_metrics
from crossmodal.jobs.specs import CollectMetricsSpec, TrainSpec
from crossmodal.jobs.training import train_vae
from crossmodal.metrics import MetricRangeError, MetricRow, metric_row, write_metrics
from crossmodal.models.base import StepOutput, TrainableModel
from crossmodal.models.vae import VAE
from faults.faultkit import avae_cli, files_under, job_env

pytestmark = pytest.mark.faults


class PoisonedAtStep(TrainableModel):
    """A linear regressor whose loss turns ``poison`` at one (epoch, step) of training."""

    def __init__(self, epoch: int, step: int, poison: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(3))
        self.when, self.poison = (epoch, step), poison
        self.epoch, self.step = 1, 0

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        loss = ((batch["x"] @ self.weight - 1.0) ** 2).mean()
        if self.training:
            self.step += 1
            if (self.epoch, self.step) == self.when:
                loss = loss * self.poison
        return StepOutput(loss)


@pytest.mark.parametrize("poison", [math.nan, math.inf], ids=["nan", "inf"])
def test_non_finite_loss_stops_training_naming_model_epoch_and_step(tmp_path: Path, poison: float) -> None:
    model = PoisonedAtStep(epoch=2, step=3, poison=poison)
    data = TensorBatches({"x": torch.randn(40, 3, generator=torch.Generator().manual_seed(0))})
    resume = tmp_path / "toy.resume"

    def next_epoch(epoch: int) -> None:
        model.epoch, model.step = epoch + 1, 0

    trainer = Trainer(model, TrainConfig(max_epochs=5, batch_size=8, learning_rate=0.01), name="toy[seed=0]",
                      seed=0, resume_path=resume, device=torch.device("cpu"), on_epoch_end=next_epoch)

    with pytest.raises(NonFiniteLossError) as caught:
        trainer.fit(data, data)

    assert str(caught.value) == f"toy[seed=0]: non-finite loss {poison} at epoch 2, step 3"
    assert torch.load(resume, weights_only=True)["epoch"] == 1, "the poisoned epoch is never checkpointed"


def test_diverged_training_job_writes_no_model_and_no_checkpoint(tmp_path: Path) -> None:
    tensors = {f"x_{s}": torch.randn(n, 1, 4, 5) for s, n in (("train", 32), ("val", 8), ("test", 8))}
    tensors["x_train"][5, 0, 2, 3] = math.nan  # one corrupt feature value in one training example
    tensors.update({f"y_{s}": torch.zeros(len(tensors[f"x_{s}"]), dtype=torch.long) for s in ("train", "val", "test")})
    meta = {"dataset": "fsdd", "modality": "audio", "classes": [str(d) for d in range(10)], "shape": [1, 4, 5]}
    data = tmp_path / "prepared.pt"
    torch.save({**tensors, "meta": meta}, data)
    params = {"latent_dim": 2, "lambda_int": 1.0, "architecture": {"kind": "mlp", "hidden": [8]},
              "train": {"max_epochs": 3, "batch_size": 8, "learning_rate": 0.001, "patience": None}}
    out = tmp_path / "models" / "vae.pt"

    run = subprocess.run(
        avae_cli("train-vae", "--data", data, "--params", json.dumps(params), "--seed", "0", "--out", out),
        env=job_env(), capture_output=True, text=True, timeout=300,
    )

    assert run.returncode == 1
    # Batches are shuffled, so which of the four steps meets the NaN depends on the seed.
    assert run.stderr.splitlines()[-1] in {
        f"error: vae[fsdd,z=2,seed=0]: non-finite loss nan at epoch 1, step {step}" for step in range(1, 5)
    }
    assert files_under(out.parent) == []


def test_divergence_after_a_checkpoint_also_removes_the_checkpoint(tmp_path: Path, monkeypatch) -> None:
    """A rerun would resume and diverge identically, so the diverged run's checkpoint is dropped too."""
    data = tmp_path / "prepared.pt"
    torch.save({**{f"x_{s}": torch.randn(16, 1, 4, 5) for s in ("train", "val", "test")},
                **{f"y_{s}": torch.zeros(16, dtype=torch.long) for s in ("train", "val", "test")},
                "meta": {"dataset": "fsdd", "modality": "audio", "classes": ["0"], "shape": [1, 4, 5]}}, data)
    params = {"latent_dim": 2, "lambda_int": 1.0, "architecture": {"kind": "mlp", "hidden": [8]},
              "train": {"max_epochs": 3, "batch_size": 8, "learning_rate": 0.001, "patience": None}}
    training_steps = []
    original_forward = VAE.forward

    def forward_diverging_in_epoch_2(self: VAE, batch: dict[str, Tensor]) -> StepOutput:
        out = original_forward(self, batch)
        if self.training:
            training_steps.append(1)
            if len(training_steps) == 3:  # epoch 2 (two steps per epoch), step 1
                return StepOutput(out.loss * math.inf, out.metrics)
        return out

    monkeypatch.setattr(VAE, "forward", forward_diverging_in_epoch_2)
    out = tmp_path / "models" / "vae.pt"

    with pytest.raises(NonFiniteLossError, match=r"^vae\[fsdd,z=2,seed=0\]: non-finite loss inf at epoch 2, step 1$"):
        train_vae(TrainSpec(data=data, params=params, seed=0, out=out))

    assert files_under(out.parent) == []


def test_accuracy_outside_0_100_is_refused_and_metrics_csv_not_written(tmp_path: Path) -> None:
    out = tmp_path / "metrics.csv"
    good = metric_row("table2", "vae", "accuracy", 97.5, source="mnist", seed=0)
    bad = MetricRow("table1", "avae", "mnist", "fsdd", "1.0", "16", "0", "accuracy", 100.3)

    with pytest.raises(MetricRangeError) as caught:
        write_metrics(out, [good, bad])

    assert str(caught.value) == "table1/avae/mnist/fsdd/1.0/16/0/accuracy: accuracy 100.3 is outside [0, 100]"
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("value", [-0.5, math.nan], ids=["negative", "nan"])
def test_metric_row_refuses_an_impossible_value(value: float) -> None:
    with pytest.raises(MetricRangeError, match=r"^table2/classifier/mnist/0/accuracy: "):
        metric_row("table2", "classifier", "accuracy", value, source="mnist", seed=0)


def test_collect_metrics_refuses_a_tampered_fragment_and_keeps_the_old_table(tmp_path: Path) -> None:
    fragments = tmp_path / "fragments"
    write_metrics(fragments / "a.csv", [metric_row("table2", "vae", "accuracy", 91.0, source="mnist", seed=0)])
    write_metrics(fragments / "b.csv", [metric_row("table2", "classifier", "accuracy", 99.0, source="mnist", seed=0)])
    out = tmp_path / "reports" / "metrics.csv"
    write_metrics(out, [metric_row("table2", "vae", "accuracy", 90.0, source="mnist", seed=0)])
    previous = out.read_bytes()
    tampered = (fragments / "b.csv").read_text().replace("99.0000", "-3.0000")
    (fragments / "b.csv").write_text(tampered)

    with pytest.raises(MetricRangeError) as caught:
        collect_metrics(CollectMetricsSpec(fragments=[fragments / "a.csv", fragments / "b.csv"], out=out))

    assert str(caught.value) == "table2/classifier/mnist/0/accuracy: accuracy -3.0 is outside [0, 100]"
    assert out.read_bytes() == previous
    assert files_under(out.parent) == ["metrics.csv"]
