"""Configuration: schema validation with defaults, semantic checks, and per-job parameters.

``config/schema.json`` is the single source of keys and default values, and each study's own
settings (the config section named after it, e.g. ``bridged:``) are described by its
``studies/<name>/schema.json``, merged in under that key. The Snakefile calls
:func:`validate_config` before any job is scheduled, so a typo fails at once and names the key.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import pkgutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema

from crossmodal.data.dataset_info import ClassSelectionError, class_selection
from crossmodal.data.datasets import DATASETS, dataset_classes
from crossmodal.methods import BASELINES, METHODS, PAIRWISE

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "config" / "schema.json"
PACKAGE_ROOT = Path(__file__).resolve().parent
MODEL_FAMILIES = ("classifier", "vae", "associator")


class ConfigError(ValueError):
    """A configuration that cannot run; the message names the offending key."""


def study_names() -> list[str]:
    """Every study of the package by its folder under ``crossmodal/studies``, without importing the
    studies: the config (and so every training job, whose code version covers what it imports)
    needs their names, not their report code."""
    return sorted(module.name for module in pkgutil.iter_modules([str(PACKAGE_ROOT / "studies")]) if module.ispkg)


def study_schemas() -> dict[str, dict[str, Any]]:
    """Each study's settings schema (``studies/<name>/schema.json``), by study name."""
    return {path.parent.name: json.loads(path.read_text())
            for path in sorted((PACKAGE_ROOT / "studies").glob("*/schema.json"))}


def load_schema() -> dict[str, Any]:
    """The schema, with the baselines it allows and runs by default taken from the registry
    (``crossmodal.methods``), so that registering a method is all a config needs to name it, and
    the study folders it may run, each with its own section (a missing one takes the study's defaults)."""
    schema = json.loads(SCHEMA_PATH.read_text())
    schema["$defs"]["baseline"]["enum"] = list(BASELINES)
    schema["properties"]["baselines"]["default"] = list(BASELINES)
    schema["$defs"]["symmetric_method"]["enum"] = [name for name, method in PAIRWISE.items() if method.symmetric]
    schema["properties"]["studies"]["items"]["enum"] = study_names()
    for name, section in study_schemas().items():
        schema["properties"][name] = {"default": {}, **section}
    return schema


def _with_defaults(validator_class: type) -> type:
    """A validator that fills each missing property with its schema default before checking it
    (the jsonschema FAQ's recipe, as snakemake's ``validate(set_default=True)`` does)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def fill_defaults(validator: Any, properties: Mapping[str, Any], instance: Any, schema: Any) -> Any:
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": fill_defaults})


def fill_defaults(config: dict[str, Any]) -> None:
    """Fill ``config``'s missing keys, at every depth, with the merged schema's defaults."""
    _with_defaults(jsonschema.Draft202012Validator)(load_schema()).validate(config)


def _key_path(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _allowed_range(schema: Mapping[str, Any]) -> str:
    """``"(0, 1]"``-style interval of a numeric schema's bounds."""
    low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    low_bracket, high_bracket = "(", ")"
    if low is None and "minimum" in schema:
        low, low_bracket = schema["minimum"], "["
    if high is None and "maximum" in schema:
        high, high_bracket = schema["maximum"], "]"
    return f"{low_bracket}{'-inf' if low is None else low}, {'inf' if high is None else high}{high_bracket}"


def _same_kind(error: jsonschema.ValidationError) -> bool:
    """Whether an alternative's failure concerns a value of the kind it expects (not its type, nor a
    list of names that a mapping or list could never be)."""
    return error.validator != "type" and not (error.validator == "enum" and isinstance(error.instance, (dict, list)))


