"""Cross-modal Variational Alignment (Theodoridis et al., CVPR Workshops 2020), rebuilt from its
abstract: only the abstract and introduction survive, and no code exists.

- VAE1 maps modality 1 to modality 2 (encode x1, decode x2): AVAE's VAE-CG baseline is exactly
  that, so the alignment reuses its trained model.
- VAE2 models modality 2 alone (x2 -> x2): AVAE's per-modality VAE, reused too.
- The aligner maps VAE1's posterior of x1 to a Gaussian in VAE2's latent space. It is trained
  through VAE2's frozen decoder, with a term that pulls its Gaussian towards VAE2's posterior of
  the paired x2 (:func:`crossmodal.objectives.alignment_loss`).

Generation: x1 -> VAE1's encoder (mean) -> the aligner (mean) -> VAE2's decoder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from crossmodal.models.avae import Associator, FrozenPartsTrainer, freeze
from crossmodal.models.base import CrossModalGenerator, StepOutput
from crossmodal.models.networks import GaussianEncoder
from crossmodal.models.vae import VAE
from crossmodal.objectives import ALIGNMENT_DISTANCES, alignment_loss, reparameterize


@dataclass(frozen=True)
class AlignmentConfig:
    hidden: tuple[int, ...]  # the aligner's hidden layers
    distance: str  # "wasserstein" (the method) or "kl" (its ablation)
    weight: float  # of the alignment term against the reconstruction through VAE2's decoder
    sample_source_latent: bool  # train on draws of VAE1's posterior rather than its mean

    def __post_init__(self) -> None:
        if self.distance not in ALIGNMENT_DISTANCES:
            raise ValueError(f"alignment distance must be one of {ALIGNMENT_DISTANCES}, got {self.distance!r}")
        if not self.weight >= 0:
            raise ValueError(f"alignment weight must be >= 0, got {self.weight}")

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "AlignmentConfig":
        return cls(tuple(int(h) for h in params["architecture"]["hidden"]), str(params["distance"]),
                   float(params["weight"]), bool(params["sample_source_latent"]))


def build_aligner(source_dim: int, target_dim: int, config: AlignmentConfig) -> Associator:
    """The aligner: an MLP from VAE1's latent space to a Gaussian over VAE2's (AVAE's associator network)."""
    return Associator(source_dim, target_dim, config.hidden)


class AlignmentTrainer(FrozenPartsTrainer):
    """Trains the aligner through VAE2's frozen decoder.

    Batches carry VAE1's posterior of x1 (``mu_src``, ``logvar_src``) and, as ``target_index``, the
    row of the paired target sample in ``targets``: the target samples ``x`` with VAE2's posterior
    of each (``mu``, ``logvar``). Both posteriors come from frozen encoders, so they are computed
    once, and a step runs VAE2's decoder only.
    """

    frozen = ("target_vae",)

    def __init__(self, aligner: Associator, target_vae: VAE, targets: dict[str, Tensor],
                 config: AlignmentConfig) -> None:
        super().__init__()
        self.config = config
        self.aligner = aligner
        self.target_vae = freeze(target_vae)
        # Plain attributes, not buffers: the table stays out of the checkpoints.
        self.targets = targets

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        mu_src, logvar_src, rows = batch["mu_src"], batch["logvar_src"], batch["target_index"]
        sample = self.training
        z_src = reparameterize(mu_src, logvar_src) if sample and self.config.sample_source_latent else mu_src
        aligned = self.aligner(z_src)
        z_aligned = reparameterize(*aligned) if sample else aligned[0]
        x_tgt = self.targets["x"][rows]
        target_posterior = (self.targets["mu"][rows], self.targets["logvar"][rows])
        loss, reconstruction, gap = alignment_loss(x_tgt, self.target_vae.decode(z_aligned), aligned, target_posterior,
                                                   self.config.weight, self.config.distance)
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "alignment": gap.mean().detach()})


class AlignedGenerator(nn.Module, CrossModalGenerator):
    """VAE1's encoder -> the aligner -> VAE2's decoder, through the means; frozen."""

    def __init__(self, source: str, target: str, source_encoder: GaussianEncoder, aligner: Associator,
                 target_vae: VAE) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.source_encoder, self.aligner, self.target_vae = source_encoder, aligner, target_vae
        freeze(self)

    @torch.inference_mode()
    def cross_generate(self, source: str, target: str, x: Tensor) -> Tensor:
        if (source, target) != (self.source, self.target):
            raise ValueError(f"this alignment generates {self.source} -> {self.target}, not {source} -> {target}")
        mu_src, _ = self.source_encoder(x)
        mu_aligned, _ = self.aligner(mu_src)
        return self.target_vae.decode(mu_aligned)
