"""Training jobs: per-modality classifiers and VAEs, cached latents, associators, baselines."""

from __future__ import annotations

import glob
import hashlib
import logging
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from crossmodal.config import PACKAGE_ROOT, canonical_json, code_version
from crossmodal.data.datasets import dataset_info
from crossmodal.data.prepare import load_prepared
from crossmodal.engine import NonFiniteLossError, TrainConfig, Trainer, TrainResult, pick_device
from crossmodal.io import atomic_torch_save, load_weights
from crossmodal.jobs.data import paired_splits, split_batches, symmetric_paired_splits
from crossmodal.jobs.specs import EncodeLatentsSpec, TrainAssociatorSpec, TrainBaselineSpec, TrainSpec
from crossmodal.jobs.store import StageResult, batched, build_model, load_model, save_model
from crossmodal.methods import PAIRWISE, Stages
from crossmodal.models.avae import AssociatorConfig, AssociatorTrainer
from crossmodal.models.base import LABEL

log = logging.getLogger(__name__)


def training_code_version() -> str:
    """Hash of every module a training job runs (all model families included)."""
    models = sorted(str(p.relative_to(PACKAGE_ROOT)) for p in (PACKAGE_ROOT / "models").rglob("*.py"))
    jobs = sorted(str(p.relative_to(PACKAGE_ROOT)) for p in (PACKAGE_ROOT / "jobs").glob("*.py"))
    return code_version("engine.py", "io.py", "objectives.py", "data/pairing.py", *jobs, *models)


def fit(
    model: torch.nn.Module, params: dict[str, Any], seed: int, out: Path, name: str, train: Any, val: Any
) -> tuple[TrainResult, Path]:
    """Train with a resume checkpoint keyed by the parameters and the training code, so a checkpoint
    of other settings or other code is never resumed (it could not end as an uninterrupted run would)."""
    key = hashlib.sha256(f"{canonical_json(params)}|{training_code_version()}".encode()).hexdigest()[:16]
    resume = out.with_name(out.name + f".resume-{key}-s{seed}")
    for stale in out.parent.glob(glob.escape(out.name) + ".resume-*"):
        if stale != resume:
            log.info("%s: removing %s, left by a run with other parameters or code", name, stale)
            stale.unlink(missing_ok=True)
    trainer = Trainer(model, TrainConfig.from_params(params["train"]), name=name, seed=seed, resume_path=resume,
                      optimizer=params["train"].get("optimizer", "adam"))
    try:
        result = trainer.fit(train, val)
    except NonFiniteLossError:
        # Training is deterministic, so resuming a diverged run would only diverge again.
        resume.unlink(missing_ok=True)
        raise
    return result, resume


def train_classifier(spec: TrainSpec) -> None:
    data_path, params, seed, out = spec.data, spec.params, spec.seed, spec.out
    torch.manual_seed(seed)
    data = load_prepared(data_path)
    meta = data["meta"]
    # The class names travel with the evaluator, so that whatever it judges is reported by name.
    build = {"shape": meta["shape"], "num_classes": len(meta["classes"]), "classes": meta["classes"], "params": params}
    model = build_model("classifier", build)
    device = pick_device()
    result, resume = fit(model, params, seed, out, f"classifier[{meta['dataset']},seed={seed}]",
                          split_batches(data, "train", device), split_batches(data, "val", device))
    save_model(out, "classifier", build, model, result)
    resume.unlink(missing_ok=True)


def train_vae(spec: TrainSpec) -> None:
    data_path, params, seed, out = spec.data, spec.params, spec.seed, spec.out
    torch.manual_seed(seed)
    data = load_prepared(data_path)
    meta = data["meta"]
    output = dataset_info(meta["dataset"]).decoder_output
    build = {"shape": meta["shape"], "output": output, "params": params}
    model = build_model("vae", build)
    device = pick_device()
    name = f"vae[{meta['dataset']},z={params['latent_dim']},seed={seed}]"
    result, resume = fit(model, params, seed, out, name,
                          split_batches(data, "train", device, False), split_batches(data, "val", device, False))
    save_model(out, "vae", build, model, result)
    resume.unlink(missing_ok=True)


def encode_latents(spec: EncodeLatentsSpec) -> None:
    """The frozen encoder's posterior of every sample, computed once and shared by associators."""
    data_path, vae_path, out = spec.data, spec.vae, spec.out
    data = load_prepared(data_path)
    vae = load_model(vae_path)
    latents: dict[str, Tensor] = {}
    for split in ("train", "val", "test"):
        stats = batched(lambda x: torch.cat(vae.encode(x), dim=1), data[f"x_{split}"])
        latents[f"mu_{split}"], latents[f"logvar_{split}"] = stats.chunk(2, dim=1)
        latents[f"y_{split}"] = data[f"y_{split}"]
    atomic_torch_save(latents, out)


def train_associator(spec: TrainAssociatorSpec) -> None:
    source_latents, target_data, target_vae, params = spec.source_latents, spec.target_data, spec.target_vae, spec.params
    class_map, paired_fraction, seed, out = spec.class_map, spec.paired_fraction, spec.seed, spec.out
    torch.manual_seed(seed)
    device = pick_device()
    z = load_weights(source_latents)
    tgt = load_prepared(target_data)
    vae = load_model(target_vae, device)
    source_dim, target_dim = z["mu_train"].shape[1], vae.config.latent_dim
    train, val = paired_splits(
        {split: {"mu_src": z[f"mu_{split}"], "logvar_src": z[f"logvar_{split}"]} for split in ("train", "val")},
        {split: z[f"y_{split}"] for split in ("train", "val")}, tgt, class_map, paired_fraction, seed, device,
    )
    build = {"source_dim": source_dim, "target_dim": target_dim, "params": params}
    associator = build_model("associator", build)
    trainer_model = AssociatorTrainer(associator, vae.decoder, AssociatorConfig.from_params(params))
    log.info("associator: %d paired training sources (fraction %g), %d pairs an epoch", train.num_sources,
             paired_fraction, len(train))
    result, resume = fit(trainer_model, params, seed, out, f"associator[{out.parent.name},p={paired_fraction:g},seed={seed}]", train, val)
    save_model(out, "associator", build, associator, result)
    resume.unlink(missing_ok=True)


