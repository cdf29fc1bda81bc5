"""The tables of this record's README, from its files alone: test accuracy per method and scenario
(metrics.csv), CPU and wall seconds by rule (figure_data/run/benchmarks.csv), and the ETA's
prediction against the run's measured wall time (eta.json).

    python docs/runs/2026-12-07-alignment-offline-seed0/summary.py
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
METHODS = ("alignment", "alignment_kl", "vae_cg", "cva", "avae")


def accuracy_table(metrics: pd.DataFrame) -> list[str]:
    rows = metrics[(metrics["metric"] == "accuracy") & metrics["method"].isin(METHODS)
                   & (metrics["experiment"].isin(["alignment", "table1"]))]
    scenarios = sorted({(s, t) for s, t in zip(rows["source"], rows["target"])})
    lines = ["| method | " + " | ".join(f"{s} -> {t}" for s, t in scenarios) + " | mean |",
             "|---" * (len(scenarios) + 2) + "|"]
    for method in METHODS:
        cells = []
        for source, target in scenarios:
            hit = rows[(rows["method"] == method) & (rows["source"] == source) & (rows["target"] == target)
                       & (rows["paired_fraction"].astype(float) == 1.0)]
            cells.append(f"{hit['value'].iloc[0]:.2f}" if len(hit) == 1 else "")
        mean = sum(float(c) for c in cells) / len(cells) if all(cells) else None
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {'' if mean is None else f'{mean:.2f}'} |")
    return lines


def cost_table(benchmarks: Path) -> list[str]:
    by_rule: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with open(benchmarks, newline="") as fh:
        for row in csv.DictReader(fh):
            by_rule[row["rule"]].append((float(row["s"]), float(row["cpu_time"])))
    lines = ["| rule | jobs | wall s | CPU s |", "|---|---|---|---|"]
    for rule, times in sorted(by_rule.items(), key=lambda item: -sum(c for _, c in item[1])):
        lines.append(f"| {rule} | {len(times)} | {sum(w for w, _ in times):,.0f} | {sum(c for _, c in times):,.0f} |")
    every = [t for times in by_rule.values() for t in times]
    lines.append(f"| all | {len(every)} | {sum(w for w, _ in every):,.0f} | {sum(c for _, c in every):,.0f} |")
    return lines


def main() -> None:
    metrics = pd.read_csv(HERE / "metrics.csv", dtype={"seed": str, "paired_fraction": str, "latent_dim": str})
    print("\n".join(accuracy_table(metrics)))
    print()
    print("\n".join(cost_table(HERE / "figure_data" / "run" / "benchmarks.csv")))
    eta = json.loads((HERE / "eta.json").read_text())
    print(f"\nETA: {eta['jobs']} jobs, predicted {eta['predicted_wall_s'] / 60:.0f} min of wall time "
          f"({eta['predicted_cpu_s'] / 60:.0f} CPU min), measured {eta['measured_wall_s'] / 60:.0f} min; "
          f"finished {eta['finished_jobs']}, exit code {eta['exit_code']}, pace {eta['pace']}")


if __name__ == "__main__":
    main()
