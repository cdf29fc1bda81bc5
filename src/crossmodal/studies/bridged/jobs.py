"""The Bridged VAE study's jobs: train a method (the Bridged VAE's bridges from its trained joint
model), and score it: importance-sampled log-likelihoods (Tables 1, 2, 4), label errors from
q(z|x), label-conditioned generation (accuracy by the evaluator, diversity), cross-generation
between the trimodal images, and parameter counts. One engine (crossmodal.engine via ``fit``)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from crossmodal.data.datasets import dataset_info
from crossmodal.data.prepare import load_prepared
from crossmodal.engine import TensorBatches, as_float, pick_device
from crossmodal.io import atomic_path, load_weights
from crossmodal.jobs.store import batched, load_model, load_multimodal, save_model
from crossmodal.jobs.training import fit
from crossmodal.methods import METHODS
from crossmodal.metrics import MetricRow, metric_row, write_metrics
from crossmodal.models import build_multimodal
from crossmodal.models.base import MultimodalVAE
from crossmodal.models.bridged import negative_log_likelihood
from crossmodal.objectives import importance_sampled_log_likelihood
from crossmodal.studies.bridged.data import LABEL, image_modalities, modality_records, paired_split
from crossmodal.studies.bridged.specs import BridgedEvaluateSpec, BridgedGridSpec, BridgedTrainSpec

log = logging.getLogger(__name__)
KIND = "bridged"
# metrics.csv experiments of the study (crossmodal.studies.bridged.STUDY lists them).
# Table 1 and 2 are the bimodal setting's test and training log-likelihoods, Table 4 the trimodal test ones.
LOG_LIKELIHOOD = {("bimodal", "test"): "bridged_table1", ("bimodal", "train"): "bridged_table2",
                  ("trimodal", "test"): "bridged_table4"}
LABELS, GENERATION, CROSS, PARAMETERS = "bridged_labels", "bridged_generation", "bridged_cross", "bridged_parameters"
GAP = "gap"  # the source of a row q(z|every modality) - q(z|image), the tables' difference column


def train(spec: BridgedTrainSpec) -> None:
    torch.manual_seed(spec.seed)
    device = pick_device()
    prepared = {name: load_prepared(path) for name, path in spec.data.items()}
    build = {"method": spec.method, "params": spec.params,
             "modalities": modality_records(prepared, spec.modalities, spec.params["architectures"])}
    model = build_multimodal(build)
    if spec.init is not None:
        # The joint model's encoders, central block and decoders; the bridges start fresh.
        missing, unexpected = model.load_state_dict(load_weights(spec.init)["state_dict"], strict=False)
        if unexpected or any(not key.startswith("bridges.") for key in missing):
            raise ValueError(f"{spec.init}: not the joint model of this Bridged VAE (missing {missing}, "
                             f"unexpected {unexpected})")
    batches = [TensorBatches(paired_split(prepared, spec.modalities, split, spec.pairing_seed)[0]).to(device)
               for split in ("train", "val")]
    name = f"{spec.method}[{'+'.join(spec.modalities)},seed={spec.seed}]"
    result, resume = fit(model, spec.params, spec.seed, spec.out, name, *batches)
    save_model(spec.out, KIND, build, model, result)
    resume.unlink(missing_ok=True)


def can_encode(model: MultimodalVAE, observed: Sequence[str]) -> bool:
    """Whether ``model`` has a posterior given exactly the modalities ``observed``."""
    if not set(observed) <= set(model.modalities):
        return False
    probe = {name: torch.zeros((2, *model.modalities[name].shape), device=next(model.parameters()).device)
             for name in observed}
    try:
        model.encode(probe, list(observed))
    except ValueError:
        return False
    return True


def image_log_likelihood(model: MultimodalVAE, image: str, observed: Sequence[str], x: Mapping[str, Tensor],
                         samples: int, chunk: int, generator: torch.Generator, batch_size: int = 50) -> Tensor:
    """log p(x_image) per example, importance-sampled from q(z|observed)."""
    estimates = []
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(x[image]), batch_size):
            batch = {name: as_float(x[name][start:start + batch_size].to(device)) for name in [*observed, image]}
            target = batch[image]

            def log_p(z: Tensor, target: Tensor = target) -> Tensor:
                k, b, d = z.shape
                decoded = model.decoders[image](z.reshape(k * b, d))
                repeated = target.unsqueeze(0).expand(k, *target.shape).reshape(k * b, *target.shape[1:])
                return -negative_log_likelihood(model.modalities[image], repeated, decoded).reshape(k, b)

            estimates.append(importance_sampled_log_likelihood(log_p, model.encode(batch, list(observed)), samples,
                                                               chunk, generator).cpu())
    return torch.cat(estimates)


def proposals(model: MultimodalVAE, study_modalities: Sequence[str], image: str) -> list[list[str]]:
    """The proposals an image is scored under: every modality of the setting, and the image alone."""
    return [list(observed) for observed in (list(study_modalities), [image]) if can_encode(model, observed)]


def log_likelihood_rows(model: MultimodalVAE, spec: BridgedEvaluateSpec, splits: Mapping[str, dict[str, Tensor]],
                        row: Callable[..., MetricRow]) -> list[MetricRow]:
    rows = []
    generator = torch.Generator().manual_seed(spec.seed)
    for split, x in splits.items():
        experiment = LOG_LIKELIHOOD[(spec.setting, split)]
        for image in image_modalities(spec.study_modalities):
            means = {}
            for observed in proposals(model, spec.study_modalities, image):
                ll = image_log_likelihood(model, image, observed, x, spec.importance_samples, spec.chunk, generator)
                means[len(observed)] = ll.mean().item()
                rows.append(row(experiment, "log_likelihood", means[len(observed)], source="+".join(observed),
                                target=image))
            if len(means) == 2:
                rows.append(row(experiment, "log_likelihood_gap", means[len(spec.study_modalities)] - means[1],
                                source=GAP, target=image))
    return rows


def label_error_rows(model: MultimodalVAE, x: Mapping[str, Tensor], labels: Tensor, image: str,
                     row: Callable[..., MetricRow]) -> list[MetricRow]:
    """Errors of the label decoded from q(z|x)'s mean, out of the test images (Table 5's analogue)."""
    if LABEL not in model.modalities or not can_encode(model, [image]):
        return []
    predicted = batched(lambda b: model.decode(model.encode({image: b}, [image])[0], [LABEL])[LABEL].argmax(1), x[image])
    errors = int((predicted != labels).sum())
    return [row(LABELS, "label_errors", errors, source=image, target=LABEL),
            row(LABELS, "test_images", len(labels), source=image, target=LABEL)]


def mean_pairwise_distance(samples: Tensor) -> float:
    """Mean Euclidean distance over every pair of the samples (flattened)."""
    flat = samples.flatten(1)
    return torch.pdist(flat).mean().item() if len(flat) > 1 else 0.0


def generation_rows(model: MultimodalVAE, classifiers: Mapping[str, torch.nn.Module], count: int, classes: int,
                    generator: torch.Generator, row: Callable[..., MetricRow]) -> list[MetricRow]:
    """Images generated from each label through samples of q(z|y): the evaluator's accuracy on them
    and their diversity (mean pairwise distance within a label, averaged over the labels)."""
    if LABEL not in model.modalities or not can_encode(model, [LABEL]):
        return []
    device = next(model.parameters()).device
    rows = []
    for image, classifier in classifiers.items():
        correct, diversity = 0, []
        with torch.inference_mode():
            for c in range(classes):
                y = torch.nn.functional.one_hot(torch.full((count,), c, device=device), classes).float()
                mu, logvar = model.encode({LABEL: y}, [LABEL])
                z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator).to(device)
                images = model.decode(z, [image])[image]
                correct += int((classifier.logits(images).argmax(1) == c).sum())
                diversity.append(mean_pairwise_distance(images.cpu()))
        rows += [row(GENERATION, "accuracy", 100.0 * correct / (count * classes), source=LABEL, target=image),
                 row(GENERATION, "diversity", sum(diversity) / len(diversity), source=LABEL, target=image)]
    return rows


def cross_generation_rows(model: MultimodalVAE, x: Mapping[str, Tensor], labels: Tensor,
                          classifiers: Mapping[str, torch.nn.Module], images: Sequence[str],
                          row: Callable[..., MetricRow]) -> list[MetricRow]:
    """Figures 6-7 measured: each image dataset generated from the other's test images through
    q(z|source), judged by the target's evaluator against the shared class."""
    rows = []
    for source, target in itertools.permutations(images, 2):
        if not can_encode(model, [source]):
            continue
        generated = batched(lambda b: model.cross_generate(source, target, b), x[source])
        predictions = batched(lambda b: classifiers[target].logits(b).argmax(1), generated)
        rows.append(row(CROSS, "accuracy", 100.0 * (predictions == labels).float().mean().item(), source=source,
                        target=target))
    return rows


