"""What the M2VAE study measures of a trained model, on the test split, for each encoder subset:

- ``elbo_sum`` and ``elbo_mean``: Eq. 12 (every modality decoded), the reconstruction term summed
  over the features, or averaged over them (Keras' ``binary_crossentropy``, which the paper's scale
  suggests); the table states which one lands on the paper's scale;
- ``knn_accuracy``: k-NN class accuracy (%) of test latent means against training latent means;
- ``kl_to_joint``: the mean ``KL(q(z|M) || q(z|S))`` from the joint posterior to the subset's;
- MoG, ``ambiguous_spread_<classes>``: the mean distance between the class centroids of an
  ambiguous group relative to the mean distance between all class centroids (0: merged);
- e-MNIST, ``cross_accuracy`` (target ``a->b``, ``b->a``): the evaluator classifier's accuracy (%)
  on the other modality generated through the source's unimodal encoder.

It also writes the model's figure data: latent means per subset, and, for a 2-D latent space, the
auto re-encoding trajectories (MoG, Fig. 6) or the decodings along a 2-sigma grid (e-MNIST, Fig. 7).
Another latent size gets a PCA projection to 2-D and a note instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import torch
from torch import Tensor

from crossmodal.engine import as_float, pick_device
from crossmodal.io import atomic_path, load_weights
from crossmodal.jobs.store import load_model
from crossmodal.metrics import MetricRow, metric_row, write_metrics
from crossmodal.models.base import MultimodalVAE
from crossmodal.models.m2vae import subset_key
from crossmodal.objectives import eq12_elbo, kl_between_gaussians, reparameterize
from crossmodal.studies.m2vae.generate import MOG_AMBIGUOUS
from crossmodal.studies.m2vae.jobs import MODALITIES, load_study_model
from crossmodal.studies.m2vae.plan import check_subsets
from crossmodal.studies.m2vae.specs import DataFigureSpec, EvaluateStudyModelSpec

CHUNK = 2048
DRAWABLE_DIM = 2


def in_chunks(fn: Callable[[dict[str, Tensor]], Tensor], x: Mapping[str, Tensor]) -> Tensor:
    n = len(next(iter(x.values())))
    return torch.cat([fn({k: v[i:i + CHUNK] for k, v in x.items()}) for i in range(0, n, CHUNK)])


def split_inputs(data: Mapping[str, Any], split: str, device: torch.device, limit: int | None = None) -> dict[str, Tensor]:
    return {m: as_float(data[f"{m}_{split}"][:limit]).to(device) for m in MODALITIES}


def posterior(model: MultimodalVAE, x: Mapping[str, Tensor], subset: Sequence[str]) -> tuple[Tensor, Tensor]:
    stats = in_chunks(lambda chunk: torch.cat(model.encode(chunk, list(subset)), dim=1), x)
    mu, logvar = stats.chunk(2, dim=1)
    return mu, logvar


def eq12(model: MultimodalVAE, x: Mapping[str, Tensor], subset: Sequence[str], reduction: str, samples: int) -> Tensor:
    """Per-example Eq. 12 averaged over ``samples`` draws of z; ``reduction="mean"`` averages each
    modality's reconstruction term over its features instead of summing it."""
    def one_chunk(chunk: dict[str, Tensor]) -> Tensor:
        post = model.encode(chunk, list(subset))
        total = torch.zeros(len(post[0]), device=post[0].device)
        for _ in range(samples):
            z = reparameterize(*post)
            nlls = [model.reconstruction(chunk[m], model.decoders[m](z)) for m in model.modalities]
            if reduction == "mean":
                nlls = [nll / chunk[m][0].numel() for nll, m in zip(nlls, model.modalities)]
            total += eq12_elbo(nlls, z, post)
        return total / samples
    return in_chunks(one_chunk, x)


def knn_accuracy(reference: Tensor, reference_labels: Tensor, queries: Tensor, labels: Tensor, k: int) -> float:
    """Percentage of ``queries`` whose ``k`` nearest ``reference`` points vote for their class."""
    votes = []
    for i in range(0, len(queries), CHUNK):
        nearest = torch.cdist(queries[i:i + CHUNK], reference).topk(k, largest=False).indices
        votes.append(reference_labels[nearest].mode(dim=1).values)
    return float((torch.cat(votes) == labels).float().mean() * 100)


def centroid_spread(latents: Tensor, labels: Tensor, group: Sequence[int]) -> float:
    """Mean centroid distance within ``group`` over the mean centroid distance of all classes."""
    centroids = {int(c): latents[labels == c].mean(dim=0) for c in labels.unique()}

    def mean_distance(classes: Sequence[int]) -> float:
        pairs = list(combinations(classes, 2))
        return float(sum((centroids[a] - centroids[b]).norm() for a, b in pairs) / len(pairs))

    return mean_distance(list(group)) / mean_distance(sorted(centroids))


@torch.inference_mode()
def cross_accuracy(model: MultimodalVAE, x: Mapping[str, Tensor], labels: Tensor, source: str, target: str,
                   classifier: torch.nn.Module) -> float:
    predicted = in_chunks(lambda c: classifier.logits(model.cross_generate(source, target, c[source])).argmax(dim=1),
                          {source: x[source]})
    return float((predicted.cpu() == labels).float().mean() * 100)


def project_2d(latents: np.ndarray) -> np.ndarray:
    """The first two principal components (the fallback for a latent space that is not 2-D)."""
    centred = latents - latents.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:DRAWABLE_DIM].T


