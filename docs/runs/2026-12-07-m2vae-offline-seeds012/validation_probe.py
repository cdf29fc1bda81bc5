"""The two M2VAE claims that fail on test, looked into on the VALIDATION split of the run's models.

1. "M2VAE reaches the highest Eq. 12 ELBO under every subset": Eq. 12 split into its two parts,
   the reconstruction term (summed, and averaged over pixels) and log p(z) - log q(z|S), per model
   and subset, so that one can see which part decides the ordering under each reduction.
2. "alpha = 1 collapses the classes": k-NN accuracy of q(z|a,b) and the ambiguous groups' spread
   on MoG's validation split for every sweep point.

Run from the repository root after `make reproduce CONFIG=offline STUDIES=m2vae` (seeds 0-2):
    PYTHONPATH=src .venv/bin/python docs/runs/2026-12-07-m2vae-offline-seeds012/validation_probe.py
"""

from __future__ import annotations

import itertools

import torch

from crossmodal.io import load_weights
from crossmodal.objectives import gaussian_log_density, reparameterize
from crossmodal.studies.m2vae.evaluate import centroid_spread, knn_accuracy, posterior, split_inputs
from crossmodal.studies.m2vae.generate import MOG_AMBIGUOUS
from crossmodal.studies.m2vae.jobs import load_study_model

SEEDS = (0, 1, 2)
SUBSETS = (("a", "b"), ("a",), ("b",))
MODELS = "results/offline/models/m2vae"
DATA = "results/offline/generated/m2vae"
torch.manual_seed(0)
device = torch.device("cpu")


def elbo_parts(model, x, subset, samples=10):
    """Means over examples of: reconstruction NLL summed over pixels, the same averaged over
    pixels, and log p(z) - log q(z|S), each averaged over ``samples`` draws."""
    with torch.no_grad():
        post = model.encode(x, list(subset))
        rec_sum = rec_mean = prior_gap = 0.0
        for _ in range(samples):
            z = reparameterize(*post)
            nlls = [model.reconstruction(x[m], model.decoders[m](z)) for m in model.modalities]
            rec_sum += sum(n.mean().item() for n in nlls)
            rec_mean += sum((n / x[m][0].numel()).mean().item() for n, m in zip(nlls, model.modalities))
            prior_gap += (gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
                          - gaussian_log_density(z, *post)).mean().item()
    return rec_sum / samples, rec_mean / samples, prior_gap / samples


emnist = load_weights(f"{DATA}/emnist.pt")
x_val = split_inputs(emnist, "val", device)
print("Eq. 12 on e-MNIST validation (means over seeds 0-2): -rec_sum, -rec_mean, log p(z) - log q(z|S), "
      "ELBO sum, ELBO mean")
for method in ("m2vae", "tvae", "jmvae_zero"):
    for subset in SUBSETS:
        parts = [elbo_parts(load_study_model(f"{MODELS}/emnist/{method}_main_seed{s}.pt", device).eval(), x_val, subset)
                 for s in SEEDS]
        rec_sum, rec_mean, gap = (sum(p[i] for p in parts) / len(parts) for i in range(3))
        print(f"{method:11s} {'+'.join(subset):4s} {-rec_sum:9.2f} {-rec_mean:7.3f} {gap:7.3f} "
              f"{-rec_sum + gap:9.2f} {-rec_mean + gap:7.3f}")

mog = load_weights(f"{DATA}/mog.pt")
x_ref, y_ref = split_inputs(mog, "train", device, 2000), mog["y_train"][:2000]  # knn_reference
x_val, y_val = split_inputs(mog, "val", device), mog["y_val"]
print("\nMoG validation, q(z|a,b): k-NN accuracy (k=5 as offline) and ambiguous spreads, means over seeds 0-2")
for alpha, beta in itertools.product(("1", "0.1", "0.01", "0.001"), ("0.01", "0.001")):
    rows = []
    for s in SEEDS:
        model = load_study_model(f"{MODELS}/mog/m2vae_alpha{alpha}_beta{beta}_seed{s}.pt", device).eval()
        with torch.no_grad():
            mu = posterior(model, x_val, ["a", "b"])[0]
            ref = posterior(model, x_ref, ["a", "b"])[0]
        row = [knn_accuracy(ref, y_ref, mu, y_val, 5)]
        row += [centroid_spread(mu, y_val, group) for groups in MOG_AMBIGUOUS.values() for group in groups]
        rows.append(row)
    means = [sum(r[i] for r in rows) / len(rows) for i in range(len(rows[0]))]
    print(f"alpha {alpha:5s} beta_norm {beta:5s} kNN {means[0]:6.2f}  spreads " + " ".join(f"{v:.2f}" for v in means[1:]))
