"""What each workflow rule does. Rules call these through :mod:`crossmodal.cli`; nothing here knows
about Snakemake, so every job also runs (and is tested) on its own.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from crossmodal.config import PACKAGE_ROOT, canonical_json, code_version, compose_class_maps
from crossmodal.data.datasets import dataset_info
from crossmodal.data.acquire import acquire_dataset
from crossmodal.data.pairing import PairedBatches, mapped_only, paired_subset
from crossmodal.data.prepare import load_prepared, prepare_verified
from crossmodal.engine import NonFiniteLossError, TensorBatches, TrainConfig, Trainer, TrainResult, as_float, pick_device
from crossmodal.io import atomic_path, atomic_torch_save, atomic_write_json, load_weights
from crossmodal.methods import BASELINES
from crossmodal.metrics import MetricRow, metric_row, read_metrics, write_metrics
from crossmodal.models.avae import AssociativeVAE, Associator, AssociatorConfig, AssociatorTrainer
from crossmodal.models.base import CrossModalGenerator
from crossmodal.models import build_multimodal
from crossmodal.models.classifier import Classifier, ClassifierConfig
from crossmodal.models.networks import count_trainable_parameters
from crossmodal.models.vae import VAE, VAEConfig

log = logging.getLogger(__name__)


# --- data --------------------------------------------------------------------------------------


def acquire(dataset: str, raw_dir: Path, track_with_dvc: bool = True) -> list[Path]:
    return acquire_dataset(dataset, raw_dir, track_with_dvc)


def prepare(dataset: str, raw_dir: Path, options: dict[str, Any], out: Path) -> None:
    prepare_verified(dataset_info(dataset), raw_dir / dataset, options, out)


def _split(data: dict[str, Any], split: str, device: torch.device, with_labels: bool = True) -> TensorBatches:
    tensors = {"x": data[f"x_{split}"]}
    if with_labels:
        tensors["y"] = data[f"y_{split}"]
    return TensorBatches(tensors).to(device)


def _paired_splits(
    source: dict[str, dict[str, Tensor]], source_labels: dict[str, Tensor], target: dict[str, Any],
    class_map: dict[int, int], paired_fraction: float, seed: int, device: torch.device, target_key: str = "x_tgt",
) -> tuple[PairedBatches, PairedBatches]:
    """Training and validation pairs of a scenario, as every cross-modal method sees them.

    ``source[split]`` holds the per-sample source tensors (batch keys), ``target`` the prepared
    target dataset. Only a stratified ``paired_fraction`` of each modality's split takes part;
    training partners are redrawn every epoch, validation ones fixed by ``seed``.
    """
    subset_generator = torch.Generator().manual_seed(seed)
    splits = []
    for split, fixed in (("train", None), ("val", seed)):
        src_idx = paired_subset(source_labels[split], paired_fraction, subset_generator)
        tgt_idx = paired_subset(target[f"y_{split}"], paired_fraction, subset_generator)
        splits.append(PairedBatches(
            {key: tensor[src_idx].to(device) for key, tensor in source[split].items()}, source_labels[split][src_idx],
            target[f"x_{split}"][tgt_idx].to(device), target[f"y_{split}"][tgt_idx], class_map, fixed_pairing_seed=fixed,
            epoch_size=None if fixed is not None else full_pairing_size(source_labels[split], class_map),
            target_key=target_key,
        ))
    return splits[0], splits[1]


def full_pairing_size(source_labels: Tensor, class_map: dict[int, int]) -> int:
    """Pairs in one epoch at paired fraction 1 (each paired source sample meets one partner).
    Every paired fraction trains for this many pairs an epoch, so Table 1's runs are unchanged."""
    return len(mapped_only(source_labels, class_map))


# --- models: build, save, load ------------------------------------------------------------------


def build_model(kind: str, build: dict[str, Any]) -> torch.nn.Module:
    if kind == "classifier":
        return Classifier(tuple(build["shape"]), int(build["num_classes"]), ClassifierConfig.from_params(build["params"]))
    if kind == "vae":
        return VAE(tuple(build["shape"]), build["output"], VAEConfig.from_params(build["params"]))
    if kind == "associator":
        p = build["params"]
        return Associator(int(build["source_dim"]), int(build["target_dim"]), AssociatorConfig.from_params(p).hidden)
    if kind == "baseline":
        return build_multimodal(build)
    raise ValueError(f"unknown model kind {kind!r}")


