"""The alignment study's job specs (torch-free: the workflow builds them at parse time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmodal.jobs.specs import CrossModalSpec, option


@dataclass(frozen=True)
class TrainAlignmentSpec:
    method: str = option("alignment (2-Wasserstein) or alignment_kl (its KL ablation)")
    vae_cg: Path = option("VAE1: the scenario's VAE-CG model (source encoder -> target decoder)")
    target_vae: Path = option("VAE2: the target dataset's VAE")
    source_data: Path = option()
    target_data: Path = option()
    params: dict[str, Any] = option("architecture, distance, weight, sample_source_latent, train")
    class_map: dict[int, int] = option("the scenario's source class -> target class")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True, kw_only=True)
class EvaluateAlignmentSpec(CrossModalSpec):
    """VAE1's encoder -> the aligner -> VAE2's decoder."""

    vae_cg: Path
    aligner: Path
    target_vae: Path
    method: str = option("the metrics.csv method column (alignment, alignment_kl)")


# The study's jobs (crossmodal.jobs discovers this table): name -> (spec, "module:function", help).
_JOBS = "crossmodal.studies.alignment.jobs"
JOBS = {
    "alignment-train": (TrainAlignmentSpec, f"{_JOBS}:train",
                        "train an aligner between a scenario's VAE-CG and its target's VAE"),
    "alignment-evaluate": (EvaluateAlignmentSpec, f"{_JOBS}:evaluate",
                           "cross-modal accuracy of the aligned generator: VAE-CG's encoder -> aligner -> VAE2's decoder"),
}
