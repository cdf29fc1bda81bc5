"""Rerun precision: a change reruns exactly the jobs it affects, and nothing else.

One real smoke run per module builds the state; every case then asks ``snakemake --dry-run`` what
a change would rerun, and reverts the change. Hyperparameters reach jobs as ``params``; code
reaches them as per-family content hashes (also ``params``), so file mtimes (touched by git
checkouts and DVC pulls) never trigger work, and a rule never uses ``script:``, whose file
Snakemake tracks by mtime only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_repo, mirror_dir
from crossmodal.paths import parse
from workflow_runs import PlannedJob, planned, snakemake

SMOKE = "results/smoke"
# Rules that train or compute something reused by other jobs; everything else is evaluation or
# report work that follows from them.
EXPENSIVE = re.compile(r"^(acquire|prepare|train_\w+|encode_\w+)$")


def expensive(jobs: list[PlannedJob]) -> set[tuple[str, str]]:
    return {(job.rule, job.outputs[0].removeprefix(f"{SMOKE}/")) for job in jobs if EXPENSIVE.match(job.rule)}


def mentions(jobs: list[PlannedJob], text: str) -> list[PlannedJob]:
    return [job for job in jobs if any(text in output for output in job.outputs)]


def only_report_work(jobs: list[PlannedJob]) -> bool:
    """Every planned job writes only under reports/smoke/, and no figure data (which evaluation
    writes): plotting and the report."""
    return all(
        output.startswith("reports/smoke/") and "/figure_data/" not in output
        for job in jobs
        for output in job.outputs
    )


# --- static checks (fast) ----------------------------------------------------------------------


def test_no_rule_runs_a_script_tracked_by_mtime_only() -> None:
    rule_files = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]
    for path in rule_files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not re.match(r"\s+(script|notebook|run):", line), f"{path.name}:{number}: {line.strip()}"


def test_parsing_the_workflow_does_not_import_torch() -> None:
    """Every snakemake call (a no-op rerun, a dry run) imports what the rule files import; torch
    alone would double a no-op rerun's wall time."""
    modules = set()
    for path in [REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]:
        modules |= set(re.findall(r"^\s*from (crossmodal[\w.]*) import", path.read_text(), flags=re.M))
        modules |= set(re.findall(r"^\s*import (crossmodal[\w.]*)", path.read_text(), flags=re.M))
    assert modules, "the rule files import nothing from crossmodal?"
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in sorted(modules))
        + "heavy = [m for m in ('torch', 'torchaudio', 'numpy', 'pandas') if m in sys.modules]\n"
        + "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={"PYTHONPATH": str(REPO / "src")},
                            capture_output=True, text=True)
    assert result.returncode == 0, f"importing {sorted(modules)}:\n{result.stderr[-2000:]}"


# --- dry runs against a real smoke state (slow) -------------------------------------------------


@pytest.fixture(scope="module")
def smoke_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mirror = mirror_dir()
    if mirror is None:
        pytest.skip("no offline dataset mirror (set CROSSMODAL_DATA_MIRROR)")
    repo = copy_repo(tmp_path_factory.mktemp("reruns") / "repo")
    snakemake(repo, mirror=mirror)
    return repo


def edited_config(repo: Path, edit) -> str:
    """A copy of the smoke config with ``edit`` applied (same name, so the same results)."""
    config = yaml.safe_load((repo / "config" / "smoke.yaml").read_text())
    edit(config)
    path = repo / "config" / "smoke-edited.yaml"
    path.write_text(yaml.safe_dump(config))
    return "config/smoke-edited.yaml"


@contextmanager
def edited_source(repo: Path, module: str) -> Iterator[None]:
    """Append a comment to ``src/crossmodal/<module>``: new content, same behaviour."""
    path = repo / "src" / "crossmodal" / module
    original = path.read_bytes()
    path.write_bytes(original + b"\n# an edit that changes the file's content hash\n")
    try:
        yield
    finally:
        path.write_bytes(original)



