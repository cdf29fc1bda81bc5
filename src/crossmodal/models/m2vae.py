"""The M2VAE study's multimodal VAEs (Korthals et al., ICLR 2019 submission): M2VAE (Eqs. 6-11),
JMVAE-Zero (Eq. 2 only), tVAE (two stages) and JMVAE-kl (Eq. 3, the Fig. 2 dataset check).

Every model has one decoder per modality, shared by all its encoders, and a diagonal Gaussian
posterior for each encoder subset it has. Modalities are addressed by name, so M2VAE's Eq. 11 runs
on any number of them. The reconstruction term is the paper's: binary cross-entropy for e-MNIST,
squared error for the MoG toy (the paper's "RMS").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import torch
from torch import Tensor, nn

from crossmodal.models.base import Gaussian, MethodConfig, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.networks import GaussianEncoder, JointEncoder
from crossmodal.objectives import (bernoulli_nll, check_alpha, kl_between_gaussians, kl_to_standard_normal,
                                   jmvae_kl_terms, leave_one_out, m2vae_elbo, reparameterize, squared_error,
                                   subset_elbo)

RECONSTRUCTIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {"bce": bernoulli_nll,
                                                                  "squared_error": squared_error}
TVAE_STAGES = ("joint", "unimodal")


@dataclass(frozen=True)
class M2VAEConfig(MethodConfig):
    """``beta`` weighs every KL to the prior, ``beta_norm * D_x / D_z``: given resolved (the M2VAE
    study's plan, whose modalities have one size), or as ``beta_norm``, which the model resolves
    from its modalities (:func:`scenario_beta`; the benchmark's scenarios)."""

    beta: float | None = None
    beta_norm: float | None = None
    alpha: float = 0.0  # the weight of the mutual KL terms KL(q(z|M) || q(z|m)) (M2VAE, JMVAE-kl)
    reconstruction: str = "bce"  # "bce" (e-MNIST) or "squared_error" (MoG)
    stage: str = "joint"  # tVAE only: "joint" (q(z|a,b) and the decoders) or "unimodal" (frozen decoders)

    def __post_init__(self) -> None:
        if (self.beta is None) == (self.beta_norm is None):
            raise ValueError(f"m2vae needs exactly one of beta and beta_norm, got beta={self.beta}, "
                             f"beta_norm={self.beta_norm}")
        check_alpha(self.alpha)
        if self.reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"m2vae reconstruction must be one of {sorted(RECONSTRUCTIONS)}, got {self.reconstruction!r}")
        if self.stage not in TVAE_STAGES:
            raise ValueError(f"m2vae tVAE stage must be one of {TVAE_STAGES}, got {self.stage!r}")


def scenario_beta(beta_norm: float, modalities: Mapping[str, Modality], latent_dim: int) -> float:
    """``beta_norm * D_x / D_z`` with ``D_x`` the mean sample size of the modalities: the paper's
    per-modality D_x where the modalities have one size (e-MNIST's 784), and one weight for both
    directions of a pair of unequal ones (an image and a sound)."""
    d_x = sum(math.prod(m.shape) for m in modalities.values()) / len(modalities)
    return beta_norm * d_x / latent_dim


def subset_key(subset: Sequence[str]) -> str:
    """An encoder subset's name: ``("a", "b")`` -> ``"a+b"``."""
    return "+".join(subset)


def nonempty_subsets(names: Sequence[str]) -> list[tuple[str, ...]]:
    """Every non-empty subset of ``names`` (in their order), largest first: the 2^|M| - 1 encoders."""
    return [s for size in range(len(names), 0, -1) for s in combinations(names, size)]


def freeze(module: nn.Module) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(False)


class SharedDecoderVAE(MultimodalVAE):
    """What the study's models share: one decoder per modality, the paper's reconstruction term, and
    an encoder per subset in ``self.encoders`` (keyed by :func:`subset_key`)."""

    encoders: nn.ModuleDict

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: M2VAEConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.beta = config.beta if config.beta is not None else scenario_beta(config.beta_norm, self.modalities, latent_dim)
        self.reconstruction = RECONSTRUCTIONS[config.reconstruction]

    def subset_encoder(self, subset: Sequence[str]) -> nn.Module:
        if len(subset) == 1:
            m = self.modalities[subset[0]]
            return GaussianEncoder(m.shape, self.latent_dim, m.architecture)
        return JointEncoder({n: (self.modalities[n].shape, self.modalities[n].architecture) for n in subset},
                            self.latent_dim)

    def encode_with(self, key: str, inputs: Mapping[str, Tensor], names: Sequence[str]) -> Gaussian:
        encoder = self.encoders[key]
        return encoder(inputs[names[0]]) if isinstance(encoder, GaussianEncoder) else encoder(
            {n: inputs[n] for n in names})

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        names = self.subset(cond_mod)
        key = subset_key(names)
        if key not in self.encoders:
            raise ValueError(f"{type(self).__name__} has encoders {list(self.encoders)}, not {key!r}")
        return self.encode_with(key, inputs, names)

    def nlls(self, x: Mapping[str, Tensor], z: Tensor, names: Sequence[str]) -> list[Tensor]:
        """``-log p(x_m|z)`` of each named modality, per example."""
        return [self.reconstruction(x[n], self.decoders[n](z)) for n in names]

    def sample(self, posterior: Gaussian) -> Tensor:
        return reparameterize(*posterior) if self.training else posterior[0]

    def elbo(self, x: Mapping[str, Tensor], posterior: Gaussian, names: Sequence[str]) -> Tensor:
        """The ELBO of ``posterior`` reconstructing the modalities ``names`` (Eqs. 2, 7-9)."""
        return subset_elbo(self.nlls(x, self.sample(posterior), names), kl_to_standard_normal(*posterior), self.beta)


class M2VAE(SharedDecoderVAE):
    """An encoder for every non-empty subset of the modalities, trained on Eq. 11 (Eq. 6 for two)."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: M2VAEConfig) -> None:
        super().__init__(modalities, latent_dim, config)
        self.subsets = nonempty_subsets(list(self.modalities))
        self.encoders = nn.ModuleDict({subset_key(s): self.subset_encoder(s) for s in self.subsets})
        self.decoders = self.modality_decoders()

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        posteriors = {s: self.encode_with(subset_key(s), x, s) for s in self.subsets}
        elbos = {s: self.elbo(x, posteriors[s], s) for s in self.subsets}
        mutual = {(s, t): kl_between_gaussians(*posteriors[s], *posteriors[t])
                  for s in self.subsets if len(s) > 1 for t in leave_one_out(s)}
        bound = m2vae_elbo(self.subsets[0], elbos, mutual, self.config.alpha)
        metrics = {f"elbo_{subset_key(s)}": e.mean().detach() for s, e in elbos.items()}
        if mutual:
            metrics["kl_mutual"] = torch.stack(list(mutual.values())).sum(dim=0).mean().detach()
        return StepOutput(-bound.mean(), metrics)


class JMVAEZero(SharedDecoderVAE):
    """One joint encoder trained on the joint ELBO only (Eq. 2); a missing modality is all zeros."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: M2VAEConfig) -> None:
        super().__init__(modalities, latent_dim, config)
        self.encoders = nn.ModuleDict({subset_key(self.modalities): self.subset_encoder(list(self.modalities))})
        self.decoders = self.modality_decoders()

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        names = self.subset(cond_mod)
        given = inputs[names[0]]
        filled = {n: inputs[n] if n in names else given.new_zeros(len(given), *m.shape)
                  for n, m in self.modalities.items()}
        return self.encode_with(subset_key(self.modalities), filled, list(self.modalities))

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        elbo = self.elbo(x, self.encode(x), list(self.modalities))
        return StepOutput(-elbo.mean(), {"elbo_joint": elbo.mean().detach()})


class JointAndUnimodalVAE(SharedDecoderVAE):
    """A joint encoder q(z|M) and one encoder q(z|m) per modality (tVAE, JMVAE-kl)."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: M2VAEConfig) -> None:
        super().__init__(modalities, latent_dim, config)
        names = list(self.modalities)
        self.encoders = nn.ModuleDict({subset_key(s): self.subset_encoder(s) for s in [tuple(names)]
                                       + [(n,) for n in names]})
        self.decoders = self.modality_decoders()


class TVAE(JointAndUnimodalVAE):
    """Vedantam et al.'s triple ELBO as the paper trains it, in two stages (the M2VAE study's two
    jobs; one pairwise job of the benchmark, by the registry's ``stages``): ``stage="joint"`` fits
    q(z|a,b) and the decoders on the joint ELBO; ``stage="unimodal"`` starts from those weights,
    freezes them, and fits each q(z|m) on its own ELBO."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: M2VAEConfig) -> None:
        super().__init__(modalities, latent_dim, config)
        names = list(self.modalities)
        if config.stage == "joint":
            for n in names:
                freeze(self.encoders[n])
        else:
            freeze(self.encoders[subset_key(names)])
            freeze(self.decoders)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        names = list(self.modalities)
        if self.config.stage == "joint":
            elbo = self.elbo(x, self.encode(x), names)
            return StepOutput(-elbo.mean(), {"elbo_joint": elbo.mean().detach()})
        elbos = {n: self.elbo(x, self.encode(x, [n]), [n]) for n in names}
        return StepOutput(-torch.stack(list(elbos.values())).sum(dim=0).mean(),
                          {f"elbo_{n}": e.mean().detach() for n, e in elbos.items()})


class JMVAEKL(JointAndUnimodalVAE):
    """Suzuki et al.'s JMVAE-kl (Eq. 3): the joint ELBO minus alpha-weighted KLs from the joint
    posterior to each unimodal one; the paper's Fig. 2 trains it on e-MNIST and me-MNIST."""

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        names = list(self.modalities)
        joint = self.encode(x)
        kl_mutual = jmvae_kl_terms(joint, [self.encode(x, [n]) for n in names])
        elbo = self.elbo(x, joint, names) - self.config.alpha * kl_mutual
        return StepOutput(-elbo.mean(), {"kl_mutual": kl_mutual.mean().detach()})
