"""The models: per-modality networks, AVAE's, and the registered methods on one base
(:mod:`crossmodal.models.base`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmodal.methods import METHODS, Method
from crossmodal.models.base import Modality, MultimodalVAE


def modality_records(build: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The build record's modalities in model order: ``modalities``, or a scenario's ``source`` and ``target``."""
    return list(build["modalities"]) if "modalities" in build else [build["source"], build["target"]]


def build_multimodal(build: Mapping[str, Any], known: Mapping[str, Method] = METHODS, kind: str = "method") -> MultimodalVAE:
    """A registered method's model from its build record: ``method``, its modalities (see
    :func:`modality_records`, each a :class:`Modality` record) and ``params`` (the method's
    hyperparameters with ``latent_dim``). ``known``: the methods a caller accepts, ``kind`` what
    its errors call them (AVAE's baselines, a study's methods)."""
    name = build["method"]
    if name not in known:
        raise ValueError(f"unknown {kind} {name!r}; known: {sorted(known)}")
    method = known[name]
    params = build["params"]
    modalities = {m.name: m for m in map(Modality.from_build, modality_records(build))}
    model = method.model_class()(modalities, int(params["latent_dim"]), method.config_class().from_params(params))
    model.method = name
    return model
