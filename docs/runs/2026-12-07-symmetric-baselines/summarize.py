"""The decision table of config ``one_model_per_pair``, from results.jsonl: for each method and
direction, the directed and the shared models' validation accuracy over the seeds on record, and
whether the shared model scores like the directed ones. It does when, in both directions of every
pair on record, the mean over seeds of (shared - directed) lies within the directed models' spread
over seeds (their standard deviation), or within one point where the spread is smaller. A pair or
direction with fewer than three seeds is shown, not judged.

usage: python docs/runs/2026-12-07-symmetric-baselines/summarize.py
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).with_name("results.jsonl")
SEEDS_TO_JUDGE = 3
FLOOR = 1.0  # points: a spread smaller than this is treated as this


def main() -> None:
    accuracy: dict[tuple[str, str, str, str], dict[int, float]] = defaultdict(dict)
    for line in RESULTS.read_text().splitlines():
        row = json.loads(line)
        accuracy[(row["method"], row["source"], row["target"], row["variant"])][row["seed"]] = row["validation_accuracy"]
    verdicts: dict[str, list[bool]] = defaultdict(list)
    print("| method | direction | seeds | directed (mean ± sd) | shared (mean) | shared - directed | within spread |")
    print("|---|---|---|---|---|---|---|")
    for (method, source, target, variant), directed in sorted(accuracy.items()):
        if variant != "directed":
            continue
        shared = accuracy.get((method, source, target, "shared"), {})
        seeds = sorted(set(directed) & set(shared))
        if not seeds:
            continue
        d, s = [directed[k] for k in seeds], [shared[k] for k in seeds]
        difference = statistics.mean(s) - statistics.mean(d)
        spread = statistics.stdev(d) if len(d) > 1 else float("nan")
        judged = len(seeds) >= SEEDS_TO_JUDGE
        within = judged and abs(difference) <= max(spread, FLOOR)
        if judged:
            verdicts[method].append(within)
        print(f"| {method} | {source} -> {target} | {','.join(map(str, seeds))} | {statistics.mean(d):.2f} ± {spread:.2f} "
              f"| {statistics.mean(s):.2f} | {difference:+.2f} | {('yes' if within else 'no') if judged else '(not judged)'} |")
    print()
    for method, within in sorted(verdicts.items()):
        print(f"{method}: {sum(within)} of {len(within)} judged directions within the spread")


if __name__ == "__main__":
    main()
