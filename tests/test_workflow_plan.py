"""crossmodal.workflow and the AVAE study's plan: what the rules of a config ask for and run."""

from __future__ import annotations

import copy
import json
import re
from types import SimpleNamespace

import pytest
import yaml

from crossmodal.config import REPO_ROOT, ConfigError, load_schema, study_names, validate_config
from crossmodal.jobs.specs import SpecError
from crossmodal.studies.avae import plan as avae
from crossmodal.workflow import Workflow, job_spec


@pytest.fixture(scope="module")
def smoke() -> Workflow:
    return Workflow(validate_config(yaml.safe_load((REPO_ROOT / "config" / "smoke.yaml").read_text())))


def test_job_spec_is_the_validated_spec_as_json() -> None:
    text = job_spec("train-vae", data="a b.pt", params={"x": "it's"}, seed=0, out="m.pt")
    assert json.loads(text) == {"data": "a b.pt", "params": {"x": "it's"}, "seed": 0, "out": "m.pt"}
    # A field given as None takes its default; the spec's checks run when the workflow is parsed.
    assert json.loads(job_spec("report", config_file="c.yaml", params={}, report_dir="r", out="r.html",
                               run_record=None))["run_record"] is None
    with pytest.raises(SpecError, match="TrainSpec.seed: expected an integer"):
        job_spec("train-vae", data="a.pt", params={}, seed="zero", out="m.pt")
    with pytest.raises(SpecError, match="unknown field"):
        job_spec("train-vae", data="a.pt", params={}, seed=0, out="m.pt", epochs=3)


def test_the_smoke_run_asks_for_table2_then_each_experiment_in_a_fixed_order(smoke: Workflow) -> None:
    fragments = smoke.metric_fragments()
    assert fragments[:2] == ["results/smoke/metrics/table2/classifier_mnist_seed0.csv",
                             "results/smoke/metrics/table2/vae_mnist_z16_seed0.csv"]
    assert fragments[6] == "results/smoke/metrics/table1/avae_mnist-fsdd_z16-16_p1.0_seed0.csv"
    assert "results/smoke/metrics/figure5/avae_fsdd-mnist_z16-16_p0.5_seed0.csv" in fragments
    assert "results/smoke/metrics/table3/avae_cascade_fsdd-fashion_mnist-mnist_z16_seed0.csv" in fragments
    # Baselines only where the scenario lists them (FSDD -> MNIST), in Table 1 and at both fractions.
    baselines = [f for f in fragments if "/jmvae_" in f]
    assert baselines == ["results/smoke/metrics/table1/jmvae_fsdd-mnist_z16-16_p1.0_seed0.csv",
                         "results/smoke/metrics/figure5/jmvae_fsdd-mnist_z16-16_p1.0_seed0.csv",
                         "results/smoke/metrics/figure5/jmvae_fsdd-mnist_z16-16_p0.5_seed0.csv"]
    assert fragments[-2:] == ["results/smoke/metrics/sweeps/vae_fsdd-mnist_z16_mask_rate=0.5_seed0.csv",
                              "results/smoke/metrics/sweeps/vae_fsdd-mnist_z16_mask_rate=0_seed0.csv"]
    assert len(fragments) == len(set(fragments)) == 6 + 4 + 2 + 1 + 5 + 10 + 2


def test_a_run_without_the_avae_study_asks_only_for_the_shared_files(smoke: Workflow) -> None:
    config = copy.deepcopy(dict(smoke.config))
    config["studies"] = []
    bare = Workflow(config)
    assert bare.metric_fragments() == []
    assert smoke.metric_fragments()[:len(smoke.table2_fragments())] == smoke.table2_fragments()
    assert bare.report_figures() == ["reports/smoke/figures/training.png"]


def test_the_report_draws_a_grid_per_method_and_a_latent_space_per_scenario(smoke: Workflow) -> None:
    figures = smoke.report_figures()
    grids = [f for f in figures if "/samples/" in f]
    assert len(grids) == 4 + 5  # AVAE in every scenario, the five baselines in FSDD -> MNIST
    assert "reports/smoke/figures/latents/fsdd-mnist_z16-16_seed0.png" in figures
    assert {"reports/smoke/figures/figure5.png", "reports/smoke/figures/training.png"} <= set(figures)