def evaluate(spec: BridgedEvaluateSpec) -> None:
    torch.manual_seed(spec.seed)
    model = load_multimodal(spec.model)
    prepared = {name: load_prepared(path) for name, path in spec.data.items()}
    classifiers = {name: load_model(path) for name, path in spec.classifiers.items()}
    latent = model.latent_dim

    def row(experiment: str, metric: str, value: float, **fields: Any) -> MetricRow:
        return metric_row(experiment, model.method, metric, value, latent_dim=latent, seed=spec.seed, **fields)

    test, labels = paired_split(prepared, spec.study_modalities, "test", spec.pairing_seed)
    if spec.test_examples is not None:
        test, labels = {k: v[:spec.test_examples] for k, v in test.items()}, labels[:spec.test_examples]
    splits = {"test": test}
    if spec.train_examples > 0:
        train_split, _ = paired_split(prepared, spec.study_modalities, "train", spec.pairing_seed)
        splits["train"] = {k: v[:spec.train_examples] for k, v in train_split.items()}
    images = image_modalities(spec.study_modalities)
    rows = log_likelihood_rows(model, spec, splits, row)
    rows += [row(PARAMETERS, "trainable_parameters", sum(p.numel() for p in model.parameters()), source=spec.setting)]
    if spec.setting == "bimodal":
        rows += label_error_rows(model, test, labels, images[0], row)
        classes = len(next(iter(prepared.values()))["meta"]["classes"])
        rows += generation_rows(model, classifiers, spec.generation_samples, classes,
                                torch.Generator().manual_seed(spec.seed), row)
    else:
        rows += cross_generation_rows(model, test, labels, classifiers, images, row)
    write_metrics(spec.out, rows)
    log.info("%s: %d metric rows -> %s", model.method, len(rows), spec.out)




