"""The M2VAE study's job specs (torch-free: the workflow builds them at parse time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmodal.jobs.specs import option


@dataclass(frozen=True)
class GenerateMoGSpec:
    sizes: dict[str, int] = option("examples per class of each split (train, val, test)")
    spread: float = option("each class's standard deviation around its mean")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class TrainCVAESpec:
    data: Path = option("a prepared image dataset (MNIST or Fashion-MNIST)")
    params: dict[str, Any] = option("the config's m2vae.cvae section")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class GenerateEMNISTSpec:
    cvae_a: Path = option("the MNIST CVAE")
    cvae_b: Path = option("the Fashion-MNIST CVAE")
    sizes: dict[str, int] = option("examples per class of each split")
    truncation: float = option("keep z within this many standard deviations of the prior, in every dimension")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class ShuffleSpec:
    data: Path = option("a generated dataset")
    modality: str = option("the modality shuffled within each class")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class TrainStudyModelSpec:
    method: str = option("m2vae, jmvae_zero, tvae or jmvae_kl")
    data: Path = option("a generated dataset")
    params: dict[str, Any] = option("latent_dim, beta, alpha, reconstruction, stage, architecture, train")
    seed: int = option()
    out: Path = option()
    init: Path | None = option("start from this model's weights (tVAE's second stage)", default=None)


@dataclass(frozen=True)
class EvaluateStudyModelSpec:
    model: Path = option()
    data: Path = option("the generated dataset it was trained on")
    params: dict[str, Any] = option("subsets, knn_k, elbo_samples and the figure settings (m2vae.evaluation)")
    method: str = option("the metrics.csv method column")
    setting: str = option("main, or a sweep point alpha<a>_beta<b>")
    seed: int = option()
    out: Path = option("its metrics fragment")
    figure_out: Path | None = option("also write its latent-space figure data here", default=None)
    classifiers: dict[str, Path] = option("evaluator classifier per modality (e-MNIST: cross-modal accuracy)",
                                          default_factory=dict)


@dataclass(frozen=True)
class DataFigureSpec:
    data: Path = option("a generated dataset")
    points: int = option("test examples drawn")
    out: Path = option()


@dataclass(frozen=True)
class StudyPlotSpec:
    figure: str = option("data, latents, sweep or check")
    data: list[Path] = option("its figure data files")
    style: dict[str, Any] = option()
    png: Path = option()
    pdf: Path = option()


# The study's jobs (crossmodal.jobs discovers this table): name -> (spec, "module:function", help).
_STUDY = "crossmodal.studies.m2vae"
JOBS = {
    "m2vae-generate-mog": (GenerateMoGSpec, f"{_STUDY}.jobs:generate_mog", "the MoG toy dataset"),
    "m2vae-train-cvae": (TrainCVAESpec, f"{_STUDY}.jobs:train_cvae", "a dataset's CVAE, the e-MNIST generator"),
    "m2vae-generate-emnist": (GenerateEMNISTSpec, f"{_STUDY}.jobs:generate_emnist", "e-MNIST from the two CVAEs"),
    "m2vae-shuffle": (ShuffleSpec, f"{_STUDY}.jobs:shuffle", "me-MNIST: a modality shuffled within each class"),
    "m2vae-train": (TrainStudyModelSpec, f"{_STUDY}.jobs:train", "M2VAE, JMVAE-Zero, tVAE or JMVAE-kl"),
    "m2vae-evaluate": (EvaluateStudyModelSpec, f"{_STUDY}.evaluate:evaluate",
                       "Eq. 12 ELBOs, latent-space measures and figure data of a trained model"),
    "m2vae-data-figure": (DataFigureSpec, f"{_STUDY}.evaluate:data_figure", "figure data: a generated dataset's sample"),
    "m2vae-plot": (StudyPlotSpec, f"{_STUDY}.figures:plot", "draw one of the study's figures"),
}
