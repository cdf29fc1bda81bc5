"""MVAE (Wu and Goodman 2018): per-modality Gaussian experts whose product with the prior expert
N(0, I) is the posterior of any observed subset, trained with the sub-sampled ELBO
(joint + each modality alone) and per-modality likelihood weights. Cross-generation decodes the
target from PoE(prior, expert_source).

Optionally the KL weight warms up linearly over the first ``kl_warmup_steps`` optimiser steps, as
public MVAE training scripts anneal it (``annealing_epochs``); validation always scores the full
objective. ``likelihood: bernoulli`` replaces AVAE's squared error by the original's Bernoulli
likelihood for every modality whose decoder ends in a sigmoid (images); others keep the squared
error. It is a probe of the original, off by default: the comparison gives every method AVAE's
reconstruction term."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from crossmodal.models.base import StepOutput
from crossmodal.models.baselines.pair import ROLES, BaselineConfig, Modality, PairModel, role_inputs
from crossmodal.objectives import bernoulli_nll, mvae_loss, product_of_experts

LIKELIHOODS = ("squared_error", "bernoulli")


@dataclass(frozen=True)
class MVAEConfig(BaselineConfig):
    likelihood_weights: str | dict[str, float]
    kl_warmup_steps: int = 0
    likelihood: str = "squared_error"

    def __post_init__(self) -> None:
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown MVAE likelihood {self.likelihood!r} (expected one of {LIKELIHOODS})")

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "MVAEConfig":
        # Models saved before the warm-up or the likelihood option existed have no such key: they
        # trained without a warm-up, with the squared error.
        return cls(kl_weight=params["kl_weight"], likelihood_weights=params["likelihood_weights"],
                   kl_warmup_steps=int(params.get("kl_warmup_steps", 0)),
                   likelihood=str(params.get("likelihood", "squared_error")))


def kl_warmup_factor(step: int, warmup_steps: int) -> float:
    """The share of the KL weight at optimiser step ``step`` (0-based): (step + 1) / warmup_steps,
    reaching 1 at the last warm-up step and staying there; always 1 without a warm-up."""
    if warmup_steps <= 0:
        return 1.0
    return min(1.0, (step + 1) / warmup_steps)


def likelihood_weights(setting: str | dict[str, float], modalities: dict[str, Modality]) -> dict[str, float]:
    """``"dimensions"``: w_m = max_k D_k / D_m, so that each modality's summed squared error counts
    as much as the largest one's (Wu and Goodman up-weight small modalities for the same reason);
    ``"equal"``: all 1; or explicit weights per role."""
    if setting == "equal":
        return {role: 1.0 for role in modalities}
    if setting == "dimensions":
        sizes = {role: math.prod(m.shape) for role, m in modalities.items()}
        return {role: max(sizes.values()) / size for role, size in sizes.items()}
    if isinstance(setting, dict):
        return dict(setting)
    raise ValueError(f"unknown likelihood_weights {setting!r} (expected 'dimensions', 'equal' or per-role weights)")


class MVAE(PairModel):
    method = "mvae"

    def __init__(self, source: Modality, target: Modality, latent_dim: int, config: MVAEConfig) -> None:
        super().__init__(source, target, latent_dim)
        self.config = config
        self.weights = likelihood_weights(config.likelihood_weights, self.modalities)
        self.experts = self.unimodal_encoders()
        self.decoder = self.decoders()
        self.reconstruction_errors = {
            role: bernoulli_nll for role, m in self.modalities.items()
            if config.likelihood == "bernoulli" and m.output == "sigmoid"
        }
        if config.kl_warmup_steps > 0:
            # A buffer, so a resumed run continues the warm-up where it stopped. Only with a warm-up:
            # models without one keep the state dict they always had.
            self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = role_inputs(batch)
        experts = {role: self.experts[role](x[role]) for role in ROLES}
        kl_weight = self.config.kl_weight
        if self.training and self.config.kl_warmup_steps > 0:
            kl_weight *= kl_warmup_factor(int(self.step), self.config.kl_warmup_steps)
            self.step += 1
        loss, terms = mvae_loss(x, experts, lambda role, z: self.decoder[role](z), self.weights,
                                kl_weight, sample=self.training, reconstruction_errors=self.reconstruction_errors)
        return StepOutput(loss, {f"elbo_{subset}": value.mean().detach() for subset, value in terms.items()})

    def generate(self, x_source: Tensor) -> Tensor:
        mu, _ = product_of_experts([self.experts["source"](x_source)])
        return self.decoder["target"](mu)
