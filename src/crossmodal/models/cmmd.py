"""CMMD (Mancisidor et al. 2021) and M-, its floor: discriminative multimodal learning with a prior
conditioned on the modality that is always observed.

CMMD has a conditional prior ``p(z|x_o)``, an encoder ``q(z|x_o, x_m, y)`` of every modality and
the label, a decoder ``p(x_m|z)`` of each missing modality (``decoder_sees_observed``: also of
``x_o``, as the authors' code) and a classifier ``p(y|z)`` fed from the prior's mean, so that it
classifies from ``x_o`` alone. Its loss is :func:`crossmodal.objectives.cmmd_objective`: the KL
weighted by ``omega`` against ``1 - omega`` times the MMD^2 between posterior and prior samples.
M- is the prior network and the classifier trained on the cross-entropy alone.

``networks`` picks what the prior, the encoder and the decoders are: the study's MLPs (``study``, the
default: the CMMD study's models) or, as the benchmark trains CMMD on AVAE's scenarios, each
dataset's ``models.vae`` networks (``dataset``): the prior is x_o's encoder, the encoder the
package's joint encoder of every modality with the one-hot label beside their features, and each
decoder the modality's own (:func:`dataset_networks`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from crossmodal.models.base import (LABEL, Gaussian, MethodConfig, Modality, MultimodalVAE, StepOutput, Subset,
                                    TrainableModel)
from crossmodal.models.networks import Decoder, FeatureExtractor, GaussianEncoder, JointEncoder, split_gaussian
from crossmodal.objectives import (
    CMMD_CLASS_WEIGHT,
    CMMD_MMD_WEIGHT,
    bernoulli_nll,
    check_omega,
    cmmd_objective,
    conditional_prior_kl,
    mmd_squared,
    reparameterize,
    squared_error,
)

LIKELIHOODS = ("bernoulli", "squared_error")


def observed_modality(observed: str, modalities: Mapping[str, Modality]) -> str:
    """``observed`` if the model has that modality; otherwise an error naming the setting."""
    if observed not in modalities:
        raise ValueError(f"observed modality {observed!r} is not in the dataset's modalities {list(modalities)} "
                         f"(setting: observed)")
    return observed


def flat(x: Tensor) -> Tensor:
    return x.flatten(1).float()


def mlp_body(in_features: int, hidden: list[int], dropout: float) -> FeatureExtractor:
    """Linear + ReLU (+ dropout) layers on a flat input of ``in_features``."""
    return FeatureExtractor((in_features,), {"kind": "mlp", "hidden": list(hidden), "dropout": dropout})


class GaussianHead(nn.Module):
    """An input of ``in_features`` values (flattened) -> ``(mu, logvar)`` of a diagonal Gaussian,
    through an MLP body."""

    def __init__(self, in_features: int, hidden: list[int], dropout: float, latent_dim: int) -> None:
        super().__init__()
        self.body = mlp_body(in_features, hidden, dropout)
        self.head = nn.Linear(self.body.out_features, 2 * latent_dim)

    def forward(self, x: Tensor) -> Gaussian:
        return split_gaussian(self.head(self.body(flat(x))))


class ConcatGaussianHead(GaussianHead):
    """``{name: x_m}`` and per-example ``extra`` features -> ``(mu, logvar)``: the flattened
    modalities (in the order given) and ``extra`` concatenated, through a :class:`GaussianHead`."""

    def forward(self, x: Mapping[str, Tensor], extra: Tensor) -> Gaussian:  # type: ignore[override]
        return super().forward(torch.cat([flat(tensor) for tensor in x.values()] + [extra], dim=1))


class MLPDecoder(nn.Module):
    """A flat input -> one modality's sample (sigmoid for images, linear for features)."""

    def __init__(self, in_features: int, hidden: list[int], dropout: float, modality: Modality) -> None:
        super().__init__()
        self.shape, self.output = tuple(modality.shape), modality.output
        self.body = mlp_body(in_features, hidden, dropout)
        self.head = nn.Linear(self.body.out_features, math.prod(self.shape))

    def forward(self, h: Tensor) -> Tensor:
        x_hat = self.head(self.body(h)).float().view(-1, *self.shape)
        return torch.sigmoid(x_hat) if self.output == "sigmoid" else x_hat


@dataclass(frozen=True)
class ObservedClassifierConfig(MethodConfig):
    """M-: the prior network's body on ``x_o`` and CMMD's classifier (the paper's E1 sizes)."""

    observed: str
    num_classes: int
    prior_hidden: list[int] = field(default_factory=lambda: [1024, 1024, 1024])
    classifier_hidden: list[int] = field(default_factory=lambda: [50, 50])
    dropout: float = 0.2


