"""Validation probe: MVAE with the original's Bernoulli likelihood for images (``likelihood:
bernoulli``), every other setting as config ``offline`` gives its Table 1 job; scored like a
validation sweep point (the target evaluator on what MVAE generates from the source's validation
split). Appends one JSON row to results.jsonl beside this script.

usage (from the repository root, after the offline run): python docs/runs/2026-12-04-mvae-bernoulli/probe_mvae.py \
    SOURCE TARGET [SEED]
"""
import json, os, sys, time
from pathlib import Path

import torch, yaml

from crossmodal.config import sweep_job_params, validate_config
from crossmodal.data.prepare import load_prepared
from crossmodal.jobs import load_model, train_baseline
from crossmodal.selection import validation_cross_accuracy

RUN = Path(os.environ.get("CROSSMODAL_RUN", "results/offline"))
MODELS = Path(os.environ.get("CROSSMODAL_PROBE_MODELS", "/tmp/avae-probes"))
source, target = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
torch.set_num_threads(1)
config = validate_config(yaml.safe_load(open("config/offline.yaml")))
params = sweep_job_params(config, {"method": "mvae", "source": source, "target": target, "param": "likelihood"})
params["likelihood"] = "bernoulli"
class_map = {k: k for k in range(10)}  # F-MNIST label i <-> digit i
out = MODELS / f"mvae_bernoulli_{source}-{target}_seed{seed}.pt"
out.parent.mkdir(parents=True, exist_ok=True)
start = time.time()
if not out.exists():
    train_baseline("mvae", RUN / f"prepared/{source}.pt", RUN / f"prepared/{target}.pt", params, class_map, 1.0, seed, out)
data = load_prepared(RUN / f"prepared/{source}.pt")
classifier = load_model(RUN / f"models/classifier/{target}/seed{seed}.pt")
accuracy, _ = validation_cross_accuracy(load_model(out), source, target, data, classifier, class_map)
summary = json.loads(out.with_suffix(".json").read_text())
row = {"source": source, "target": target, "seed": seed, "likelihood": "bernoulli",
       "validation_accuracy": round(accuracy, 2), "seconds": round(time.time() - start),
       "summary": {k: summary.get(k) for k in ("best_epoch", "epochs_run", "stopped_early", "best_val_score")}}
print(json.dumps(row))
with open(Path(__file__).parent / "results.jsonl", "a") as f:
    f.write(json.dumps(row) + "\n")
