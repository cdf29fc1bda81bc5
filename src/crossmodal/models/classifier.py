"""Per-dataset classifiers: the evaluators of every generated sample (AVAE Table 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from crossmodal.models.base import StepOutput, TrainableModel
from crossmodal.models.networks import FeatureExtractor, Shape


@dataclass(frozen=True)
class ClassifierConfig:
    architecture: dict[str, Any]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "ClassifierConfig":
        return cls(dict(params["architecture"]))


class Classifier(TrainableModel):
    def __init__(self, shape: Shape, num_classes: int, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        self.features = FeatureExtractor(shape, config.architecture)
        self.head = nn.Linear(self.features.out_features, num_classes)

    def logits(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        logits = self.logits(batch["x"])
        loss = F.cross_entropy(logits, batch["y"])
        accuracy = (logits.argmax(dim=1) == batch["y"]).float().mean()
        return StepOutput(loss, {"accuracy": accuracy.detach()})