@dataclass(frozen=True)
class CMMDConfig(ObservedClassifierConfig):
    omega: float = 0.4
    encoder_hidden: list[int] = field(default_factory=lambda: [2500, 2500, 2500])
    decoder_hidden: list[int] = field(default_factory=lambda: [1024, 1024, 1024])
    mmd_weight: float = CMMD_MMD_WEIGHT
    class_weight: float = CMMD_CLASS_WEIGHT
    likelihood: str = "bernoulli"  # of the images (sigmoid outputs); features keep the squared error
    decoder_sees_observed: bool = False  # the authors' code decodes p(x_m|z, x_o)
    code_kl_slip: bool = False  # the code's KL, without the 1/2 on its variance-ratio term
    class_loss_summed: bool = False  # the code's cross-entropy, summed over the batch
    # NETWORKS: the study's MLPs (the *_hidden sizes and dropout above), or each dataset's networks
    # (its modalities' architectures), as the benchmark trains CMMD.
    networks: str = "study"

    def __post_init__(self) -> None:
        check_omega(self.omega)
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown cmmd likelihood {self.likelihood!r} (expected one of {LIKELIHOODS})")
        if self.networks not in NETWORKS:
            raise ValueError(f"unknown cmmd networks {self.networks!r} (expected one of {sorted(NETWORKS)})")
        if self.networks == "dataset" and self.decoder_sees_observed:
            raise ValueError("cmmd: a dataset's decoder reads z alone; decoder_sees_observed needs networks: study")


def class_step(logits: Tensor, labels: Tensor) -> dict[str, Tensor]:
    """The detached accuracy and error (%) of a batch's predictions, for the engine's history."""
    accuracy = (logits.argmax(dim=1) == labels).float().mean().detach()
    return {"accuracy": accuracy, "error": 100.0 * (1.0 - accuracy)}


class ObservedClassifier(TrainableModel):
    """M-: ``p(y|x_o)`` with CMMD's prior body and classifier, trained on the cross-entropy alone."""

    method: str = ""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: ObservedClassifierConfig) -> None:
        super().__init__()
        self.config = config
        self.modalities = dict(modalities)
        self.latent_dim = latent_dim
        self.observed = observed_modality(config.observed, self.modalities)
        self.prior = GaussianHead(math.prod(self.modalities[self.observed].shape), config.prior_hidden, config.dropout,
                                  latent_dim)
        self.classifier = nn.Sequential(mlp_body(latent_dim, config.classifier_hidden, 0.0),
                                        nn.Linear(config.classifier_hidden[-1], config.num_classes))

    def classify(self, x_observed: Tensor) -> Tensor:
        """Class logits from the observed modality alone (through the prior's mean)."""
        return self.classifier(self.prior(x_observed)[0])

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        logits, labels = self.classify(batch[self.observed]), batch[LABEL].long()
        return StepOutput(F.cross_entropy(logits, labels), class_step(logits, labels))


# What CMMD's networks are: p(z|x_o) (x_o -> Gaussian), q(z|x_o, x_m, y) ({name: x}, one-hot y ->
# Gaussian) and p(x_m|z) of each missing modality, built in that order.
Networks = tuple[nn.Module, nn.Module, nn.ModuleDict]


def study_networks(modalities: Mapping[str, Modality], observed: str, latent_dim: int, config: CMMDConfig) -> Networks:
    """The CMMD study's MLPs on the flattened modalities (the paper's, sized by the config)."""
    sizes = {name: math.prod(m.shape) for name, m in modalities.items()}
    prior = GaussianHead(sizes[observed], config.prior_hidden, config.dropout, latent_dim)
    encoder = ConcatGaussianHead(sum(sizes.values()) + config.num_classes, config.encoder_hidden, config.dropout,
                                 latent_dim)
    decoder_in = latent_dim + (sizes[observed] if config.decoder_sees_observed else 0)
    decoders = nn.ModuleDict({name: MLPDecoder(decoder_in, config.decoder_hidden, config.dropout, m)
                              for name, m in modalities.items() if name != observed})
    return prior, encoder, decoders


def dataset_networks(modalities: Mapping[str, Modality], observed: str, latent_dim: int, config: CMMDConfig) -> Networks:
    """Each dataset's networks (as every pairwise method of the benchmark has them): x_o's encoder
    as the prior, the package's joint encoder of every modality with the one-hot label as q, and
    each missing modality's decoder."""
    prior = GaussianEncoder(modalities[observed].shape, latent_dim, modalities[observed].architecture)
    encoder = JointEncoder({name: (m.shape, m.architecture) for name, m in modalities.items()}, latent_dim,
                           extra_features=config.num_classes)
    decoders = nn.ModuleDict({name: Decoder(m.shape, latent_dim, m.architecture, m.output)
                              for name, m in modalities.items() if name != observed})
    return prior, encoder, decoders


