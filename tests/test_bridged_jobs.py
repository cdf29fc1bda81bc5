"""The Bridged VAE study's jobs end to end on tiny prepared files: the joint model, the bridges
trained through it (its blocks unchanged), a classifier as the evaluator, and every metric row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from crossmodal.io import atomic_torch_save, load_weights
from crossmodal.jobs.specs import TrainSpec
from crossmodal.jobs.training import train_classifier
from crossmodal.metrics import read_metrics
from crossmodal.studies.bridged.jobs import cross_generation_grid, evaluate, train
from crossmodal.studies.bridged.specs import BridgedEvaluateSpec, BridgedGridSpec, BridgedTrainSpec

TRAIN = {"max_epochs": 2, "batch_size": 16, "learning_rate": 0.01, "patience": None, "precision": "fp32"}
PARAMS = {"latent_dim": 2, "architectures": {"image": [8], "label": [4]}, "train": TRAIN, "kl_weight": 1.0,
          "central_hidden": [], "bridge_hidden": [4], "bridges": [], "score_predicted": False}


def prepared(path: Path, seed: int) -> Path:
    g = torch.Generator().manual_seed(seed)
    data = {"meta": {"dataset": path.stem, "classes": ["a", "b", "c"], "shape": [1, 4, 4]}}
    for split, n in (("train", 48), ("val", 12), ("test", 12)):
        labels = torch.arange(n) % 3
        # a class-dependent brightness, so that the classes differ
        base = (labels.view(-1, 1, 1, 1).float() * 100 + torch.rand(n, 1, 4, 4, generator=g) * 50)
        data[f"x_{split}"], data[f"y_{split}"] = base.to(torch.uint8), labels
    atomic_torch_save(data, path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bridged_jobs")
    out = {"mnist": prepared(root / "mnist.pt", 0), "classifier": root / "classifier.pt", "root": root}
    train_classifier(TrainSpec(out["mnist"], {"architecture": {"kind": "mlp", "hidden": [8]},
                                              "train": {**TRAIN, "max_epochs": 5}}, 0, out["classifier"]))
    for method, init in (("bridged_joint", None), ("bridged", root / "bridged_joint.pt")):
        params = {**PARAMS, "phase": "bridges" if method == "bridged" else "joint"}
        train(BridgedTrainSpec(method, ["mnist", "label"], {"mnist": out["mnist"]}, params, 0, 0, root / f"{method}.pt",
                               init))
    return out


def test_the_bridges_train_through_the_joint_models_unchanged_blocks(files: dict[str, Path]) -> None:
    joint = load_weights(files["root"] / "bridged_joint.pt")["state_dict"]
    bridged = load_weights(files["root"] / "bridged.pt")["state_dict"]
    assert set(bridged) - set(joint) == {key for key in bridged if key.startswith("bridges.")} != set()
    for key, value in joint.items():
        assert torch.equal(value, bridged[key]), key


def test_evaluation_writes_every_metric_of_the_bimodal_setting(files: dict[str, Path]) -> None:
    out = files["root"] / "bridged.csv"
    evaluate(BridgedEvaluateSpec(files["root"] / "bridged.pt", "bimodal", ["mnist", "label"],
                                 {"mnist": files["mnist"]}, {"mnist": files["classifier"]}, 0, 8, 3, 20, 4, 0, out))
    rows = {(r.experiment, r.source, r.metric): r.value for r in read_metrics(out)}
    assert set(rows) == {("bridged_table1", "mnist+label", "log_likelihood"), ("bridged_table1", "mnist", "log_likelihood"),
                         ("bridged_table1", "gap", "log_likelihood_gap"), ("bridged_table2", "mnist+label", "log_likelihood"),
                         ("bridged_table2", "mnist", "log_likelihood"), ("bridged_table2", "gap", "log_likelihood_gap"),
                         ("bridged_parameters", "bimodal", "trainable_parameters"),
                         ("bridged_labels", "mnist", "label_errors"), ("bridged_labels", "mnist", "test_images"),
                         ("bridged_generation", "label", "accuracy"), ("bridged_generation", "label", "diversity")}
    assert rows[("bridged_table1", "gap", "log_likelihood_gap")] == pytest.approx(
        rows[("bridged_table1", "mnist+label", "log_likelihood")] - rows[("bridged_table1", "mnist", "log_likelihood")],
        abs=1e-3)
    assert rows[("bridged_table1", "mnist", "log_likelihood")] < 0
    assert rows[("bridged_labels", "mnist", "test_images")] == 12


def test_the_trimodal_evaluation_scores_each_image_and_cross_generates(files: dict[str, Path]) -> None:
    root, names = files["root"], ["fashion_mnist", "mnist", "label"]
    data = {"fashion_mnist": prepared(root / "fashion_mnist.pt", 1), "mnist": files["mnist"]}
    for method, init in (("bridged_joint", None), ("bridged", root / "tri_bridged_joint.pt")):
        params = {**PARAMS, "phase": "bridges" if method == "bridged" else "joint"}
        train(BridgedTrainSpec(method, names, data, params, 0, 0, root / f"tri_{method}.pt", init))
    out = root / "tri_bridged.csv"
    evaluate(BridgedEvaluateSpec(root / "tri_bridged.pt", "trimodal", names, data,
                                 {"fashion_mnist": files["classifier"], "mnist": files["classifier"]}, 0, 4, 4, 0, 4,
                                 0, out, test_examples=6))
    rows = {(r.experiment, r.source, r.target, r.metric) for r in read_metrics(out)}
    joint = "fashion_mnist+mnist+label"
    assert rows == {("bridged_table4", source, image, "log_likelihood") for image in ("fashion_mnist", "mnist")
                    for source in (joint, image)} | {
        ("bridged_table4", "gap", "fashion_mnist", "log_likelihood_gap"), ("bridged_table4", "gap", "mnist", "log_likelihood_gap"),
        ("bridged_cross", "fashion_mnist", "mnist", "accuracy"), ("bridged_cross", "mnist", "fashion_mnist", "accuracy"),
        ("bridged_parameters", "trimodal", "", "trainable_parameters")}
    grid = root / "grid.npz"
    cross_generation_grid(BridgedGridSpec(root / "tri_bridged.pt", names, data, files["classifier"], "mnist",
                                          "fashion_mnist", 0, 3, 0, grid))
    d = np.load(grid)
    assert d["source"].shape == d["generated"].shape == (3, 1, 4, 4)
    assert d["source_label"].tolist() == [0, 1, 2] and "Bridged" in str(d["title"])
