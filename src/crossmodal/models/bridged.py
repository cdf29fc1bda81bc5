"""The Bridged VAE (Yadav et al., WACV 2020) and the networks every model of its study shares.

The paper gives no architectures, only "Batch Normalization along with LeakyReLU": every network
here is an MLP whose hidden layers are Linear -> BatchNorm1d -> LeakyReLU, sized by each modality's
``architecture["hidden"]`` (docs/studies/bridged.md lists the sizes and the parameter counts).
Images have a Bernoulli likelihood (decoder output ``sigmoid``), labels a categorical one (``linear``
output: the logits), so that every method of the study is scored by the same likelihoods.

Those are the study's :class:`StudyKit`. The benchmark trains the Bridged VAE, TELBO and BiVCCA on
AVAE's scenarios with :class:`DatasetKit` instead (config ``networks: dataset``): each dataset's
``models.vae`` networks and AVAE's squared error, as every other method there. The central block is
then a linear head on the per-modality encoders' features (``central_hidden: []``), which makes
q(z|x, y) the package's joint encoder (JMVAE's), and each bridge an MLP between two modalities'
features.

The Bridged VAE: per-modality feature encoders ``Enc_m -> h_m``, a central block
``FC([h_1, ..., h_n]) -> (mu, logvar)``, decoders ``Dec_m`` and a bridge ``FC_{s->t}`` for every
ordered pair of modalities, predicting ``h_t`` from ``h_s``.

- phase ``joint`` (Eq. 7): the joint ELBO trains encoders, central block and decoders; the bridges
  are not used. This phase alone is the study's *Joint* model.
- phase ``bridges`` (Eqs. 8-9): everything but the bridges is frozen (BatchNorm statistics too).
  For each source s, q(z|x_s) is the central block on ``h_s`` and every other modality's features
  predicted from it, and the bridges from s maximise ``E_q[log p(x_s|z)] - KL(q || N(0, I))``, the
  paper's Eq. 8 for x and Eq. 9 for y. ``score_predicted`` adds the predicted modalities'
  likelihoods ``log p(x_t|z)`` (off by default, as the paper writes the objectives).

With several observed modalities and one missing (three modalities or more), each observed one's
bridge predicts the missing features and the predictions are averaged (:func:`combine_predictions`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from crossmodal.models.base import Gaussian, MethodConfig, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines.mvae import SCENARIO_ROLES
from crossmodal.models.networks import Decoder, FeatureExtractor, GaussianEncoder, JointEncoder, mlp, split_gaussian
from crossmodal.objectives import (
    bernoulli_nll, categorical_nll, kl_to_standard_normal, negative_elbo, reparameterize, squared_error,
)

LEAKY_SLOPE = 0.2
PHASES = ("joint", "bridges")


def bn_mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear -> BatchNorm1d -> LeakyReLU for every layer of ``sizes``."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(LEAKY_SLOPE)]
    return nn.Sequential(*layers)


class FeatureEncoder(nn.Module):
    """``x_m -> h_m``: the flattened sample through the modality's hidden layers."""

    def __init__(self, modality: Modality) -> None:
        super().__init__()
        hidden = list(modality.architecture["hidden"])
        self.body = nn.Sequential(nn.Flatten(), bn_mlp([math.prod(modality.shape), *hidden]))
        self.out_features = hidden[-1]

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


class GaussianHead(nn.Module):
    """Features -> (hidden layers) -> ``(mu, logvar)`` of a diagonal Gaussian."""

    def __init__(self, in_features: int, hidden: Sequence[int], latent_dim: int) -> None:
        super().__init__()
        sizes = [in_features, *hidden]
        self.body = bn_mlp(sizes)
        self.out = nn.Linear(sizes[-1], 2 * latent_dim)

    def forward(self, h: Tensor) -> Gaussian:
        return split_gaussian(self.out(self.body(h)))


class StudyEncoder(nn.Module):
    """``q(z|x_m)`` of one modality: its feature encoder and a linear Gaussian head."""

    def __init__(self, modality: Modality, latent_dim: int) -> None:
        super().__init__()
        self.features = FeatureEncoder(modality)
        self.head = GaussianHead(self.features.out_features, [], latent_dim)

    def forward(self, x: Tensor) -> Gaussian:
        return self.head(self.features(x))


class StudyJointEncoder(nn.Module):
    """``q(z|x_1, ..., x_n)``: each modality's features, concatenated in model order, one head."""

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, hidden: Sequence[int] = ()) -> None:
        super().__init__()
        self.features = nn.ModuleDict({name: FeatureEncoder(m) for name, m in modalities.items()})
        self.head = GaussianHead(sum(f.out_features for f in self.features.values()), hidden, latent_dim)

    def forward(self, x: Mapping[str, Tensor]) -> Gaussian:
        return self.head(torch.cat([self.features[name](x[name]) for name in self.features], dim=1))


