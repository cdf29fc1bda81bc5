"""Cross-modal Variational Alignment (rebuilt from the abstract): its objectives against hand
computations, its trainer, its generator and its study's plan."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml

from crossmodal.config import REPO_ROOT, validate_config
from crossmodal.jobs import JOBS
from crossmodal.jobs.specs import from_json
from crossmodal.models.alignment import AlignedGenerator, AlignmentConfig, AlignmentTrainer, build_aligner
from crossmodal.models.networks import GaussianEncoder
from crossmodal.models.vae import VAE, VAEConfig
from crossmodal.objectives import ALIGNMENT_DISTANCES, alignment_loss, kl_between_gaussians, wasserstein2_squared
from crossmodal.studies.alignment import plan
from crossmodal.workflow import Workflow


def gaussian(mu: list[list[float]], sigma: list[list[float]]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(mu), 2.0 * torch.log(torch.tensor(sigma))


# --- objectives ----------------------------------------------------------------------------------


def test_wasserstein2_squared_is_the_mean_gap_plus_the_sigma_gap_squared() -> None:
    # means (0, 1) vs (3, 1): 9; sigmas (1, 2) vs (1, 0.5): 1.5^2 = 2.25; total 11.25
    p, q = gaussian([[0.0, 1.0]], [[1.0, 2.0]]), gaussian([[3.0, 1.0]], [[1.0, 0.5]])
    assert wasserstein2_squared(p, q).item() == pytest.approx(11.25)
    assert wasserstein2_squared(q, p).item() == pytest.approx(11.25)  # a distance: symmetric
    assert wasserstein2_squared(p, p).item() == 0.0


def test_wasserstein2_squared_in_one_dimension_matches_the_quantile_formula() -> None:
    # In 1-D, W2^2 = int_0^1 (F^-1(u) - G^-1(u))^2 du; for Gaussians F^-1(u) = mu + sigma * Phi^-1(u).
    (mu_p, s_p), (mu_q, s_q) = (0.3, 0.7), (-1.1, 1.9)
    u = (torch.arange(200_000, dtype=torch.float64) + 0.5) / 200_000
    z = math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0)
    numeric = ((mu_p + s_p * z) - (mu_q + s_q * z)).pow(2).mean().item()
    closed = wasserstein2_squared(gaussian([[mu_p]], [[s_p]]), gaussian([[mu_q]], [[s_q]])).item()
    assert closed == pytest.approx(numeric, rel=1e-3)


def test_alignment_loss_adds_the_weighted_distance_to_the_reconstruction() -> None:
    x, x_hat = torch.tensor([[1.0, 1.0]]), torch.tensor([[1.0, 0.0]])  # reconstruction 1
    aligned, target = gaussian([[2.0]], [[1.0]]), gaussian([[0.0]], [[1.0]])  # W2^2 = 4, KL = 2
    loss, reconstruction, gap = alignment_loss(x, x_hat, aligned, target, weight=0.5)
    assert (reconstruction.item(), gap.item(), loss.item()) == (1.0, 4.0, 3.0)
    loss, _, gap = alignment_loss(x, x_hat, aligned, target, weight=0.5, distance="kl")
    assert gap.item() == pytest.approx(kl_between_gaussians(*aligned, *target).item()) == pytest.approx(2.0)
    assert loss.item() == pytest.approx(2.0)


def test_an_unknown_distance_is_refused_naming_the_choices() -> None:
    x = torch.zeros(1, 2)
    with pytest.raises(ValueError, match="wasserstein"):
        alignment_loss(x, x, gaussian([[0.0]], [[1.0]]), gaussian([[0.0]], [[1.0]]), 1.0, distance="l2")
    with pytest.raises(ValueError, match="weight"):
        AlignmentConfig((8,), "kl", -1.0, False)


# --- the model -----------------------------------------------------------------------------------

SHAPE = (1, 4, 4)


def tiny_vae(latent: int = 3) -> VAE:
    return VAE(SHAPE, "sigmoid", VAEConfig(latent, 1.0, {"kind": "mlp", "hidden": [8]}))


def target_table(vae: VAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        mu, logvar = vae.encode(x)
    return {"x": x, "mu": mu, "logvar": logvar}


def test_the_trainer_moves_the_aligner_only() -> None:
    torch.manual_seed(0)
    vae = tiny_vae()
    config = AlignmentConfig((8,), "wasserstein", 1.0, True)
    trainer = AlignmentTrainer(build_aligner(2, 3, config), vae, target_table(vae, torch.rand(7, *SHAPE)), config).train()
    batch = {"mu_src": torch.randn(5, 2), "logvar_src": torch.zeros(5, 2), "target_index": torch.tensor([0, 2, 4, 6, 6])}
    output = trainer(batch)
    output.loss.backward()
    assert set(output.metrics) == {"reconstruction", "alignment"}
    assert all(p.grad is not None for p in trainer.aligner.parameters())
    assert all(p.grad is None and not p.requires_grad for p in vae.parameters())
    assert not vae.training  # VAE2 stays in eval mode while the aligner trains


@pytest.mark.parametrize("distance", ALIGNMENT_DISTANCES)
def test_a_step_on_the_target_table_is_the_step_on_the_paired_samples(distance: str) -> None:
    """The table only caches VAE2's posterior: the loss is the one computed from the rows' samples."""
    torch.manual_seed(0)
    vae, x = tiny_vae(), torch.rand(6, *SHAPE)
    config = AlignmentConfig((8,), distance, 0.5, False)
    trainer = AlignmentTrainer(build_aligner(2, 3, config), vae, target_table(vae, x), config).eval()
    rows, mu_src = torch.tensor([5, 1, 1]), torch.randn(3, 2)
    output = trainer({"mu_src": mu_src, "logvar_src": torch.zeros(3, 2), "target_index": rows})
    aligned = trainer.aligner(mu_src)
    expected, _, _ = alignment_loss(x[rows], vae.decode(aligned[0]), aligned, vae.encode(x[rows]), 0.5, distance)
    torch.testing.assert_close(output.loss, expected)


def test_the_generator_composes_vae1s_encoder_the_aligner_and_vae2s_decoder() -> None:
    torch.manual_seed(0)
    encoder = GaussianEncoder(SHAPE, 2, {"kind": "mlp", "hidden": [8]})
    aligner, vae = build_aligner(2, 3, AlignmentConfig((8,), "kl", 1.0, False)), tiny_vae()
    generator = AlignedGenerator("a", "b", encoder, aligner, vae)
    x = torch.rand(4, *SHAPE)
    expected = vae.decode(aligner(encoder(x)[0])[0])
    assert torch.equal(generator.cross_generate("a", "b", x), expected)
    with pytest.raises(ValueError, match="a -> b"):
        generator.cross_generate("b", "a", x)


# --- the study's plan ----------------------------------------------------------------------------


def smoke_workflow(**section: object) -> Workflow:
    config = yaml.safe_load((REPO_ROOT / "config" / "smoke.yaml").read_text())
    config["studies"] = ["alignment"]
    config["alignment"] = section
    validate_config(config)
    return Workflow(config)


def test_the_study_runs_on_the_avae_studys_rules_and_asks_for_every_scenario() -> None:
    wf = smoke_workflow()
    assert wf.rule_studies == ["avae", "alignment"]
    fragments = plan.metric_fragments(wf)
    scenarios = len(wf.config["scenarios"])
    assert sum("/metrics/alignment/" in f for f in fragments) == 2 * scenarios * len(wf.seeds)
    assert "results/smoke/metrics/table1/vae_cg_fsdd-mnist_z16-16_p1.0_seed0.csv" in fragments


def test_a_train_spec_reads_the_avae_studys_vae_cg_and_target_vae() -> None:
    wf = smoke_workflow(weight=2.0)
    w = SimpleNamespace(method="alignment_kl", source="fsdd", target="mnist", sdim="16", tdim="16", seed="0",
                        fraction="1.0")
    spec = from_json(JOBS["alignment-train"].spec, plan.train(wf, w))
    assert spec.vae_cg == Path("results/smoke/models/baselines/vae_cg/fsdd-mnist/z16_p1.0_seed0.pt")
    assert spec.target_vae == Path("results/smoke/models/vae/mnist/z16_seed0.pt")
    assert spec.params["distance"] == "kl" and spec.params["weight"] == 2.0
    # The aligner's network and budget are AVAE's associator's unless the section says otherwise.
    assert spec.params["architecture"]["hidden"] == wf.config["models"]["associator"]["defaults"]["architecture"]["hidden"]


def test_a_comparison_that_is_no_table1_method_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="alignment.compare_with"):
        plan.metric_fragments(smoke_workflow(compare_with=["bridged"]))


def test_the_page_reads_avae_table1_and_cost_rows_beside_its_own() -> None:
    import pandas as pd

    from crossmodal.studies import registry

    study = registry()["alignment"]
    rows = pd.DataFrame({"experiment": ["alignment", "table1", "methods", "figure5", "m2vae"], "value": range(5)})
    assert list(study.own_rows(rows)["experiment"]) == ["alignment", "table1", "methods"]
    assert "table1" not in study.experiments  # read, not owned: AVAE owns it


def test_the_claims_hold_fail_or_cannot_be_judged_from_the_rows(tmp_path: Path) -> None:
    from crossmodal.metrics import metric_row, write_metrics
    from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, load_metrics
    from crossmodal.studies.alignment.claims import claims
    from crossmodal.studies.alignment.tables import build_tables

    settings = {"scenarios": [{"source": "mnist", "target": "fsdd"}, {"source": "fsdd", "target": "mnist"}],
                "alignment": {"methods": ["alignment"], "compare_with": ["vae_cg", "cva"]}}
    accuracy = {("alignment", "alignment"): (60.0, 70.0), ("table1", "vae_cg"): (50.0, 65.0),
                ("table1", "cva"): (55.0, 75.0)}
    rows = [metric_row(experiment, method, "accuracy", value, source=s["source"], target=s["target"],
                       paired_fraction=1.0, latent_dim=16, seed=0)
            for (experiment, method), values in accuracy.items() for s, value in zip(settings["scenarios"], values)]
    write_metrics(tmp_path / "metrics.csv", rows)
    verdicts = {c.key: c.verdict for c in claims(build_tables(load_metrics(tmp_path / "metrics.csv"), settings))}
    # Ahead of VAE-CG in both scenarios; behind CVA in the second.
    assert verdicts == {"beats_vae_cg": HOLDS, "beats_cva": FAILS}
    write_metrics(tmp_path / "none.csv", rows[:2])  # the alignment's rows only
    verdicts = {c.key: c.verdict for c in claims(build_tables(load_metrics(tmp_path / "none.csv"), settings))}
    assert verdicts == {"beats_vae_cg": UNKNOWN, "beats_cva": UNKNOWN}
