"""The "VAE" row of AVAE Table 1: one VAE over the concatenation [x_i, x_j], trained with one
modality zeroed for a fraction of the examples so that it learns the missing-modality case; it
generates x_j by decoding [x_i, 0]."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from crossmodal.models.base import Gaussian, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.models.networks import JointEncoder
from crossmodal.objectives import kl_to_standard_normal, negative_elbo, reparameterize, squared_error, zero_mask


@dataclass(frozen=True)
class JointVAEConfig(BaselineConfig):
    mask_rate: float


def _masked(x: Tensor, keep: Tensor) -> Tensor:
    return x * keep.to(x.dtype).view(-1, *([1] * (x.dim() - 1)))


class JointVAE(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: JointVAEConfig) -> None:
        super().__init__(modalities, latent_dim)
        if len(self.modalities) != 2:
            raise ValueError(f"the joint VAE masks one of two modalities, not of {list(self.modalities)}")
        self.config = config
        self.joint_encoder = JointEncoder({n: (m.shape, m.architecture) for n, m in self.modalities.items()}, latent_dim)
        self.decoders = self.modality_decoders()

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """The joint encoder, with every modality outside ``cond_mod`` given as zeros (as in training)."""
        names = self.subset(cond_mod)
        like = inputs[names[0]]
        return self.joint_encoder({
            name: inputs[name] if name in names else torch.zeros(len(like), *m.shape, device=like.device, dtype=like.dtype)
            for name, m in self.modalities.items()
        })

    def _per_example(self, x: Mapping[str, Tensor], keep: Mapping[str, Tensor], sample: bool) -> tuple[Tensor, Tensor, Tensor]:
        # The target is always the whole pair: a masked modality must be generated, not echoed as zeros.
        mu, logvar = self.joint_encoder({name: _masked(x[name], keep[name]) for name in self.modalities})
        z = reparameterize(mu, logvar) if sample else mu
        reconstruction = sum(squared_error(x[name], self.decoders[name](z)) for name in self.modalities)
        kl = kl_to_standard_normal(mu, logvar)
        return negative_elbo([reconstruction], kl, self.config.kl_weight), reconstruction, kl

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        first, second = self.modalities
        n, device = len(x[first]), x[first].device
        if self.training:
            loss, reconstruction, kl = self._per_example(x, dict(zip(self.modalities, zero_mask(n, self.config.mask_rate, device))), True)
        else:
            # Validation: the expectation of the training loss over the masking, in closed form, so
            # that early stopping watches a noise-free number.
            yes, no = torch.ones(n, dtype=torch.bool, device=device), torch.zeros(n, dtype=torch.bool, device=device)
            rate = self.config.mask_rate
            cases = (({first: yes, second: yes}, 1 - rate), ({first: yes, second: no}, rate / 2),
                     ({first: no, second: yes}, rate / 2))
            parts = [(weight, self._per_example(x, keep, False)) for keep, weight in cases]
            loss, reconstruction, kl = (sum(weight * terms[i] for weight, terms in parts) for i in range(3))
        return StepOutput(loss.mean(), {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})