class StudyDecoder(nn.Module):
    """``z -> `` Bernoulli probabilities (images, ``sigmoid``) or class logits (labels, ``linear``)."""

    def __init__(self, modality: Modality, latent_dim: int) -> None:
        super().__init__()
        hidden = list(reversed(modality.architecture["hidden"]))
        self.shape = tuple(modality.shape)
        self.body = nn.Sequential(bn_mlp([latent_dim, *hidden]), nn.Linear(hidden[-1], math.prod(self.shape)),
                                  nn.Unflatten(1, self.shape))
        self.output = modality.output

    def forward(self, z: Tensor) -> Tensor:
        out = self.body(z).float()
        return torch.sigmoid(out) if self.output == "sigmoid" else out


def negative_log_likelihood(modality: Modality, x: Tensor, decoded: Tensor) -> Tensor:
    """``-log p(x_m|z)`` per example: Bernoulli for images (sigmoid output), categorical for labels."""
    if modality.output == "sigmoid":
        return bernoulli_nll(x, decoded)
    return categorical_nll(x, decoded)


def combine_predictions(predictions: Sequence[Tensor]) -> Tensor:
    """Several bridges' predictions of one modality's features: their mean."""
    return torch.stack(list(predictions)).mean(dim=0)


class NetworkKit(ABC):
    """What a model of this study's methods builds its networks from, and how it scores a
    reconstruction: the study's own (:class:`StudyKit`) or each dataset's (:class:`DatasetKit`)."""

    @abstractmethod
    def encoder(self, modality: Modality, latent_dim: int) -> nn.Module:  # pragma: no cover - interface
        """``q(z|x_m)``: ``x_m -> (mu, logvar)``."""

    @abstractmethod
    def joint_encoder(self, modalities: Mapping[str, Modality], latent_dim: int) -> nn.Module:  # pragma: no cover
        """``q(z|x_1, ..., x_n)``: ``{name: x_m} -> (mu, logvar)``."""

    @abstractmethod
    def features(self, modality: Modality) -> nn.Module:  # pragma: no cover - interface
        """``x_m -> h_m``, a module with ``out_features``."""

    @abstractmethod
    def head(self, in_features: int, hidden: Sequence[int], latent_dim: int) -> nn.Module:  # pragma: no cover
        """Features -> (hidden layers) -> ``(mu, logvar)``."""

    @abstractmethod
    def bridge(self, in_features: int, hidden: Sequence[int], out_features: int) -> nn.Module:  # pragma: no cover
        """One modality's features -> (hidden layers) -> another's."""

    @abstractmethod
    def decoder(self, modality: Modality, latent_dim: int) -> nn.Module:  # pragma: no cover - interface
        """``z -> x_m``."""

    @abstractmethod
    def nll(self, modality: Modality, x: Tensor, decoded: Tensor) -> Tensor:  # pragma: no cover - interface
        """``-log p(x_m|z)`` per example (up to a constant)."""


class StudyKit(NetworkKit):
    """The study's BatchNorm + LeakyReLU MLPs, with Bernoulli (images) and categorical (labels) likelihoods."""

    def encoder(self, modality: Modality, latent_dim: int) -> nn.Module:
        return StudyEncoder(modality, latent_dim)

    def joint_encoder(self, modalities: Mapping[str, Modality], latent_dim: int) -> nn.Module:
        return StudyJointEncoder(modalities, latent_dim)

    def features(self, modality: Modality) -> nn.Module:
        return FeatureEncoder(modality)

    def head(self, in_features: int, hidden: Sequence[int], latent_dim: int) -> nn.Module:
        return GaussianHead(in_features, hidden, latent_dim)

    def bridge(self, in_features: int, hidden: Sequence[int], out_features: int) -> nn.Module:
        return nn.Sequential(bn_mlp([in_features, *hidden]), nn.Linear([in_features, *hidden][-1], out_features))

    def decoder(self, modality: Modality, latent_dim: int) -> nn.Module:
        return StudyDecoder(modality, latent_dim)

    def nll(self, modality: Modality, x: Tensor, decoded: Tensor) -> Tensor:
        return negative_log_likelihood(modality, x, decoded)


class MLPGaussianHead(nn.Module):
    """Features -> Linear (+ ReLU hidden layers) -> ``(mu, logvar)``; without hidden layers, the head
    of the package's joint encoder (:class:`crossmodal.models.networks.JointEncoder`)."""

    def __init__(self, in_features: int, hidden: Sequence[int], latent_dim: int) -> None:
        super().__init__()
        self.body = mlp([in_features, *hidden, 2 * latent_dim])

    def forward(self, h: Tensor) -> Gaussian:
        return split_gaussian(self.body(h))


