"""The alignment study's jobs: train an aligner between a scenario's VAE-CG (VAE1) and its target's
VAE (VAE2), both trained by the AVAE study, and score the aligned generator like every Table 1 method."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from crossmodal.data.prepare import load_prepared
from crossmodal.engine import as_float, pick_device
from crossmodal.io import load_weights
from crossmodal.jobs.data import paired_splits
from crossmodal.jobs.evaluation import evaluate_generator, latent_dims_label
from crossmodal.jobs.store import batched, load_model, save_model
from crossmodal.jobs.training import fit
from crossmodal.methods import METHODS
from crossmodal.models.alignment import AlignedGenerator, AlignmentConfig, AlignmentTrainer, build_aligner
from crossmodal.models.avae import Associator
from crossmodal.studies.alignment.specs import EvaluateAlignmentSpec, TrainAlignmentSpec

log = logging.getLogger(__name__)
ALIGNMENT_METHODS = ("alignment", "alignment_kl")


def _check_method(method: str) -> None:
    if method not in ALIGNMENT_METHODS or method not in METHODS:
        raise ValueError(f"unknown alignment method {method!r}; known: {list(ALIGNMENT_METHODS)}")


def load_aligner(path: Path, device: torch.device | None = None) -> Associator:
    """An aligner saved by :func:`train` (kind ``aligner``), rebuilt from its build record."""
    payload = load_weights(path)
    if payload["kind"] != "aligner":
        raise ValueError(f"{path}: not an aligner (kind {payload['kind']!r})")
    build = json.loads(payload["build"])
    aligner = build_aligner(int(build["source_dim"]), int(build["target_dim"]), AlignmentConfig.from_params(build["params"]))
    aligner.load_state_dict(payload["state_dict"])
    return aligner.to(device or pick_device()).eval()


def _posterior(encode: Callable[[Tensor], tuple[Tensor, Tensor]], x: Tensor) -> tuple[Tensor, Tensor]:
    """A frozen encoder's posterior ``(mu, logvar)`` of every sample of ``x``, in batches."""
    mu, logvar = batched(lambda xs: torch.cat(encode(xs), dim=1), x).chunk(2, dim=1)
    return mu, logvar


def train(spec: TrainAlignmentSpec) -> None:
    _check_method(spec.method)
    torch.manual_seed(spec.seed)
    device = pick_device()
    vae_cg, target_vae = load_model(spec.vae_cg, device), load_model(spec.target_vae, device)
    if vae_cg.method != "vae_cg":
        raise ValueError(f"{spec.vae_cg}: VAE1 must be a VAE-CG model, not {vae_cg.method}")
    src, tgt = load_prepared(spec.source_data), load_prepared(spec.target_data)
    # Both posteriors are computed once, the encoders being frozen: VAE1's of every source sample,
    # VAE2's of every target sample. A batch carries the row of its target samples in that table.
    source_encoder = vae_cg.encoders[vae_cg.source]
    posteriors = {split: dict(zip(("mu_src", "logvar_src"), _posterior(source_encoder, src[f"x_{split}"])))
                  for split in ("train", "val")}
    x_tgt = as_float(torch.cat([tgt["x_train"], tgt["x_val"]]))
    targets = dict(zip(("x", "mu", "logvar"), (x_tgt, *_posterior(target_vae.encode, x_tgt))))
    targets = {key: tensor.to(device) for key, tensor in targets.items()}
    n_train = len(tgt["x_train"])
    rows = {"x_train": torch.arange(n_train), "x_val": torch.arange(n_train, len(x_tgt)),
            "y_train": tgt["y_train"], "y_val": tgt["y_val"]}
    train_pairs, val_pairs = paired_splits(posteriors, {split: src[f"y_{split}"] for split in ("train", "val")}, rows,
                                           spec.class_map, 1.0, spec.seed, device, target_key="target_index")
    config = AlignmentConfig.from_params(spec.params)
    build = {"source_dim": vae_cg.latent_dim, "target_dim": target_vae.config.latent_dim, "params": spec.params}
    aligner = build_aligner(vae_cg.latent_dim, target_vae.config.latent_dim, config)
    name = f"{spec.method}[{src['meta']['dataset']}->{tgt['meta']['dataset']},seed={spec.seed}]"
    log.info("%s: %d paired training sources, %d pairs an epoch", name, train_pairs.num_sources, len(train_pairs))
    result, resume = fit(AlignmentTrainer(aligner, target_vae, targets, config), spec.params, spec.seed, spec.out, name,
                         train_pairs, val_pairs)
    save_model(spec.out, "aligner", build, aligner, result)
    resume.unlink(missing_ok=True)


def evaluate(spec: EvaluateAlignmentSpec) -> None:
    """The target evaluator's accuracy on the aligned generations; the method's summary counts
    VAE1, VAE2 and the aligner, as AVAE's counts its two VAEs and its associator."""
    _check_method(spec.method)
    vae_cg, target_vae = load_model(spec.vae_cg), load_model(spec.target_vae)
    model = AlignedGenerator(spec.source, spec.target, vae_cg.encoders[vae_cg.source], load_aligner(spec.aligner),
                             target_vae)
    dims = latent_dims_label([vae_cg.latent_dim, target_vae.config.latent_dim])
    evaluate_generator(model, spec, method=spec.method, latent_dims=dims, label=METHODS[spec.method].title,
                       summary_models=[spec.vae_cg, spec.target_vae, spec.aligner])
