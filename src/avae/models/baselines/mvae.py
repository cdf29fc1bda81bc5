"""MVAE (Wu and Goodman 2018): per-modality Gaussian experts whose product with the prior expert
N(0, I) is the posterior of any observed subset, trained with the sub-sampled ELBO
(joint + each modality alone) and per-modality likelihood weights. Cross-generation decodes the
target from PoE(prior, expert_source)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import Tensor

from avae.models.base import StepOutput
from avae.models.baselines.pair import ROLES, BaselineConfig, Modality, PairModel, role_inputs
from avae.objectives import mvae_loss, product_of_experts


@dataclass(frozen=True)
class MVAEConfig(BaselineConfig):
    likelihood_weights: str | dict[str, float]


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

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = role_inputs(batch)
        experts = {role: self.experts[role](x[role]) for role in ROLES}
        loss, terms = mvae_loss(x, experts, lambda role, z: self.decoder[role](z), self.weights,
                                self.config.kl_weight, sample=self.training)
        return StepOutput(loss, {f"elbo_{subset}": value.mean().detach() for subset, value in terms.items()})

    def generate(self, x_source: Tensor) -> Tensor:
        mu, _ = product_of_experts([self.experts["source"](x_source)])
        return self.decoder["target"](mu)
