"""The contract every trainable model honours, so that one engine trains them all."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from torch import Tensor, nn


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
