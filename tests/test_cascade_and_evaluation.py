"""Table 3's cascade and the evaluation jobs behind Table 1, Figure 5 and ours-flex, on tiny
untrained models: every accuracy a job writes is recomputed here by hand from the same models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from crossmodal.jobs import evaluation, store
from crossmodal.jobs.specs import CascadeSpec, EvaluateAssociationSpec
from crossmodal.config import builtin_model_defaults, deep_merge
from crossmodal.engine import TrainResult
from crossmodal.io import atomic_torch_save
from crossmodal.metrics import read_metrics
from crossmodal.models.avae import Associator

SHAPES = {"fsdd": [1, 4, 6], "fashion_mnist": [1, 6, 6], "mnist": [1, 6, 6]}
N_TEST = 60


def params(family: str, **overrides: object) -> dict:
    """A family's built-in hyperparameters with tiny networks."""
    return deep_merge(builtin_model_defaults(family), overrides)


def save(path: Path, kind: str, build: dict, model: torch.nn.Module) -> Path:
    store.save_model(path, kind, build, model, TrainResult([], 0, 0.0, False, 0.0))
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Prepared test sets, a VAE per dataset (given latent sizes), associators and an MNIST evaluator."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("cascade")
    arch = {"kind": "mlp", "hidden": [16]}
    out: dict = {"root": root, "data": {}, "vae": {}, "assoc": {}}
    dims = {"fsdd": 8, "fashion_mnist": 4, "mnist": 6}
    for name, shape in SHAPES.items():
        image = name != "fsdd"
        x = torch.randint(0, 256, (N_TEST, *shape), dtype=torch.uint8) if image else torch.randn(N_TEST, *shape)
        data = {"x_test": x, "y_test": torch.arange(N_TEST) % 10,
                "meta": {"dataset": name, "classes": [str(d) for d in range(10)], "shape": shape}}
        atomic_torch_save(data, root / f"{name}.pt")
        out["data"][name] = root / f"{name}.pt"
        build = {"shape": shape, "output": "sigmoid" if image else "linear",
                 "params": params("vae", latent_dim=dims[name], architecture=arch)}
        out["vae"][name] = save(root / f"vae_{name}.pt", "vae", build, store.build_model("vae", build))
    for s, t in (("fsdd", "fashion_mnist"), ("fashion_mnist", "mnist"), ("fsdd", "mnist")):
        build = {"source_dim": dims[s], "target_dim": dims[t],
                 "params": params("associator", architecture={"hidden": [8]})}
        out["assoc"][(s, t)] = save(root / f"assoc_{s}-{t}.pt", "associator", build, Associator(dims[s], dims[t], [8]))
    build = {"shape": SHAPES["mnist"], "num_classes": 10, "classes": [f"digit {d}" for d in range(10)],
             "params": params("classifier", architecture={"kind": "mlp", "hidden": [16]})}
    out["classifier"] = save(root / "classifier.pt", "classifier", build, store.build_model("classifier", build))
    return out


@torch.inference_mode()
def accuracy_by_hand(world: dict, route: list[str], classes: list[int]) -> float:
    """E_route[0] -> mean of each associator -> D_route[-1] -> evaluator, on test samples of ``classes``."""
    data = torch.load(world["data"][route[0]], weights_only=True)
    keep = torch.isin(data["y_test"], torch.tensor(classes))
    x, y = data["x_test"][keep], data["y_test"][keep]
    x = x.float() / 255 if x.dtype == torch.uint8 else x
    z, _ = store.load_model(world["vae"][route[0]]).encode(x)
    for s, t in zip(route[:-1], route[1:]):
        z, _ = store.load_model(world["assoc"][(s, t)])(z)
    logits = store.load_model(world["classifier"]).logits(store.load_model(world["vae"][route[-1]]).decode(z))
    return round(100.0 * (logits.argmax(dim=1) == y).float().mean().item(), 4)


def run_cascade(world: dict, out: Path, leg_maps: list[dict[int, int]], direct_map: dict[int, int]) -> dict:
    path = ["fsdd", "fashion_mnist", "mnist"]
    evaluation.evaluate_cascade(CascadeSpec(
        path=path, source_data=world["data"]["fsdd"], vaes=[world["vae"][n] for n in path],
        associators=[world["assoc"][("fsdd", "fashion_mnist")], world["assoc"][("fashion_mnist", "mnist")]],
        direct_associator=world["assoc"][("fsdd", "mnist")], target_classifier=world["classifier"],
        class_maps=leg_maps, direct_class_map=direct_map, seed=3, out=out,
    ))
    return {row.method: row for row in read_metrics(out)}


