"""The CMMD study's job specs (torch-free: the workflow builds them at parse time).

``crossmodal.jobs`` registers them, so this module imports nothing of that package (importing it
first would then be circular); a field's help is the metadata the generated CLI reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def option(help: str = "") -> Any:
    return field(metadata={"help": help})


@dataclass(frozen=True)
class GenerateTwoViewSpec:
    mnist: Path = option("the prepared MNIST")
    splits: dict[str, int] = option("train, val and test sizes")
    seed: int = option("the generation seed (not a training seed)")
    out: Path = option()


@dataclass(frozen=True)
class GenerateTextSpec:
    mnist: Path = option("the prepared MNIST")
    partner: Path = option("the prepared partner of MNIST: FSDD offline, SVHN in the paper")
    alphabet: str = option("the text's characters: every digit word's and the padding space")
    seed: int = option("the generation seed (not a training seed)")
    pairing_out: Path = option()
    text_out: Path = option()


@dataclass(frozen=True)
class TrainModelSpec:
    method: str = option("a method of crossmodal.methods: cmmd, m_minus, vcca, vcca_private, mvae, mmvae, mopoe")
    dataset: str = option("two_view, paired or paired_text")
    data: dict[str, Path] = option("its files: two_view; or mnist, partner, pairing (and text)")
    params: dict[str, Any] = option("the method's settings, latent_dim, architecture and train")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class EvaluateModelSpec:
    dataset: str = option("two_view, paired or paired_text")
    data: dict[str, Path] = option("as the model's training job")
    model: Path = option()
    classifiers: dict[str, Path] = option("each modality's evaluator classifier")
    settings: dict[str, Any] = option("collapse epsilons and delta, overhead steps, probe settings")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class PlotSpec:
    figure: str = option("collapse")
    metrics: Path = option("the run's metrics.csv")
    style: dict[str, Any] = option()
    png: Path = option()
    pdf: Path = option()


# The study's jobs (crossmodal.jobs discovers this table): name -> (spec, "module:function", help).
_STUDY = "crossmodal.studies.cmmd"
JOBS = {
    "cmmd-two-view": (GenerateTwoViewSpec, f"{_STUDY}.jobs:generate_two_view",
                      "two-view noisy MNIST from the prepared MNIST"),
    "cmmd-text": (GenerateTextSpec, f"{_STUDY}.jobs:generate_text",
                  "MNIST-FSDD-Text: each MNIST image's FSDD partner and its digit text"),
    "cmmd-train": (TrainModelSpec, f"{_STUDY}.jobs:train_model", "one method on a CMMD study dataset"),
    "cmmd-evaluate": (EvaluateModelSpec, f"{_STUDY}.evaluation:evaluate_model",
                      "a CMMD study model's metrics: error from x_o, collapse, coherence, overhead"),
    "cmmd-plot": (PlotSpec, f"{_STUDY}.figures:plot", "draw a CMMD study figure from metrics.csv"),
}
