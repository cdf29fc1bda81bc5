"""The engine's training precision: bf16 autocast where the hardware multiplies bf16 natively,
fp32 elsewhere, with fp32 weights and evaluation either way."""

from __future__ import annotations

import pytest
import torch

from crossmodal.engine import TensorBatches, TrainConfig, Trainer, native_bf16, resolve_precision
from crossmodal.models.vae import VAE, VAEConfig

CPU = torch.device("cpu")


def test_auto_follows_the_hardware_and_explicit_choices_are_kept() -> None:
    assert resolve_precision("auto", CPU) == ("bf16" if native_bf16(CPU) else "fp32")
    assert resolve_precision("fp32", CPU) == "fp32"
    assert resolve_precision("bf16", CPU) == "bf16"


def test_an_unknown_precision_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="auto"):
        resolve_precision("fp16", CPU)


def _fit(precision: str) -> tuple[Trainer, object]:
    torch.manual_seed(0)
    model = VAE((1, 4, 4), "sigmoid", VAEConfig(latent_dim=2, lambda_int=1.0, architecture={"kind": "mlp", "hidden": [8]}))
    config = TrainConfig(max_epochs=3, batch_size=16, learning_rate=1e-2, precision=precision)
    trainer = Trainer(model, config, name="precision", seed=0, device=CPU)
    x = torch.randint(0, 256, (64, 1, 4, 4), dtype=torch.uint8)
    return trainer, trainer.fit(TensorBatches({"x": x}), TensorBatches({"x": x[:16]}))


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_training_records_its_precision_and_keeps_fp32_weights(precision: str) -> None:
    trainer, result = _fit(precision)
    assert result.precision == precision
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    assert all(v.dtype == torch.float32 for v in result.state_dict.values() if v.is_floating_point())
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < losses[0]


def test_bf16_training_is_repeatable_and_differs_from_fp32() -> None:
    _, first = _fit("bf16")
    _, again = _fit("bf16")
    _, fp32 = _fit("fp32")
    assert first.history == again.history
    assert first.history != fp32.history