def test_cascade_and_direct_rows_match_a_hand_computation(world: dict, tmp_path: Path) -> None:
    identity = {k: k for k in range(10)}
    rows = run_cascade(world, tmp_path / "t3.csv", [identity, identity], identity)
    assert set(rows) == {"avae_cascade", "avae"}
    cascade, direct = rows["avae_cascade"], rows["avae"]
    assert (cascade.experiment, cascade.source, cascade.target, cascade.seed) == ("table3", "fsdd", "mnist", "3")
    assert cascade.latent_dim == "8/4/6" and direct.latent_dim == "8/6"
    assert cascade.value == accuracy_by_hand(world, ["fsdd", "fashion_mnist", "mnist"], list(range(10)))
    assert direct.value == accuracy_by_hand(world, ["fsdd", "mnist"], list(range(10)))


def test_cascade_is_scored_only_on_classes_that_reach_the_target_both_ways(world: dict, tmp_path: Path) -> None:
    rows = run_cascade(world, tmp_path / "t3.csv", [{0: 0, 1: 1, 2: 2}, {0: 0, 1: 1}], {k: k for k in range(10)})
    assert rows["avae_cascade"].value == accuracy_by_hand(world, ["fsdd", "fashion_mnist", "mnist"], [0, 1])
    assert rows["avae"].value == accuracy_by_hand(world, ["fsdd", "mnist"], [0, 1])


def test_cascade_refuses_maps_that_share_no_class(world: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no source class of fsdd reaches the same mnist class"):
        run_cascade(world, tmp_path / "t3.csv", [{0: 0}, {0: 0}], {0: 1})


def test_evaluate_association_labels_its_row_and_writes_the_grid_data(world: dict, tmp_path: Path) -> None:
    identity = {k: k for k in range(10)}
    evaluation.evaluate_association(EvaluateAssociationSpec(
        source="fashion_mnist", target="mnist", source_data=world["data"]["fashion_mnist"],
        source_vae=world["vae"]["fashion_mnist"], associator=world["assoc"][("fashion_mnist", "mnist")],
        target_vae=world["vae"]["mnist"], target_classifier=world["classifier"], class_map=identity,
        paired_fraction=0.05, seed=1, grid_samples=4, out=tmp_path / "f5.csv", samples_out=tmp_path / "grid.npz",
        experiment="figure5", method="avae_flex",
    ))
    (row,) = read_metrics(tmp_path / "f5.csv")
    assert (row.experiment, row.method, row.paired_fraction, row.latent_dim) == ("figure5", "avae_flex", "0.05", "4/6")
    assert row.value == accuracy_by_hand(world, ["fashion_mnist", "mnist"], list(range(10)))
    grid = np.load(tmp_path / "grid.npz")
    assert list(grid["target_classes"]) == [f"digit {d}" for d in range(10)]  # named by the evaluator
    assert grid["source_label"].tolist() == [0, 1, 2, 3]


def fsdd_to_mnist(world: dict, class_map: dict[int, int], out: Path, method_summary: bool = False
                  ) -> EvaluateAssociationSpec:
    return EvaluateAssociationSpec(
        source="fsdd", target="mnist", source_data=world["data"]["fsdd"], source_vae=world["vae"]["fsdd"],
        associator=world["assoc"][("fsdd", "mnist")], target_vae=world["vae"]["mnist"],
        target_classifier=world["classifier"], class_map=class_map, paired_fraction=1.0, seed=0, grid_samples=8,
        out=out, method_summary=method_summary)


def test_evaluate_association_without_grid_data_writes_only_the_metric(world: dict, tmp_path: Path) -> None:
    evaluation.evaluate_association(fsdd_to_mnist(world, {3: 3}, tmp_path / "m.csv"))
    (row,) = read_metrics(tmp_path / "m.csv")
    assert (row.experiment, row.method, row.latent_dim) == ("table1", "avae", "8/6")
    assert row.value == accuracy_by_hand(world, ["fsdd", "mnist"], [3])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


def test_avae_method_summary_counts_both_vaes_and_the_associator(world: dict, tmp_path: Path) -> None:
    evaluation.evaluate_association(fsdd_to_mnist(world, {k: k for k in range(10)}, tmp_path / "m.csv",
                                                  method_summary=True))
    rows = {(row.experiment, row.metric): row for row in read_metrics(tmp_path / "m.csv")}
    assert set(rows) == {("table1", "accuracy"), ("methods", "trainable_parameters"), ("methods", "train_seconds")}
    parts = [world["vae"]["fsdd"], world["vae"]["mnist"], world["assoc"][("fsdd", "mnist")]]
    expected = sum(sum(p.numel() for p in store.load_model(path).parameters()) for path in parts)
    summary = rows[("methods", "trainable_parameters")]
    assert summary.value == expected
    assert (summary.method, summary.source, summary.target, summary.paired_fraction, summary.latent_dim) == (
        "avae", "fsdd", "mnist", "1.0", "8/6")
    assert rows[("methods", "train_seconds")].value == 0.0  # what the fixture's TrainResults recorded
