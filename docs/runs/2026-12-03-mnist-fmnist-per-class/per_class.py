"""Per-class accuracy of AVAE MNIST -> F-MNIST on the test split, seeds 0-2: every seed's
associator judged by every seed's F-MNIST evaluator. A diagnosis of Table 1's cell, not a
selection: nothing is chosen from it.

Run from the repository root with ``PYTHONPATH=src``; ``AVAE_RUN`` names a finished run
(default ``results/offline``). Writes ``results.json`` beside this script.
"""

import json
import os
from pathlib import Path

import torch

from avae.data.prepare import load_prepared
from avae.jobs import _batched, _predict, load_model
from avae.models.avae import AssociativeVAE

SEEDS = (0, 1, 2)
run = Path(os.environ.get("AVAE_RUN", "results/offline"))
torch.set_num_threads(1)
mnist = load_prepared(run / "prepared/mnist.pt")
x, y = mnist["x_test"], mnist["y_test"]  # MNIST digit i is paired with F-MNIST class i
evaluators = {s: load_model(run / f"models/classifier/fashion_mnist/seed{s}.pt") for s in SEEDS}
results = {}
for seed in SEEDS:
    vaes = {name: load_model(run / f"models/vae/{name}/z64_seed{seed}.pt") for name in ("mnist", "fashion_mnist")}
    associator = load_model(run / f"models/associator/mnist-fashion_mnist/z64-64_p1.0_seed{seed}.pt")
    model = AssociativeVAE(vaes, {("mnist", "fashion_mnist"): associator})
    with torch.inference_mode():
        generated = _batched(lambda b: model.cross_generate("mnist", "fashion_mnist", b), x)
        for judge in SEEDS:
            predicted = _predict(evaluators[judge], generated)
            results[f"associator{seed}_evaluator{judge}"] = {
                "accuracy": round(100.0 * (predicted == y).float().mean().item(), 2),
                "per_class": [round(100.0 * (predicted[y == c] == c).float().mean().item(), 1) for c in range(10)],
                # Pullover (2) and sandal (5): where the errors are; counts of each predicted class.
                "pullover_predicted_as": torch.bincount(predicted[y == 2], minlength=10).tolist(),
                "sandal_predicted_as": torch.bincount(predicted[y == 5], minlength=10).tolist(),
            }
            print(seed, judge, results[f"associator{seed}_evaluator{judge}"]["accuracy"], flush=True)
(Path(__file__).parent / "results.json").write_text(json.dumps(results, indent=1) + "\n")