@pytest.mark.slow
def test_a_finished_run_is_a_no_op_and_mtimes_alone_trigger_nothing(smoke_state: Path) -> None:
    assert planned(smoke_state) == []
    # What a git checkout or a DVC pull does to code: new mtimes, same content.
    for path in (smoke_state / "src").rglob("*.py"):
        path.touch()
    assert planned(smoke_state) == []


@pytest.mark.slow
def test_one_associator_lambda_reruns_only_that_scenario(smoke_state: Path) -> None:
    def edit(config: dict) -> None:
        config["scenarios"][0]["associator"] = {"lambda_crs": 2.0}  # mnist -> fsdd

    jobs = planned(smoke_state, configfile=edited_config(smoke_state, edit))
    assert expensive(jobs) == {("train_associator", "models/associator/mnist-fsdd/z16-16_p1.0_seed0.pt")}
    assert {job.rule for job in jobs} >= {"evaluate_association", "plot_figure_data", "collect_metrics", "report"}
    assert not mentions(jobs, "fsdd-mnist"), "the other scenario must not rerun"
    evaluations = [job for job in jobs if job.rule.startswith("evaluate_")]
    assert evaluations and all("mnist-fsdd" in job.outputs[0] for job in evaluations)


@pytest.mark.slow
def test_one_datasets_vae_setting_reruns_that_vae_and_its_dependants_only(smoke_state: Path) -> None:
    def edit(config: dict) -> None:
        config["models"]["vae"]["per_dataset"] = {"fsdd": {"lambda_int": 0.5}}

    jobs = planned(smoke_state, configfile=edited_config(smoke_state, edit))
    assert expensive(jobs) == {
        ("train_vae", "models/vae/fsdd/z16_seed0.pt"),
        ("encode_latents", "latents/fsdd/z16_seed0.pt"),
        # Every associator that reads FSDD latents or decodes into FSDD's latent space, including
        # the Figure 5 sweep's; none between MNIST and Fashion-MNIST.
        ("train_associator", "models/associator/mnist-fsdd/z16-16_p1.0_seed0.pt"),
        ("train_associator", "models/associator/fsdd-mnist/z16-16_p1.0_seed0.pt"),
        ("train_associator", "models/associator/fsdd-mnist/z16-16_p0.5_seed0.pt"),
        ("train_associator", "models/associator/fsdd-fashion_mnist/z16-16_p1.0_seed0.pt"),
    }
    assert [job.outputs[0] for job in jobs if job.rule == "evaluate_vae"] == [f"{SMOKE}/metrics/table2/vae_fsdd_z16_seed0.csv"]
    assert not [job for job in jobs if job.rule == "evaluate_classifier"]


@pytest.mark.slow
def test_editing_the_vae_module_reruns_vae_jobs_and_their_dependants_only(smoke_state: Path) -> None:
    with edited_source(smoke_state, "models/vae.py"):
        jobs = planned(smoke_state)
    rules = {rule for rule, _ in expensive(jobs)}
    assert rules == {"train_vae", "encode_latents", "train_associator"}
    assert len([job for job in jobs if job.rule == "train_vae"]) == 3  # mnist, fashion_mnist, fsdd
    assert not [job for job in jobs if job.rule == "evaluate_classifier"]
    assert planned(smoke_state) == [], "reverting the edit must restore the no-op"


