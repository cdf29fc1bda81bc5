"""The baselines of AVAE Table 1, one module each, built from the build records jobs save."""

from __future__ import annotations

from typing import Any

from crossmodal.models.baselines.cva import CVA
from crossmodal.models.baselines.jmvae import JMVAE, JMVAEConfig
from crossmodal.models.baselines.joint_vae import JointVAE, JointVAEConfig
from crossmodal.models.baselines.mvae import MVAE, MVAEConfig
from crossmodal.models.baselines.pair import BaselineConfig, Modality, PairModel
from crossmodal.models.baselines.vae_cg import VAECG

MODELS: dict[str, tuple[type[PairModel], type[BaselineConfig]]] = {
    model.method: (model, config)
    for model, config in ((JointVAE, JointVAEConfig), (VAECG, BaselineConfig), (JMVAE, JMVAEConfig),
                          (CVA, BaselineConfig), (MVAE, MVAEConfig))
}


def build_baseline(build: dict[str, Any]) -> PairModel:
    """``build``: ``method``, ``source`` and ``target`` (each a :class:`Modality` record) and ``params``
    (the method's hyperparameters with ``latent_dim``)."""
    model_class, config_class = MODELS[build["method"]]
    params = build["params"]
    return model_class(Modality.from_build(build["source"]), Modality.from_build(build["target"]),
                       int(params["latent_dim"]), config_class.from_params(params))