def cross_generation_grid(spec: BridgedGridSpec) -> None:
    """Figures 6-7's data: one test image of each class of ``source`` and the ``target`` image the
    model generates from it through q(z|source), with the target evaluator's prediction (the
    package's qualitative-grid format, drawn by the ``plot`` job's ``samples`` figure)."""
    model = load_multimodal(spec.model)
    prepared = {name: load_prepared(path) for name, path in spec.data.items()}
    test, labels = paired_split(prepared, spec.study_modalities, "test", spec.pairing_seed)
    classes = prepared[spec.source]["meta"]["classes"]
    picks = [int((labels == c).nonzero()[0, 0]) for c in range(len(classes)) if (labels == c).any()][:spec.samples]
    x = test[spec.source][picks]
    generated = batched(lambda b: model.cross_generate(spec.source, spec.target, b), x)
    classifier = load_model(spec.target_classifier)
    predicted = batched(lambda b: classifier.logits(b).argmax(1), generated)
    title = (f"{dataset_info(spec.source).title} -> {dataset_info(spec.target).title} "
             f"({METHODS[model.method].title}, seed {spec.seed})")
    with atomic_path(spec.out) as tmp, open(tmp, "wb") as fh:  # a file object: no ".npz" appended
        np.savez_compressed(fh, source=as_float(x).numpy(), generated=generated.numpy(), source_label=labels[picks].numpy(),
                            expected=labels[picks].numpy(), predicted=predicted.numpy(), source_modality="image",
                            target_modality="image", source_classes=np.array(classes),
                            target_classes=np.array(prepared[spec.target]["meta"]["classes"]), title=title)
