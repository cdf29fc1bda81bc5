"""crossmodal.paths: every kind of path builds, parses back to the same fields, and gives its
Snakemake wildcard pattern when fields are left out."""

from __future__ import annotations

import re

import pytest

from crossmodal.paths import FIELD_PATTERNS, TEMPLATES, RunPaths, fraction_tag, parse, sweep_value_tag

PATHS = RunPaths("smoke", "data/raw")
# One value per field, with the awkward cases: underscores in dataset and method names, a tiny
# fraction, a dotted sweep setting, a cascade of three datasets.
VALUES = {"dataset": "fashion_mnist", "source": "speech_commands", "target": "fashion_mnist", "seed": "2",
          "dim": "64", "sdim": "256", "tdim": "64", "fraction": "0.05", "method": "vae_cg", "experiment": "figure5",
          "path": "speech_commands-fashion_mnist-mnist", "param": "train.max_epochs", "value": "1e-05",
          "figure": "samples", "table": "table1", "study": "avae", "name": "avae_fsdd-mnist_z16-16_p1.0_seed0", "file": "train.tar.gz"}


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_kind_round_trips(kind: str) -> None:
    fields = {f: VALUES[f] for f in TEMPLATES[kind].fields}
    path = PATHS.path(kind, **fields)
    assert "{" not in path
    assert parse(kind, path) == fields
    # Whatever folder the run lives in (a combined run's reports, a copied record).
    assert parse(kind, "/elsewhere/" + path) == fields


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_leaving_fields_out_gives_the_wildcard_pattern(kind: str) -> None:
    pattern = PATHS.path(kind)
    assert set(re.findall(r"{(\w+)}", pattern)) == set(TEMPLATES[kind].fields)
    assert all(field in FIELD_PATTERNS for field in TEMPLATES[kind].fields)


def test_the_layout_of_a_run() -> None:
    assert PATHS.path("prepared", dataset="mnist") == "results/smoke/prepared/mnist.pt"
    assert PATHS.path("vae", dataset="{source}", dim="{sdim}") == "results/smoke/models/vae/{source}/z{sdim}_seed{seed}.pt"
    assert PATHS.path("associator", source="fsdd", target="mnist", sdim=16, tdim=16, fraction=1, seed=0) == (
        "results/smoke/models/associator/fsdd-mnist/z16-16_p1.0_seed0.pt")
    assert PATHS.summary("baseline", method="mvae", source="a", target="b", dim=64, fraction=0.05, seed=1) == (
        "results/smoke/models/baselines/mvae/a-b/z64_p0.05_seed1.json")
    assert PATHS.path("sweep_metrics", method="vae", source="fsdd", target="mnist", dim=16, param="mask_rate",
                      value=0.0, seed=0) == "results/smoke/metrics/sweeps/vae_fsdd-mnist_z16_mask_rate=0_seed0.csv"
    assert PATHS.path("cascade_metrics", path=["fsdd", "fashion_mnist", "mnist"], dim=16, seed=0) == (
        "results/smoke/metrics/table3/avae_cascade_fsdd-fashion_mnist-mnist_z16_seed0.csv")
    assert PATHS.path("raw_record", dataset="fsdd") == "data/raw/fsdd.dvc"
    assert PATHS.plotted("figure", figure="figure5") == {"png": "reports/smoke/figures/figure5.png",
                                                         "pdf": "reports/smoke/figures/figure5.pdf"}
    assert PATHS.folder("run_models") == "reports/smoke/figure_data/run"


def test_logs_and_benchmarks_sit_beside_their_job() -> None:
    assert PATHS.log("vae", dataset="fsdd", dim=16, seed=0) == "results/smoke/logs/results/models/vae/fsdd/z16_seed0.log"
    # The report's timing table groups benchmarks by their first folder and reads the seed at the end.
    assert PATHS.benchmark("baseline") == (
        "results/smoke/benchmarks/baselines/{method}_{source}-{target}_z{dim}_p{fraction}_seed{seed}.tsv")
    assert PATHS.benchmark("prepared", dataset="mnist") == "results/smoke/benchmarks/prepare/mnist.tsv"


def test_method_and_dataset_names_with_underscores_parse_by_the_longest_method() -> None:
    fields = parse("sample_grid", "reports/x/figures/samples/vae_cg_fashion_mnist-mnist_z64-64_p1.0_seed0.png")
    assert fields is not None and (fields["method"], fields["source"]) == ("vae_cg", "fashion_mnist")
    fields = parse("sample_grid", "figures/samples/vae_fashion_mnist-mnist_z64-64_p1.0_seed0.png")
    assert fields is not None and (fields["method"], fields["source"]) == ("vae", "fashion_mnist")
    assert parse("association_metrics", "metrics/flex/avae_flex_gtsrb-speech_commands_z256-64_p1.0_seed0.csv") == {
        "experiment": "flex", "method": "avae_flex", "source": "gtsrb", "target": "speech_commands", "sdim": "256",
        "tdim": "64", "fraction": "1.0", "seed": "0"}


def test_paths_of_other_kinds_do_not_parse() -> None:
    assert parse("sample_grid", "reports/x/figures/samples/notes.png") is None
    assert parse("sample_grid", "reports/x/figures/samples/unknown_fsdd-mnist_z16-16_p1.0_seed0.png") is None
    assert parse("association_metrics", "results/x/metrics/table2/vae_fsdd_z16_seed0.csv") is None
    assert parse("cascade_metrics", "results/x/metrics/table3/avae_cascade_fsdd-mnist_z16_seed0.csv") is None  # one leg


def test_a_field_the_kind_does_not_have_is_an_error() -> None:
    with pytest.raises(KeyError, match="no field"):
        PATHS.path("prepared", dataset="mnist", seed=0)


def test_tags() -> None:
    assert [fraction_tag(f) for f in (1, 1.0, 0.05, "0.5")] == ["1.0", "1.0", "0.05", "0.5"]
    assert [sweep_value_tag(v) for v in (0.0, 1, 0.25, 1e-5, 100)] == ["0", "1", "0.25", "1e-05", "100"]
