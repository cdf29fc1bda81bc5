"""Every job's input, as one dataclass: a rule passes it as one JSON argument, the CLI validates it
on entry (:func:`from_json`), and the job function takes it whole.

Torch-free on purpose: the workflow builds specs at parse time (crossmodal.workflow), and the CLI
parses them before it imports the job's own module.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

Spec = TypeVar("Spec")


class SpecError(ValueError):
    """A spec that does not fit its dataclass: the message names the field."""


def option(help: str = "", flag: str = "", append: bool = False, **kwargs: Any) -> Any:
    """A spec field with what the generated CLI needs: its help, and its flag where it is not
    ``--<field-name>`` (``append``: the flag is repeated once per value)."""
    metadata = {"help": help, "flag": flag, "append": append}
    return field(metadata=metadata, **kwargs)


# --- conversion from JSON values, by annotation --------------------------------------------------


def _convert(value: Any, annotation: Any, where: str) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(value, inner, where)
    if annotation is Any:
        return value
    if origin is list:
        if not isinstance(value, list):
            raise SpecError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        return [_convert(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise SpecError(f"{where}: expected a mapping, got {type(value).__name__} {value!r}")
        return {_convert(k, args[0], f"{where} key"): _convert(v, args[1], f"{where}[{k!r}]") for k, v in value.items()}
    if annotation is Path:
        if not isinstance(value, (str, Path)):
            raise SpecError(f"{where}: expected a path, got {type(value).__name__} {value!r}")
        return Path(value)
    if annotation is bool:
        if not isinstance(value, bool):
            raise SpecError(f"{where}: expected true or false, got {value!r}")
        return value
    if annotation is int:
        # JSON object keys are strings: class maps arrive as {"0": 0}.
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{where}: expected an integer, got {type(value).__name__} {value!r}")
        return value
    if annotation is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"{where}: expected a number, got {type(value).__name__} {value!r}")
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise SpecError(f"{where}: expected a string, got {type(value).__name__} {value!r}")
        return value
    raise TypeError(f"{where}: unsupported spec annotation {annotation!r}")  # pragma: no cover - a spec bug


def field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_dict(cls: type[Spec], values: dict[str, Any]) -> Spec:
    """``values`` as a ``cls``; an unknown or missing field, or a value of the wrong type, is a
    :class:`SpecError` naming the field."""
    if not isinstance(values, dict):
        raise SpecError(f"{cls.__name__}: expected a JSON object, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise SpecError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    missing = [name for name, f in fields.items() if name not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise SpecError(f"{cls.__name__}: missing field(s) {', '.join(missing)}")
    types_ = field_types(cls)
    return cls(**{name: _convert(value, types_[name], f"{cls.__name__}.{name}") for name, value in values.items()})


def from_json(cls: type[Spec], text: str) -> Spec:
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{cls.__name__}: not JSON ({exc})") from None
    return from_dict(cls, values)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(spec: Any) -> str:
    """The spec as the one JSON argument of its job: fields in their declared order, mappings in
    theirs (a class map's order is the one the job has always seen)."""
    return json.dumps({f.name: _plain(getattr(spec, f.name)) for f in dataclasses.fields(spec)}, separators=(",", ":"))


# --- the specs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcquireSpec:
    dataset: str
    raw_dir: Path
    no_dvc: bool = option("do not run `dvc add` (tests, non-DVC checkouts)", default=False)


@dataclass(frozen=True)
class PrepareSpec:
    dataset: str
    raw_dir: Path
    params: dict[str, Any]
    out: Path


@dataclass(frozen=True)
class TrainSpec:
    """A per-modality model (classifier, VAE) on one prepared dataset."""

    data: Path
    params: dict[str, Any]
    seed: int
    out: Path


@dataclass(frozen=True)
class EncodeLatentsSpec:
    data: Path
    vae: Path
    out: Path


@dataclass(frozen=True)
class TrainAssociatorSpec:
    source_latents: Path
    target_data: Path
    target_vae: Path
    params: dict[str, Any]
    class_map: dict[int, int]
    paired_fraction: float
    seed: int
    out: Path


@dataclass(frozen=True)
class TrainBaselineSpec:
    method: str = option("a pairwise method of crossmodal.methods (registry entry `pairwise`)")
    source_data: Path = option()
    target_data: Path = option()
    params: dict[str, Any] = option()
    class_map: dict[int, int] = option()
    paired_fraction: float = option()
    seed: int = option()
    out: Path = option()
    # "directed": pairs of every source sample; "symmetric": of every sample of both modalities.
    pairing: str = option("directed or symmetric", default="directed")


@dataclass(frozen=True)
class EvaluateClassifierSpec:
    data: Path
    classifier: Path
    seed: int
    out: Path


@dataclass(frozen=True)
class EvaluateVAESpec:
    data: Path
    vae: Path
    classifier: Path
    seed: int
    out: Path


@dataclass(frozen=True)
class CrossModalSpec:
    """What every cross-modal evaluation takes, whatever the method: the scenario, the source data,
    the judge, and what to write."""

    source: str
    target: str
    source_data: Path
    target_classifier: Path
    class_map: dict[int, int]
    paired_fraction: float
    seed: int
    out: Path
    experiment: str = option("the metrics.csv experiment column (table1, figure5)", default="table1")
    grid_samples: int = 8
    samples_out: Path | None = option("figure data of the qualitative grid", default=None)
    method_summary: bool = option("also write the methods rows (trainable parameters, training time)", default=False)
    summary_experiment: str = option("the methods rows' experiment column", default="methods")
    predictions_out: Path | None = option("whether each test sample's generation was classified as expected "
                                          "(the benchmark's paired intervals)", default=None)


@dataclass(frozen=True, kw_only=True)
class EvaluateAssociationSpec(CrossModalSpec):
    """AVAE's E_i -> A_ji -> D_j."""

    source_vae: Path
    associator: Path
    target_vae: Path
    method: str = option("the metrics.csv method column (avae, avae_flex)", default="avae")


@dataclass(frozen=True, kw_only=True)
class EvaluateBaselineSpec(CrossModalSpec):
    model: Path


@dataclass(frozen=True)
class SweepPointSpec:
    source: str
    target: str
    source_data: Path
    target_classifier: Path
    class_map: dict[int, int]
    model: Path
    param: str = option("the swept setting, e.g. kl_weight")
    value: float = option("its value for this model")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class CascadeSpec:
    path: list[str] = option("datasets from source to target, e.g. fsdd fashion_mnist mnist")
    source_data: Path = option()
    vaes: list[Path] = option("one per dataset of path, in order")
    associators: list[Path] = option("one per leg of path, in order")
    direct_associator: Path = option()
    target_classifier: Path = option()
    class_maps: list[dict[int, int]] = option("one class map per leg")
    direct_class_map: dict[int, int] = option()
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class ClassPrototypesSpec:
    data: Path = option("the VAE's prepared dataset (its training split is used)")
    vae: Path = option()
    classifier: Path = option()
    out: Path = option("JSON: per lambda_crs, each class's prediction")
    lambda_crs: list[float] = option("the associator KL weights to try", default_factory=lambda: [1.0])
    png: Path | None = option("also draw the class means and decoded prototypes", default=None)


@dataclass(frozen=True)
class CollectMetricsSpec:
    out: Path
    fragments: list[Path] = option("the per-job metric fragments, in the order of the rows")


@dataclass(frozen=True)
class PlotSpec:
    figure: str = option("samples, figure5, latents or training")
    data: Path = option("its figure data (metrics.csv for figure5)")
    style: dict[str, Any] = option()
    png: Path = option()
    pdf: Path = option()


@dataclass(frozen=True)
class ProjectLatentsSpec:
    source: str
    target: str
    source_latents: Path
    target_latents: Path
    associator: Path
    source_classifier: Path = option("for the class names")
    target_classifier: Path = option("for the class names")
    class_map: dict[int, int] = option()
    points: int = option("test points drawn per latent space")
    seed: int = option()
    out: Path = option()


@dataclass(frozen=True)
class CollectRunRecordsSpec:
    models_dir: Path
    benchmarks_dir: Path
    out_dir: Path
    dvc_records: list[Path] = option(default_factory=list)
    verified_records: list[Path] = option(default_factory=list)  # what acquisition verified, per dataset


@dataclass(frozen=True)
class SplitSizesSpec:
    prepared: list[Path]
    out: Path


@dataclass(frozen=True)
class TablesSpec:
    metrics: Path
    params: dict[str, Any]
    out_dir: Path


@dataclass(frozen=True)
class DvcMetricsSpec:
    headline: Path
    figure5: Path
    fragments: list[Path] = option("the per-job metric fragments metrics.csv merges")


@dataclass(frozen=True)
class ReportSpec:
    config_file: Path
    params: dict[str, Any]
    report_dir: Path
    out: Path
    run_record: Path | None = option("also write the run's settings and provenance (run.json) here", default=None)


@dataclass(frozen=True)
class CombineRunsSpec:
    runs: list[Path] = option("a finished run's reports/<config>/ folder (metrics.csv, figure_data/, run.json); repeat",
                              flag="--run", append=True)
    out_dir: Path = option("where the combined reports/<config>/ folder goes")