NETWORKS = {"study": study_networks, "dataset": dataset_networks}


class CMMD(MultimodalVAE):
    """CMMD over ``modalities``: ``config.observed`` is x_o, every other modality is part of x_m."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: CMMDConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.observed = observed_modality(config.observed, self.modalities)
        self.missing = [name for name in self.modalities if name != self.observed]
        self.prior, self.encoder, self.decoders = NETWORKS[config.networks](self.modalities, self.observed, latent_dim,
                                                                           config)
        self.classifier = nn.Sequential(mlp_body(latent_dim, config.classifier_hidden, 0.0),
                                        nn.Linear(config.classifier_hidden[-1], config.num_classes))

    def prior_of(self, x_observed: Tensor) -> Gaussian:
        """``p(z|x_o)``."""
        return self.prior(x_observed)

    def posterior(self, inputs: Mapping[str, Tensor], labels: Tensor) -> Gaussian:
        """``q(z|x_o, x_m, y)``."""
        one_hot = F.one_hot(labels.long(), self.config.num_classes).float()
        return self.encoder({name: inputs[name] for name in self.modalities}, one_hot)

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """The prior given x_o alone; the posterior given every modality and the label (``inputs["label"]``)."""
        names = self.subset(cond_mod)
        if names == [self.observed]:
            return self.prior_of(inputs[self.observed])
        if names == list(self.modalities) and LABEL in inputs:
            return self.posterior(inputs, inputs[LABEL])
        raise ValueError(f"CMMD encodes {self.observed!r} alone (its prior) or every modality with the label "
                         f"(its posterior), not {names}")

    def decode_given(self, z: Tensor, x_observed: Tensor, modalities: list[str]) -> dict[str, Tensor]:
        """Each named missing modality from ``z`` (and ``x_o`` when the decoder sees it)."""
        h = torch.cat([z, flat(x_observed)], dim=1) if self.config.decoder_sees_observed else z
        return {name: self.decoders[name](h) for name in modalities}

    def decode(self, z: Tensor, modalities: Subset = "all") -> dict[str, Tensor]:
        if self.config.decoder_sees_observed:
            raise ValueError("this CMMD decodes from z and x_o (decoder_sees_observed): use decode_given")
        return super().decode(z, modalities)

    def cross_generate(self, source: str, target: str, x: Tensor) -> Tensor:
        """``target`` from x_o through the prior's mean (x_o is the only source CMMD generates from)."""
        if source != self.observed:
            raise ValueError(f"CMMD generates from its observed modality {self.observed!r}, not {source!r}")
        return self.decode_given(self.prior_of(x)[0], x, [target])[target]

    def classify(self, x_observed: Tensor) -> Tensor:
        """Class logits from x_o alone, through the prior's mean (as trained)."""
        return self.classifier(self.prior_of(x_observed)[0])

    def reconstruction(self, x: Tensor, x_hat: Tensor, modality: Modality) -> Tensor:
        if self.config.likelihood == "bernoulli" and modality.output == "sigmoid":
            return bernoulli_nll(x, x_hat)
        return squared_error(x, x_hat)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x, labels = self.inputs(batch), batch[LABEL].long()
        prior, posterior = self.prior_of(x[self.observed]), self.posterior(x, labels)
        z_posterior = reparameterize(*posterior) if self.training else posterior[0]
        # The MMD compares samples of both; at evaluation too, so that validation scores the objective.
        z_prior = reparameterize(*prior)
        decoded = self.decode_given(z_posterior, x[self.observed], self.missing)
        reconstruction = torch.stack([self.reconstruction(x[name], decoded[name], self.modalities[name])
                                      for name in self.missing]).sum(dim=0)
        kl = conditional_prior_kl(posterior, prior, self.config.code_kl_slip)
        logits = self.classifier(prior[0])
        mmd = mmd_squared(z_posterior, z_prior) if self.config.omega < 1.0 else torch.zeros((), device=kl.device)
        loss, terms = cmmd_objective(reconstruction, kl, mmd, logits, labels, self.config.omega,
                                     self.config.mmd_weight, self.config.class_weight, self.config.class_loss_summed)
        return StepOutput(loss, {**{k: v.detach() for k, v in terms.items()}, **class_step(logits, labels)})
