"""The class-prototype diagnostic of docs/model-selection.md: the optimiser against the closed form
of a linear decoder, and the job's report against a recomputation from the same models."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from crossmodal.jobs import store
from crossmodal.config import builtin_model_defaults, deep_merge
from crossmodal.diagnostics import check_class_prototypes, class_prototype_latents
from crossmodal.engine import TrainResult
from crossmodal.io import atomic_torch_save


def test_prototype_of_a_linear_decoder_is_the_ridge_solution() -> None:
    # D(z) = W z + b: the gradient of ||m - W z - b||^2 + lambda/2 |z|^2 vanishes at
    # z = (2 W^T W + lambda I)^-1 2 W^T (m - b).
    torch.manual_seed(0)
    weight, bias = torch.randn(5, 3), torch.randn(5)
    means = torch.randn(2, 5)
    lambda_crs = 0.7
    found = class_prototype_latents(lambda z: z @ weight.T + bias, means, 3, lambda_crs, steps=4000)
    closed_form = torch.linalg.solve(2 * weight.T @ weight + lambda_crs * torch.eye(3), 2 * weight.T @ (means - bias).T).T
    torch.testing.assert_close(found, closed_form, atol=1e-3, rtol=1e-3)


def test_a_larger_kl_weight_pulls_the_prototypes_towards_the_prior() -> None:
    torch.manual_seed(1)
    weight = torch.randn(5, 3)
    means = torch.randn(4, 5)
    norms = [class_prototype_latents(lambda z: z @ weight.T, means, 3, lam, steps=2000).norm(dim=1) for lam in (0.1, 10.0)]
    assert bool((norms[1] < norms[0]).all())


def _save(path: Path, kind: str, build: dict, model: torch.nn.Module) -> Path:
    store.save_model(path, kind, build, model, TrainResult([], 0, 0.0, False, 0.0))
    return path


def test_check_class_prototypes_reports_what_the_evaluator_sees(tmp_path: Path) -> None:
    torch.manual_seed(0)
    shape = [1, 4, 4]
    data = {"x_train": torch.randint(0, 256, (30, *shape), dtype=torch.uint8), "y_train": torch.arange(30) % 3,
            "meta": {"dataset": "toy", "classes": ["a", "b", "c"], "shape": shape}}
    atomic_torch_save(data, tmp_path / "toy.pt")
    arch = {"kind": "mlp", "hidden": [8]}
    vae_build = {"shape": shape, "output": "sigmoid",
                 "params": deep_merge(builtin_model_defaults("vae"), {"latent_dim": 2, "architecture": arch})}
    vae = _save(tmp_path / "vae.pt", "vae", vae_build, store.build_model("vae", vae_build))
    clf_build = {"shape": shape, "num_classes": 3, "classes": ["a", "b", "c"],
                 "params": deep_merge(builtin_model_defaults("classifier"), {"architecture": arch})}
    clf = _save(tmp_path / "clf.pt", "classifier", clf_build, store.build_model("classifier", clf_build))

    out = tmp_path / "prototypes.json"
    png = tmp_path / "prototypes.png"
    check_class_prototypes(tmp_path / "toy.pt", vae, clf, [0.5], out, png)
    report = json.loads(out.read_text())["lambda_crs"]["0.5"]

    vae_model, clf_model = store.load_model(vae), store.load_model(clf)
    vae_model.requires_grad_(False)
    x = data["x_train"].float() / 255
    means = torch.stack([x[data["y_train"] == c].mean(0) for c in range(3)])
    z = class_prototype_latents(vae_model.decode, means, 2, 0.5)
    with torch.inference_mode():
        probabilities = clf_model.logits(vae_model.decode(z)).softmax(dim=1)
    names = ["a", "b", "c"]
    assert [row["predicted"] for row in report["per_class"]] == [names[i] for i in probabilities.argmax(1).tolist()]
    assert [row["p_true"] for row in report["per_class"]] == [round(float(probabilities[c, c]), 4) for c in range(3)]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["recognised"] == sum(row["class"] == row["predicted"] for row in report["per_class"])
