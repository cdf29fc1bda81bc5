"""Averaged experts, a test-only method: per-modality Gaussian encoders whose posterior given a
subset of modalities is the average of the subset's experts' means and log-variances; each
modality alone reconstructs every modality (an ELBO per observed modality)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from crossmodal.models.base import Gaussian, MethodConfig, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.objectives import kl_to_standard_normal, negative_elbo, reparameterize, squared_error


@dataclass(frozen=True)
class AveragedExpertsConfig(MethodConfig):
    kl_weight: float = 1.0


class AveragedExperts(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: AveragedExpertsConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        experts = [self.encoders[name](inputs[name]) for name in self.subset(cond_mod)]
        return torch.stack([mu for mu, _ in experts]).mean(0), torch.stack([lv for _, lv in experts]).mean(0)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        terms = {}
        for name in self.modalities:
            mu, logvar = self.encode(x, [name])
            z = reparameterize(mu, logvar) if self.training else mu
            reconstructions = [squared_error(x[m], x_hat) for m, x_hat in self.decode(z).items()]
            terms[f"elbo_{name}"] = negative_elbo(reconstructions, kl_to_standard_normal(mu, logvar), self.config.kl_weight)
        loss = torch.stack(list(terms.values())).sum(0).mean()
        return StepOutput(loss, {key: value.mean().detach() for key, value in terms.items()})
