"""Evaluation jobs: the evaluator classifier's accuracy on test data, reconstructions and what a
cross-modal method generates (Tables 1-3, Figure 5), with the methods rows and grid data."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from crossmodal.config import compose_class_maps
from crossmodal.data.datasets import dataset_info
from crossmodal.data.pairing import mapped_only
from crossmodal.data.prepare import load_prepared
from crossmodal.engine import as_float
from crossmodal.io import atomic_path, load_weights
from crossmodal.jobs.specs import (
    CascadeSpec, CrossModalSpec, EvaluateAssociationSpec, EvaluateBaselineSpec, EvaluateClassifierSpec, EvaluateVAESpec,
)
from crossmodal.jobs.store import batched, load_model
from crossmodal.methods import METHODS
from crossmodal.metrics import MetricRow, metric_row, write_metrics
from crossmodal.models.avae import AssociativeVAE
from crossmodal.models.base import CrossModalGenerator
from crossmodal.models.classifier import Classifier

log = logging.getLogger(__name__)


def classifier_accuracy(classifier: Classifier, x: Tensor, y: Tensor) -> float:
    predictions = batched(lambda b: classifier.logits(b).argmax(dim=1), x)
    return 100.0 * (predictions == y).float().mean().item()


def evaluate_classifier(spec: EvaluateClassifierSpec) -> None:
    data_path, classifier_path, seed, out = spec.data, spec.classifier, spec.seed, spec.out
    data = load_prepared(data_path)
    accuracy = classifier_accuracy(load_model(classifier_path), data["x_test"], data["y_test"])
    row = metric_row("table2", "classifier", "accuracy", accuracy, source=data["meta"]["dataset"], seed=seed)
    write_metrics(out, [row])


def evaluate_vae(spec: EvaluateVAESpec) -> None:
    """Table 2: the evaluator's accuracy on VAE reconstructions of the test set."""
    data_path, vae_path, classifier_path, seed, out = spec.data, spec.vae, spec.classifier, spec.seed, spec.out
    data = load_prepared(data_path)
    vae = load_model(vae_path)
    reconstructions = batched(vae.reconstruct, data["x_test"])
    accuracy = classifier_accuracy(load_model(classifier_path), reconstructions, data["y_test"])
    row = metric_row("table2", "vae", "accuracy", accuracy, source=data["meta"]["dataset"],
                     latent_dim=vae.config.latent_dim, seed=seed)
    write_metrics(out, [row])


def classifier_classes(path: Path) -> list[str]:
    return json.loads(load_weights(path)["build"])["classes"]


def latent_dims_label(dims: list[int]) -> str:
    """``"64"`` when every latent space along a path has the same size, else e.g. ``"256/64"``."""
    return str(dims[0]) if len(set(dims)) == 1 else "/".join(str(d) for d in dims)


def mapped_test_set(data: dict[str, Any], class_map: dict[int, int]) -> tuple[Tensor, Tensor, Tensor]:
    """Source test samples whose class takes part in ``class_map``, their labels and expected classes."""
    keep = mapped_only(data["y_test"], class_map)
    x, y = data["x_test"][keep], data["y_test"][keep]
    return x, y, torch.tensor([class_map[int(c)] for c in y], dtype=torch.long)


def predict(classifier: Classifier, generated: Tensor) -> Tensor:
    return batched(lambda b: classifier.logits(b).argmax(dim=1), generated)


def method_summary_rows(
    method: str, source: str, target: str, paired_fraction: float, latent_dims: str, seed: int, models: list[Path],
    experiment: str = "methods",
) -> list[MetricRow]:
    """The parameter-efficiency table: what a method trains for one scenario, summed over its models
    (from the summaries ``save_model`` writes beside them)."""
    summaries = [json.loads(path.with_suffix(".json").read_text()) for path in models]
    return [
        metric_row(experiment, method, metric, sum(summary[metric] for summary in summaries), source=source,
                   target=target, paired_fraction=paired_fraction, latent_dim=latent_dims, seed=seed)
        for metric in ("trainable_parameters", "train_seconds")
    ]


def save_predictions(out: Path, correct: Tensor) -> None:
    """Each test sample's verdict (was its generation classified as expected), packed in bits: the
    benchmark resamples them for paired intervals (:func:`load_predictions`)."""
    flags = correct.cpu().numpy().astype(bool)
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:  # a file object: no ".npz" appended
        np.savez_compressed(fh, correct=np.packbits(flags), count=np.int64(len(flags)))