def save_model(out: Path, kind: str, build: dict[str, Any], model: torch.nn.Module, result: TrainResult) -> None:
    summary = {
        "kind": kind,
        "build": build,
        "trainable_parameters": count_trainable_parameters(model),
        "best_epoch": result.best_epoch,
        "best_val_score": result.best_val_score,
        "monitor": build["params"]["train"].get("monitor", "loss"),
        "stopped_early": result.stopped_early,
        "epochs_run": len(result.history),
        "train_seconds": round(result.train_seconds, 3),
        "precision": result.precision,
        "history": result.history,
    }
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    atomic_torch_save({"kind": kind, "build": canonical_json(build), "state_dict": state}, out)
    atomic_write_json(out.with_suffix(".json"), summary)


def load_model(path: Path, device: torch.device | None = None) -> torch.nn.Module:
    payload = load_weights(path)
    model = build_model(payload["kind"], json.loads(payload["build"]))
    model.load_state_dict(payload["state_dict"])
    return model.to(device or pick_device()).eval()


def training_code_version() -> str:
    """Hash of every module a training job runs (all model families included)."""
    models = sorted(str(p.relative_to(PACKAGE_ROOT)) for p in (PACKAGE_ROOT / "models").rglob("*.py"))
    return code_version("engine.py", "io.py", "objectives.py", "jobs.py", "data/pairing.py", *models)


