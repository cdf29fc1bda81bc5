"""Validation evidence for config ``one_model_per_pair``: does one bimodal model per modality
pair, trained on symmetric pairs, score like the two directed models it replaces, in both
directions?

For one method, one pair of config ``offline``'s scenarios and one seed, it trains the directed
model of each direction and the shared model of the pair, each exactly as the workflow would (the
specs come from the AVAE study's plan, with and without ``one_model_per_pair``), and scores each
direction on the source's validation split with the target's evaluator, as a validation sweep
does. Appends one JSON row per (variant, direction) to results.jsonl beside this script; a row
already there is not recomputed.

usage (from the repository root, once the offline run has prepared the data and trained the
evaluators of the seed):
  python docs/runs/2026-12-07-symmetric-baselines/compare_pairing.py METHOD A B SEED
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import torch
import yaml

from crossmodal.config import validate_config
from crossmodal.data.prepare import load_prepared
from crossmodal.jobs import JOBS
from crossmodal.jobs.specs import from_dict
from crossmodal.jobs.store import load_model
from crossmodal.selection import validation_cross_accuracy
from crossmodal.studies.avae import plan
from crossmodal.workflow import Workflow

MODELS = Path(os.environ.get("CROSSMODAL_PROBE_MODELS", "/tmp/crossmodal-pairing"))
RESULTS = Path(__file__).parent / "results.jsonl"


def workflow(shared: list[str]) -> Workflow:
    config = validate_config({**yaml.safe_load(open("config/offline.yaml")), "one_model_per_pair": shared})
    return Workflow(config)


def train(wf: Workflow, method: str, source: str, target: str, seed: int, tag: str) -> Path:
    w = SimpleNamespace(method=method, source=source, target=target, dim=str(wf.latent_dim), fraction="1.0", seed=str(seed))
    spec = json.loads((plan.train_pair_baseline if tag == "shared" else plan.train_baseline)(wf, w))
    spec["out"] = str(MODELS / f"{tag}_{method}_{source}-{target}_seed{seed}.pt")
    if not Path(spec["out"]).exists():
        JOBS["train-baseline"].load()(from_dict(JOBS["train-baseline"].spec, spec))
    return Path(spec["out"])


def main(method: str, a: str, b: str, seed: int) -> None:
    torch.set_num_threads(1)
    done = [json.loads(line) for line in RESULTS.read_text().splitlines()] if RESULTS.exists() else []
    directed, shared = workflow([]), workflow([method])
    first = plan.model_pair(shared, method, a, b)
    models = {("directed", (a, b)): lambda: train(directed, method, a, b, seed, "directed"),
              ("directed", (b, a)): lambda: train(directed, method, b, a, seed, "directed"),
              ("shared", (a, b)): lambda: train(shared, method, *first, seed, "shared"),
              ("shared", (b, a)): lambda: train(shared, method, *first, seed, "shared")}
    for (variant, (source, target)), model_path in models.items():
        key = {"method": method, "source": source, "target": target, "seed": seed, "variant": variant}
        if any(all(row[k] == v for k, v in key.items()) for row in done):
            continue
        path = model_path()
        summary = json.loads(path.with_suffix(".json").read_text())
        run = f"results/{directed.config['name']}"
        accuracy, scored = validation_cross_accuracy(
            load_model(path), source, target, load_prepared(Path(run) / f"prepared/{source}.pt"),
            load_model(Path(run) / f"models/classifier/{target}/seed{seed}.pt"), directed.class_map(source, target))
        row = {**key, "validation_accuracy": round(accuracy, 2), "scored": scored,
               "train_seconds": summary["train_seconds"], "epochs_run": summary["epochs_run"],
               "best_epoch": summary["best_epoch"], "batch_size": summary["build"]["params"]["train"]["batch_size"]}
        print(json.dumps(row), flush=True)
        with open(RESULTS, "a") as fh:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
