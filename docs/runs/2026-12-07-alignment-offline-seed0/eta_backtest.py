"""What the ETA's history, as it stood when this run started, says each of the run's jobs costs,
against what they took (CPU seconds, by rule).

    python eta_backtest.py CHECKOUT START [RECORD ...]

CHECKOUT is the run's worktree (its results/offline/benchmarks), START the run's start (Unix time):
benchmark files written before it are the history's "this checkout" part, those written after it
are the run's jobs. The committed records of this repository are the rest of the history, less the
RECORDs named (this one, which holds the run's own jobs).
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path

from crossmodal.job_history import History

REPO = Path(__file__).resolve().parents[3]


def main(checkout: Path, start: float, leave_out: list[str]) -> None:
    benchmarks, history_repo = checkout / "results/offline/benchmarks", Path(tempfile.mkdtemp())
    shutil.copytree(REPO / "docs/runs", history_repo / "docs/runs")
    for record in leave_out:
        shutil.rmtree(history_repo / "docs/runs" / record)
    measured = {}
    for path in benchmarks.rglob("*.tsv"):
        if path.stat().st_mtime < start:
            dest = history_repo / "results/offline/benchmarks" / path.relative_to(benchmarks)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest)
        else:
            with open(path, newline="") as fh:
                measured[str(path.relative_to(benchmarks).with_suffix(""))] = float(
                    list(csv.DictReader(fh, delimiter="\t"))[-1]["cpu_time"])
    history = History.load(history_repo, "offline")
    print("\n".join(history.scale_notes))
    by_rule: dict[str, list[float]] = {}
    for job, cpu in sorted(measured.items()):
        estimate, _ = history.estimate(f"results/offline/benchmarks/{job}.tsv", "results/offline/benchmarks")
        row = by_rule.setdefault(job.split("/")[0], [0, 0.0, 0.0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + estimate.cpu_s, row[2] + cpu
    print("| rule | jobs | estimated CPU s | measured CPU s | measured / estimated |\n|---|---|---|---|---|")
    for rule, (n, estimated, took) in sorted(by_rule.items(), key=lambda item: -item[1][2]):
        print(f"| {rule} | {n} | {estimated:,.0f} | {took:,.0f} | {took / estimated:.2f} |")
    estimated, took = sum(r[1] for r in by_rule.values()), sum(r[2] for r in by_rule.values())
    print(f"| all | {sum(r[0] for r in by_rule.values())} | {estimated:,.0f} | {took:,.0f} | {took / estimated:.2f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:])
