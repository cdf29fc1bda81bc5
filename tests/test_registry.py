"""The method registry (``crossmodal.methods``) is the one list of methods: the schema's baseline
names, the model classes, the report's titles and dvc.yaml's Figure 5 columns follow it, and the
training defaults have one copy."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import yaml

from crossmodal.config import REPO_ROOT, SCHEMA_PATH, builtin_model_defaults, load_schema
from crossmodal.engine import TrainConfig
from crossmodal.methods import BASELINES, METHODS, PAIRWISE, method_title
from crossmodal.models.base import MethodConfig, MultimodalVAE


def test_every_method_names_an_importable_model_and_config_class() -> None:
    for method in METHODS.values():
        assert isinstance(method.model_class(), type) and dataclasses.is_dataclass(method.config_class()), method.name
        assert (Path(REPO_ROOT, "src", "crossmodal", method.module)).is_file(), method.module
    for baseline in BASELINES.values():
        assert issubclass(baseline.model_class(), MultimodalVAE)
        assert issubclass(baseline.config_class(), MethodConfig)


def test_importing_the_registry_does_not_import_torch() -> None:
    # The Snakemake workflow reads it at parse time; model classes are resolved only when built.
    code = "import sys, crossmodal.methods; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(REPO_ROOT / "src")})
    assert result.stdout.strip() == "False"


def test_the_schema_takes_its_baseline_names_from_the_registry() -> None:
    schema = load_schema()
    assert schema["$defs"]["baseline"]["enum"] == list(BASELINES)
    assert schema["properties"]["baselines"]["default"] == list(BASELINES)
    # Every place that names a baseline refers to the one definition; the file lists no names itself.
    for where in (schema["properties"]["baselines"]["items"],
                  schema["properties"]["scenarios"]["items"]["properties"]["baselines"]["items"],
                  schema["properties"]["validation_sweeps"]["items"]["properties"]["method"]):
        assert where["$ref"] == "#/$defs/baseline"
    raw = json.loads(SCHEMA_PATH.read_text())
    assert "enum" not in raw["$defs"]["baseline"] and "default" not in raw["properties"]["baselines"]


def test_every_hyperparameter_family_belongs_to_a_registered_method() -> None:
    families = set(load_schema()["properties"]["models"]["properties"])
    registered = {m.family for m in METHODS.values()}
    assert families - registered == {"vae"}  # AVAE's per-modality VAE, whose method name the joint VAE has
    # A method without a schema section runs on its config dataclass's defaults, so it needs one for each field.
    for method in PAIRWISE.values():
        if method.family not in families:
            assert all(f.default is not dataclasses.MISSING for f in dataclasses.fields(method.config_class()))


def test_report_titles_come_from_the_registry() -> None:
    assert all(method_title(name) == method.title for name, method in METHODS.items())


def test_dvc_figure5_columns_are_avae_and_the_registered_baselines() -> None:
    plots = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["plots"]
    columns = [columns for plot in plots for spec in plot.values() for columns in spec["y"].values()]
    assert len(columns) == 3
    assert all(c == ["avae", *BASELINES] for c in columns)


def test_training_defaults_have_one_copy() -> None:
    schema = load_schema()
    common = schema["$defs"]["train"]["default"]
    assert set(common) == set(schema["$defs"]["train"]["properties"])
    families = schema["properties"]["models"]["properties"]
    for family, section in families.items():
        own = section["properties"]["defaults"]["default"].get("train", {})
        # A family states only where it differs from the shared defaults.
        assert all(common[key] != value for key, value in own.items()), family
        assert builtin_model_defaults(family)["train"] == {**common, **own}
    # The engine's fallbacks for keys a params dict leaves out are the same values; patience is the
    # exception by design: None there means "train for max_epochs", which no family defaults to.
    engine = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}
    assert {key: common[key] for key in engine if key != "patience"} == {k: v for k, v in engine.items() if k != "patience"}
    assert engine["patience"] is None
    assert TrainConfig.from_params(common) == TrainConfig(**common)