@pytest.mark.slow
def test_editing_the_classifier_module_retrains_no_vae_or_associator(smoke_state: Path) -> None:
    with edited_source(smoke_state, "models/classifier.py"):
        jobs = planned(smoke_state)
    assert {rule for rule, _ in expensive(jobs)} == {"train_classifier"}
    # Table 1, Figure 5 (evaluate_experiment) and the cascade, of AVAE and the baselines alike.
    assert {job.rule for job in jobs if job.rule.startswith("evaluate_")} == {
        "evaluate_classifier", "evaluate_vae", "evaluate_association", "evaluate_cascade", "evaluate_experiment",
        "evaluate_sweep_point"}
    evaluated = {"{experiment}/{method}".format(**parse("association_metrics", job.outputs[0]))
                 for job in jobs if job.rule in ("evaluate_association", "evaluate_experiment")}
    assert {"table1/avae", "table1/jmvae", "figure5/avae", "figure5/jmvae"} <= evaluated


def only_jmvae(jobs: list[PlannedJob]) -> None:
    """The planned work is JMVAE's alone: its models in smoke's one baseline scenario (FSDD -> MNIST,
    Table 1 and the sweep's 0.5 fraction), their evaluations, and what merely collects or draws them."""
    assert expensive(jobs) == {
        ("train_baseline", f"models/baselines/jmvae/fsdd-mnist/z16_p{fraction}_seed0.pt") for fraction in ("1.0", "0.5")
    }
    evaluations = [job for job in jobs if job.rule.startswith("evaluate_")]
    assert len(evaluations) == 1 + 2  # Table 1, Figure 5 at both fractions
    assert all(job.rule in ("evaluate_association", "evaluate_experiment") and "/jmvae_" in job.outputs[0]
               for job in evaluations)
    others = {job.rule for job in jobs} - {"train_baseline", "evaluate_association", "evaluate_experiment"}
    # The report's collecting and drawing rules read the changed rows and model summaries; none of
    # them trains, and AVAE's own figure data (project_latents) is untouched.
    assert others <= {"plot_figure_data", "collect_metrics", "collect_run_records", "dvc_metrics", "plot_run_figure",
                      "tables", "report"}
    assert not [job for job in jobs if job.rule == "plot_figure_data" and "/latents/" in job.outputs[0]]


@pytest.mark.slow
def test_editing_one_baselines_module_reruns_only_that_baselines_jobs(smoke_state: Path) -> None:
    with edited_source(smoke_state, "models/baselines/jmvae.py"):
        only_jmvae(planned(smoke_state))
    assert planned(smoke_state) == [], "reverting the edit must restore the no-op"


@pytest.mark.slow
def test_one_baselines_setting_reruns_only_that_baselines_jobs(smoke_state: Path) -> None:
    def edit(config: dict) -> None:
        config["models"]["jmvae"]["defaults"]["alpha"] = 0.1

    only_jmvae(planned(smoke_state, configfile=edited_config(smoke_state, edit)))


@pytest.mark.slow
def test_a_figure_style_reruns_only_plotting(smoke_state: Path) -> None:
    def edit(config: dict) -> None:
        config["report"]["style"] = "darkgrid"

    jobs = planned(smoke_state, configfile=edited_config(smoke_state, edit))
    plotted = {job.outputs[0].removeprefix("reports/smoke/figures/").split("/")[0] for job in jobs
               if job.rule.startswith("plot_")}
    assert {"samples", "latents", "figure5.png", "training.png"} <= plotted and "report" in {job.rule for job in jobs}
    assert only_report_work(jobs), [job.rule for job in jobs]


@pytest.mark.slow
def test_a_colour_band_of_the_page_reruns_only_tables_and_report(smoke_state: Path) -> None:
    def edit(config: dict) -> None:
        config["report"]["delta_bands"] = [2, 8]

    jobs = planned(smoke_state, configfile=edited_config(smoke_state, edit))
    assert {job.rule for job in jobs} == {"tables", "report"}


@pytest.mark.slow
def test_editing_the_figure_code_reruns_only_plotting(smoke_state: Path) -> None:
    with edited_source(smoke_state, "report/figures.py"):
        jobs = planned(smoke_state)
    assert "plot_figure_data" in {job.rule for job in jobs}
    assert only_report_work(jobs), [job.rule for job in jobs]