@torch.inference_mode()
def reencoding_trajectories(model: MultimodalVAE, subset: Sequence[str], seeds: Tensor, steps: int) -> Tensor:
    """Auto re-encoding (Sec. 5.2): ``z -> mean of q(z | decodings of z for the subset)``, ``steps`` times."""
    path = [seeds]
    for _ in range(steps):
        decoded = model.decode(path[-1], list(subset))
        path.append(model.encode(decoded, list(subset))[0])
    return torch.stack(path, dim=1)


def metrics_and_figure(model: MultimodalVAE, data: Mapping[str, Any], spec: EvaluateStudyModelSpec,
                       classifiers: Mapping[str, torch.nn.Module]) -> tuple[list[MetricRow], dict[str, np.ndarray]]:
    params, device = spec.params, next(model.parameters()).device
    subsets = check_subsets(params["subsets"], list(model.modalities))
    dataset = data["meta"]["dataset"]
    experiment = "m2vae" if spec.setting == "main" else "m2vae_sweep"
    x_test, y_test = split_inputs(data, "test", device), data["y_test"]
    x_ref, y_ref = split_inputs(data, "train", device, params["knn_reference"]), data["y_train"][:params["knn_reference"]]
    joint = posterior(model, x_test, list(model.modalities))
    figure: dict[str, np.ndarray] = {"labels": y_test[:params["points"]].numpy(), "method": np.array(spec.method),
                                     "dataset": np.array(dataset), "setting": np.array(spec.setting),
                                     "subsets": np.array([subset_key(s) for s in subsets]),
                                     "latent_dim": np.array(model.latent_dim)}
    rows: list[MetricRow] = []

    def row(target: str, metric: str, value: float) -> None:
        where = target if spec.setting == "main" else f"{target}@{spec.setting}"
        rows.append(metric_row(experiment, spec.method, metric, value, source=dataset, target=where,
                               latent_dim=model.latent_dim, seed=spec.seed))

    for subset in subsets:
        key = subset_key(subset)
        torch.manual_seed(spec.seed)
        for reduction in ("sum", "mean"):
            elbo = eq12(model, x_test, subset, reduction, params["elbo_samples"])
            row(key, f"elbo_{reduction}", float(elbo.mean()))
        mu = posterior(model, x_test, subset)[0].cpu()
        row(key, "knn_accuracy", knn_accuracy(posterior(model, x_ref, subset)[0].cpu(), y_ref, mu, y_test,
                                              params["knn_k"]))
        if len(subset) < len(model.modalities):
            row(key, "kl_to_joint", float(kl_between_gaussians(*joint, *posterior(model, x_test, subset)).mean()))
        if dataset == "mog":
            for group in (g for groups in MOG_AMBIGUOUS.values() for g in groups):
                row(key, f"ambiguous_spread_{'-'.join(map(str, group))}", centroid_spread(mu, y_test, group))
        shown = mu[:params["points"]].numpy()
        figure[f"latent_{key}"] = shown if model.latent_dim == DRAWABLE_DIM else project_2d(shown)
    for source, target in (("a", "b"), ("b", "a")):
        if target in classifiers:
            row(f"{source}->{target}", "cross_accuracy",
                cross_accuracy(model, x_test, y_test, source, target, classifiers[target]))
    figure.update(drawings(model, subsets, dataset, params, device))
    return rows, figure


def drawings(model: MultimodalVAE, subsets: Sequence[Sequence[str]], dataset: str, params: Mapping[str, Any],
             device: torch.device) -> dict[str, np.ndarray]:
    """Fig. 6's re-encoding trajectories (MoG) or Fig. 7's 2-sigma grid decodings (e-MNIST): drawn
    only in a 2-D latent space; another size gets a note saying why they are missing."""
    if model.latent_dim != DRAWABLE_DIM:
        return {"note": np.array(f"D_z = {model.latent_dim}: latent means shown as their first two principal "
                                 "components; the re-encoding trajectories and the 2-sigma grid need D_z = 2")}
    if dataset == "mog":
        generator = torch.Generator().manual_seed(0)
        seeds = (torch.rand(params["reencode_seeds"], DRAWABLE_DIM, generator=generator) * 4 - 2).to(device)
        steps = params["reencode_steps"]
        return {f"trajectory_{subset_key(s)}": reencoding_trajectories(model, s, seeds, steps).cpu().numpy()
                for s in subsets}
    axis = torch.linspace(-2, 2, params["grid"])
    # Row-major from the top left: z_2 falls down the rows, z_1 rises along each row.
    grid = torch.cartesian_prod(axis.flip(0), axis)[:, [1, 0]].to(device)
    with torch.inference_mode():
        decoded = model.decode(grid)
    return {f"grid_{m}": decoded[m].cpu().numpy().astype(np.float16) for m in model.modalities}


def write_npz(path: Any, arrays: Mapping[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def evaluate(spec: EvaluateStudyModelSpec) -> None:
    device = pick_device()
    model = load_study_model(spec.model, device)
    data = load_weights(spec.data)
    classifiers = {m: load_model(path, device) for m, path in spec.classifiers.items()}
    with torch.inference_mode():
        rows, figure = metrics_and_figure(model, data, spec, classifiers)
    write_metrics(spec.out, rows)
    if spec.figure_out is not None:
        write_npz(spec.figure_out, figure)


def data_figure(spec: DataFigureSpec) -> None:
    """A sample of a generated dataset's test split, as the data figure draws it."""
    data = load_weights(spec.data)
    arrays = {m: as_float(data[f"{m}_test"][:spec.points]).numpy() for m in MODALITIES}
    write_npz(spec.out, {**arrays, "labels": data["y_test"][:spec.points].numpy(),
                         "dataset": np.array(data["meta"]["dataset"])})