def load_predictions(path: Path) -> np.ndarray:
    with np.load(path, allow_pickle=False) as data:
        return np.unpackbits(data["correct"], count=int(data["count"])).astype(bool)


def evaluate_generator(
    model: CrossModalGenerator, spec: CrossModalSpec, *, method: str, latent_dims: str, label: str,
    summary_models: list[Path],
) -> None:
    """The paper's metric for any cross-modal method: the target classifier's accuracy on what
    ``model`` generates from the source test set (Table 1, Figure 5, ours-flex, the benchmark), and
    optionally the method's summary rows (``spec.method_summary``: of ``summary_models``), each
    sample's verdict (``spec.predictions_out``) and the qualitative grid's data
    (``spec.samples_out``). ``label`` names the method in the grid's title."""
    source, target, source_data, target_classifier = spec.source, spec.target, spec.source_data, spec.target_classifier
    class_map, paired_fraction, seed, experiment = spec.class_map, spec.paired_fraction, spec.seed, spec.experiment
    out, samples_out, grid_samples = spec.out, spec.samples_out, spec.grid_samples
    src = load_prepared(source_data)
    x, y, expected = mapped_test_set(src, class_map)
    generated = batched(lambda b: model.cross_generate(source, target, b), x)
    predictions = predict(load_model(target_classifier), generated)
    correct = predictions == expected
    accuracy = 100.0 * correct.float().mean().item()
    rows = [metric_row(experiment, method, "accuracy", accuracy, source=source, target=target,
                       paired_fraction=paired_fraction, latent_dim=latent_dims, seed=seed)]
    if spec.method_summary:
        rows += method_summary_rows(method, source, target, paired_fraction, latent_dims, seed, summary_models,
                                    spec.summary_experiment)
    if spec.predictions_out is not None:
        save_predictions(spec.predictions_out, correct)
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
            source_classes=np.array(src["meta"]["classes"]), target_classes=np.array(classifier_classes(target_classifier)),
            title=f"{dataset_info(source).title} -> {dataset_info(target).title} ({label}, seed {seed})",
        )


def evaluate_association(spec: EvaluateAssociationSpec) -> None:
    """AVAE's E_i -> A_ji -> D_j; its summary counts both VAEs and the associator."""
    vaes = {spec.source: load_model(spec.source_vae), spec.target: load_model(spec.target_vae)}
    model = AssociativeVAE(vaes, {(spec.source, spec.target): load_model(spec.associator)})
    dims = latent_dims_label([vaes[spec.source].config.latent_dim, vaes[spec.target].config.latent_dim])
    evaluate_generator(model, spec, method=spec.method, latent_dims=dims, label="AVAE",
                       summary_models=[spec.source_vae, spec.target_vae, spec.associator])


def evaluate_baseline(spec: EvaluateBaselineSpec) -> None:
    """A pairwise method's model (AVAE Table 1's baselines, the benchmark's); the metrics' method
    column is the one it was trained as."""
    model = load_model(spec.model)
    evaluate_generator(model, spec, method=model.method, latent_dims=str(model.latent_dim),
                       label=METHODS[model.method].full_title, summary_models=[spec.model])


def evaluate_cascade(spec: CascadeSpec) -> None:
    """Table 3: accuracy of generating along ``path`` through its associators, and directly.

    Both are measured on the same source test samples: those whose class reaches the target
    through every leg and through the direct associator.
    """
    path, source_data, vae_paths, leg_associators = spec.path, spec.source_data, spec.vaes, spec.associators
    direct_associator, target_classifier, leg_class_maps = spec.direct_associator, spec.target_classifier, spec.class_maps
    direct_class_map, seed, out = spec.direct_class_map, spec.seed, spec.out
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
    x, _, expected = mapped_test_set(load_prepared(source_data), common)
    classifier = load_model(target_classifier)
    rows = []
    for method, route in (("avae_cascade", path), ("avae", [source, target])):
        generated = batched(functools.partial(model.associate, route), x)
        accuracy = 100.0 * (predict(classifier, generated) == expected).float().mean().item()
        dims = latent_dims_label([vaes[name].config.latent_dim for name in route])
        rows.append(metric_row("table3", method, "accuracy", accuracy, source=source, target=target,
                               paired_fraction=1.0, latent_dim=dims, seed=seed))
        log.info("table3 %s %s: %.2f%% on %d test samples", method, " -> ".join(route), accuracy, len(x))
    write_metrics(out, rows)
