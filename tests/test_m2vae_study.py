"""The M2VAE study's plan, evaluation, figures and report: settings refused with the key named, the
fallback for a latent size the figures cannot draw, what a CVAE change reruns, tables and claims."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from conftest import REPO
from crossmodal.config import validate_config
from crossmodal.models.base import Modality
from crossmodal.models.m2vae import M2VAE, M2VAEConfig
from crossmodal.report.analysis import FAILS, HOLDS
from crossmodal.studies.m2vae import plan
from crossmodal.studies.m2vae.plan import check_subsets
from crossmodal.studies.m2vae.claims import claims
from crossmodal.studies.m2vae.evaluate import metrics_and_figure
from crossmodal.studies.m2vae.figures import plot_latents
from crossmodal.studies.m2vae.generate import generate_mog
from crossmodal.studies.m2vae.paper import paper_values
from crossmodal.studies.m2vae.specs import EvaluateStudyModelSpec
from crossmodal.studies.m2vae.tables import build_tables, scales
from crossmodal.workflow import Workflow

EVALUATION = {"subsets": [["a", "b"], ["a"], ["b"]], "knn_k": 3, "knn_reference": 100, "elbo_samples": 1,
              "points": 50, "reencode_seeds": 3, "reencode_steps": 2, "grid": 3}


def smoke(**m2vae: object) -> dict:
    config = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    config["studies"] = ["m2vae"]
    for key, value in m2vae.items():
        config["m2vae"].setdefault(key, {}).update(value)
    return validate_config(config)


def test_a_negative_alpha_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"config key m2vae\.models\.alpha: alpha must be >= 0"):
        plan.metric_fragments(Workflow(smoke(models={"alpha": -0.5})))
    with pytest.raises(ValueError, match=r"config key m2vae\.sweep\.alphas"):
        plan.metric_fragments(Workflow(smoke(sweep={"alphas": [1.0, -1.0]})))


def test_a_subset_naming_a_missing_modality_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"config key m2vae\.evaluation\.subsets: \['a', 'c'\] names modalities \['c'\]"):
        plan.metric_fragments(Workflow(smoke(evaluation={"subsets": [["a", "c"]]})))
    with pytest.raises(ValueError, match=r"m2vae\.evaluation\.subsets"):
        check_subsets([["b", "x"]], ["a", "b"])
    assert check_subsets([["b", "a"], ["b"]], ["a", "b"]) == [("a", "b"), ("b",)]


def test_a_cvae_setting_changes_the_specs_of_the_cvaes_only() -> None:
    """What reruns: Snakemake reruns a job whose spec (a param) changed, and everything downstream of
    its output (e-MNIST, me-MNIST and their models). Every other spec must stay as it was."""
    before, after = Workflow(smoke()), Workflow(smoke(cvae={"hidden": 64}))
    w = SimpleNamespace(dataset="mnist")
    assert plan.train_cvae(before, w) != plan.train_cvae(after, w)
    assert plan.generate_mog(before) == plan.generate_mog(after)
    assert plan.generate_emnist(before) == plan.generate_emnist(after)
    assert plan.shuffle(before) == plan.shuffle(after)
    for dataset, method, name in plan.trained(before):
        w = SimpleNamespace(dataset=dataset, method=method, name=name, seed=0)
        assert plan.train(before, w) == plan.train(after, w)
        assert plan.evaluate(before, w) == plan.evaluate(after, w)


def tiny_mog_model(latent_dim: int) -> tuple[M2VAE, dict]:
    torch.manual_seed(0)
    modalities = {m: Modality(m, (2,), "linear", {"kind": "mlp", "hidden": [8]}) for m in "ab"}
    model = M2VAE(modalities, latent_dim, M2VAEConfig(beta=0.01, alpha=0.01, reconstruction="squared_error")).eval()
    return model, generate_mog({"train": 10, "val": 2, "test": 6}, 0.1, seed=0)


def spec(tmp_path: Path) -> EvaluateStudyModelSpec:
    return EvaluateStudyModelSpec(model=tmp_path / "m.pt", data=tmp_path / "d.pt", params=EVALUATION, method="m2vae",
                                  setting="main", seed=0, out=tmp_path / "m.csv")


@pytest.mark.parametrize("latent_dim", [2, 3])
def test_latent_figures_fall_back_to_a_projection_with_a_note(tmp_path: Path, latent_dim: int) -> None:
    model, data = tiny_mog_model(latent_dim)
    with torch.inference_mode():
        rows, figure = metrics_and_figure(model, data, spec(tmp_path), {})
    metrics = {(r.target, r.metric) for r in rows}
    assert {("a+b", "elbo_sum"), ("a", "kl_to_joint"), ("b", "knn_accuracy"), ("a", "ambiguous_spread_5-6-7")} <= metrics
    assert figure["latent_a+b"].shape[1] == 2
    assert ("note" in figure) == (latent_dim != 2) and ("trajectory_a" in figure) == (latent_dim == 2)
    npz = tmp_path / "f.npz"
    np.savez(npz, **figure)
    plot_latents([npz], tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").stat().st_size > 0


def metrics_frame(m2vae_elbo: float, tvae_elbo: float) -> pd.DataFrame:
    rows = []
    for method, elbo in (("m2vae", m2vae_elbo), ("tvae", tvae_elbo), ("jmvae_zero", tvae_elbo - 1)):
        for subset in ("a+b", "a", "b"):
            rows += [("m2vae", method, "emnist", subset, "elbo_mean", elbo), ("m2vae", method, "emnist", subset,
                                                                             "elbo_sum", elbo * 100)]
        for subset in ("a", "b"):
            rows.append(("m2vae", method, "emnist", subset, "kl_to_joint", -elbo))
    rows += [("m2vae", "jmvae_kl", "emnist", "a+b", "elbo_sum", -190.0),
             ("m2vae", "jmvae_kl", "me_mnist", "a+b", "elbo_sum", -210.0)]
    for alpha, knn in ((1.0, 40.0), (0.01, 90.0)):
        rows.append(("m2vae_sweep", "m2vae", "mog", f"a+b@alpha{alpha:g}_beta0.01", "knn_accuracy", knn))
    frame = pd.DataFrame(rows, columns=["experiment", "method", "source", "target", "metric", "value"])
    for column in ("paired_fraction", "latent_dim", "seed"):
        frame[column] = ""
    return frame


def test_tables_find_the_papers_scale_and_claims_read_them() -> None:
    settings = copy.deepcopy(smoke())
    metrics = metrics_frame(-11.0, -30.0)
    assert scales(metrics, paper_values()) == {"m2table1": "mean", "m2check": "sum"}
    tables = build_tables(metrics, settings)
    verdicts = {c.key: c.verdict for c in claims(tables, scales(metrics, paper_values()))}
    assert verdicts["best_elbo"] == HOLDS and verdicts["smallest_gap"] == HOLDS
    assert verdicts["dataset_check"] == HOLDS and verdicts["alpha_collapse"] == HOLDS
    worse = metrics_frame(-40.0, -30.0)
    verdicts = {c.key: c.verdict for c in claims(build_tables(worse, settings), scales(worse, paper_values()))}
    assert verdicts["best_elbo"] == FAILS and verdicts["smallest_gap"] == FAILS
