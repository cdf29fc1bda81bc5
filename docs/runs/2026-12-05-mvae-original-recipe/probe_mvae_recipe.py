"""Validation probe: MVAE trained with Wu and Goodman's recipe as a whole rather than one setting at
a time: batches of 100, the Bernoulli likelihood for images, the KL weight annealed over the first
third of training, and a fixed budget with no early stopping (the best validation epoch is kept, as
always). Everything else is config ``offline``'s Table 1 job. Scored like a validation sweep point
(the target evaluator on what MVAE generates from the source's validation split); appends one JSON
row to results.jsonl beside this script.

usage (from the repository root, after the offline run):
  python docs/runs/2026-12-05-mvae-original-recipe/probe_mvae_recipe.py SOURCE TARGET [SEED [LEARNING_RATE]]
LEARNING_RATE defaults to 1e-3, the original's and every model's here.
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
BATCH, EPOCHS = 100, 60
source, target = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
learning_rate = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-3
torch.set_num_threads(1)
config = validate_config(yaml.safe_load(open("config/offline.yaml")))
params = sweep_job_params(config, {"method": "mvae", "source": source, "target": target, "param": "likelihood"})
data = load_prepared(RUN / f"prepared/{source}.pt")
steps_per_epoch = -(-len(data["y_train"]) // BATCH)
params["likelihood"] = "bernoulli"
params["kl_warmup_steps"] = steps_per_epoch * EPOCHS // 3
params["train"].update(batch_size=BATCH, max_epochs=EPOCHS, patience=None, learning_rate=learning_rate)
class_map = {k: k for k in range(10)}  # F-MNIST label i <-> digit i
out = MODELS / f"mvae_recipe_{source}-{target}_seed{seed}_lr{learning_rate:g}.pt"
out.parent.mkdir(parents=True, exist_ok=True)
start = time.time()
if not out.exists():
    train_baseline("mvae", RUN / f"prepared/{source}.pt", RUN / f"prepared/{target}.pt", params, class_map, 1.0, seed, out)
classifier = load_model(RUN / f"models/classifier/{target}/seed{seed}.pt")
accuracy, _ = validation_cross_accuracy(load_model(out), source, target, data, classifier, class_map)
summary = json.loads(out.with_suffix(".json").read_text())
row = {"source": source, "target": target, "seed": seed, "batch_size": BATCH, "likelihood": "bernoulli",
       "kl_warmup_steps": params["kl_warmup_steps"], "max_epochs": EPOCHS, "patience": None,
       "learning_rate": learning_rate,
       "validation_accuracy": round(accuracy, 2), "seconds": round(time.time() - start),
       "summary": {k: summary.get(k) for k in ("best_epoch", "epochs_run", "stopped_early", "best_val_score")}}
print(json.dumps(row))
with open(Path(__file__).parent / "results.jsonl", "a") as f:
    f.write(json.dumps(row) + "\n")