def _modality_record(data: dict[str, Any], architecture: dict[str, Any]) -> dict[str, Any]:
    meta = data["meta"]
    return {"name": meta["dataset"], "shape": meta["shape"], "output": dataset_info(meta["dataset"]).decoder_output,
            "architecture": architecture}


def train_baseline(spec: TrainBaselineSpec) -> None:
    """One pairwise method (a baseline of AVAE Table 1, or one the benchmark adds) on one scenario,
    on the pairs AVAE's associator sees.

    ``params``: the method's hyperparameters with ``latent_dim`` and the per-modality
    ``architectures`` (``{"source": ..., "target": ...}``, each dataset's ``models.vae`` one).
    Batches hold each modality's samples under its dataset's name, and for a method that needs the
    source's label (registry ``needs_source_label``) each source sample's class under
    :data:`~crossmodal.models.base.LABEL`, with the source's class count in its ``num_classes``.
    """
    method, source_data, target_data, params = spec.method, spec.source_data, spec.target_data, spec.params
    class_map, paired_fraction, seed, out = spec.class_map, spec.paired_fraction, spec.seed, spec.out
    if method not in PAIRWISE:
        raise ValueError(f"unknown pairwise method {method!r}; known: {sorted(PAIRWISE)}")
    if spec.pairing not in ("directed", "symmetric"):
        raise ValueError(f"pairing must be 'directed' or 'symmetric', got {spec.pairing!r}")
    if spec.pairing == "symmetric" and not PAIRWISE[method].symmetric:
        raise ValueError(f"{method} is not symmetric in its modalities: it cannot train on symmetric pairs")
    torch.manual_seed(seed)
    device = pick_device()
    src, tgt = load_prepared(source_data), load_prepared(target_data)
    if spec.pairing == "symmetric":
        train, val = symmetric_paired_splits(src, tgt, class_map, paired_fraction, seed, device)
    else:
        labelled = PAIRWISE[method].needs_source_label
        if labelled:
            params = {**params, "num_classes": len(src["meta"]["classes"])}
        # The label is one more per-sample source tensor: it takes no random draw, so the pairs are
        # every other method's.
        train, val = paired_splits(
            {split: {src["meta"]["dataset"]: src[f"x_{split}"], **({LABEL: src[f"y_{split}"]} if labelled else {})}
             for split in ("train", "val")},
            {split: src[f"y_{split}"] for split in ("train", "val")}, tgt, class_map, paired_fraction, seed, device,
            target_key=tgt["meta"]["dataset"],
        )
    architectures = params["architectures"]
    build = {"method": method, "source": _modality_record(src, architectures["source"]),
             "target": _modality_record(tgt, architectures["target"]), "params": params}
    arrow = "<->" if spec.pairing == "symmetric" else "->"
    if spec.pairing == "symmetric":
        # Recorded only when symmetric, so that a directed model's file is what it always was.
        build["pairing"] = "symmetric"
    name = f"{method}[{src['meta']['dataset']}{arrow}{tgt['meta']['dataset']},p={paired_fraction:g},seed={seed}]"
    log.info("%s: %d paired training sources (fraction %g), %d pairs an epoch", name, train.num_sources,
             paired_fraction, len(train))
    stages = PAIRWISE[method].stages
    if stages is not None:
        fit_stages(build, stages, seed, out, name, train, val)
        return
    model = build_model("baseline", build)
    result, resume = fit(model, params, seed, out, name, train, val)
    save_model(out, "baseline", build, model, result)
    resume.unlink(missing_ok=True)


def fit_stages(build: dict[str, Any], stages: Stages, seed: int, out: Path, name: str, train: Any, val: Any) -> None:
    """Train a pairwise method in its stages, in order, and save the last stage's model at ``out``.

    Each stage's model is built from ``build`` with the stage's value of ``stages.field`` in its
    parameters and starts from the previous stage's trained weights (a stage may add networks, such
    as the Bridged VAE's bridges, never drop one). Each stage has a resume checkpoint of its own,
    kept until the model is saved: a job killed in a later stage replays the earlier ones from their
    checkpoints to the same weights, then resumes where it stopped.
    """
    done: list[StageResult] = []
    resumes: list[Path] = []
    previous: torch.nn.Module | None = None
    for value in stages.values:
        stage_build = {**build, "params": {**build["params"], stages.field: value}}
        model = build_model("baseline", stage_build)
        if previous is not None:
            unexpected = model.load_state_dict(previous.state_dict(), strict=False).unexpected_keys
            if unexpected:
                raise ValueError(f"{name}: stage {stages.field}={value} has no place for {unexpected} of the "
                                 f"stage before it; a later stage may add networks, never drop one")
        result, resume = fit(model, stage_build["params"], seed, out.with_name(f"{out.name}.{stages.field}-{value}"),
                             f"{name}[{stages.field}={value}]", train, val)
        done.append(StageResult(stages.field, value, result,
                                frozenset(n for n, p in model.named_parameters() if p.requires_grad)))
        resumes.append(resume)
        previous = model
    save_model(out, "baseline", stage_build, model, result, done)
    for resume in resumes:
        resume.unlink(missing_ok=True)
