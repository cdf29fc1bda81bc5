"""The "VAE" row of AVAE Table 1: one VAE over the concatenation [x_i, x_j], trained with one
modality zeroed for a fraction of the examples so that it learns the missing-modality case; it
generates x_j by decoding [x_i, 0]."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from crossmodal.models.base import StepOutput
from crossmodal.models.baselines.pair import ROLES, BaselineConfig, JointEncoder, Modality, PairModel, role_inputs
from crossmodal.objectives import kl_to_standard_normal, negative_elbo, reparameterize, squared_error, zero_mask


@dataclass(frozen=True)
class JointVAEConfig(BaselineConfig):
    mask_rate: float


def _masked(x: Tensor, keep: Tensor) -> Tensor:
    return x * keep.to(x.dtype).view(-1, *([1] * (x.dim() - 1)))


class JointVAE(PairModel):
    method = "vae"

    def __init__(self, source: Modality, target: Modality, latent_dim: int, config: JointVAEConfig) -> None:
        super().__init__(source, target, latent_dim)
        self.config = config
        self.encoder = JointEncoder(self.modalities, latent_dim)
        self.decoder = self.decoders()

    def _per_example(self, x: dict[str, Tensor], keep: dict[str, Tensor], sample: bool) -> tuple[Tensor, Tensor, Tensor]:
        # The target is always the whole pair: a masked modality must be generated, not echoed as zeros.
        mu, logvar = self.encoder({role: _masked(x[role], keep[role]) for role in ROLES})
        z = reparameterize(mu, logvar) if sample else mu
        reconstruction = sum(squared_error(x[role], self.decoder[role](z)) for role in ROLES)
        kl = kl_to_standard_normal(mu, logvar)
        return negative_elbo([reconstruction], kl, self.config.kl_weight), reconstruction, kl

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = role_inputs(batch)
        n, device = len(x["source"]), x["source"].device
        if self.training:
            keep_source, keep_target = zero_mask(n, self.config.mask_rate, device)
            loss, reconstruction, kl = self._per_example(x, {"source": keep_source, "target": keep_target}, True)
        else:
            # Validation: the expectation of the training loss over the masking, in closed form, so
            # that early stopping watches a noise-free number.
            yes, no = torch.ones(n, dtype=torch.bool, device=device), torch.zeros(n, dtype=torch.bool, device=device)
            rate = self.config.mask_rate
            cases = (({"source": yes, "target": yes}, 1 - rate), ({"source": yes, "target": no}, rate / 2),
                     ({"source": no, "target": yes}, rate / 2))
            parts = [(weight, self._per_example(x, keep, False)) for keep, weight in cases]
            loss, reconstruction, kl = (sum(weight * terms[i] for weight, terms in parts) for i in range(3))
        return StepOutput(loss.mean(), {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})

    def generate(self, x_source: Tensor) -> Tensor:
        shape = self.modalities["target"].shape
        absent = torch.zeros(len(x_source), *shape, device=x_source.device, dtype=x_source.dtype)
        mu, _ = self.encoder({"source": x_source, "target": absent})
        return self.decoder["target"](mu)
