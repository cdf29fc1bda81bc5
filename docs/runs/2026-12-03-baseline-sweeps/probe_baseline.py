"""Validation probe: one baseline with overrides; score = target classifier accuracy on what it
generates from the source *validation* split (never the test split).

usage (from the repository root): python docs/runs/2026-12-03-baseline-sweeps/probe_baseline.py \
    METHOD SOURCE TARGET TAG '{"kl_weight": 0.5}' [SEED]

The class map is the identity (F-MNIST <-> MNIST).
"""
import json, os, sys, time
from pathlib import Path
import torch, yaml
from crossmodal.config import baseline_params, deep_merge
from crossmodal.methods import BASELINES
from crossmodal import jobs
from crossmodal.jobs import load_model, load_prepared, _batched, _predict

# A finished run of config offline (its prepared data and classifiers), and where probes go.
RUN = Path(os.environ.get("CROSSMODAL_RUN", "results/offline"))
HERE = Path(__file__).parent
MODELS = Path(os.environ.get("CROSSMODAL_PROBE_MODELS", "/tmp/avae-probes"))
method, source, target, tag, overrides = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
seed = int(sys.argv[6]) if len(sys.argv) > 6 else 0
torch.set_num_threads(1)
config = yaml.safe_load(open(os.environ.get("CROSSMODAL_CONFIG", "config/offline.yaml")))
params = deep_merge(baseline_params(config, BASELINES[method].family, source, target, 64), overrides)
class_map = {k: k for k in range(10)}
out = MODELS / f"{method}_{source}-{target}_{tag}_seed{seed}.pt"
out.parent.mkdir(parents=True, exist_ok=True)
start = time.time()
if not out.exists():
    jobs.train_baseline(method, RUN / f"prepared/{source}.pt", RUN / f"prepared/{target}.pt", params, class_map, 1.0, seed, out)
src = load_prepared(RUN / f"prepared/{source}.pt")
model = load_model(out)
generated = _batched(lambda b: model.cross_generate(source, target, b), src["x_val"])
predictions = _predict(load_model(RUN / f"models/classifier/{target}/seed{seed}.pt"), generated)
acc = 100.0 * (predictions == src["y_val"]).float().mean().item()
summary = json.loads(out.with_suffix(".json").read_text())
row = {"method": method, "source": source, "target": target, "tag": tag, "seed": seed, "overrides": overrides,
       "val_cross_acc": round(acc, 2), "seconds": round(time.time() - start),
       "summary": {k: summary.get(k) for k in ("best_epoch", "epochs_run", "stopped_early", "best_val_score")}}
print(json.dumps(row))
with open(HERE / "results.jsonl", "a") as f:
    f.write(json.dumps(row) + "\n")
