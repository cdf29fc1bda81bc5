"""The CLI generated from the job registry: one JSON spec per job, validated before the job runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossmodal.cli import build_parser, job_spec, main
from crossmodal.jobs import JOBS
from crossmodal.jobs.specs import CombineRunsSpec, EvaluateAssociationSpec, SpecError, TrainSpec, from_json, to_json


def test_every_registered_job_is_a_subcommand_whose_function_exists() -> None:
    parser = build_parser()
    for name, job in JOBS.items():
        assert parser.parse_args([name, "{}"]).job == name
        assert callable(job.load())


def test_a_spec_round_trips_through_its_json() -> None:
    spec = EvaluateAssociationSpec(source="fsdd", target="mnist", source_data=Path("s.pt"), target_classifier=Path("c.pt"),
                                   class_map={3: 3, 0: 1}, paired_fraction=0.05, seed=2, out=Path("m.csv"),
                                   source_vae=Path("v.pt"), associator=Path("a.pt"), target_vae=Path("t.pt"))
    again = from_json(EvaluateAssociationSpec, to_json(spec))
    assert again == spec
    assert list(again.class_map) == [3, 0]  # a class map keeps its order, and its keys are ints again


def test_the_json_spec_and_field_options_give_the_same_spec() -> None:
    parser = build_parser()
    from_spec = job_spec(parser.parse_args(["train-vae", '{"data": "d.pt", "params": {"a": 1}, "seed": 3, "out": "m.pt"}']))
    from_options = job_spec(parser.parse_args(["train-vae", "--data", "d.pt", "--params", '{"a": 1}', "--seed", "3",
                                               "--out", "m.pt"]))
    assert from_spec == from_options == TrainSpec(Path("d.pt"), {"a": 1}, 3, Path("m.pt"))
    runs = job_spec(parser.parse_args(["combine-runs", "--run", "a", "--run", "b", "--out-dir", "c"]))
    assert runs == CombineRunsSpec(runs=[Path("a"), Path("b")], out_dir=Path("c"))


@pytest.mark.parametrize(("spec", "message"), [
    ({"data": "d.pt", "params": {}, "seed": 0}, "TrainSpec: missing field(s) out"),
    ({"data": "d.pt", "params": {}, "seed": 0, "out": "m.pt", "epochs": 3}, "TrainSpec: unknown field(s) epochs"),
    ({"data": "d.pt", "params": {}, "seed": 1.5, "out": "m.pt"}, "TrainSpec.seed: expected an integer, got float 1.5"),
    ({"data": "d.pt", "params": [], "seed": 0, "out": "m.pt"}, "TrainSpec.params: expected a mapping"),
])
def test_a_bad_spec_is_one_error_line_naming_the_field(spec: dict, message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["train-vae", json.dumps(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: train-vae: {message}") and err.count("\n") == 1


def test_spec_errors_name_nested_fields() -> None:
    with pytest.raises(SpecError, match=r"EvaluateAssociationSpec.class_map\['0'\]: expected an integer"):
        from_json(EvaluateAssociationSpec, json.dumps({
            "source": "a", "target": "b", "source_data": "s", "target_classifier": "c", "class_map": {"0": "a"},
            "paired_fraction": 1.0, "seed": 0, "out": "o", "source_vae": "v", "associator": "x", "target_vae": "t"}))
