"""The Bridged VAE study's job specs (crossmodal.jobs registers them); torch-free, as every spec."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmodal.jobs.specs import option


@dataclass(frozen=True)
class BridgedTrainSpec:
    method: str = option("a method of the study: bridged, bridged_joint, bridged_vae, telbo, bivcca, ...")
    modalities: list[str] = option("the model's modalities in order: image datasets, then 'label'")
    data: dict[str, Path] = option("each image dataset's prepared file")
    params: dict[str, Any] = option("the method's settings with latent_dim, architectures and train")
    pairing_seed: int = option("draws each image's class-matched partner in the other image datasets")
    seed: int = option()
    out: Path = option()
    init: Path | None = option("the joint model whose frozen blocks the bridges are trained through", default=None)


@dataclass(frozen=True)
class BridgedEvaluateSpec:
    model: Path = option()
    setting: str = option("bimodal or trimodal: the metrics' table")
    study_modalities: list[str] = option("the setting's modalities (a model may have fewer: the VAE)")
    data: dict[str, Path] = option("each image dataset's prepared file")
    classifiers: dict[str, Path] = option("each image dataset's evaluator classifier")
    pairing_seed: int = option()
    importance_samples: int = option("K of the importance-sampled log-likelihood")
    chunk: int = option("importance samples drawn at a time")
    train_examples: int = option("training examples scored for Table 2 (0: none)")
    generation_samples: int = option("images generated per label")
    seed: int = option()
    out: Path = option()
    test_examples: int | None = option("test examples scored (all when null)", default=None)


@dataclass(frozen=True)
class BridgedGridSpec:
    model: Path = option()
    study_modalities: list[str] = option("the trimodal setting's modalities")
    data: dict[str, Path] = option("each image dataset's prepared file")
    target_classifier: Path = option("the target image's evaluator classifier")
    source: str = option("the image dataset generated from")
    target: str = option("the image dataset generated")
    pairing_seed: int = option()
    samples: int = option("test images shown, one per class in class order")
    seed: int = option()
    out: Path = option("the grid's figure data (.npz), drawn by the plot job")


# The study's jobs (crossmodal.jobs discovers this table): name -> (spec, "module:function", help).
_JOBS = "crossmodal.studies.bridged.jobs"
JOBS = {
    "bridged-train": (BridgedTrainSpec, f"{_JOBS}:train",
                      "train a method of the Bridged VAE study (the Bridged VAE's bridges from its joint model)"),
    "bridged-evaluate": (BridgedEvaluateSpec, f"{_JOBS}:evaluate",
                         "the Bridged VAE study's log-likelihoods, label errors, generation and parameter counts"),
    "bridged-grid": (BridgedGridSpec, f"{_JOBS}:cross_generation_grid",
                     "figure data: a trimodal model's cross-generation between its two images (Figures 6-7)"),
}
