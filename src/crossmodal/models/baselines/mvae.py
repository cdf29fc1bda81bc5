"""MVAE (Wu and Goodman 2018): per-modality Gaussian experts whose product with the prior expert
N(0, I) is the posterior of any observed subset, trained with the sub-sampled ELBO
(joint + each modality alone) and per-modality likelihood weights. Cross-generation decodes the
target from PoE(prior, expert_source); any subset of any number of modalities is encoded alike.

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

import torch
from torch import Tensor

from crossmodal.models.base import Gaussian, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.objectives import bernoulli_nll, mvae_loss, product_of_experts

LIKELIHOODS = ("squared_error", "bernoulli")


@dataclass(frozen=True)
class MVAEConfig(BaselineConfig):
    likelihood_weights: str | dict[str, float]
    # Models saved before the warm-up or the likelihood option existed have no such key: they
    # trained without a warm-up, with the squared error.
    kl_warmup_steps: int = 0
    likelihood: str = "squared_error"

    def __post_init__(self) -> None:
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown MVAE likelihood {self.likelihood!r} (expected one of {LIKELIHOODS})")


def kl_warmup_factor(step: int, warmup_steps: int) -> float:
    """The share of the KL weight at optimiser step ``step`` (0-based): (step + 1) / warmup_steps,
    reaching 1 at the last warm-up step and staying there; always 1 without a warm-up."""
    if warmup_steps <= 0:
        return 1.0
    return min(1.0, (step + 1) / warmup_steps)


SCENARIO_ROLES = ("source", "target")  # how a config names a scenario's two modalities


def likelihood_weights(setting: str | dict[str, float], modalities: Mapping[str, Modality]) -> dict[str, float]:
    """``"dimensions"``: w_m = max_k D_k / D_m, so that each modality's summed squared error counts
    as much as the largest one's (Wu and Goodman up-weight small modalities for the same reason);
    ``"equal"``: all 1; or explicit weights per modality name, or per scenario role ("source" is
    the first modality, "target" the second)."""
    if setting == "equal":
        return {name: 1.0 for name in modalities}
    if setting == "dimensions":
        sizes = {name: math.prod(m.shape) for name, m in modalities.items()}
        return {name: max(sizes.values()) / size for name, size in sizes.items()}
    if isinstance(setting, dict):
        role_names = dict(zip(SCENARIO_ROLES, modalities))
        weights = {role_names.get(key, key): weight for key, weight in setting.items()}
        if set(weights) == set(modalities):
            return weights
    raise ValueError(f"unknown likelihood_weights {setting!r} (expected 'dimensions', 'equal' or a weight per "
                     f"modality of {list(modalities)})")


class MVAE(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: MVAEConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.weights = likelihood_weights(config.likelihood_weights, self.modalities)
        self.encoders = self.unimodal_encoders()  # the experts
        self.decoders = self.modality_decoders()
        self.reconstruction_errors = {
            name: bernoulli_nll for name, m in self.modalities.items()
            if config.likelihood == "bernoulli" and m.output == "sigmoid"
        }
        if config.kl_warmup_steps > 0:
            # A buffer, so a resumed run continues the warm-up where it stopped. Only with a warm-up:
            # models without one keep the state dict they always had.
            self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """The product of the prior expert and the experts of ``cond_mod``."""
        return product_of_experts([self.encoders[name](inputs[name]) for name in self.subset(cond_mod)])

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        experts = {name: self.encoders[name](x[name]) for name in self.modalities}
        kl_weight = self.config.kl_weight
        if self.training and self.config.kl_warmup_steps > 0:
            kl_weight *= kl_warmup_factor(int(self.step), self.config.kl_warmup_steps)
            self.step += 1
        loss, terms = mvae_loss(x, experts, lambda name, z: self.decoders[name](z), self.weights,
                                kl_weight, sample=self.training, reconstruction_errors=self.reconstruction_errors)
        return StepOutput(loss, {f"elbo_{subset}": value.mean().detach() for subset, value in terms.items()})
