"""The CMMD study's evaluation on a tiny untrained model: which rows each experiment writes, with
the model's omega in their names, and the linear probe on separable features."""

from __future__ import annotations

import torch

from crossmodal.metrics import metric_row
from crossmodal.studies.cmmd.evaluation import collapse_rows, e1_rows, fit_linear_probe, overhead_rows, percent_correct
from crossmodal.studies.cmmd.jobs import build, modalities_of
from crossmodal.studies.cmmd.names import untagged

SETTINGS = {"observed": {"two_view": "rotated"}, "collapse": {"epsilons": [0.5, 6.0], "delta": 0.01},
            "probe": {"train_samples": 10, "seed": 0, "steps": 5, "weight_decay": 0.0},
            "overhead": {"batch_size": 8, "steps": 2, "rounds": 1}}
CMMD = {"observed": "rotated", "num_classes": 10, "prior_hidden": [8], "classifier_hidden": [4], "encoder_hidden": [8],
        "decoder_hidden": [8], "omega": 0.4, "latent_dim": 3}


def data() -> dict:
    g = torch.Generator().manual_seed(0)
    split = lambda n: {"rotated": torch.randint(0, 256, (n, 1, 4, 4), generator=g, dtype=torch.uint8),  # noqa: E731
                       "noisy": torch.randint(0, 256, (n, 1, 4, 4), generator=g, dtype=torch.uint8),
                       "label": torch.arange(n) % 10}
    return {"splits": {"train": split(20), "val": split(10), "test": split(10)},
            "shapes": {"rotated": [1, 4, 4], "noisy": [1, 4, 4]}, "outputs": {"rotated": "sigmoid", "noisy": "sigmoid"},
            "classes": [str(i) for i in range(10)]}


def row(experiment: str, metric: str, value: float, source: str = "", target: str = ""):
    return metric_row(experiment, "cmmd", metric, value, source=source, target=target, seed=0)


def test_a_cmmd_models_rows_carry_its_omega() -> None:
    torch.manual_seed(0)
    d = data()
    model = build("cmmd", modalities_of(d, {"kind": "mlp", "hidden": [8]}), CMMD).eval()
    rows = e1_rows(model, d, SETTINGS, row) + collapse_rows(model, d, SETTINGS, row) + overhead_rows(model, d, SETTINGS, row)
    names = [untagged(r.metric) for r in rows]
    assert all(tags["omega"] == 0.4 for _, tags in names)
    assert {name for name, _ in names} == {"val_error", "test_error", "collapsed_prior", "collapsed_posterior",
                                           "collapsed_prior_vs_posterior", "step_ms", "step_ms_elbo",
                                           "mmd_overhead_percent"}
    assert model.config.omega == 0.4  # the comparison at omega = 1 leaves the model as it was
    assert all(0 <= r.value <= 100 for r in rows if untagged(r.metric)[0].startswith("collapsed"))


def test_the_linear_probe_separates_separable_classes() -> None:
    x = torch.cat([torch.randn(20, 2) + 5, torch.randn(20, 2) - 5])
    y = torch.cat([torch.zeros(20, dtype=torch.long), torch.ones(20, dtype=torch.long)])
    logits = fit_linear_probe(x, y, 2, steps=20, weight_decay=0.0)
    assert percent_correct(logits(x), y) == 100.0


def test_the_jobs_generate_train_and_evaluate_a_model_end_to_end(tmp_path) -> None:
    from test_cmmd_data import fake_prepared

    from crossmodal.metrics import read_metrics
    from crossmodal.studies.cmmd.evaluation import evaluate_model
    from crossmodal.studies.cmmd.jobs import generate_two_view, load_trained, train_model
    from crossmodal.studies.cmmd.specs import EvaluateModelSpec, GenerateTwoViewSpec, TrainModelSpec

    mnist = fake_prepared(tmp_path / "mnist.pt", (1, 8, 8), {"train": 40, "val": 20, "test": 20}, 0, True)
    views = tmp_path / "views.pt"
    generate_two_view(GenerateTwoViewSpec(mnist, {"train": 40, "val": 20, "test": 20}, 0, views))
    params = {**CMMD, "architecture": {"kind": "mlp", "hidden": [8]},
              "train": {"max_epochs": 1, "batch_size": 16, "learning_rate": 0.001, "patience": None, "monitor": "accuracy"}}
    model_path = tmp_path / "cmmd.pt"
    train_model(TrainModelSpec("cmmd", "two_view", {"two_view": views}, params, 0, model_path))
    assert load_trained(model_path).config.omega == 0.4
    out = tmp_path / "metrics.csv"
    evaluate_model(EvaluateModelSpec("two_view", {"two_view": views}, model_path, {},
                                     {**SETTINGS, "collapse": {**SETTINGS["collapse"], "methods": ["cmmd"]}}, 0, out))
    metrics = {untagged(r.metric)[0] for r in read_metrics(out)}
    assert {"val_error", "test_error", "collapsed_prior", "mmd_overhead_percent"} <= metrics