class DatasetKit(NetworkKit):
    """Each dataset's networks (its ``models.vae`` architecture, as every method of the benchmark and
    AVAE's baselines have them) with AVAE's squared error as the reconstruction term."""

    def encoder(self, modality: Modality, latent_dim: int) -> nn.Module:
        return GaussianEncoder(modality.shape, latent_dim, modality.architecture)

    def joint_encoder(self, modalities: Mapping[str, Modality], latent_dim: int) -> nn.Module:
        return JointEncoder({name: (m.shape, m.architecture) for name, m in modalities.items()}, latent_dim)

    def features(self, modality: Modality) -> nn.Module:
        return FeatureExtractor(modality.shape, modality.architecture)

    def head(self, in_features: int, hidden: Sequence[int], latent_dim: int) -> nn.Module:
        return MLPGaussianHead(in_features, hidden, latent_dim)

    def bridge(self, in_features: int, hidden: Sequence[int], out_features: int) -> nn.Module:
        return mlp([in_features, *hidden, out_features])

    def decoder(self, modality: Modality, latent_dim: int) -> nn.Module:
        return Decoder(modality.shape, latent_dim, modality.architecture, modality.output)

    def nll(self, modality: Modality, x: Tensor, decoded: Tensor) -> Tensor:
        return squared_error(x, decoded)


# A config's `networks`: the study's own (the default, so the study's models are what they always
# were), or each dataset's, as the benchmark trains the Bridged VAE, TELBO and BiVCCA.
NETWORK_KITS: dict[str, NetworkKit] = {"study": StudyKit(), "dataset": DatasetKit()}


def network_kit(name: str) -> NetworkKit:
    """The kit a config's ``networks`` names, refusing an unknown name."""
    if name not in NETWORK_KITS:
        raise ValueError(f"unknown networks {name!r} (expected one of {sorted(NETWORK_KITS)})")
    return NETWORK_KITS[name]


class KitNetworks(MultimodalVAE):
    """Any :class:`MultimodalVAE` with the networks and likelihood of ``kit``: the study's by default
    (a mixin placed before an existing method's class replaces its networks and likelihoods); a
    model whose config names its ``networks`` sets ``kit`` before it builds them."""

    kit: NetworkKit = NETWORK_KITS["study"]

    def unimodal_encoders(self) -> nn.ModuleDict:
        return nn.ModuleDict({name: self.kit.encoder(m, self.latent_dim) for name, m in self.modalities.items()})

    def modality_decoders(self) -> nn.ModuleDict:
        return nn.ModuleDict({name: self.kit.decoder(m, self.latent_dim) for name, m in self.modalities.items()})

    def nll(self, name: str, x: Tensor, decoded: Tensor) -> Tensor:
        return self.kit.nll(self.modalities[name], x, decoded)

    def negative_elbo_of(self, x: Mapping[str, Tensor], posterior: Gaussian, scored: Sequence[str],
                         kl_weight: float = 1.0, weights: Mapping[str, float] | None = None,
                         decoders: Mapping[str, Callable[[Tensor], Tensor]] | None = None) -> Tensor:
        """Per-example ``-[sum_m w_m log p(x_m|z) - kl_weight * KL(q || N(0, I))]`` for the modalities
        ``scored``, with ``z`` drawn from ``posterior`` in training and its mean otherwise
        (``decoders``: what decodes each modality, by default the model's own)."""
        mu, logvar = posterior
        z = reparameterize(mu, logvar) if self.training else mu
        decoders = self.decoders if decoders is None else decoders
        nlls = [self.nll(name, x[name], decoders[name](z)) for name in scored]
        return negative_elbo(nlls, kl_to_standard_normal(mu, logvar), kl_weight,
                             [(weights or {}).get(name, 1.0) for name in scored])


def bridge_name(source: str, target: str) -> str:
    """A bridge's key: ``"<source>__<target>"`` (a ModuleDict key may not hold a dot)."""
    return f"{source}__{target}"


@dataclass(frozen=True)
class BridgedConfig(MethodConfig):
    kl_weight: float = 1.0
    central_hidden: list[int] = field(default_factory=list)  # FC_{xy->z}'s hidden layers
    bridge_hidden: list[int] = field(default_factory=lambda: [256])  # each FC_{s->t}'s hidden layers
    phase: str = "joint"
    score_predicted: bool = False  # add log p(x_t|z) of the predicted modalities to Eqs. 8-9
    # The ordered pairs [source, target] that get a bridge, by modality name or scenario role; empty:
    # every ordered pair.
    bridges: list[list[str]] = field(default_factory=list)
    networks: str = "study"  # NETWORK_KITS: the study's own, or each dataset's (the benchmark's)

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"unknown Bridged VAE phase {self.phase!r} (expected one of {PHASES})")
        network_kit(self.networks)


