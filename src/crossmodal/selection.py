"""Validation sweeps (config ``validation_sweeps``): one baseline setting varied on one scenario,
each setting scored on the **validation** split, so that a baseline's gap to the paper is reported
with the evidence of what other settings give, and no setting is ever chosen on test data.

A sweep's rows in ``metrics.csv`` are ``experiment=sweep`` with the setting in the metric name,
``validation_accuracy:<param>=<value>`` (e.g. ``validation_accuracy:kl_weight=0.5``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crossmodal.metrics import metric_row, write_metrics

if TYPE_CHECKING:
    from crossmodal.jobs.specs import SweepPointSpec
    from crossmodal.models.base import CrossModalGenerator
    from crossmodal.models.classifier import Classifier

log = logging.getLogger(__name__)

SWEEP_EXPERIMENT = "sweep"
SWEEP_METRIC_PREFIX = "validation_accuracy:"


def sweep_metric(param: str, value: float) -> str:
    return f"{SWEEP_METRIC_PREFIX}{param}={value:g}"


def parse_sweep_metric(metric: str) -> tuple[str, float]:
    """``"validation_accuracy:kl_weight=0.5"`` -> ``("kl_weight", 0.5)``."""
    if not metric.startswith(SWEEP_METRIC_PREFIX) or "=" not in metric:
        raise ValueError(f"{metric!r} is not a sweep metric ({SWEEP_METRIC_PREFIX}<param>=<value>)")
    param, value = metric[len(SWEEP_METRIC_PREFIX):].split("=", 1)
    return param, float(value)


def validation_cross_accuracy(
    model: CrossModalGenerator, source: str, target: str, source_data: Mapping[str, Any],
    target_classifier: Classifier, class_map: Mapping[int, int],
) -> tuple[float, int]:
    """Table 1's metric on the source's validation split: the percentage of samples generated from
    mapped source classes that the target's evaluator assigns the mapped class; and how many were scored."""
    import torch  # here, so that the report can name sweep metrics without importing torch

    from crossmodal.data.pairing import mapped_only
    from crossmodal.jobs.evaluation import predict
    from crossmodal.jobs.store import batched

    keep = mapped_only(source_data["y_val"], class_map)
    expected = torch.tensor([class_map[int(c)] for c in source_data["y_val"][keep]], dtype=torch.long)
    generated = batched(lambda b: model.cross_generate(source, target, b), source_data["x_val"][keep])
    accuracy = 100.0 * (predict(target_classifier, generated) == expected).float().mean().item()
    return accuracy, len(expected)


def evaluate_sweep_point(spec: SweepPointSpec) -> None:
    """The Table 1 metric of one baseline, on the source's validation split instead of its test split."""
    from crossmodal.data.prepare import load_prepared
    from crossmodal.jobs.store import load_model

    source, target, param, value = spec.source, spec.target, spec.param, spec.value
    model = load_model(spec.model)
    accuracy, scored = validation_cross_accuracy(
        model, source, target, load_prepared(spec.source_data), load_model(spec.target_classifier), spec.class_map)
    write_metrics(spec.out, [metric_row(SWEEP_EXPERIMENT, model.method, sweep_metric(param, value), accuracy, source=source,
                                   target=target, paired_fraction=1.0, latent_dim=model.latent_dim, seed=spec.seed)])
    log.info("sweep %s %s -> %s, %s = %g: %.2f%% on %d validation samples", model.method, source, target, param,
             value, accuracy, scored)
