"""The shipped configs build their whole Snakemake DAG (dry run), with every experiment in it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crossmodal.config import REPO_ROOT
from crossmodal.paths import parse
from workflow_runs import parse_dry_run

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def dry_run(config: str) -> tuple[dict[str, int], str]:
    """Job counts per rule of ``snakemake -n`` for ``config/<config>.yaml``, and its output."""
    result = subprocess.run(
        [SNAKEMAKE, "-n", "-p", "--forceall", "--cores", "1", "--configfile", f"config/{config}.yaml"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    table = output[output.index("Job stats:") :].split("\n\n")[0]
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}
    # The cross-modal evaluations (two rules, any method) by experiment and kind of method, e.g. "figure5/baselines".
    for job in parse_dry_run(result.stdout):
        fields = parse("association_metrics", job.outputs[0]) if job.rule.startswith("evaluate_") else None
        if fields is not None:
            key = f"{fields['experiment']}/{'avae' if fields['method'].startswith('avae') else 'baselines'}"
            counts[key] = counts.get(key, 0) + 1
    return counts, output


def test_the_paper_dag_holds_every_experiment_of_the_paper() -> None:
    counts, output = dry_run("paper")
    seeds = 3
    assert counts["prepare"] == 5  # MNIST, F-MNIST, SVHN, GSC, GTSRB
    assert counts["train_classifier"] == 5 * seeds
    assert counts["train_vae"] == (5 + 1) * seeds  # every dataset at 64, GTSRB at 256 too
    assert counts["table1/avae"] == 9 * seeds  # Table 1
    assert counts["flex/avae"] == 2 * seeds  # GTSRB <-> GSC with GTSRB at 256
    assert counts["evaluate_cascade"] == 1 * seeds  # Table 3
    assert counts["figure5/avae"] == 7 * seeds  # Figure 5
    # Table 1 and ours-flex train one associator each; Figure 5 adds the 6 fractions below 1.
    assert counts["train_associator"] == (9 + 2 + 6) * seeds
    # Every baseline in every scenario (Table 1) and at every fraction of the sweep (Figure 5), whose
    # fraction 1.0 is Table 1's model.
    baselines = 5
    # The benchmark adds its further pairwise methods (MMVAE, MoPoE, the Bridged VAE, TELBO, BiVCCA,
    # M2VAE, JMVAE-Zero, tVAE, VCCA, VCCA-private, CMMD) at the same scenarios and fractions, and
    # reuses the rest: AVAE's and the baselines' cells, the alignment's. The Bridged VAE's and tVAE's
    # two stages are one job each.
    benchmark_only = 11
    assert counts["train_baseline"] == (baselines + benchmark_only) * (9 + 6) * seeds
    assert counts["benchmark_evaluate"] == benchmark_only * (9 + 6) * seeds
    assert counts["benchmark_intervals"] == 9 + 6  # a scenario at a fraction, over every seed
    assert counts["table1/baselines"] == baselines * 9 * seeds
    assert counts["figure5/baselines"] == baselines * 7 * seeds
    assert "models/baselines/jmvae/speech_commands-mnist/z64_p0.05_seed1.pt" in output
    assert "metrics/flex/avae_flex_gtsrb-speech_commands_z256-64_p1.0_seed0.csv" in output
    assert "avae_cascade_speech_commands-fashion_mnist-mnist_z64_seed2.csv" in output
    assert "fsdd" not in output  # no dataset leaks in from the default (smoke) config
    # Validation sweeps, seed 0: MVAE's KL weight (4 values) and KL warm-up (3 values) and the joint
    # VAE's masking rate (3 values), each in both F-MNIST <-> MNIST directions, and JMVAE's alpha, KL
    # weight and training budget (3 values each) on MNIST -> F-MNIST; seed 2 or 1: MVAE's training
    # budget (3 values) in both directions; seeds 0-2: MVAE's batch size (2 values) in both
    # directions. Each configured value reuses Table 1's model.
    assert counts["evaluate_sweep_point"] == 2 * 4 + 2 * 3 + 2 * 3 + 3 * 3 + 2 * 3 + 2 * 2 * seeds
    assert counts["train_sweep_baseline"] == 2 * 3 + 2 * 2 + 2 * 2 + 3 * 2 + 2 * 2 + 2 * 1 * seeds
    assert "models/sweeps/mvae/mnist-fashion_mnist/z64_train.batch_size=100_seed2.pt" in output
    assert "models/sweeps/mvae/mnist-fashion_mnist/z64_train.batch_size=512_seed0.pt" not in output
    assert "models/sweeps/mvae/mnist-fashion_mnist/z64_train.max_epochs=150_seed1.pt" in output
    assert "models/sweeps/mvae/mnist-fashion_mnist/z64_train.max_epochs=150_seed2.pt" not in output
    assert "models/sweeps/jmvae/mnist-fashion_mnist/z64_train.max_epochs=5_seed0.pt" in output
    assert "models/sweeps/jmvae/mnist-fashion_mnist/z64_train.max_epochs=60_seed0.pt" not in output
    assert "models/sweeps/mvae/fashion_mnist-mnist/z64_kl_weight=0.25_seed0.pt" in output
    assert "models/sweeps/mvae/fashion_mnist-mnist/z64_kl_warmup_steps=3000_seed0.pt" in output
    assert "models/sweeps/mvae/fashion_mnist-mnist/z64_kl_weight=1_seed0.pt" not in output
    assert "models/sweeps/mvae/fashion_mnist-mnist/z64_kl_warmup_steps=0_seed0.pt" not in output


@pytest.mark.slow
@pytest.mark.parametrize("config", ["offline", "smoke"])
def test_the_other_shipped_dags_build(config: str) -> None:
    counts, output = dry_run(config)
    assert counts["evaluate_cascade"] >= 1 and counts["figure5/avae"] >= 2
    assert counts["table1/baselines"] >= 5 and counts["figure5/baselines"] >= 2 * 5
    if config == "offline":
        assert counts["flex/avae"] == 2 * 3
        prepare_commands = [line for line in output.splitlines() if " prepare '{\"dataset\"" in line]
        assert len(prepare_commands) == 4
        assert all('"subset":{}' in line for line in prepare_commands)  # full data, not smoke's subsets
