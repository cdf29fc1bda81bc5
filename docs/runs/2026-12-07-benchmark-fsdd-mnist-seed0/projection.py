"""What one seed of the whole benchmark costs, projected from this record's jobs.

This record measured every joined method's pairwise model on one scenario (FSDD -> MNIST). The
2026-12-04 AVAE record measured its five baselines on every scenario and paired fraction (seeds
0-2, bf16). Assuming every method's cost moves between scenarios as those five baselines' mean
does, a seed costs this scenario's pairwise models times the sum, over the benchmark's points, of
the five baselines' mean cost there over their mean cost on FSDD -> MNIST; plus the per-dataset
models (VAEs, evaluator classifiers; the AVAE record's, at this host's slowdown) and every point's
evaluations and small models, as measured here. AVAE's associators and the alignment's aligners
grow with the source's size far more than the pairwise models do (an aligner from Fashion-MNIST
took 26 times one from FSDD): at full pairing they count as the alignment study's seed-0 record
measured them on a host of this kind, scenario by scenario. The bf16 figure divides by this
host's slowdown on the jobs both records share.

    python docs/runs/2026-12-07-benchmark-fsdd-mnist-seed0/projection.py
"""

from __future__ import annotations

import csv
import re
import statistics
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
AVAE_RECORD = HERE.parent / "2026-12-04-offline-seeds012" / "figure_data" / "run" / "benchmarks.csv"
ALIGNMENT_RECORD = HERE.parent / "2026-12-07-alignment-offline-seed0" / "figure_data" / "run" / "benchmarks.csv"
# A full-pairing point's associator and aligners (fp32 host, seed 0), by the scenario in their job names.
SCENARIO_JOB = re.compile(r"(?:associator|alignment)/(?:alignment_kl_|alignment_)?([a-z_]+?)-([a-z_]+)_z64-\d+(?:_p1\.0)?_seed0")
BASELINE = re.compile(r"baselines/(?:vae_cg|vae|jmvae|cva|mvae)_([a-z_]+?)-([a-z_]+)_z64_p([0-9.]+)_seed\d")
DATASETS = ("mnist", "fashion_mnist", "fsdd", "gtsrb")
CORES, PARALLEL_EFFICIENCY = 2, 0.925  # two one-thread jobs on the 2 cores: 1.85 times one (notebook)


def cpu_by_job(path: Path) -> dict[str, float]:
    with open(path, newline="") as fh:
        return {row["job"]: float(row["cpu_time"]) for row in csv.DictReader(fh)}


def main() -> None:
    here, avae = cpu_by_job(HERE / "figure_data" / "run" / "benchmarks.csv"), cpu_by_job(AVAE_RECORD)
    per_point: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for job, cpu in avae.items():
        if m := BASELINE.fullmatch(job):
            per_point[m.groups()].append(cpu)
    mean = {point: statistics.mean(cpus) for point, cpus in per_point.items()}
    reference = mean[("fsdd", "mnist", "1.0")]
    weights = {point: value / reference for point, value in mean.items()}
    pairwise_here = sum(cpu for job, cpu in here.items() if job.startswith("baselines/"))
    # Per point: every evaluation and the intervals; AVAE's associator and the alignment's aligners
    # as measured on this scenario, or on each full-pairing scenario where the alignment record has it.
    small_here = sum(cpu for job, cpu in here.items() if job.split("/")[0] in
                     ("encode_latents", "evaluate_association", "benchmark_intervals"))
    latent_here = sum(cpu for job, cpu in here.items() if job.split("/")[0] in ("associator", "alignment"))
    latent_models = defaultdict(float)
    for job, cpu in (cpu_by_job(ALIGNMENT_RECORD).items() if ALIGNMENT_RECORD.exists() else ()):
        if m := SCENARIO_JOB.fullmatch(job):
            latent_models[(*m.groups(), "1.0")] += cpu
    latent_total = sum(latent_models.get(point, latent_here) for point in weights)
    shared = [job for job in here if job in avae and job.split("/")[0] in ("vae", "classifier", "baselines", "associator")]
    slowdown = statistics.median(here[job] / avae[job] for job in shared)
    # Per dataset: its VAE (the benchmark's latent size) and its evaluator, as the AVAE record
    # measured them (mean over seeds), at this host's slowdown.
    per_dataset = [statistics.mean(cpu for job, cpu in avae.items() if re.fullmatch(pattern.format(d), job))
                   for d in DATASETS for pattern in (r"vae/{}_z64_seed\d", r"classifier/{}_seed\d")]
    datasets_here = sum(per_dataset) * slowdown
    points = len(weights)
    total_here = pairwise_here * sum(weights.values()) + small_here * points + latent_total + datasets_here
    print(f"{points} points (scenarios and fractions); their weights against FSDD -> MNIST:")
    for point, weight in sorted(weights.items(), key=lambda item: -item[1]):
        print(f"  {point[0]} -> {point[1]} at {point[2]}: {weight:.2f}")
    print(f"this scenario's 16 pairwise models: {pairwise_here:,.0f} CPU s; per point besides: {small_here:,.0f}; "
          f"per-dataset models for {len(DATASETS)} datasets: {datasets_here:,.0f}")
    print(f"associators and aligners: {latent_total:,.0f} CPU s over the {points} points ({len(latent_models)} "
          f"full-pairing scenarios from the alignment record, the rest at this scenario's {latent_here:,.0f})")
    print(f"one seed on this host: {total_here:,.0f} CPU s = {total_here / 3600:.1f} CPU h, about "
          f"{total_here / (CORES * PARALLEL_EFFICIENCY) / 3600:.1f} h on {CORES} cores")
    bf16 = total_here / slowdown
    print(f"this host's slowdown on the {len(shared)} jobs both records ran: {slowdown:.2f} (median); on the bf16 "
          f"host: {bf16:,.0f} CPU s = {bf16 / 3600:.1f} CPU h, about {bf16 / (CORES * PARALLEL_EFFICIENCY) / 3600:.1f} h "
          f"on {CORES} cores")


if __name__ == "__main__":
    main()
