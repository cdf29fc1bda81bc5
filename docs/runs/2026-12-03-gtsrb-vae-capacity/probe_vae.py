"""Validation probe: one VAE with overrides; score = evaluator accuracy on reconstructions of the val split.

usage (from the repository root): python docs/runs/2026-12-03-gtsrb-vae-capacity/probe_vae.py \
    DATASET TAG '{"lambda_int": 0.25}' [SEED]
"""
import json, os, sys, time
from pathlib import Path
import torch, yaml
from crossmodal.config import model_params, deep_merge
from crossmodal import jobs
from crossmodal.jobs import load_model, load_prepared, _batched, _accuracy

# A finished run of config offline (its prepared data and classifiers), and where probes go.
RUN = Path(os.environ.get("CROSSMODAL_RUN", "results/offline"))
RESULTS = Path(os.environ.get("CROSSMODAL_PROBE_RESULTS", Path(__file__).parent / "results.jsonl"))
MODELS = Path(os.environ.get("CROSSMODAL_PROBE_MODELS", "/tmp/avae-probes"))
dataset, tag, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
torch.set_num_threads(1)
config = yaml.safe_load(open(os.environ.get("CROSSMODAL_CONFIG", "config/offline.yaml")))
params = deep_merge(model_params(config, "vae", dataset=dataset), overrides)
params["latent_dim"] = 64
out = MODELS / (f"vae_{dataset}_{tag}" + (f"_seed{seed}" if seed else "") + ".pt")
out.parent.mkdir(parents=True, exist_ok=True)
start = time.time()
if not out.exists():
    jobs.train_vae(RUN / f"prepared/{dataset}.pt", params, seed, out)
data = load_prepared(RUN / f"prepared/{dataset}.pt")
vae = load_model(out)
classifier = load_model(RUN / f"models/classifier/{dataset}/seed{seed}.pt")
acc = _accuracy(classifier, _batched(vae.reconstruct, data["x_val"]), data["y_val"])
summary = json.loads(out.with_suffix(".json").read_text())
row = {"dataset": dataset, "tag": tag, "seed": seed, "overrides": overrides, "val_recon_acc": round(acc, 2),
       "seconds": round(time.time() - start), "summary": {k: summary.get(k) for k in ("best_epoch", "epochs_run", "stopped_early")}}
print(json.dumps(row))
with open(RESULTS, "a") as f:
    f.write(json.dumps(row) + "\n")
