"""The contracts every model honours, so that one engine trains them all and one evaluator scores
every cross-modal method.

:class:`MultimodalVAE` is the base of the cross-modal methods with one shared latent space (after
MultiVae's ``BaseMultiVAE``): modalities are addressed by name, never by a role such as "source",
so a model of three modalities needs no special case. Its contract:

* ``encode(inputs, cond_mod)``: the posterior ``(mu, logvar)`` given any subset of modalities that
  the method can condition on;
* ``decode(z, modalities)``: each named modality generated from ``z``;
* ``cross_generate(source, target, x)``: the two composed, through the posterior mean;
* ``forward(batch)``: the loss and its named terms (:class:`StepOutput`) for a batch keyed by
  modality name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from torch import Tensor, nn

from crossmodal.models.networks import Decoder, GaussianEncoder, Shape
from crossmodal.objectives import Gaussian

Subset = Literal["all"] | Sequence[str]
# The batch key of each sample's class label, for a model that trains on it (CMMD's classifier head);
# every other batch key is a modality's name.
LABEL = "label"


@dataclass
class StepOutput:
    """What a model's ``forward`` returns for one batch.

    ``loss`` is the scalar to minimise. ``metrics`` are detached per-batch means (tensors, so the
    engine can accumulate them on the device without a host sync per step).
    """

    loss: Tensor
    metrics: dict[str, Tensor] = field(default_factory=dict)


class TrainableModel(nn.Module, ABC):
    """A model trained by :class:`crossmodal.engine.Trainer`: ``forward(batch) -> StepOutput``."""

    @abstractmethod
    def forward(self, batch: dict[str, Tensor]) -> StepOutput:  # pragma: no cover - interface
        ...


class CrossModalGenerator(ABC):
    """Generates target-modality samples from source-modality inputs.

    Evaluation, the report and every cross-modal method (AVAE and its baselines) meet here.
    """

    @abstractmethod
    def cross_generate(self, source: str, target: str, x: Tensor) -> Tensor:  # pragma: no cover
        ...


@dataclass(frozen=True)
class Modality:
    """One modality of a model: its name (the dataset's), sample shape, decoder output and the
    architecture of its networks (the dataset's ``models.vae`` one)."""

    name: str
    shape: Shape
    output: str
    architecture: dict[str, Any]

    @classmethod
    def from_build(cls, build: Mapping[str, Any]) -> "Modality":
        return cls(str(build["name"]), tuple(int(d) for d in build["shape"]), str(build["output"]),
                   dict(build["architecture"]))


@dataclass(frozen=True)
class MethodConfig:
    """A method's own hyperparameters (its ``models.<family>`` keys); each method extends it with
    its fields. The schema has checked every value's type."""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "MethodConfig":
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})


class MultimodalVAE(TrainableModel, CrossModalGenerator):
    """A multimodal VAE over the named ``modalities`` (in their order) with one latent space.

    A subclass builds its networks in its ``__init__``, in an order of its own (the order of the
    random draws that initialise them), with :meth:`unimodal_encoders` and :meth:`modality_decoders`,
    and assigns ``decoders`` (and ``encoders`` where it has per-modality posteriors).
    """

    method: str = ""  # its name in crossmodal.methods and in metrics.csv, set by build_model
    decoders: nn.ModuleDict

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int) -> None:
        super().__init__()
        self.modalities = dict(modalities)
        self.latent_dim = latent_dim

    def unimodal_encoders(self) -> nn.ModuleDict:
        """``q(z|x_m)`` for every modality, built in modality order."""
        return nn.ModuleDict({name: GaussianEncoder(m.shape, self.latent_dim, m.architecture)
                              for name, m in self.modalities.items()})

    def modality_decoders(self) -> nn.ModuleDict:
        """``p(x_m|z)`` for every modality, built in modality order."""
        return nn.ModuleDict({name: Decoder(m.shape, self.latent_dim, m.architecture, m.output)
                              for name, m in self.modalities.items()})

    def subset(self, cond_mod: Subset) -> list[str]:
        """The named modalities of ``cond_mod`` in model order; ``"all"`` is every modality."""
        names = list(self.modalities) if cond_mod == "all" else list(cond_mod)
        unknown = [name for name in names if name not in self.modalities]
        if unknown or not names:
            raise ValueError(f"{type(self).__name__} has modalities {list(self.modalities)}, not {names}")
        return [name for name in self.modalities if name in names]

    @abstractmethod
    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:  # pragma: no cover
        """The posterior ``(mu, logvar)`` of the latent given the modalities ``cond_mod`` of ``inputs``."""

    def decode(self, z: Tensor, modalities: Subset = "all") -> dict[str, Tensor]:
        """Each named modality generated from the latent ``z``."""
        names = self.subset(modalities)
        missing = [name for name in names if name not in self.decoders]
        if missing:
            raise ValueError(f"{type(self).__name__} decodes {list(self.decoders)} only, not {missing}")
        return {name: self.decoders[name](z) for name in names}

    def cross_generate(self, source: str, target: str, x: Tensor) -> Tensor:
        """``target`` samples (through the posterior mean, no sampling) from ``source`` inputs."""
        mu, _ = self.encode({source: x}, [source])
        return self.decode(mu, [target])[target]

    def inputs(self, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
        """The batch's samples of every modality, in model order."""
        return {name: batch[name] for name in self.modalities}
