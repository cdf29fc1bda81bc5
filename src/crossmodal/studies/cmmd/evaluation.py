"""The CMMD study's evaluation of one trained model, as ``metrics.csv`` rows:

* two-view MNIST (E1): the error (%) from x_o alone on validation and test, through the model's own
  classifier (CMMD, M-) or a linear probe on the latent mean given x_o (VCCA, VCCA-private, MVAE);
  the posterior-collapse fractions (CMMD, MVAE); the MMD term's cost per training step (CMMD);
* MNIST-FSDD (MNIST-SVHN): cross-modal accuracy, the partner generated from MNIST, judged by its evaluator;
* MNIST-FSDD-Text (MNIST-SVHN-Text): latent classification accuracy of a linear probe on each subset's latent mean,
  and the coherence of each modality generated from each subset, judged by its evaluator.

A CMMD model's metric names carry its omega (``test_error:omega=0.4``): the omega sweep's models
share the method's name. Linear probes are logistic regressions fitted on the training split.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from crossmodal.engine import as_float, pick_device
from crossmodal.jobs.store import load_model
from crossmodal.metrics import MetricRow, metric_row, write_metrics
from crossmodal.models.base import MultimodalVAE
from crossmodal.models.cmmd import CMMD, LABEL
from crossmodal.objectives import collapsed_fraction, kl_per_dimension, nonempty_subsets
from crossmodal.studies.cmmd.jobs import batches, load_dataset, load_trained
from crossmodal.studies.cmmd.names import EXPERIMENTS, tagged
from crossmodal.studies.cmmd.specs import EvaluateModelSpec

log = logging.getLogger(__name__)
Split = Mapping[str, Tensor]


@torch.inference_mode()
def in_batches(fn: Callable[[dict[str, Tensor]], Tensor], split: Split, batch_size: int = 1024) -> Tensor:
    """``fn`` over ``split`` (a modality -> tensor mapping) in batches, on the device, back on the CPU."""
    device, n = pick_device(), len(split[LABEL])
    return torch.cat([fn({k: as_float(v[i: i + batch_size].to(device)) for k, v in split.items()}).float().cpu()
                      for i in range(0, n, batch_size)])


def fit_linear_probe(x: Tensor, y: Tensor, num_classes: int, steps: int, weight_decay: float) -> Callable[[Tensor], Tensor]:
    """A logistic regression on standardised ``x`` (full-batch L-BFGS); returns its logits function."""
    mean, std = x.mean(dim=0), x.std(dim=0).clamp_min(1e-6)
    linear = torch.nn.Linear(x.shape[1], num_classes)
    optimizer = torch.optim.LBFGS(linear.parameters(), max_iter=steps, line_search_fn="strong_wolfe")
    z = (x - mean) / std

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(linear(z), y) + weight_decay * linear.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return lambda features: linear((features - mean) / std).detach()


def percent_correct(logits: Tensor, labels: Tensor) -> float:
    return 100.0 * (logits.argmax(dim=1) == labels).float().mean().item()


def latent_mean(model: MultimodalVAE, subset: Sequence[str]) -> Callable[[dict[str, Tensor]], Tensor]:
    return lambda batch: model.encode(batch, list(subset))[0]


def probe_accuracies(model: MultimodalVAE, splits: Mapping[str, Split], subset: Sequence[str], num_classes: int,
                     probe: Mapping[str, Any], scored: Sequence[str], few: bool) -> dict[str, float]:
    """Accuracy (%) of a linear probe fitted on the training split's latent means given ``subset``:
    on all of them, or (``few``) on ``probe.train_samples`` of them, as the paper's Tables 5 and H1
    (500 there)."""
    generator = torch.Generator().manual_seed(int(probe["seed"]))
    train = torch.randperm(len(splits["train"][LABEL]), generator=generator)
    train = train[: int(probe["train_samples"])] if few else train
    fitted = {key: value[train] for key, value in splits["train"].items()}
    features = {split: in_batches(latent_mean(model, subset), splits[split]) for split in scored}
    logits = fit_linear_probe(in_batches(latent_mean(model, subset), fitted), fitted[LABEL], num_classes,
                              int(probe["steps"]), float(probe["weight_decay"]))
    return {split: percent_correct(logits(features[split]), splits[split][LABEL]) for split in scored}


def omega_tags(model: torch.nn.Module) -> dict[str, float]:
    return {"omega": model.config.omega} if isinstance(model, CMMD) else {}


def e1_rows(model: torch.nn.Module, data: Mapping[str, Any], settings: Mapping[str, Any], row: Callable[..., MetricRow]
            ) -> list[MetricRow]:
    splits, tags = data["splits"], omega_tags(model)
    if hasattr(model, "classify"):
        observed = model.observed
        accuracy = {split: percent_correct(in_batches(lambda b: model.classify(b[observed]), splits[split]),
                                           splits[split][LABEL]) for split in ("val", "test")}
    else:
        observed = settings["observed"]["two_view"]
        accuracy = probe_accuracies(model, splits, [observed], len(data["classes"]), settings["probe"], ("val", "test"),
                                    few=False)
    return [row(EXPERIMENTS["e1"], tagged(f"{split}_error", **tags), 100.0 - accuracy[split], source=observed)
            for split in ("val", "test")]


def collapse_kls(model: MultimodalVAE, split: Split, observed: str) -> dict[str, Tensor]:
    """Per-dimension KLs of each example: the (conditional) prior and the posterior against N(0, I),
    and the posterior against the prior. MVAE's "prior" is its posterior given x_o alone, the
    distribution it generates from when only x_o is seen."""
    def stats(batch: dict[str, Tensor]) -> Tensor:
        prior = model.encode(batch, [observed])
        posterior = model.encode(batch, "all")
        standard = (torch.zeros_like(prior[0]), torch.zeros_like(prior[1]))
        return torch.stack([kl_per_dimension(prior, standard), kl_per_dimension(posterior, standard),
                            kl_per_dimension(posterior, prior)])

    kls = in_batches(lambda b: stats(b).transpose(0, 1), split)
    return {"prior": kls[:, 0], "posterior": kls[:, 1], "prior_vs_posterior": kls[:, 2]}


def collapse_rows(model: MultimodalVAE, data: Mapping[str, Any], settings: Mapping[str, Any],
                  row: Callable[..., MetricRow]) -> list[MetricRow]:
    observed = settings["observed"]["two_view"]
    epsilons = [float(e) for e in settings["collapse"]["epsilons"]]
    rows = []
    for kind, kl in collapse_kls(model, data["splits"]["test"], observed).items():
        fractions = collapsed_fraction(kl, epsilons, float(settings["collapse"]["delta"]))
        rows += [row(EXPERIMENTS["collapse"], tagged(f"collapsed_{kind}", eps=eps, **omega_tags(model)), 100.0 * f,
                     source=observed) for eps, f in zip(epsilons, fractions.tolist())]
    return rows


def step_seconds(model: torch.nn.Module, batch: dict[str, Tensor], steps: int) -> float:
    """Median CPU seconds of a training step's forward and backward pass, on this thread.

    The evaluation job runs torch on one thread, so the step's work is this thread's CPU time: other
    processes on the machine lengthen the wall time, not this (measured wall times swung from -16%
    to +27% on a loaded 2-core machine). On a GPU the wall clock is the cost, so it is timed there."""
    clock = time.perf_counter if next(model.parameters()).is_cuda else time.thread_time
    times = []
    for _ in range(steps):
        if clock is time.perf_counter:
            torch.cuda.synchronize()
        started = clock()
        model.zero_grad(set_to_none=True)
        model(batch).loss.backward()
        if clock is time.perf_counter:
            torch.cuda.synchronize()
        times.append(clock() - started)
    return sorted(times)[len(times) // 2]


def overhead_rows(model: CMMD, data: Mapping[str, Any], settings: Mapping[str, Any], row: Callable[..., MetricRow]
                  ) -> list[MetricRow]:
    """The MMD term's cost: the median step at the model's omega against the same model at omega = 1
    (no MMD term), interleaved so that both see the same machine load."""
    if model.config.omega >= 1.0:
        return []
    size, steps = int(settings["overhead"]["batch_size"]), int(settings["overhead"]["steps"])
    batch = next(batches(data["splits"]["train"], pick_device()).batches(size, None))
    configs = {"mmd": model.config, "elbo": dataclasses.replace(model.config, omega=1.0)}
    model.train()
    totals = {key: 0.0 for key in configs}
    for _ in range(int(settings["overhead"]["rounds"])):
        for key, config in configs.items():
            model.config = config
            totals[key] += step_seconds(model, batch, steps)
    model.config = configs["mmd"]
    tags = omega_tags(model)
    return [row(EXPERIMENTS["overhead"], tagged("step_ms", **tags), 1000 * totals["mmd"] / int(settings["overhead"]["rounds"])),
            row(EXPERIMENTS["overhead"], tagged("step_ms_elbo", **tags), 1000 * totals["elbo"] / int(settings["overhead"]["rounds"])),
            row(EXPERIMENTS["overhead"], tagged("mmd_overhead_percent", **tags), 100.0 * (totals["mmd"] / totals["elbo"] - 1.0))]


def generator(model: MultimodalVAE, subset: Sequence[str], target: str) -> Callable[[dict[str, Tensor]], Tensor] | None:
    """Samples of ``target`` generated from ``subset`` through the latent mean, or None where the
    method cannot condition on that subset (CMMD: x_o alone)."""
    if isinstance(model, CMMD):
        if list(subset) != [model.observed]:
            return None
        return lambda batch: model.cross_generate(model.observed, target, batch[model.observed])
    return lambda batch: model.decode(model.encode(batch, list(subset))[0], [target])[target]


def coherence_rows(model: MultimodalVAE, data: Mapping[str, Any], classifiers: Mapping[str, torch.nn.Module],
                   experiment: str, subsets: Sequence[Sequence[str]], row: Callable[..., MetricRow]) -> list[MetricRow]:
    test, rows = data["splits"]["test"], []
    for subset in subsets:
        for target in (name for name in data["shapes"] if name not in subset):
            generate = generator(model, subset, target)
            if generate is None or target not in classifiers:
                continue
            judge = classifiers[target]
            logits = in_batches(lambda b: judge.logits(generate(b)), test)
            rows.append(row(EXPERIMENTS[experiment], "accuracy", percent_correct(logits, test[LABEL]),
                            source="+".join(subset), target=target))
    return rows


def latent_rows(model: MultimodalVAE, data: Mapping[str, Any], settings: Mapping[str, Any],
                row: Callable[..., MetricRow]) -> list[MetricRow]:
    rows = []
    for subset in nonempty_subsets(list(data["shapes"])):
        if isinstance(model, CMMD) and list(subset) != [model.observed]:
            continue  # CMMD's only latent without the label is its prior's, given x_o
        accuracy = probe_accuracies(model, data["splits"], subset, len(data["classes"]), settings["probe"], ("test",),
                                    few=True)
        rows.append(row(EXPERIMENTS["latent"], "accuracy", accuracy["test"], source="+".join(subset)))
    return rows


def evaluate_model(spec: EvaluateModelSpec) -> None:
    torch.manual_seed(spec.seed)
    data = load_dataset(spec.dataset, spec.data)
    model = load_trained(spec.model)
    classifiers = {name: load_model(path) for name, path in spec.classifiers.items()}

    def row(experiment: str, metric: str, value: float, source: str = "", target: str = "") -> MetricRow:
        return metric_row(experiment, model.method, metric, value, source=source, target=target,
                          latent_dim=model.latent_dim, seed=spec.seed)

    rows: list[MetricRow] = []
    if spec.dataset == "two_view":
        rows += e1_rows(model, data, spec.settings, row)
        if model.method in spec.settings["collapse"]["methods"]:
            rows += collapse_rows(model, data, spec.settings, row)
        if isinstance(model, CMMD):
            rows += overhead_rows(model, data, spec.settings, row)
    elif spec.dataset == "paired":
        observed = spec.settings["observed"]["paired"]
        rows += coherence_rows(model, data, classifiers, "cross", [[observed]], row)
    else:
        rows += latent_rows(model, data, spec.settings, row)
        proper = [s for s in nonempty_subsets(list(data["shapes"])) if len(s) < len(data["shapes"])]
        rows += coherence_rows(model, data, classifiers, "coherence", proper, row)
    write_metrics(spec.out, rows)
    log.info("%s on %s: %d metric rows -> %s", model.method, spec.dataset, len(rows), spec.out)
