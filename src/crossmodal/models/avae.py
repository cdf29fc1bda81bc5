"""AVAE's cross-modal phase: variational associators between frozen latent spaces (Eq. 7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from crossmodal.models.base import CrossModalGenerator, StepOutput, TrainableModel
from crossmodal.models.networks import Decoder, mlp, split_gaussian
from crossmodal.models.vae import VAE
from crossmodal.objectives import associator_loss, reparameterize


@dataclass(frozen=True)
class AssociatorConfig:
    hidden: tuple[int, ...]
    lambda_crs: float
    sample_source_latent: bool

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "AssociatorConfig":
        return cls(
            tuple(int(h) for h in params["architecture"]["hidden"]),
            float(params["lambda_crs"]),
            bool(params["sample_source_latent"]),
        )


class Associator(nn.Module):
    """A_ji: ``z_i -> (mu_ji, logvar_ji)``, a Gaussian over latent space j."""

    def __init__(self, source_dim: int, target_dim: int, hidden: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp([source_dim, *hidden, 2 * target_dim])

    def forward(self, z_source: Tensor) -> tuple[Tensor, Tensor]:
        return split_gaussian(self.net(z_source))


def freeze(module: nn.Module) -> nn.Module:
    """Phase 2 of AVAE: the intra-modal networks keep the weights phase 1 gave them."""
    module.eval()
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


class FrozenPartsTrainer(TrainableModel):
    """Trains one part of a model through others that stay frozen (:func:`freeze`) and, named in
    ``frozen``, in eval mode while it trains: no dropout, BatchNorm statistics fixed."""

    frozen: tuple[str, ...] = ()

    def train(self, mode: bool = True) -> "FrozenPartsTrainer":
        super().train(mode)
        for name in self.frozen:
            getattr(self, name).eval()
        return self


class AssociatorTrainer(FrozenPartsTrainer):
    """Trains A_ji through the frozen target decoder D_j.

    Batches carry the frozen source encoder's cached posterior ``(mu_src, logvar_src)`` of x_i
    (computed once per VAE and shared by every associator) and the paired target sample ``x_tgt``.
    """

    frozen = ("target_decoder",)

    def __init__(self, associator: Associator, target_decoder: Decoder, config: AssociatorConfig) -> None:
        super().__init__()
        self.config = config
        self.associator = associator
        self.target_decoder = freeze(target_decoder)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        mu_src, logvar_src = batch["mu_src"], batch["logvar_src"]
        sample = self.training
        z_src = reparameterize(mu_src, logvar_src) if sample and self.config.sample_source_latent else mu_src
        mu_ji, logvar_ji = self.associator(z_src)
        z_ji = reparameterize(mu_ji, logvar_ji) if sample else mu_ji
        loss, reconstruction, kl = associator_loss(
            batch["x_tgt"], self.target_decoder(z_ji), mu_ji, logvar_ji, self.config.lambda_crs
        )
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})


class AssociativeVAE(nn.Module, CrossModalGenerator):
    """Frozen per-modality VAEs joined by associators; generates along any chain of associators."""

    def __init__(self, vaes: dict[str, VAE], associators: dict[tuple[str, str], Associator]) -> None:
        super().__init__()
        self.vaes = nn.ModuleDict(vaes)
        self.associators = nn.ModuleDict({f"{s}->{t}": a for (s, t), a in associators.items()})
        freeze(self)

    @torch.inference_mode()
    def associate(self, path: Sequence[str], x: Tensor) -> Tensor:
        """Encode with E_path[0], apply each associator's mean along ``path``, decode with D_path[-1]."""
        if len(path) < 2:
            raise ValueError(f"an association path needs at least two modalities, got {list(path)}")
        z, _ = self.vaes[path[0]].encode(x)
        for source, target in zip(path[:-1], path[1:]):
            key = f"{source}->{target}"
            if key not in self.associators:
                raise KeyError(f"no associator {key}; available: {sorted(self.associators)}")
            z, _ = self.associators[key](z)
        return self.vaes[path[-1]].decode(z)

    def cross_generate(self, source: str, target: str, x: Tensor) -> Tensor:
        return self.associate([source, target], x)