def wildcards(**fields: str) -> SimpleNamespace:
    return SimpleNamespace(**fields)


def test_a_baseline_is_evaluated_from_its_model_avae_from_its_vaes_and_associator(smoke: Workflow) -> None:
    w = dict(source="fsdd", target="mnist", sdim="16", tdim="16", fraction="0.5", seed="0")
    baseline = avae.association_inputs(smoke, wildcards(method="mvae", **w))
    assert baseline["model"] == "results/smoke/models/baselines/mvae/fsdd-mnist/z16_p0.5_seed0.pt"
    ours = avae.association_inputs(smoke, wildcards(method="avae", **w))
    assert ours["associator"] == "results/smoke/models/associator/fsdd-mnist/z16-16_p0.5_seed0.pt"
    assert ours["target_classifier"] == "results/smoke/models/classifier/mnist/seed0.pt"


def test_evaluation_specs_keep_each_methods_flags(smoke: Workflow) -> None:
    w = wildcards(method="jmvae", source="fsdd", target="mnist", sdim="16", tdim="16", fraction="1.0", seed="0")
    # Figure 5 at fraction 1.0: Table 1's model, whose Table 1 evaluation writes the methods rows.
    spec = json.loads(avae.evaluate_association(smoke, w, "figure5"))
    assert avae.evaluation_job("jmvae") == "--threads 1 evaluate-baseline"
    assert (spec["experiment"], spec["method_summary"], spec["samples_out"]) == ("figure5", False, None)
    assert spec["out"] == "results/smoke/metrics/figure5/jmvae_fsdd-mnist_z16-16_p1.0_seed0.csv"
    table1 = json.loads(avae.evaluate_association(smoke, w, "table1"))
    assert table1["method_summary"] and table1["samples_out"].startswith("reports/smoke/figure_data/samples/jmvae_")
    flex = wildcards(method="avae_flex", source="fsdd", target="mnist", sdim="32", tdim="16", fraction="1.0", seed="0")
    spec = json.loads(avae.evaluate_association(smoke, flex, "flex"))
    assert avae.evaluation_job("avae_flex") == "evaluate-association"  # torch's default threads, as always
    assert (spec["experiment"], spec["method"], spec["source_vae"]) == ("table1", "avae_flex",
                                                                        "results/smoke/models/vae/fsdd/z32_seed0.pt")
    assert spec["out"] == "results/smoke/metrics/flex/avae_flex_fsdd-mnist_z32-16_p1.0_seed0.csv"
    assert spec["class_map"] == {str(k): k for k in range(10)}


def test_a_changed_setting_changes_exactly_its_jobs_spec(smoke: Workflow) -> None:
    """The spec is a rule's param, so it must carry every setting: Snakemake reruns a job when it changes."""
    config = copy.deepcopy(dict(smoke.config))
    config["scenarios"][0]["associator"] = {"lambda_crs": 2.0}
    edited = Workflow(config)
    first, second = (wildcards(source=s["source"], target=s["target"], sdim="16", tdim="16", fraction="1.0", seed="0")
                     for s in config["scenarios"][:2])
    assert avae.train_associator(edited, first) != avae.train_associator(smoke, first)
    assert avae.train_associator(edited, second) == avae.train_associator(smoke, second)


def test_a_sweeps_configured_value_reuses_table1s_model(smoke: Workflow) -> None:
    w = dict(method="vae", source="fsdd", target="mnist", dim="16", param="mask_rate", seed="0")
    configured = avae.configured_sweep_setting(smoke.config, avae.sweep_of(wildcards(**w)))
    assert avae.sweep_model(smoke, wildcards(value=str(configured), **w)).startswith("results/smoke/models/baselines/")
    assert avae.sweep_model(smoke, wildcards(value="0", **w)) == (
        "results/smoke/models/sweeps/vae/fsdd-mnist/z16_mask_rate=0_seed0.pt")


