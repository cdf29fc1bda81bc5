"""The benchmark's own arithmetic: FLOP counting, the config edit it measures, target verdicts."""

from __future__ import annotations

from pathlib import Path

import yaml

from crossmodal import bench
from crossmodal.config import model_params, validate_config

TINY = {"latent_dim": 4, "lambda_int": 1.0, "architecture": {"kind": "mlp", "hidden": [16, 8]},
        "train": {"max_epochs": 1, "batch_size": 32, "learning_rate": 1e-3}}


def test_training_flops_count_every_matmul_of_forward_and_backward() -> None:
    batch = 32
    layers = [(784, 16), (16, 8), (8, 2 * 4), (4, 8), (8, 16), (16, 784)]  # encoder, head, decoder
    forward = sum(2 * batch * n_in * n_out for n_in, n_out in layers)
    flops = bench.training_step_flops(TINY, batch)
    assert flops["forward"] == forward
    # Backward: a weight gradient for every layer, an input gradient for all but the first.
    backward = 2 * forward - 2 * batch * 784 * 16
    assert flops["forward_backward"] == forward + backward


def test_the_measured_change_doubles_the_first_scenarios_lambda(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[1] / "config" / "smoke.yaml"
    edited = bench.with_associator_change(source, tmp_path / "edited.yaml")
    before = validate_config(yaml.safe_load(source.read_text()))
    after = validate_config(yaml.safe_load(edited.read_text()))
    lam = [model_params(c, "associator", scenario=c["scenarios"][0])["lambda_crs"] for c in (before, after)]
    assert lam[1] == 2 * lam[0]
    assert after["scenarios"][1] == before["scenarios"][1]
    assert {k: v for k, v in after.items() if k != "scenarios"} == {k: v for k, v in before.items() if k != "scenarios"}


def test_verdicts_compare_in_the_targets_direction() -> None:
    assert bench.verdict("engine_speedup", 3.0).startswith("met")
    assert bench.verdict("engine_speedup", 2.9).startswith("MISSED")
    assert bench.verdict("noop_rerun_s", 10.5).startswith("MISSED")
    assert bench.verdict("rerun_fraction", 0.05).startswith("met")
