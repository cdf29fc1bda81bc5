"""The engine's resume checkpoints: written once the interval has passed, never after the last
epoch, and without any effect on what training computes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from crossmodal import engine
from crossmodal.engine import TensorBatches, TrainConfig, Trainer, default_checkpoint_interval_s
from crossmodal.models.vae import VAE, VAEConfig

CPU = torch.device("cpu")


class EpochClock:
    """A stand-in for ``time.perf_counter`` that advances only when told (once per epoch here)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _trainer(tmp_path: Path, interval: float | None, max_epochs: int = 8, **kwargs) -> Trainer:
    torch.manual_seed(0)
    model = VAE((1, 4, 4), "sigmoid", VAEConfig(latent_dim=2, lambda_int=1.0, architecture={"kind": "mlp", "hidden": [8]}))
    config = TrainConfig(max_epochs=max_epochs, batch_size=16, learning_rate=1e-2, precision="fp32")
    return Trainer(model, config, name="toy", seed=0, resume_path=tmp_path / "toy.resume",
                   checkpoint_interval_s=interval, device=CPU, **kwargs)


def _data() -> tuple[TensorBatches, TensorBatches]:
    x = torch.randint(0, 256, (64, 1, 4, 4), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    return TensorBatches({"x": x}), TensorBatches({"x": x[:16]})


def test_a_checkpoint_is_written_at_the_first_epoch_end_past_the_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = EpochClock()
    monkeypatch.setattr(engine.time, "perf_counter", clock)
    saved_after: list[int] = []

    def advance(epoch: int) -> None:
        clock.now += 20.0  # every epoch lasts 20 s

    trainer = _trainer(tmp_path, interval=50.0, on_epoch_end=advance)
    original = trainer._save_resume
    monkeypatch.setattr(trainer, "_save_resume", lambda state, g: (saved_after.append(state["epoch"]), original(state, g)))

    trainer.fit(*_data())

    # Epoch ends at 0, 20, 40, 60 (60 >= 50: save), 80, 100, 120 (60 since the last: save), 140 (last epoch).
    assert saved_after == [4, 7]
    assert torch.load(tmp_path / "toy.resume", weights_only=True)["epoch"] == 7


def test_interval_zero_checkpoints_every_epoch_but_the_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved_after: list[int] = []
    trainer = _trainer(tmp_path, interval=0.0, max_epochs=4)
    original = trainer._save_resume
    monkeypatch.setattr(trainer, "_save_resume", lambda state, g: (saved_after.append(state["epoch"]), original(state, g)))

    trainer.fit(*_data())

    assert saved_after == [1, 2, 3]


def test_how_often_it_checkpoints_never_changes_the_trained_model(tmp_path: Path) -> None:
    every_epoch = _trainer(tmp_path / "a", interval=0.0).fit(*_data())
    never = _trainer(tmp_path / "b", interval=1e9).fit(*_data())

    assert every_epoch.history == never.history
    assert all(torch.equal(every_epoch.state_dict[k], never.state_dict[k]) for k in every_epoch.state_dict)
    assert not (tmp_path / "b" / "toy.resume").exists()


def test_the_interval_comes_from_the_environment_or_defaults_to_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSMODAL_CHECKPOINT_INTERVAL_S")
    assert default_checkpoint_interval_s() == 60.0
    monkeypatch.setenv("CROSSMODAL_CHECKPOINT_INTERVAL_S", "12.5")
    assert default_checkpoint_interval_s() == 12.5


@pytest.mark.parametrize("value", ["-1", "soon", "nan"])
def test_a_bad_interval_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CROSSMODAL_CHECKPOINT_INTERVAL_S", value)
    with pytest.raises(ValueError, match="CROSSMODAL_CHECKPOINT_INTERVAL_S must be a number of seconds >= 0"):
        default_checkpoint_interval_s()
