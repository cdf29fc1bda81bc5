"""Where MVAE's cross-generation is lost: the Table 1 MVAE models of a finished ``offline`` run,
taken apart on the **validation** split, with no training, and JMVAE's beside them for contrast.

For each model (both F-MNIST <-> MNIST directions, every seed) it scores, with the target evaluator
of the same seed (JMVAE: its unimodal encoders' means stand for the experts' products, its joint
encoder's for the joint posterior):
  cross       decode_target(mean of PoE(prior, expert_source))   what Table 1 measures
  cross_noprior  decode_target(mean of expert_source)             the prior expert left out
  joint       decode_target(mean of PoE(prior, expert_source, expert_target)), the target being a
              random validation sample of the paired class        the decoder given both
  self        decode_target(mean of PoE(prior, expert_target))   the target's own reconstruction
and, in the latent space (nearest class centroid, centroids from the training split):
  source_classes   source codes against the source's own class centroids   is the class encoded?
  target_centroids source codes against the *target's* class centroids     do the experts agree?
plus each expert's mean precision and code norm. One JSON row per model goes to results.jsonl
beside this script.

usage (from the repository root, after the offline run):
  python docs/runs/2026-12-05-mvae-decomposition/decompose_mvae.py [SWEEP_SETTING]
With a validation sweep's setting (e.g. ``train.batch_size=100``) it takes MVAE's sweep models of
that setting instead (``models/sweeps/``), for the seeds the sweep trained.
"""
import json, os
from pathlib import Path

import torch

from crossmodal.data.pairing import class_matched_partners
from crossmodal.data.prepare import load_prepared
from crossmodal.engine import as_float
from crossmodal.jobs import _batched, _predict, load_model
from crossmodal.objectives import product_of_experts

RUN = Path(os.environ.get("CROSSMODAL_RUN", "results/offline"))
SEEDS = (0, 1, 2)
DIRECTIONS = (("fashion_mnist", "mnist"), ("mnist", "fashion_mnist"))
torch.set_num_threads(1)


def accuracy(predicted: torch.Tensor, expected: torch.Tensor) -> float:
    return round(100.0 * (predicted == expected).float().mean().item(), 2)


def posterior_mean(*experts):
    return product_of_experts(list(experts))[0]


def nearest_centroid(codes: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    return torch.cdist(codes, centroids).argmin(dim=1)


def unimodal_experts(model, role: str):
    return (model.experts if model.method == "mvae" else model.encoders)[role]


def codes(model, experts: list) -> torch.Tensor:
    """The code each method decodes: MVAE the mean of the product with the prior expert, JMVAE a
    unimodal encoder's mean (or the joint encoder's, given both)."""
    if model.method == "mvae":
        return posterior_mean(*experts)
    return experts[0][0]


@torch.no_grad()
def decompose(method: str, source: str, target: str, seed: int, setting: str | None = None) -> dict:
    name = (f"models/sweeps/{method}/{source}-{target}/z64_{setting}_seed{seed}" if setting
            else f"models/baselines/{method}/{source}-{target}/z64_p1.0_seed{seed}")
    model = load_model(RUN / f"{name}.pt", torch.device("cpu"))
    classifier = load_model(RUN / f"models/classifier/{target}/seed{seed}.pt", torch.device("cpu"))
    src, tgt = load_prepared(RUN / f"prepared/{source}.pt"), load_prepared(RUN / f"prepared/{target}.pt")
    expert_src, expert_tgt = unimodal_experts(model, "source"), unimodal_experts(model, "target")
    decode = model.decoder["target"]

    def experts_of(expert, x):
        stats = _batched(lambda b: torch.cat(expert(b), dim=1), x)
        return tuple(stats.chunk(2, dim=1))

    # Every F-MNIST class i is paired with digit i, so the class label is the expected target class.
    partners = class_matched_partners(src["y_val"], tgt["y_val"], {k: k for k in range(10)},
                                      torch.Generator().manual_seed(seed))
    e_src, e_tgt = experts_of(expert_src, src["x_val"]), experts_of(expert_tgt, tgt["x_val"])
    expected = src["y_val"].long()

    def score(z: torch.Tensor, labels: torch.Tensor = expected) -> float:
        return accuracy(_predict(classifier, _batched(decode, z)), labels)

    if method == "mvae":
        joint = posterior_mean(e_src, experts_of(expert_tgt, tgt["x_val"][partners]))
    else:
        joint = torch.cat([model.joint_encoder({"source": as_float(s), "target": as_float(t)})[0]
                           for s, t in zip(src["x_val"].split(4096), tgt["x_val"][partners].split(4096))])
    row = {"method": method, "model": setting or "table1", "source": source, "target": target, "seed": seed,
           "cross": score(codes(model, [e_src])),
           "cross_noprior": score(e_src[0]) if method == "mvae" else None,
           "joint": score(joint), "self": score(codes(model, [e_tgt]), tgt["y_val"].long())}

    train_src = codes(model, [experts_of(expert_src, src["x_train"])])
    train_tgt = codes(model, [experts_of(expert_tgt, tgt["x_train"])])
    centroids_src = torch.stack([train_src[src["y_train"] == c].mean(0) for c in range(10)])
    centroids_tgt = torch.stack([train_tgt[tgt["y_train"] == c].mean(0) for c in range(10)])
    z_src = codes(model, [e_src])
    row["source_classes"] = accuracy(nearest_centroid(z_src, centroids_src), expected)
    row["target_centroids"] = accuracy(nearest_centroid(z_src, centroids_tgt), expected)
    row["centroid_distance"] = round((centroids_src - centroids_tgt).norm(dim=1).mean().item(), 3)
    row["centroid_norm_source"] = round(centroids_src.norm(dim=1).mean().item(), 3)
    row["centroid_norm_target"] = round(centroids_tgt.norm(dim=1).mean().item(), 3)
    row["precision_source"] = round(torch.exp(-e_src[1]).mean().item(), 3)
    row["precision_target"] = round(torch.exp(-e_tgt[1]).mean().item(), 3)
    summary = json.loads((RUN / f"{name}.json").read_text())
    row["best_epoch"], row["epochs_run"] = summary.get("best_epoch"), summary.get("epochs_run")
    return row


if __name__ == "__main__":
    import sys
    setting = sys.argv[1] if len(sys.argv) > 1 else None
    methods = ("mvae",) if setting else ("mvae", "jmvae")
    # The Table 1 models' rows are written afresh; a sweep setting's are added to them.
    with open(Path(__file__).parent / "results.jsonl", "a" if setting else "w") as out:
        for method in methods:
            for source, target in DIRECTIONS:
                for seed in SEEDS:
                    row = decompose(method, source, target, seed, setting)
                    print(json.dumps(row), flush=True)
                    out.write(json.dumps(row) + "\n")
