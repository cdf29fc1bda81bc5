"""MMVAE (Shi et al. 2019) and MoPoE (Sutter et al. 2021): multimodal VAEs whose joint posterior is
a mixture, of the unimodal experts (MMVAE) or of the products of every subset's experts (MoPoE).

``encode`` of a subset returns the moment-matched Gaussian of the subset's mixture (its mean is the
mixture's mean), which is what latent classification and generation through the mean read.
Reconstruction terms are AVAE's squared error; MMVAE's log-likelihood is its negative (see
:mod:`crossmodal.objectives`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from crossmodal.models.base import Gaussian, MethodConfig, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.objectives import (
    dreg_weights,
    gaussian_log_density,
    kl_to_standard_normal,
    mixture_log_density,
    mmvae_dreg_surrogate,
    mmvae_iwae_bound,
    mmvae_log_weights,
    mopoe_negative_elbo,
    nonempty_subsets,
    product_of_experts,
    reparameterize,
    squared_error,
)

ESTIMATORS = ("dreg", "iwae")


def moment_matched(components: Sequence[Gaussian]) -> Gaussian:
    """The Gaussian with the mean and variance of an equal mixture of diagonal Gaussians."""
    mus = torch.stack([mu for mu, _ in components])
    second = torch.stack([logvar.exp() + mu.pow(2) for mu, logvar in components]).mean(dim=0)
    mean = mus.mean(dim=0)
    return mean, torch.log((second - mean.pow(2)).clamp_min(torch.finfo(mean.dtype).tiny))


@dataclass(frozen=True)
class MMVAEConfig(MethodConfig):
    samples: int = 10  # K importance samples per expert
    estimator: str = "dreg"

    def __post_init__(self) -> None:
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"unknown mmvae estimator {self.estimator!r} (expected one of {ESTIMATORS})")


class UnimodalExperts(MultimodalVAE):
    """A model of one encoder (expert) and one decoder per modality, combined by its subclass."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: MethodConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()


class MMVAE(UnimodalExperts):
    config: MMVAEConfig

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        return moment_matched([self.encoders[name](inputs[name]) for name in self.subset(cond_mod)])

    def log_likelihood(self, x: Mapping[str, Tensor], z: Tensor) -> Tensor:
        """Every modality's log-likelihood of ``z`` of shape ``(K, batch, latent)``, summed: ``(K, batch)``."""
        k, batch = z.shape[:2]
        total = z.new_zeros(k, batch)
        for name, decoder in self.decoders.items():
            x_hat = decoder(z.flatten(0, 1))
            target = x[name].unsqueeze(0).expand(k, *x[name].shape).flatten(0, 1)
            total = total - squared_error(target, x_hat).view(k, batch)
        return total

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        experts = [self.encoders[name](x[name]) for name in self.modalities]
        k = self.config.samples if self.training else 1
        dreg = self.training and self.config.estimator == "dreg"
        # DReG scores the samples under encoders whose parameters it holds fixed.
        scored = [(mu.detach(), logvar.detach()) for mu, logvar in experts] if dreg else experts
        samples, log_weights = [], []
        for mu, logvar in experts:
            z = reparameterize(mu.expand(k, *mu.shape), logvar.expand(k, *logvar.shape)) if self.training \
                else mu.unsqueeze(0)
            samples.append(z)
            log_prior = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
            log_weights.append(mmvae_log_weights(log_prior, self.log_likelihood(x, z), mixture_log_density(z, scored)))
        log_weights_all = torch.stack(log_weights)
        bound = mmvae_iwae_bound(log_weights_all)
        if dreg:
            weights = dreg_weights(log_weights_all)
            for m, z in enumerate(samples):
                z.register_hook(lambda grad, w=weights[m]: grad * w.unsqueeze(-1))
            loss = -mmvae_dreg_surrogate(log_weights_all).mean()
        else:
            loss = -bound.mean()
        # Validation scores the bound itself (one sample through the means), whichever the estimator.
        return StepOutput(loss if self.training else -bound.mean(), {"bound": bound.mean().detach()})


@dataclass(frozen=True)
class MoPoEConfig(BaselineConfig):
    pass


class MoPoE(UnimodalExperts):
    config: MoPoEConfig

    def subset_posteriors(self, experts: Mapping[str, Gaussian], names: Sequence[str]) -> list[Gaussian]:
        """The product of each non-empty subset's experts (no prior expert: a singleton is its expert)."""
        return [product_of_experts([experts[name] for name in subset], prior_expert=False)
                for subset in nonempty_subsets(names)]

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        names = self.subset(cond_mod)
        experts = {name: self.encoders[name](inputs[name]) for name in names}
        return moment_matched(self.subset_posteriors(experts, names))

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        experts = {name: self.encoders[name](x[name]) for name in self.modalities}
        reconstructions, kls = [], []
        for mu, logvar in self.subset_posteriors(experts, list(self.modalities)):
            z = reparameterize(mu, logvar) if self.training else mu
            reconstructions.append(torch.stack([squared_error(x[name], decoder(z))
                                                for name, decoder in self.decoders.items()]).sum(dim=0))
            kls.append(kl_to_standard_normal(mu, logvar))
        loss = mopoe_negative_elbo(reconstructions, kls, self.config.kl_weight).mean()
        return StepOutput(loss, {"kl": torch.stack(kls).mean().detach()})
