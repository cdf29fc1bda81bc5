"""Acceptance: adding a method takes one registry entry and its model module.

``methods_example/averaged_experts.py`` is a method's model module (a config dataclass and a model on
``MultimodalVAE``); the fixture below adds its one registry entry. Nothing else is edited, and the
method validates in a config, gets its hyperparameters, trains and is evaluated through the jobs
every baseline runs through."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from crossmodal.jobs import evaluation, store, training
from crossmodal.jobs.specs import EvaluateBaselineSpec, TrainBaselineSpec
from crossmodal.config import REPO_ROOT, ConfigError, baseline_params, builtin_model_defaults, validate_config
from crossmodal.methods import BASELINES, METHODS, Method, register, unregister
from crossmodal.metrics import MetricRow, read_metrics
from tiny_prepared import SPEECH, write_prepared, write_untrained_classifier

ENTRY = Method("averaged_experts", "Averaged experts", "averaged_experts",
               "methods_example.averaged_experts:AveragedExperts",
               "methods_example.averaged_experts:AveragedExpertsConfig", baseline=True)


@pytest.fixture
def registered() -> Iterator[Method]:
    register(ENTRY)
    yield ENTRY
    unregister(ENTRY.name)


def smoke_config(baselines: list[str]) -> dict:
    config = yaml.safe_load((REPO_ROOT / "config" / "smoke.yaml").read_text())
    config["baselines"] = baselines
    config.pop("validation_sweeps", None)  # they sweep the shipped baselines
    for scenario in config["scenarios"]:
        scenario.pop("baselines", None)
    return config


def test_the_method_is_unknown_until_registered() -> None:
    assert ENTRY.name not in METHODS
    with pytest.raises(ConfigError, match="'averaged_experts' is not one of"):
        validate_config(smoke_config(["averaged_experts"]))


def test_a_config_names_the_registered_method_and_its_job_gets_its_defaults(registered: Method) -> None:
    config = validate_config(smoke_config(["cva", "averaged_experts"]))
    assert config["baselines"] == ["cva", "averaged_experts"]
    scenario = config["scenarios"][0]
    params = baseline_params(config, registered.family, scenario["source"], scenario["target"], 8)
    # The config dataclass's defaults, and the training defaults every family shares.
    assert params["kl_weight"] == 1.0
    assert params["train"] == builtin_model_defaults("cva")["train"]




@pytest.fixture
def prepared(tmp_path: Path) -> dict[str, Path]:
    """Tiny prepared MNIST-like and FSDD-like datasets and an FSDD evaluator."""
    paths = write_prepared(tmp_path, list("abcd"))
    paths["classifier"] = write_untrained_classifier(tmp_path / "classifier.pt", SPEECH["shape"], list("abcd"))
    return paths


def train_and_evaluate(method: str, data: dict[str, Path], params: dict, class_map: dict[int, int], out: Path) -> list[MetricRow]:
    """The jobs a baseline's workflow rules run: train on mnist -> fsdd pairs, then score Table 1's metric."""
    model_path = out / f"{method}.pt"
    training.train_baseline(TrainBaselineSpec(method, data["mnist"], data["fsdd"], params, class_map, 1.0, 0, model_path))
    evaluation.evaluate_baseline(EvaluateBaselineSpec(
        source="mnist", target="fsdd", source_data=data["mnist"], target_classifier=data["classifier"],
        class_map=class_map, paired_fraction=1.0, seed=0, out=out / "metrics.csv", grid_samples=2,
        samples_out=out / "grid.npz", method_summary=True, model=model_path))
    return read_metrics(out / "metrics.csv")


def test_the_registered_method_trains_and_is_evaluated_through_the_baseline_jobs(
    registered: Method, prepared: dict[str, Path], tmp_path: Path,
) -> None:
    config = validate_config(smoke_config([registered.name]))
    params = baseline_params(config, registered.family, "mnist", "fsdd", 4)
    params["train"] = {**params["train"], "max_epochs": 2, "batch_size": 16, "patience": None}
    architecture = {"kind": "mlp", "hidden": [8]}
    params["architectures"] = {"source": architecture, "target": copy.deepcopy(architecture)}
    rows = train_and_evaluate(registered.name, prepared, params, {0: 0, 1: 1}, tmp_path)
    assert {(row.experiment, row.method, row.metric) for row in rows} == {
        ("table1", "averaged_experts", "accuracy"), ("methods", "averaged_experts", "trainable_parameters"),
        ("methods", "averaged_experts", "train_seconds")}
    model = store.load_model(tmp_path / "averaged_experts.pt", torch.device("cpu"))
    assert type(model).__name__ == "AveragedExperts" and model.method == "averaged_experts"
    summary = (tmp_path / "averaged_experts.json").read_text()
    assert '"train_elbo_mnist"' in summary and '"val_elbo_fsdd"' in summary  # its named loss terms
    assert "Averaged experts" in str(np.load(tmp_path / "grid.npz")["title"])
    assert BASELINES.keys() >= {"vae", "vae_cg", "jmvae", "cva", "mvae", "averaged_experts"}
