"""A/B of the aligner's training epoch: VAE2's posterior of the paired x2 encoded in every step (the
first build, re-created here as ``PerStepEncoding``) against looked up in the table computed once
(``AlignmentTrainer`` as committed). Same engine, same MNIST-shaped VAE2 (offline's MNIST VAE,
untrained: the time does not depend on the weights), the offline associator budget, one thread.

    CROSSMODAL_DATA_MIRROR=../shared/datasets python docs/runs/2026-12-07-aligner-target-posteriors/aligner_epoch_ab.py [ROUNDS]

Prints each round's seconds for an epoch of 8,192 pairs (and its validation pass over 512), then the
medians; the two arms alternate so that a load on the machine falls on both.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
import yaml

from crossmodal.bench import mnist_train_images, mnist_vae_params, new_vae
from crossmodal.config import model_params, validate_config
from crossmodal.engine import TensorBatches, TrainConfig, Trainer, as_float
from crossmodal.models.alignment import AlignmentConfig, AlignmentTrainer, build_aligner
from crossmodal.models.base import StepOutput
from crossmodal.objectives import alignment_loss, reparameterize

ROOT = Path(__file__).resolve().parents[3]
PAIRS = 8192


class PerStepEncoding(AlignmentTrainer):
    """The first build's step: VAE2 encodes the batch's x2 again in every step."""

    def forward(self, batch: dict[str, torch.Tensor]) -> StepOutput:
        aligned = self.aligner(batch["mu_src"])
        with torch.no_grad():
            target_posterior = self.target_vae.encode(batch["x_tgt"])
        loss, _, _ = alignment_loss(batch["x_tgt"], self.target_vae.decode(reparameterize(*aligned)), aligned,
                                    target_posterior, self.config.weight, self.config.distance)
        return StepOutput(loss, {})


def epoch_seconds(arm: str, x: torch.Tensor, vae: torch.nn.Module, train: dict) -> float:
    torch.manual_seed(0)
    config = AlignmentConfig((512, 512), "wasserstein", 1.0, False)
    with torch.no_grad():
        mu, logvar = vae.encode(x)
    table = {"x": x, "mu": mu, "logvar": logvar}
    trainer = (PerStepEncoding if arm == "per step" else AlignmentTrainer)(build_aligner(64, 64, config), vae, table, config)
    batch = {"mu_src": torch.randn(PAIRS, 64), "logvar_src": torch.zeros(PAIRS, 64)}
    batch.update({"x_tgt": x} if arm == "per step" else {"target_index": torch.arange(PAIRS)})
    engine = Trainer(trainer, TrainConfig.from_params({**train, "max_epochs": 1, "patience": None}), name="ab", seed=0,
                     device=torch.device("cpu"))
    started = time.perf_counter()
    engine.fit(TensorBatches(batch), TensorBatches({k: v[:512] for k, v in batch.items()}))
    return time.perf_counter() - started


def main(rounds: int) -> None:
    torch.set_num_threads(1)
    x = as_float(mnist_train_images(ROOT, PAIRS))
    vae = new_vae(mnist_vae_params(ROOT)).eval()
    config = validate_config(yaml.safe_load((ROOT / "config" / "offline.yaml").read_text()))
    train = model_params(config, "associator")["train"]
    times: dict[str, list[float]] = {"per step": [], "table": []}
    for _ in range(rounds):
        for arm in times:
            times[arm].append(epoch_seconds(arm, x, vae, train))
            print(f"{arm}: {times[arm][-1]:.3f} s", flush=True)
    per_step, table = statistics.median(times["per step"]), statistics.median(times["table"])
    print(f"median: per step {per_step:.3f} s, table {table:.3f} s, table / per step {table / per_step:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