def test_every_configured_study_has_a_folder_and_a_rules_file() -> None:
    assert "avae" in study_names()
    for name in study_names():
        assert (REPO_ROOT / "workflow" / "rules" / f"{name}.smk").exists()


def test_the_schema_knows_exactly_the_study_folders() -> None:
    schema = load_schema()["properties"]["studies"]
    assert schema["items"]["enum"] == study_names()
    assert schema["default"] == ["avae"]


def test_a_config_runs_the_avae_study_unless_it_says_otherwise(smoke: Workflow) -> None:
    assert smoke.config["studies"] == ["avae"]
    config = yaml.safe_load((REPO_ROOT / "config" / "smoke.yaml").read_text())
    with pytest.raises(Exception, match="studies"):
        validate_config({**config, "studies": ["no_such_paper"]})


def test_the_rule_files_hold_rules_only() -> None:
    """No path templates, helpers or fragment lists in the .smk files: those live in tested Python
    (crossmodal.paths, crossmodal.workflow, crossmodal.studies.<name>.plan)."""
    files = [REPO_ROOT / "Snakefile", *sorted((REPO_ROOT / "workflow" / "rules").glob("*.smk"))]
    for path in files:
        text = path.read_text()
        assert not re.search(r"^\s*def ", text, flags=re.M), f"{path.name} defines a function"
        assert not re.search(r"""["'](?:results|reports|data/raw)/""", text), f"{path.name} spells a path"
        assert "_PROVIDERS" not in text, f"{path.name} keeps a fragment list"
        for template in re.findall(r"""(?<!\w)f["']([^"']*)["']""", text):
            assert template == "workflow/rules/{study}.smk" or "shlex.quote" in template, f"{path.name}: f\"{template}\""


def test_the_avae_study_owns_the_sweep_experiment_selection_writes() -> None:
    from crossmodal.selection import SWEEP_EXPERIMENT
    from crossmodal.studies import registry

    assert SWEEP_EXPERIMENT in registry()["avae"].experiments