def _schema_problems(error: jsonschema.ValidationError) -> list[str]:
    """One line per problem, naming the full dotted key (jsonschema names the parent of an unknown key)."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = error.schema.get("properties", {})
        return [
            f"config key {_key_path([*path, key])}: unknown key"
            + (f" (allowed here: {', '.join(sorted(known))})" if known else "")
            for key in error.instance
            if key not in known
        ]
    message = error.message
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        message += f" (allowed: {_allowed_range(error.schema)})"
    elif error.validator == "oneOf" and "description" in error.schema:
        if error.context:
            # The alternative the value came closest to: the deepest failure, and one of the value's
            # own kind (``"vae_cg"`` is a name that is not allowed, not a malformed entry; an entry
            # without ``pairs`` lacks a key, it is not a name).
            closest = max(error.context, key=lambda e: (len(e.absolute_path), _same_kind(e)))
            return [f"{line} (expected {error.schema['description']})" for line in _schema_problems(closest)]
        message += f" (expected {error.schema['description']})"
    return [f"config key {_key_path(path)}: {message}"]


def check_schema(config: Mapping[str, Any]) -> None:
    """Schema errors, each naming the dotted path of the offending key."""
    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"  {line}" for e in errors for line in _schema_problems(e)]
        raise ConfigError("invalid configuration:\n" + "\n".join(lines))


def deep_merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win; nested mappings merge key by key, everything else is replaced."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = deep_merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
    return merged


def builtin_model_defaults(family: str) -> dict[str, Any]:
    """A family's built-in hyperparameters: the training defaults every family shares
    (``$defs.train``'s default) with the family's own (``models.<family>.defaults``'s default).

    A registered method whose family has no section in the schema takes its config dataclass's
    defaults."""
    schema = load_schema()
    families = schema["properties"]["models"]["properties"]
    if family in families:
        own = families[family]["properties"]["defaults"]["default"]
    else:
        own = _dataclass_defaults(family)
    return deep_merge({"train": schema["$defs"]["train"]["default"]}, own)


def _dataclass_defaults(family: str) -> dict[str, Any]:
    methods = [m for m in METHODS.values() if m.family == family and m.config]
    if not methods:
        raise ConfigError(f"no model family {family!r}: neither in the schema's models section nor registered")
    return {f.name: f.default for f in dataclasses.fields(methods[0].config_class()) if f.default is not dataclasses.MISSING}


def model_params(
    config: Mapping[str, Any], family: str, dataset: str | None = None, scenario: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Hyperparameters of one job: built-in defaults < config defaults < per-dataset/scenario."""
    models = config.get("models", {}).get(family, {})
    layers = [builtin_model_defaults(family), models.get("defaults", {})]
    if dataset is not None:
        layers.append(models.get("per_dataset", {}).get(dataset, {}))
    if scenario is not None:
        layers.append(scenario.get(family, {}))
    return deep_merge(*layers)


def baseline_params(config: Mapping[str, Any], family: str, source: str, target: str, latent_dim: int) -> dict[str, Any]:
    """Hyperparameters of one baseline job (``family``: its ``models.<family>`` section).

    Each modality's networks are the dataset's ``models.vae`` architecture. The training budget is
    the family's, except where the source dataset's VAE has a budget of its own
    (``models.vae.per_dataset.<source>.train``): a baseline sees as many pairs per epoch as the
    source has samples, so a dataset whose VAE needs small batches (FSDD's 2,430 recordings) gets
    them for its baselines too.
    """
    params = model_params(config, family)
    source_budget = config.get("models", {}).get("vae", {}).get("per_dataset", {}).get(source, {}).get("train", {})
    params["train"] = deep_merge(params["train"], source_budget)
    params["latent_dim"] = int(latent_dim)
    params["architectures"] = {
        role: model_params(config, "vae", dataset=dataset)["architecture"]
        for role, dataset in (("source", source), ("target", target))
    }
    return params


def sweep_job_params(config: Mapping[str, Any], sweep: Mapping[str, Any], value: Any = None) -> dict[str, Any]:
    """Hyperparameters of a validation sweep's job: its baseline's in its scenario, with the swept
    setting (a key, or a dotted path into a section such as ``train.max_epochs``) set to ``value``;
    unchanged if ``value`` is None."""
    params = baseline_params(config, BASELINES[sweep["method"]].family, sweep["source"], sweep["target"],
                             int(config["latent_dim"]))
    if value is not None:
        *sections, key = sweep["param"].split(".")
        section = params
        for name in sections:
            section = section[name]
        section[key] = value
    return params


def configured_sweep_setting(config: Mapping[str, Any], sweep: Mapping[str, Any]) -> Any:
    """The configured value of a sweep's setting in its scenario (None if there is no such setting)."""
    value: Any = sweep_job_params(config, sweep)
    for name in sweep["param"].split("."):
        if not isinstance(value, Mapping) or name not in value:
            return None
        value = value[name]
    return value


def class_map(scenario: Mapping[str, Any], datasets: Mapping[str, Any] | None = None) -> dict[int, int]:
    """Source class index -> target class index of a scenario.

    ``datasets`` is the config's ``datasets`` section: class selections there define the labels.
    """
    spec = scenario.get("class_map", "identity")
    if spec == "identity":
        options = datasets or {}
        n_source = len(dataset_classes(scenario["source"], options.get(scenario["source"])))
        n_target = len(dataset_classes(scenario["target"], options.get(scenario["target"])))
        return {k: k for k in range(min(n_source, n_target))}
    return {int(s): int(t) for s, t in spec}


def compose_class_maps(maps: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """The class map of a chain of associations: classes that survive every step, mapped through."""
    maps = list(maps)
    composed = dict(maps[0])
    for step in maps[1:]:
        composed = {s: step[t] for s, t in composed.items() if t in step}
    return composed


def find_scenario(config: Mapping[str, Any], source: str, target: str) -> Mapping[str, Any] | None:
    for s in config["scenarios"]:
        if s["source"] == source and s["target"] == target:
            return s
    return None


def shares_pair_model(config: Mapping[str, Any], method: str, source: str, target: str) -> bool:
    """Whether ``method``'s full-pairing model of ``source`` and ``target`` is one model of the pair
    (config ``one_model_per_pair``: the method's name shares every pair, an entry with ``pairs``
    only those)."""
    for entry in config.get("one_model_per_pair", []):
        if entry == method:
            return True
        if isinstance(entry, Mapping) and entry["method"] == method:
            return any({source, target} == set(pair) for pair in entry["pairs"])
    return False


def _pair_model_problems(config: Mapping[str, Any]) -> list[str]:
    """Each pair that ``one_model_per_pair`` names must be a configured scenario's two datasets."""
    configured = {frozenset((s["source"], s["target"])) for s in config["scenarios"]}
    problems = []
    for i, entry in enumerate(config.get("one_model_per_pair", [])):
        if not isinstance(entry, Mapping):
            continue
        for j, pair in enumerate(entry["pairs"]):
            if frozenset(pair) not in configured:
                problems.append(f"config key one_model_per_pair.{i}.pairs.{j}: {entry['method']} cannot share a model "
                                f"of {pair[0]} and {pair[1]}: no scenario pairs them")
    return problems


def _dataset_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    specific = set().union(*(info.options for info in DATASETS.values()))
    for name, options in config["datasets"].items():
        if name not in DATASETS:
            problems.append(f"config key datasets.{name}: unknown dataset; known: {sorted(DATASETS)}")
            continue
        info = DATASETS[name]
        for key in sorted(set(options) & specific - info.options):
            problems.append(f"config key datasets.{name}.{key}: not an option of {name} (its own: {sorted(info.options) or 'none'})")
        try:
            class_selection(info, options)
        except ClassSelectionError as exc:
            problems.append(f"config key datasets.{name}.{exc}")
    return problems


def _experiment_problems(config: Mapping[str, Any]) -> list[str]:
    """Experiments build on scenarios: their pairs must be configured, their class maps consistent."""
    problems = []
    experiments = config.get("experiments", {})
    datasets = config["datasets"]
    if "figure5" in experiments:
        f5 = experiments["figure5"]
        if find_scenario(config, f5["source"], f5["target"]) is None:
            problems.append(
                f"config key experiments.figure5: {f5['source']} -> {f5['target']} is not a configured scenario "
                "(the sweep reuses its class map and associator settings)"
            )
    for i, cascade in enumerate(experiments.get("table3", {}).get("cascades", [])):
        where = f"experiments.table3.cascades.{i}"
        steps = list(zip(cascade[:-1], cascade[1:])) + [(cascade[0], cascade[-1])]
        absent = [f"{s} -> {t}" for s, t in steps if find_scenario(config, s, t) is None]
        if len(set(cascade)) != len(cascade):
            problems.append(f"config key {where}: {cascade} visits a dataset twice")
        elif absent:
            problems.append(f"config key {where}: {', '.join(absent)} not configured as scenario(s); "
                            "every step and the direct pair must be")
        else:
            legs = [class_map(find_scenario(config, s, t), datasets) for s, t in steps[:-1]]
            direct = class_map(find_scenario(config, cascade[0], cascade[-1]), datasets)
            through = compose_class_maps(legs)
            disagree = sorted(c for c in set(through) & set(direct) if through[c] != direct[c])
            if not set(through) & set(direct):
                problems.append(f"config key {where}: no source class reaches {cascade[-1]} both through the cascade and directly")
            elif disagree:
                problems.append(f"config key {where}: source classes {disagree} reach different target classes "
                                "through the cascade than directly")
    flex = experiments.get("flex", {}).get("latent_dims", {})
    for name, dim in flex.items():
        if name not in datasets:
            problems.append(f"config key experiments.flex.latent_dims.{name}: not a dataset of this config")
        elif dim == config["latent_dim"]:
            problems.append(f"config key experiments.flex.latent_dims.{name}: {dim} equals latent_dim; flex needs another size")
        elif not any(name in (s["source"], s["target"]) for s in config["scenarios"]):
            problems.append(f"config key experiments.flex.latent_dims.{name}: no scenario involves {name}")
    return problems


def check_semantics(config: Mapping[str, Any]) -> None:
    """What the schema cannot say: datasets exist, class maps fit them, scenarios are usable."""
    problems = _dataset_problems(config)
    for family in MODEL_FAMILIES:
        for name in config.get("models", {}).get(family, {}).get("per_dataset", {}):
            if name not in config["datasets"]:
                problems.append(f"config key models.{family}.per_dataset.{name}: not a dataset of this config")
    for i, scenario in enumerate(config["scenarios"]):
        where = f"scenarios.{i}"
        ok = True
        for role in ("source", "target"):
            name = scenario[role]
            if name not in DATASETS:
                problems.append(f"config key {where}.{role}: unknown dataset {name!r}; known: {sorted(DATASETS)}")
                ok = False
            elif name not in config["datasets"]:
                problems.append(
                    f"config key {where}.{role}: dataset {name!r} is not configured under datasets "
                    f"(configured: {sorted(config['datasets'])})"
                )
                ok = False
        if not ok:
            continue
        if scenario["source"] == scenario["target"]:
            problems.append(f"config key {where}: source and target are both {scenario['source']!r}")
        spec = scenario.get("class_map", "identity")
        if spec != "identity":
            n_source = len(_classes_or_empty(config, scenario["source"]))
            n_target = len(_classes_or_empty(config, scenario["target"]))
            for j, (s, t) in enumerate(spec):
                if s >= n_source:
                    problems.append(f"config key {where}.class_map.{j}: source class {s} does not exist in {scenario['source']} ({n_source} classes)")
                if t >= n_target:
                    problems.append(f"config key {where}.class_map.{j}: target class {t} does not exist in {scenario['target']} ({n_target} classes)")
            sources = [s for s, _ in spec]
            if len(set(sources)) != len(sources):
                problems.append(f"config key {where}.class_map: a source class is mapped twice")
    directions = [(s["source"], s["target"]) for s in config["scenarios"]]
    for d in set(directions):
        if directions.count(d) > 1:
            problems.append(f"config key scenarios: {d[0]} -> {d[1]} appears {directions.count(d)} times")
    if not problems:
        problems = _experiment_problems(config) + _sweep_problems(config) + _pair_model_problems(config)
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))


def _sweep_problems(config: Mapping[str, Any]) -> list[str]:
    """A validation sweep varies one numeric setting of a baseline that runs in one of the scenarios."""
    problems = []
    directions = {(s["source"], s["target"]): s for s in config["scenarios"]}
    for i, sweep in enumerate(config.get("validation_sweeps", [])):
        where = f"validation_sweeps.{i}"
        scenario = directions.get((sweep["source"], sweep["target"]))
        if scenario is None:
            problems.append(f"config key {where}: {sweep['source']} -> {sweep['target']} is not a scenario of this config")
            continue
        if sweep["method"] not in scenario.get("baselines", config.get("baselines", [])):
            problems.append(f"config key {where}: baseline {sweep['method']!r} does not run in {sweep['source']} -> {sweep['target']}")
        configured = configured_sweep_setting(config, sweep)
        if isinstance(configured, bool) or not isinstance(configured, (int, float)):
            problems.append(f"config key {where}.param: {sweep['param']!r} is not a numeric setting of "
                            f"models.{BASELINES[sweep['method']].family}")
    return problems


def _classes_or_empty(config: Mapping[str, Any], name: str) -> tuple[str, ...]:
    try:
        return dataset_classes(name, config["datasets"].get(name))
    except ClassSelectionError:
        return ()  # reported by _dataset_problems


def integer_seeds(seeds: Any) -> Any:
    """``seeds`` with digit strings made integers: ``--config 'seeds=[0,1]'`` (``make reproduce
    SEEDS=0,1``) reaches the config as strings, since Snakemake parses command-line values with
    YAML's BaseLoader. Anything else is left for the schema to judge."""
    if isinstance(seeds, list):
        return [int(s) if isinstance(s, str) and s.strip().isdigit() else s for s in seeds]
    return seeds


def non_finite_problems(value: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """Every NaN or infinity in ``value``, by key: no setting means either, and the schema's bounds
    cannot catch them (every comparison with NaN is false)."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"config key {_key_path(path)}: {value} is not a finite number"]
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in non_finite_problems(item, (*path, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in non_finite_problems(item, (*path, i))]
    return []


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """Validate ``config`` in place (filling the schema's defaults) and return it."""
    if "seeds" in config:
        config["seeds"] = integer_seeds(config["seeds"])
    if problems := non_finite_problems(config):
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))
    check_schema(config)
    # The defaults the schema file cannot hold, since they come from the registry.
    config.setdefault("baselines", load_schema()["properties"]["baselines"]["default"])
    fill_defaults(config)
    check_semantics(config)
    return config


def code_version(*modules: str) -> str:
    """Short content hash of package modules, e.g. ``code_version("models/vae.py")``.

    Used as a Snakemake param so that editing one model family's code reruns exactly its jobs
    (file mtimes would be unreliable after a git checkout or a DVC pull).
    """
    digest = hashlib.sha256()
    for module in sorted(modules):
        digest.update(module.encode())
        digest.update((PACKAGE_ROOT / module).read_bytes())
    return digest.hexdigest()[:16]


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))
