"""Why does the alignment score below VAE-CG (its own VAE1) on FSDD -> MNIST? Its settings, scored
on the validation split (seed 0): the target evaluator's accuracy on what each generator makes from
the source's validation samples. Nothing here reads a test split.

    python alignment_validation_probe.py RESULTS_DIR SOURCE-TARGET ... [--no-term]   # e.g. results/offline fsdd-mnist

Where the run's own aligner has a variant's settings it is scored as it is; every other variant
is trained here, in a scratch folder, from the run's VAE-CG and target VAE (training is
deterministic, so a run's aligner is what the probe would train). ``--no-term`` adds an aligner
trained without the alignment term.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from pathlib import Path

import torch
import yaml

from crossmodal.config import REPO_ROOT, class_map, find_scenario, validate_config
from crossmodal.data.pairing import mapped_only
from crossmodal.data.prepare import load_prepared
from crossmodal.jobs.evaluation import predict
from crossmodal.jobs.store import batched, load_model
from crossmodal.models.alignment import AlignedGenerator
from crossmodal.models.avae import AssociativeVAE
from crossmodal.studies.alignment.jobs import load_aligner, train
from crossmodal.studies.alignment.specs import TrainAlignmentSpec

SEED = 0
# (label, method, the parameters that differ from the run's aligner of that method)
VARIANTS = [
    ("W2, draws (the first build)", "alignment", {"distance": "wasserstein", "sample_source_latent": True}),
    ("W2, mean", "alignment", {"distance": "wasserstein", "sample_source_latent": False}),
    ("KL, draws", "alignment_kl", {"distance": "kl", "sample_source_latent": True}),
    ("KL, mean", "alignment_kl", {"distance": "kl", "sample_source_latent": False}),
]
# Also without the alignment term (the reconstruction through VAE2's decoder alone), where asked.
NO_TERM = ("no alignment term, mean", "alignment", {"distance": "wasserstein", "sample_source_latent": False, "weight": 0.0})


def probe(results: Path, source: str, target: str, config: dict, scratch: Path, variants: list) -> list[str]:
    pair, models = f"{source}-{target}", results / "models"
    src = load_prepared(results / f"prepared/{source}.pt")
    cmap = class_map(find_scenario(config, source, target), config["datasets"])
    keep = mapped_only(src["y_val"], cmap)
    x_val, expected = src["x_val"][keep], torch.tensor([cmap[int(c)] for c in src["y_val"][keep]])
    classifier = load_model(models / f"classifier/{target}/seed{SEED}.pt")
    vae_cg_path = models / f"baselines/vae_cg/{pair}/z64_p1.0_seed{SEED}.pt"
    vae_cg, target_vae = load_model(vae_cg_path), load_model(models / f"vae/{target}/z64_seed{SEED}.pt")

    def accuracy(generate) -> float:
        return 100.0 * (predict(classifier, batched(generate, x_val)) == expected).float().mean().item()

    cells = [f"{accuracy(lambda b: vae_cg.cross_generate(source, target, b)):.2f}"]
    associator = models / f"associator/{pair}/z64-64_p1.0_seed{SEED}.pt"
    if associator.exists():
        avae = AssociativeVAE({source: load_model(models / f"vae/{source}/z64_seed{SEED}.pt"), target: target_vae},
                              {(source, target): load_model(associator)})
        cells.append(f"{accuracy(lambda b: avae.cross_generate(source, target, b)):.2f}")
    else:
        cells.append("(not trained yet)")
    runs = {m: models / f"aligner/{m}/{pair}/z64-64_seed{SEED}.pt" for m in ("alignment", "alignment_kl")}
    saved = {m: json.loads(path.with_suffix(".json").read_text())["build"]["params"]
             for m, path in runs.items() if path.with_suffix(".json").exists()}
    for i, (_, method, change) in enumerate(variants):
        params = {**copy.deepcopy(next(iter(saved.values()))), **change}
        out = runs[method]
        if saved.get(method) != params:
            out = scratch / f"{pair}-{i}.pt"
            train(TrainAlignmentSpec(method=method, vae_cg=vae_cg_path, target_vae=models / f"vae/{target}/z64_seed{SEED}.pt",
                                     source_data=results / f"prepared/{source}.pt", target_data=results / f"prepared/{target}.pt",
                                     params=params, class_map=cmap, seed=SEED, out=out))
        generator = AlignedGenerator(source, target, vae_cg.encoders[vae_cg.source], load_aligner(out), target_vae)
        cells.append(f"{accuracy(lambda b: generator.cross_generate(source, target, b)):.2f}")
    return [f"{source} -> {target} ({len(x_val)})", *cells]


def main() -> None:
    torch.set_num_threads(1)
    no_term = "--no-term" in sys.argv
    results, pairs = Path(sys.argv[1]), [p.split("-") for p in sys.argv[2:] if p != "--no-term"]
    variants = VARIANTS + [NO_TERM] * no_term
    config = validate_config(yaml.safe_load((REPO_ROOT / "config" / "offline.yaml").read_text()))
    print("| scenario (validation samples) | VAE-CG | AVAE | " + " | ".join(v[0] for v in variants) + " |")
    print("|---" * (3 + len(variants)) + "|")
    with tempfile.TemporaryDirectory() as scratch:
        for source, target in pairs:
            print("| " + " | ".join(probe(results, source, target, config, Path(scratch), variants)) + " |", flush=True)


if __name__ == "__main__":
    main()
