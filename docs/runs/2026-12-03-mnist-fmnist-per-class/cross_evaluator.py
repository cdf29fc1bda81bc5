"""MNIST -> F-MNIST on the test split, seeds 0-2: every seed's model of each method judged by
every seed's F-MNIST evaluator, overall and per class. A diagnosis of Table 1's cells, not a
selection: nothing is chosen from it.

    PYTHONPATH=src python docs/runs/2026-12-03-mnist-fmnist-per-class/cross_evaluator.py avae jmvae ...

Run from the repository root; ``CROSSMODAL_RUN`` names a finished run (default ``results/offline``);
methods as arguments (``avae`` or a baseline), all six by default. Writes ``results.json`` beside
this script, merged into what an earlier call wrote.
"""

import json
import os
import sys
from pathlib import Path

import torch

from crossmodal.data.prepare import load_prepared
from crossmodal.jobs import _batched, _predict, load_model
from crossmodal.models.avae import AssociativeVAE

SEEDS = (0, 1, 2)
METHODS = tuple(sys.argv[1:]) or ("avae", "vae", "vae_cg", "jmvae", "cva", "mvae")
PULLOVER, SANDAL = 2, 5  # the weakest classes: what the evaluator called them is kept too
SOURCE, TARGET = "mnist", "fashion_mnist"  # MNIST digit i is paired with F-MNIST class i
run = Path(os.environ.get("CROSSMODAL_RUN", "results/offline"))
out = Path(__file__).parent / "results.json"
torch.set_num_threads(1)


def generator(method: str, seed: int):
    if method == "avae":
        vaes = {name: load_model(run / f"models/vae/{name}/z64_seed{seed}.pt") for name in (SOURCE, TARGET)}
        associator = load_model(run / f"models/associator/{SOURCE}-{TARGET}/z64-64_p1.0_seed{seed}.pt")
        return AssociativeVAE(vaes, {(SOURCE, TARGET): associator})
    return load_model(run / f"models/baselines/{method}/{SOURCE}-{TARGET}/z64_p1.0_seed{seed}.pt")


mnist = load_prepared(run / f"prepared/{SOURCE}.pt")
x, y = mnist["x_test"], mnist["y_test"]
evaluators = {s: load_model(run / f"models/classifier/{TARGET}/seed{s}.pt") for s in SEEDS}
results = json.loads(out.read_text()) if out.exists() else {}
for method in METHODS:
    for seed in SEEDS:
        model = generator(method, seed)
        with torch.inference_mode():
            generated = _batched(lambda b: model.cross_generate(SOURCE, TARGET, b), x)
            for judge in SEEDS:
                predicted = _predict(evaluators[judge], generated)
                results[f"{method}_seed{seed}_evaluator{judge}"] = {
                    "accuracy": round(100.0 * (predicted == y).float().mean().item(), 2),
                    "per_class": [round(100.0 * (predicted[y == c] == c).float().mean().item(), 1) for c in range(10)],
                    "pullover_predicted_as": torch.bincount(predicted[y == PULLOVER], minlength=10).tolist(),
                    "sandal_predicted_as": torch.bincount(predicted[y == SANDAL], minlength=10).tolist(),
                }
                print(method, seed, judge, results[f"{method}_seed{seed}_evaluator{judge}"]["accuracy"], flush=True)
out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