def _fit(
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
    trainer = Trainer(model, TrainConfig.from_params(params["train"]), name=name, seed=seed, resume_path=resume)
    try:
        result = trainer.fit(train, val)
    except NonFiniteLossError:
        # Training is deterministic, so resuming a diverged run would only diverge again.
        resume.unlink(missing_ok=True)
        raise
    return result, resume


def train_classifier(data_path: Path, params: dict[str, Any], seed: int, out: Path) -> None:
    torch.manual_seed(seed)
    data = load_prepared(data_path)
    meta = data["meta"]
    # The class names travel with the evaluator, so that whatever it judges is reported by name.
    build = {"shape": meta["shape"], "num_classes": len(meta["classes"]), "classes": meta["classes"], "params": params}
    model = build_model("classifier", build)
    device = pick_device()
    result, resume = _fit(model, params, seed, out, f"classifier[{meta['dataset']},seed={seed}]",
                          _split(data, "train", device), _split(data, "val", device))
    save_model(out, "classifier", build, model, result)
    resume.unlink(missing_ok=True)


def train_vae(data_path: Path, params: dict[str, Any], seed: int, out: Path) -> None:
    torch.manual_seed(seed)
    data = load_prepared(data_path)
    meta = data["meta"]
    output = dataset_info(meta["dataset"]).decoder_output
    build = {"shape": meta["shape"], "output": output, "params": params}
    model = build_model("vae", build)
    device = pick_device()
    name = f"vae[{meta['dataset']},z={params['latent_dim']},seed={seed}]"
    result, resume = _fit(model, params, seed, out, name,
                          _split(data, "train", device, False), _split(data, "val", device, False))
    save_model(out, "vae", build, model, result)
    resume.unlink(missing_ok=True)


@torch.inference_mode()
def _batched(fn, x: Tensor, batch_size: int = 4096) -> Tensor:
    device = pick_device()
    return torch.cat([fn(as_float(x[i : i + batch_size].to(device))).cpu() for i in range(0, len(x), batch_size)])


def encode_latents(data_path: Path, vae_path: Path, out: Path) -> None:
    """The frozen encoder's posterior of every sample, computed once and shared by associators."""
    data = load_prepared(data_path)
    vae = load_model(vae_path)
    latents: dict[str, Tensor] = {}
    for split in ("train", "val", "test"):
        stats = _batched(lambda x: torch.cat(vae.encode(x), dim=1), data[f"x_{split}"])
        latents[f"mu_{split}"], latents[f"logvar_{split}"] = stats.chunk(2, dim=1)
        latents[f"y_{split}"] = data[f"y_{split}"]
    atomic_torch_save(latents, out)


def train_associator(
    source_latents: Path, target_data: Path, target_vae: Path, params: dict[str, Any],
    class_map: dict[int, int], paired_fraction: float, seed: int, out: Path,
) -> None:
    torch.manual_seed(seed)
    device = pick_device()
    z = load_weights(source_latents)
    tgt = load_prepared(target_data)
    vae = load_model(target_vae, device)
    source_dim, target_dim = z["mu_train"].shape[1], vae.config.latent_dim
    train, val = _paired_splits(
        {split: {"mu_src": z[f"mu_{split}"], "logvar_src": z[f"logvar_{split}"]} for split in ("train", "val")},
        {split: z[f"y_{split}"] for split in ("train", "val")}, tgt, class_map, paired_fraction, seed, device,
    )
    build = {"source_dim": source_dim, "target_dim": target_dim, "params": params}
    associator = build_model("associator", build)
    trainer_model = AssociatorTrainer(associator, vae.decoder, AssociatorConfig.from_params(params))
    log.info("associator: %d paired training sources (fraction %g), %d pairs an epoch", train.num_sources,
             paired_fraction, len(train))
    result, resume = _fit(trainer_model, params, seed, out, f"associator[{out.parent.name},p={paired_fraction:g},seed={seed}]", train, val)
    save_model(out, "associator", build, associator, result)
    resume.unlink(missing_ok=True)


def _modality_record(data: dict[str, Any], architecture: dict[str, Any]) -> dict[str, Any]:
    meta = data["meta"]
    return {"name": meta["dataset"], "shape": meta["shape"], "output": dataset_info(meta["dataset"]).decoder_output,
            "architecture": architecture}


def train_baseline(
    method: str, source_data: Path, target_data: Path, params: dict[str, Any],
    class_map: dict[int, int], paired_fraction: float, seed: int, out: Path,
) -> None:
    """One baseline of AVAE Table 1 on one scenario, on the pairs AVAE's associator sees.

    ``params``: the method's hyperparameters with ``latent_dim`` and the per-modality
    ``architectures`` (``{"source": ..., "target": ...}``, each dataset's ``models.vae`` one).
    Batches hold each modality's samples under its dataset's name.
    """
    if method not in BASELINES:
        raise ValueError(f"unknown baseline {method!r}; known: {sorted(BASELINES)}")
    torch.manual_seed(seed)
    device = pick_device()
    src, tgt = load_prepared(source_data), load_prepared(target_data)
    train, val = _paired_splits(
        {split: {src["meta"]["dataset"]: src[f"x_{split}"]} for split in ("train", "val")},
        {split: src[f"y_{split}"] for split in ("train", "val")}, tgt, class_map, paired_fraction, seed, device,
        target_key=tgt["meta"]["dataset"],
    )
    architectures = params["architectures"]
    build = {"method": method, "source": _modality_record(src, architectures["source"]),
             "target": _modality_record(tgt, architectures["target"]), "params": params}
    model = build_model("baseline", build)
    name = f"{method}[{src['meta']['dataset']}->{tgt['meta']['dataset']},p={paired_fraction:g},seed={seed}]"
    log.info("%s: %d paired training sources (fraction %g), %d pairs an epoch", name, train.num_sources,
             paired_fraction, len(train))
    result, resume = _fit(model, params, seed, out, name, train, val)
    save_model(out, "baseline", build, model, result)
    resume.unlink(missing_ok=True)


# --- evaluation --------------------------------------------------------------------------------


def _accuracy(classifier: Classifier, x: Tensor, y: Tensor) -> float:
    predictions = _batched(lambda b: classifier.logits(b).argmax(dim=1), x)
    return 100.0 * (predictions == y).float().mean().item()


def evaluate_classifier(data_path: Path, classifier_path: Path, seed: int, out: Path) -> None:
    data = load_prepared(data_path)
    accuracy = _accuracy(load_model(classifier_path), data["x_test"], data["y_test"])
    row = metric_row("table2", "classifier", "accuracy", accuracy, source=data["meta"]["dataset"], seed=seed)
    write_metrics(out, [row])


def evaluate_vae(data_path: Path, vae_path: Path, classifier_path: Path, seed: int, out: Path) -> None:
    """Table 2: the evaluator's accuracy on VAE reconstructions of the test set."""
    data = load_prepared(data_path)
    vae = load_model(vae_path)
    reconstructions = _batched(vae.reconstruct, data["x_test"])
    accuracy = _accuracy(load_model(classifier_path), reconstructions, data["y_test"])
    row = metric_row("table2", "vae", "accuracy", accuracy, source=data["meta"]["dataset"],
                     latent_dim=vae.config.latent_dim, seed=seed)
    write_metrics(out, [row])


def _classifier_classes(path: Path) -> list[str]:
    return json.loads(load_weights(path)["build"])["classes"]


def _latent_dims_label(dims: list[int]) -> str:
    """``"64"`` when every latent space along a path has the same size, else e.g. ``"256/64"``."""
    return str(dims[0]) if len(set(dims)) == 1 else "/".join(str(d) for d in dims)


def _mapped_test_set(data: dict[str, Any], class_map: dict[int, int]) -> tuple[Tensor, Tensor, Tensor]:
    """Source test samples whose class takes part in ``class_map``, their labels and expected classes."""
    keep = mapped_only(data["y_test"], class_map)
    x, y = data["x_test"][keep], data["y_test"][keep]
    return x, y, torch.tensor([class_map[int(c)] for c in y], dtype=torch.long)


def _predict(classifier: Classifier, generated: Tensor) -> Tensor:
    return _batched(lambda b: classifier.logits(b).argmax(dim=1), generated)


def _method_summary_rows(
    method: str, source: str, target: str, paired_fraction: float, latent_dims: str, seed: int, models: list[Path],
) -> list[MetricRow]:
    """The parameter-efficiency table: what a method trains for one scenario, summed over its models
    (from the summaries ``save_model`` writes beside them)."""
    summaries = [json.loads(path.with_suffix(".json").read_text()) for path in models]
    return [
        metric_row("methods", method, metric, sum(summary[metric] for summary in summaries), source=source,
                   target=target, paired_fraction=paired_fraction, latent_dim=latent_dims, seed=seed)
        for metric in ("trainable_parameters", "train_seconds")
    ]


def evaluate_generator(
    model: CrossModalGenerator, source: str, target: str, source_data: Path, target_classifier: Path,
    class_map: dict[int, int], paired_fraction: float, seed: int, latent_dims: str, label: str,
    out: Path, experiment: str, method: str, grid_samples: int = 0, samples_out: Path | None = None,
    summary_models: list[Path] | None = None,
) -> None:
    """The paper's metric for any cross-modal method: the target classifier's accuracy on what
    ``model`` generates from the source test set (Table 1, Figure 5, ours-flex), and optionally the
    method's summary rows (``summary_models``) and the qualitative grid's data (``samples_out``).
    ``label`` names the method in the grid's title."""
    src = load_prepared(source_data)
    x, y, expected = _mapped_test_set(src, class_map)
    generated = _batched(lambda b: model.cross_generate(source, target, b), x)
    predictions = _predict(load_model(target_classifier), generated)
    accuracy = 100.0 * (predictions == expected).float().mean().item()
    rows = [metric_row(experiment, method, "accuracy", accuracy, source=source, target=target,
                       paired_fraction=paired_fraction, latent_dim=latent_dims, seed=seed)]
    if summary_models:
        rows += _method_summary_rows(method, source, target, paired_fraction, latent_dims, seed, summary_models)
    write_metrics(out, rows)
    log.info("%s %s %s -> %s: %.2f%% on %d test samples", experiment, method, source, target, accuracy, len(x))
    if samples_out is None:
        return
    # One example per class (in class order) for the qualitative grid.
    picks = [int((y == c).nonzero()[0]) for c in sorted(class_map) if (y == c).any()][:grid_samples]
    with atomic_path(samples_out) as tmp, open(tmp, "wb") as fh:  # a file object: no ".npz" appended
        np.savez_compressed(
            fh,
            source=as_float(x[picks]).numpy(), generated=generated[picks].numpy(),
            source_label=y[picks].numpy(), expected=expected[picks].numpy(), predicted=predictions[picks].numpy(),
            source_modality=dataset_info(source).modality, target_modality=dataset_info(target).modality,
            source_classes=np.array(src["meta"]["classes"]), target_classes=np.array(_classifier_classes(target_classifier)),
            title=f"{dataset_info(source).title} -> {dataset_info(target).title} ({label}, seed {seed})",
        )


def evaluate_association(
    source: str, target: str, source_data: Path, source_vae: Path, associator_path: Path, target_vae: Path, target_classifier: Path,
    class_map: dict[int, int], paired_fraction: float, seed: int, grid_samples: int,
    out: Path, samples_out: Path | None = None, experiment: str = "table1", method: str = "avae",
    method_summary: bool = False,
) -> None:
    """AVAE's E_i -> A_ji -> D_j; its summary counts both VAEs and the associator (``method_summary``)."""
    vaes = {source: load_model(source_vae), target: load_model(target_vae)}
    model = AssociativeVAE(vaes, {(source, target): load_model(associator_path)})
    dims = _latent_dims_label([vaes[source].config.latent_dim, vaes[target].config.latent_dim])
    evaluate_generator(model, source, target, source_data, target_classifier, class_map, paired_fraction, seed, dims,
                       "AVAE", out, experiment, method, grid_samples, samples_out,
                       [source_vae, target_vae, associator_path] if method_summary else None)


def evaluate_baseline(
    source: str, target: str, source_data: Path, model_path: Path, target_classifier: Path,
    class_map: dict[int, int], paired_fraction: float, seed: int, out: Path, experiment: str = "table1",
    grid_samples: int = 0, samples_out: Path | None = None, method_summary: bool = False,
) -> None:
    """A baseline of AVAE Table 1; the metrics' method column is the one it was trained as."""
    model = load_model(model_path)
    evaluate_generator(model, source, target, source_data, target_classifier, class_map, paired_fraction, seed,
                       str(model.latent_dim), BASELINES[model.method].full_title, out, experiment, model.method,
                       grid_samples, samples_out, [model_path] if method_summary else None)


def evaluate_cascade(
    path: list[str], source_data: Path, vae_paths: list[Path], leg_associators: list[Path], direct_associator: Path,
    target_classifier: Path, leg_class_maps: list[dict[int, int]], direct_class_map: dict[int, int], seed: int, out: Path,
) -> None:
    """Table 3: accuracy of generating along ``path`` through its associators, and directly.

    Both are measured on the same source test samples: those whose class reaches the target
    through every leg and through the direct associator.
    """
    legs = len(path) - 1
    if legs < 2 or len(vae_paths) != len(path) or len(leg_associators) != legs or len(leg_class_maps) != legs:
        raise ValueError(f"a cascade {path} needs at least two legs, one VAE per dataset, and one associator "
                         f"and class map per leg (got {len(vae_paths)}, {len(leg_associators)}, {len(leg_class_maps)})")
    source, target = path[0], path[-1]
    through = compose_class_maps(leg_class_maps)
    common = {c: t for c, t in through.items() if direct_class_map.get(c) == t}
    if not common:
        raise ValueError(f"no source class of {source} reaches the same {target} class through {path} and directly")
    vaes = {name: load_model(p) for name, p in zip(path, vae_paths)}
    associators = {(s, t): load_model(p) for (s, t), p in zip(zip(path[:-1], path[1:]), leg_associators)}
    associators[(source, target)] = load_model(direct_associator)
    model = AssociativeVAE(vaes, associators)
    x, _, expected = _mapped_test_set(load_prepared(source_data), common)
    classifier = load_model(target_classifier)
    rows = []
    for method, route in (("avae_cascade", path), ("avae", [source, target])):
        generated = _batched(functools.partial(model.associate, route), x)
        accuracy = 100.0 * (_predict(classifier, generated) == expected).float().mean().item()
        dims = _latent_dims_label([vaes[name].config.latent_dim for name in route])
        rows.append(metric_row("table3", method, "accuracy", accuracy, source=source, target=target,
                               paired_fraction=1.0, latent_dim=dims, seed=seed))
        log.info("table3 %s %s: %.2f%% on %d test samples", method, " -> ".join(route), accuracy, len(x))
    write_metrics(out, rows)


def collect_metrics(fragments: list[Path], out: Path) -> None:
    rows: list[MetricRow] = []
    for fragment in fragments:
        rows.extend(read_metrics(fragment))
    write_metrics(out, rows)