def test_the_snakefile_reads_the_study_plans_without_torch_or_pandas() -> None:
    import subprocess
    import sys

    code = ("import sys, crossmodal.workflow, crossmodal.studies.avae.plan; "
            "print(sorted(m for m in ('torch', 'pandas', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- symmetric baselines: one model per modality pair ----------------------------------------------


def _shared(smoke: Workflow, **changes: object) -> Workflow:
    config = copy.deepcopy(dict(smoke.config))
    config["scenarios"][0]["baselines"] = ["jmvae", "vae_cg"]  # mnist -> fsdd, the reverse of fsdd -> mnist
    config.update({"one_model_per_pair": ["jmvae"], **changes})
    return Workflow(validate_config(config))


def _w(**fields: str) -> SimpleNamespace:
    return SimpleNamespace(**{"sdim": "16", "tdim": "16", "fraction": "1.0", "seed": "0", **fields})


def test_a_symmetric_baseline_reads_one_model_in_both_directions(smoke: Workflow) -> None:
    shared = _shared(smoke)
    forward = avae.association_inputs(shared, _w(method="jmvae", source="mnist", target="fsdd"))["model"]
    backward = avae.association_inputs(shared, _w(method="jmvae", source="fsdd", target="mnist"))["model"]
    # Named after the pair's first configured scenario, mnist -> fsdd.
    assert forward == backward == "results/smoke/models/pair_baselines/jmvae/mnist-fsdd/z16_p1.0_seed0.pt"
    # Figure 5 trains one direction at every paired fraction, 1.0 included.
    figure5 = avae.association_inputs(shared, _w(method="jmvae", source="fsdd", target="mnist", experiment="figure5"))
    assert figure5["model"] == "results/smoke/models/baselines/jmvae/fsdd-mnist/z16_p1.0_seed0.pt"
    # A directed method keeps a model per direction.
    directed = [avae.association_inputs(shared, _w(method="vae_cg", source=s, target=t))["model"]
                for s, t in (("mnist", "fsdd"), ("fsdd", "mnist"))]
    assert directed[0] != directed[1]


def test_the_shared_model_trains_on_symmetric_pairs_with_the_first_scenarios_class_map(smoke: Workflow) -> None:
    shared = _shared(smoke)
    spec = json.loads(avae.train_pair_baseline(shared, _w(method="jmvae", source="mnist", target="fsdd", dim="16")))
    assert spec["pairing"] == "symmetric" and spec["class_map"] == {str(c): c for c in range(10)}
    assert spec["out"] == "results/smoke/models/pair_baselines/jmvae/mnist-fsdd/z16_p1.0_seed0.pt"
    directed = json.loads(avae.train_baseline(shared, _w(method="vae_cg", source="mnist", target="fsdd", dim="16")))
    assert directed["pairing"] == "directed"


def test_a_dry_run_trains_one_model_per_pair_for_the_methods_that_share_one(smoke: Workflow) -> None:
    shared = _shared(smoke)
    models = {avae.association_inputs(shared, _w(method=m, source=s, target=t))["model"]
              for m in ("jmvae", "vae_cg") for s, t in (("mnist", "fsdd"), ("fsdd", "mnist"))}
    assert len(models) == 3


def test_pair_class_maps_that_do_not_invert_each_other_are_refused(smoke: Workflow) -> None:
    shared = _shared(smoke)
    config = copy.deepcopy(dict(shared.config))
    config["scenarios"][0]["class_map"] = [[0, 1], [1, 0]]
    broken = Workflow(config)
    with pytest.raises(ValueError, match=r"one_model_per_pair: the scenarios mnist -> fsdd and fsdd -> mnist"):
        avae.train_pair_baseline(broken, _w(method="jmvae", source="mnist", target="fsdd", dim="16"))


def test_a_method_may_share_a_model_on_the_pairs_it_lists_only(smoke: Workflow) -> None:
    # jmvae shares on mnist <-> fsdd alone; on fsdd <-> fashion_mnist it keeps a model per direction.
    listed = _shared(smoke, one_model_per_pair=[{"method": "jmvae", "pairs": [["fsdd", "mnist"]]}])
    models = {(s, t): avae.association_inputs(listed, _w(method="jmvae", source=s, target=t))["model"]
              for s, t in (("mnist", "fsdd"), ("fsdd", "mnist"), ("fsdd", "fashion_mnist"))}
    assert models["mnist", "fsdd"] == models["fsdd", "mnist"] == (
        "results/smoke/models/pair_baselines/jmvae/mnist-fsdd/z16_p1.0_seed0.pt")
    assert models["fsdd", "fashion_mnist"] == "results/smoke/models/baselines/jmvae/fsdd-fashion_mnist/z16_p1.0_seed0.pt"


def test_a_listed_pair_that_no_scenario_pairs_is_refused(smoke: Workflow) -> None:
    with pytest.raises(ConfigError, match=r"one_model_per_pair\.0\.pairs\.1: jmvae cannot share a model of mnist and "
                                          r"gtsrb: no scenario pairs them"):
        _shared(smoke, one_model_per_pair=[{"method": "jmvae", "pairs": [["fsdd", "mnist"], ["mnist", "gtsrb"]]}])


@pytest.mark.parametrize("entry, key, problem", [
    ("vae_cg", "one_model_per_pair.0", "'vae_cg' is not one of"),
    ({"method": "vae_cg", "pairs": [["fsdd", "mnist"]]}, "one_model_per_pair.0.method", "'vae_cg' is not one of"),
    ({"method": "jmvae"}, "one_model_per_pair.0", "'pairs' is a required property"),
    ({"method": "jmvae", "pairs": [["fsdd"]]}, "one_model_per_pair.0.pairs.0", "['fsdd'] is too short"),
])
def test_only_a_symmetric_baseline_may_share_a_pair_model(smoke: Workflow, entry: object, key: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=rf"config key {re.escape(key)}: {re.escape(problem)}"):
        _shared(smoke, one_model_per_pair=[entry])
