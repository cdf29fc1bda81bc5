"""The same cross-evaluator check for the baselines' MNIST -> F-MNIST models: each seed's model
judged by each seed's F-MNIST evaluator, overall and on the pullover class. A diagnosis of
Table 1's cells, not a selection.

Run from the repository root with ``PYTHONPATH=src``; ``AVAE_RUN`` names a finished run
(default ``results/offline``); methods as arguments, all five by default. Writes ``baselines.json`` beside this script.
"""

import json
import os
import sys
from pathlib import Path

import torch

from avae.data.prepare import load_prepared
from avae.jobs import _batched, _predict, load_model

SEEDS = (0, 1, 2)
METHODS = tuple(sys.argv[1:]) or ("vae", "vae_cg", "jmvae", "cva", "mvae")
PULLOVER = 2
run = Path(os.environ.get("AVAE_RUN", "results/offline"))
torch.set_num_threads(1)
mnist = load_prepared(run / "prepared/mnist.pt")
x, y = mnist["x_test"], mnist["y_test"]
evaluators = {s: load_model(run / f"models/classifier/fashion_mnist/seed{s}.pt") for s in SEEDS}
results = {}
for method in METHODS:
    for seed in SEEDS:
        path = run / f"models/baselines/{method}/mnist-fashion_mnist/z64_p1.0_seed{seed}.pt"
        if not path.exists():  # not trained yet in a partial run
            continue
        model = load_model(path)
        with torch.inference_mode():
            generated = _batched(lambda b: model.cross_generate("mnist", "fashion_mnist", b), x)
            for judge in SEEDS:
                predicted = _predict(evaluators[judge], generated)
                results[f"{method}{seed}_evaluator{judge}"] = {
                    "accuracy": round(100.0 * (predicted == y).float().mean().item(), 2),
                    "pullover": round(100.0 * (predicted[y == PULLOVER] == PULLOVER).float().mean().item(), 1),
                }
                print(method, seed, judge, results[f"{method}{seed}_evaluator{judge}"], flush=True)
(Path(__file__).parent / "baselines.json").write_text(json.dumps(results, indent=1) + "\n")