def modality_named(key: str, modalities: Sequence[str]) -> str:
    """The modality a config's key names: by its name, or by its scenario role ("source" is the first
    modality, "target" the second), so that one setting serves every scenario."""
    return dict(zip(SCENARIO_ROLES, modalities)).get(key, key)


def bridge_pairs(modalities: Sequence[str], requested: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    """The bridges' (source, target) pairs: ``requested`` (by name or scenario role, checked against
    ``modalities``), or every ordered pair of distinct modalities."""
    if not requested:
        return [(s, t) for s in modalities for t in modalities if s != t]
    pairs = []
    for pair in ([modality_named(key, modalities) for key in keys] for keys in requested):
        unknown = [name for name in pair if name not in modalities]
        if len(pair) != 2 or unknown or pair[0] == pair[1]:
            raise ValueError(f"setting bridged.bridges: bridge {list(pair)} is not a pair of two of this study's "
                             f"modalities {list(modalities)}")
        pairs.append((pair[0], pair[1]))
    return pairs


class BridgedVAE(KitNetworks):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: BridgedConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.kit = network_kit(config.networks)
        self.features = nn.ModuleDict({name: self.kit.features(m) for name, m in self.modalities.items()})
        widths = {name: f.out_features for name, f in self.features.items()}
        self.central = self.kit.head(sum(widths.values()), config.central_hidden, latent_dim)
        self.decoders = self.modality_decoders()
        pairs = bridge_pairs(list(self.modalities), config.bridges)
        # The joint model (phase 1 alone) has no bridges: its parameter count is the joint model's.
        self.bridges = nn.ModuleDict({bridge_name(s, t): self.kit.bridge(widths[s], config.bridge_hidden, widths[t])
                                      for s, t in (pairs if config.phase == "bridges" else [])})
        if config.phase == "bridges":
            for name, module in self.named_children():
                module.requires_grad_(name == "bridges")

    def train(self, mode: bool = True) -> "BridgedVAE":
        """In the bridges phase the frozen blocks stay in eval mode: their BatchNorm statistics are
        the joint model's (and their dropout is off), and a bridge must learn to feed exactly those."""
        super().train(mode)
        if self.config.phase == "bridges":
            for name, module in self.named_children():
                if name != "bridges":
                    module.eval()
        return self

    def completed_features(self, inputs: Mapping[str, Tensor], observed: Sequence[str]) -> dict[str, Tensor]:
        """Every modality's features: the observed ones encoded, each missing one predicted by the
        bridges from the observed modalities (their mean, when several)."""
        h = {name: self.features[name](inputs[name]) for name in observed}
        for target in self.modalities:
            if target in h:
                continue
            predictions = [self.bridges[bridge_name(s, target)](h[s]) for s in observed
                           if bridge_name(s, target) in self.bridges]
            if not predictions:
                raise ValueError(f"no bridge predicts {target!r} from {list(observed)}; bridges: {list(self.bridges)}")
            h[target] = combine_predictions(predictions)
        return h

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """q(z|observed): the central block on the observed features and the bridged ones."""
        names = self.subset(cond_mod)
        if len(names) < len(self.modalities) and self.config.phase == "joint":
            raise ValueError(f"the joint model (phase 1 alone) encodes every modality {list(self.modalities)}, "
                             f"not {names}")
        h = self.completed_features(inputs, names)
        return self.central(torch.cat([h[name] for name in self.modalities], dim=1))

    def bridged_sources(self) -> list[str]:
        """The modalities whose bridges reach every other one: those q(z|x_s) can condition on alone."""
        return [s for s in self.modalities
                if all(bridge_name(s, t) in self.bridges for t in self.modalities if t != s)]

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        if self.config.phase == "joint":
            loss = self.negative_elbo_of(x, self.encode(x), list(self.modalities), self.config.kl_weight)
            return StepOutput(loss.mean(), {"elbo_joint": loss.mean().detach()})
        terms = {}
        for source in self.bridged_sources():
            scored = list(self.modalities) if self.config.score_predicted else [source]
            terms[source] = self.negative_elbo_of(x, self.encode(x, [source]), scored, self.config.kl_weight)
        loss = torch.stack(list(terms.values())).sum(dim=0).mean()
        return StepOutput(loss, {f"bridge_{name}": value.mean().detach() for name, value in terms.items()})
