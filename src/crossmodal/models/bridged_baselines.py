"""The Bridged VAE study's comparison methods, on the study's networks and likelihoods
(:class:`crossmodal.models.bridged.StudyKit`): a unimodal VAE, TELBO, BiVCCA, and the package's
JMVAE-kl and MVAE with the study's Bernoulli and categorical likelihoods. TELBO and BiVCCA also
take each dataset's networks and AVAE's squared error (config ``networks: dataset``), as the
benchmark trains them; both generate a missing modality from one modality's own encoder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from torch import Tensor, nn
from torch.func import functional_call

from crossmodal.models.base import Gaussian, MethodConfig, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines.jmvae import JMVAE, JMVAEConfig
from crossmodal.models.baselines.mvae import MVAE, MVAEConfig, likelihood_weights
from crossmodal.models.bridged import KitNetworks, modality_named, negative_log_likelihood, network_kit
from crossmodal.objectives import bivcca_loss, jmvae_loss, reparameterize, triple_elbo_loss


@dataclass(frozen=True)
class StudyConfig(MethodConfig):
    kl_weight: float = 1.0
    # Each modality's weight on its log-likelihood, by modality name or scenario role (a modality not
    # named weighs 1), or MVAE's "equal" or "dimensions" (see modality_weights).
    likelihood_weights: str | dict[str, float] = field(default_factory=dict)
    networks: str = "study"  # crossmodal.models.bridged.NETWORK_KITS: the study's own, or each dataset's

    def __post_init__(self) -> None:
        network_kit(self.networks)


def modality_weights(setting: str | Mapping[str, float], modalities: Mapping[str, Modality]) -> dict[str, float]:
    """Each modality's likelihood weight: MVAE's ``"equal"`` or ``"dimensions"``
    (:func:`likelihood_weights`), or a weight per modality by name or scenario role, where a modality
    not named weighs 1 and a name the model lacks is passed over (the study's one ``method_settings``
    entry serves its bimodal and trimodal models)."""
    if isinstance(setting, Mapping):
        named = {modality_named(key, list(modalities)): weight for key, weight in setting.items()}
        return {name: named.get(name, 1.0) for name in modalities}
    return likelihood_weights(setting, modalities)


def single_modality(model: MultimodalVAE, cond_mod: Subset) -> str:
    """The one modality of ``cond_mod``, for models with unimodal encoders only."""
    names = model.subset(cond_mod)
    if len(names) != 1:
        raise ValueError(f"{type(model).__name__} encodes one modality at a time, not {names}")
    return names[0]


class UnimodalEncoders(KitNetworks):
    """A model of ``modality_count`` modalities with one encoder per modality and no joint one."""

    modality_count: int = 0
    config: StudyConfig

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: StudyConfig) -> None:
        super().__init__(modalities, latent_dim)
        if len(self.modalities) != self.modality_count:
            raise ValueError(f"{type(self).__name__} models {self.modality_count} modality(ies), "
                             f"got {list(self.modalities)}")
        self.config = config
        self.kit = network_kit(config.networks)
        self.weights = modality_weights(config.likelihood_weights, self.modalities)
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        name = single_modality(self, cond_mod)
        return self.encoders[name](inputs[name])


class UnimodalVAE(UnimodalEncoders):
    """A VAE of one modality (the study's VAE row: the image alone)."""

    modality_count = 1

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        loss = self.negative_elbo_of(x, self.encode(x), list(self.modalities), self.config.kl_weight).mean()
        return StepOutput(loss, {"elbo": loss.detach()})


def detached(module: nn.Module) -> Callable[[Tensor], Tensor]:
    """``module`` as a function whose parameters get no gradient (its inputs still do)."""
    state = {**{name: p.detach() for name, p in module.named_parameters()}, **dict(module.named_buffers())}
    return lambda z: functional_call(module, state, (z,))


class TELBO(KitNetworks):
    """TELBO (Vedantam et al. 2018, Eq. 4): ``elbo(x, y) + elbo(x) + elbo(y)`` with likelihood
    weights. A joint encoder, one encoder per modality and one decoder per modality; as in the
    original, the decoders learn from the joint term only (the unimodal terms train the encoders).
    A missing modality is generated from the observed one's own encoder q(z|x_s)."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: StudyConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.kit = network_kit(config.networks)
        self.weights = modality_weights(config.likelihood_weights, self.modalities)
        self.joint_encoder = self.kit.joint_encoder(self.modalities, latent_dim)
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        if len(self.subset(cond_mod)) == len(self.modalities):
            return self.joint_encoder(inputs)
        name = single_modality(self, cond_mod)
        return self.encoders[name](inputs[name])

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        weights, kl_weight = self.weights, self.config.kl_weight
        joint = self.negative_elbo_of(x, self.encode(x), list(self.modalities), kl_weight, weights)
        frozen = {name: detached(decoder) for name, decoder in self.decoders.items()}
        unimodal = {name: self.negative_elbo_of(x, self.encoders[name](x[name]), [name], kl_weight, weights, frozen)
                    for name in self.modalities}
        loss = triple_elbo_loss(joint, list(unimodal.values())).mean()
        return StepOutput(loss, {"elbo_joint": joint.mean().detach(),
                                 **{f"elbo_{name}": value.mean().detach() for name, value in unimodal.items()}})


@dataclass(frozen=True)
class BiVCCAConfig(StudyConfig):
    mu: float = 0.5  # the weight of the first modality's bound (a scenario's source)


class BiVCCA(UnimodalEncoders):
    """BiVCCA (Wang et al. 2016; Yadav et al. Eq. 6): two encoders q(z|x) and q(z|y), each
    reconstructing both modalities; ``mu * L_{q(z|x)} + (1 - mu) * L_{q(z|y)}``."""

    modality_count = 2
    config: BiVCCAConfig

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        names = list(self.modalities)
        bounds = [self.negative_elbo_of(x, self.encoders[name](x[name]), names, self.config.kl_weight, self.weights)
                  for name in names]
        loss = bivcca_loss(bounds, self.config.mu).mean()
        return StepOutput(loss, {f"elbo_{name}": bound.mean().detach() for name, bound in zip(names, bounds)})


class StudyJMVAE(KitNetworks, JMVAE):
    """The package's JMVAE-kl (its encoding, its ``jmvae_loss``) on the study's networks, with the
    study's likelihoods in place of the squared error."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: JMVAEConfig) -> None:
        MultimodalVAE.__init__(self, modalities, latent_dim)
        self.config = config
        self.joint_encoder = self.kit.joint_encoder(self.modalities, latent_dim)
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar) if self.training else mu
        nlls = [self.nll(name, x[name], self.decoders[name](z)) for name in self.modalities]
        unimodal = [self.encoders[name](x[name]) for name in self.modalities]
        loss, kl_prior, kl_unimodal = jmvae_loss(nlls, (mu, logvar), unimodal, self.config.kl_weight, self.config.alpha)
        return StepOutput(loss, {"nll": sum(nlls).mean().detach(), "kl": kl_prior.mean().detach(),
                                 "kl_unimodal": kl_unimodal.mean().detach()})


class StudyMVAE(KitNetworks, MVAE):
    """The package's MVAE (product of experts, sub-sampled ELBOs, likelihood weights) on the study's
    networks, with the study's likelihoods in place of the squared error."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: MVAEConfig) -> None:
        super().__init__(modalities, latent_dim, config)
        self.reconstruction_errors = {name: partial(negative_log_likelihood, m) for name, m in self.modalities.items()}

