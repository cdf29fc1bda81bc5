"""The one registry of methods: every name the workflow, the config, the jobs and the report use.

Each entry says where its model lives and its config dataclass, as import strings
(``"package.module:Name"``) resolved only when a model is built: importing the registry stays
torch-free, since the Snakemake workflow reads it at parse time (a no-op rerun must not pay for
importing torch). Adding a method is one entry here and its model module (a config dataclass and a
model on :class:`crossmodal.models.base.MultimodalVAE`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

PACKAGE = "crossmodal"


def resolve(reference: str) -> Any:
    """The object an import string ``"package.module:Name"`` names."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Stages:
    """A method trained in stages: the config field its model reads its stage from, and that field's
    values in training order (the Bridged VAE's ``phase``: ``joint``, then ``bridges``)."""

    field: str
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.values or len(set(self.values)) != len(self.values):
            raise ValueError(f"stages of {self.field!r} must be distinct values, at least one: {self.values}")


@dataclass(frozen=True)
class Method:
    name: str  # the metrics.csv method column, and the config's `baselines` entry for a baseline
    title: str  # how tables and figures name it
    family: str = ""  # its hyperparameter section, models.<family> ("" for a method with none of its own)
    model: str = ""  # its model class, "package.module:Class"
    config: str = ""  # its config dataclass, "package.module:Class" (with `from_params`)
    baseline: bool = False  # one of AVAE Table 1's comparison methods (config `baselines`)
    # Trained by the one pairwise job (train-baseline) on any scenario, from its models.<family>
    # section and each dataset's networks: every baseline, and the benchmark's further methods.
    pairwise: bool = False
    long_title: str = ""  # the qualitative grids' name for it, where the table's is too short
    # Symmetric in its modalities: one bimodal model can serve both directions of a pair (config
    # `one_model_per_pair` says whether it does).
    symmetric: bool = False
    # Trained in stages (None: in one). The pairwise job trains every stage in order through the one
    # engine, each from the previous stage's weights (the next stage may add networks, never drop
    # one), and saves the last stage's model.
    stages: Stages | None = None
    # Why the one pairwise job does not train it, where the benchmark's page should say more than
    # that its study's own recipe trains it (a duplicate, or a part of another method).
    not_pairwise_because: str = ""
    # Conditioned on one view (its config's `observed`): as a pairwise method, the view it observes is
    # the scenario's source, which the pairwise job's plan fills in per scenario.
    observes_source: bool = False
    # Trains on the source sample's class label (CMMD's classifier head): the pairwise job adds it to
    # every batch (key `crossmodal.models.base.LABEL`) and the source's class count to its config
    # (`num_classes`). Directed pairs only: a symmetric pairing has no one source.
    needs_source_label: bool = False

    def __post_init__(self) -> None:
        if self.baseline:  # AVAE's Table 1 trains its baselines with the pairwise job
            object.__setattr__(self, "pairwise", True)
        if self.needs_source_label and self.symmetric:
            raise ValueError(f"{self.name}: a method that needs the source's label cannot be symmetric")

    @property
    def full_title(self) -> str:
        return self.long_title or self.title

    @property
    def module(self) -> str:
        """Its model module's file, relative to the package ("" outside the package)."""
        module = self.model.partition(":")[0]
        if not module.startswith(PACKAGE + "."):
            return ""
        return module.removeprefix(PACKAGE + ".").replace(".", "/") + ".py"

    def model_class(self) -> type:
        return resolve(self.model)

    def config_class(self) -> type:
        return resolve(self.config)


def _baseline(name: str, title: str, family: str, model: str, config: str, long_title: str = "",
              symmetric: bool = False) -> Method:
    return Method(name, title, family, f"{PACKAGE}.models.baselines.{model}", f"{PACKAGE}.models.baselines{config}",
                  baseline=True, long_title=long_title, symmetric=symmetric)


_AVAE = (f"{PACKAGE}.models.avae:AssociativeVAE", f"{PACKAGE}.models.avae:AssociatorConfig")
_M2VAE_CONFIG = f"{PACKAGE}.models.m2vae:M2VAEConfig"  # the M2VAE study's methods share one config

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        # models.vae is AVAE's per-modality VAE, hence the joint VAE's own family name.
        _baseline("vae", "VAE", "vae_joint", "joint_vae:JointVAE", ".joint_vae:JointVAEConfig",
                  long_title="VAE (joint, zero-masked)", symmetric=True),
        _baseline("vae_cg", "VAE-CG", "vae_cg", "vae_cg:VAECG", ":BaselineConfig"),
        _baseline("jmvae", "JMVAE", "jmvae", "jmvae:JMVAE", ".jmvae:JMVAEConfig", long_title="JMVAE-kl", symmetric=True),
        _baseline("cva", "CVA", "cva", "cva:CVA", ":BaselineConfig", symmetric=True),
        _baseline("mvae", "MVAE", "mvae", "mvae:MVAE", ".mvae:MVAEConfig", symmetric=True),
        Method("avae", "AVAE (ours)", "associator", *_AVAE),
        Method("avae_flex", "AVAE-flex (ours)", "associator", *_AVAE),
        Method("avae_cascade", "AVAE cascade", "associator", *_AVAE),
        # Table 2's rows: AVAE's per-modality models ("vae" there is the per-modality VAE).
        Method("classifier", "classifier", "classifier", f"{PACKAGE}.models.classifier:Classifier",
               f"{PACKAGE}.models.classifier:ClassifierConfig"),
        Method("associator", "associator", "associator", *_AVAE),
        # --- the M2VAE study (crossmodal.studies.m2vae; its settings are its config section): its
        # models (crossmodal.models.m2vae) and its e-MNIST generator (crossmodal.models.cvae).
        # M2VAE, JMVAE-Zero and tVAE are also pairwise: the benchmark trains them on AVAE's scenarios
        # (config models.m2vae, models.jmvae_zero, models.tvae: tVAE in its two stages, the values of
        # crossmodal.models.m2vae.TVAE_STAGES); JMVAE-kl (JMVAE's objective: `jmvae` is the
        # benchmark's) is the study's only.
        Method("m2vae", "M2VAE", "m2vae", f"{PACKAGE}.models.m2vae:M2VAE", _M2VAE_CONFIG, pairwise=True,
               symmetric=True),
        Method("jmvae_zero", "JMVAE-Zero", "jmvae_zero", f"{PACKAGE}.models.m2vae:JMVAEZero", _M2VAE_CONFIG,
               pairwise=True, symmetric=True),
        Method("tvae", "tVAE", "tvae", f"{PACKAGE}.models.m2vae:TVAE", _M2VAE_CONFIG, pairwise=True, symmetric=True,
               stages=Stages("stage", ("joint", "unimodal"))),
        Method("jmvae_kl", "JMVAE-kl", model=f"{PACKAGE}.models.m2vae:JMVAEKL", config=_M2VAE_CONFIG,
               long_title="JMVAE-kl (the M2VAE paper's Fig. 2 dataset check)",
               not_pairwise_because="the objective of JMVAE (`jmvae`), which the benchmark runs on each "
                                    "dataset's networks"),
        Method("cvae", "CVAE", model=f"{PACKAGE}.models.cvae:CVAE", config=f"{PACKAGE}.models.cvae:CVAEConfig",
               long_title="CVAE (the e-MNIST generator, M2VAE paper Table 3)"),
        # --- end of the M2VAE study's methods
    )
}
# --- the Bridged VAE study (crossmodal.studies.bridged): its methods, on the study's networks; the
# Bridged VAE, TELBO and BiVCCA also on each dataset's networks, as the benchmark trains them
# (config models.bridged, models.telbo, models.bivcca) ---
_BRIDGED, _STUDY_BASELINES = f"{PACKAGE}.models.bridged", f"{PACKAGE}.models.bridged_baselines"
METHODS.update({m.name: m for m in (
    # Not symmetric as the benchmark trains it: one bridge, from the scenario's source (models.bridged).
    Method("bridged", "Bridged (ours)", "bridged", f"{_BRIDGED}:BridgedVAE", f"{_BRIDGED}:BridgedConfig",
           pairwise=True, stages=Stages("phase", ("joint", "bridges"))),
    Method("bridged_joint", "Joint", "", f"{_BRIDGED}:BridgedVAE", f"{_BRIDGED}:BridgedConfig",
           long_title="Joint model (Bridged VAE phase 1)",
           not_pairwise_because="the Bridged VAE's first phase, which needs both modalities to encode: the "
                                "Bridged VAE's row trains it as its first stage"),
    Method("bridged_vae", "VAE", "", f"{_STUDY_BASELINES}:UnimodalVAE", f"{_STUDY_BASELINES}:StudyConfig",
           long_title="VAE (image only)",
           not_pairwise_because="a VAE of the image alone, the study's floor: it generates no other modality"),
    Method("telbo", "TELBO", "telbo", f"{_STUDY_BASELINES}:TELBO", f"{_STUDY_BASELINES}:StudyConfig",
           pairwise=True, symmetric=True),
    # Not symmetric: mu weighs the first modality's bound, the scenario's source.
    Method("bivcca", "BiVCCA", "bivcca", f"{_STUDY_BASELINES}:BiVCCA", f"{_STUDY_BASELINES}:BiVCCAConfig",
           pairwise=True),
    Method("bridged_jmvae", "JMVAE", "", f"{_STUDY_BASELINES}:StudyJMVAE", f"{PACKAGE}.models.baselines.jmvae:JMVAEConfig",
           long_title="JMVAE-kl",
           not_pairwise_because="JMVAE-kl on the Bridged study's networks and likelihoods: the benchmark's JMVAE "
                                "row is the same objective on each dataset's networks"),
    Method("bridged_mvae", "MVAE", "", f"{_STUDY_BASELINES}:StudyMVAE", f"{PACKAGE}.models.baselines.mvae:MVAEConfig",
           not_pairwise_because="MVAE on the Bridged study's networks and likelihoods: the benchmark's MVAE row is "
                                "the same objective on each dataset's networks"),
)})

# --- the CMMD study (Mancisidor et al. 2021): its method, its floor and its comparisons --------------
METHODS.update({
    m.name: m
    for m in (
        # Also pairwise, observing the scenario's source, on each dataset's networks (config
        # models.cmmd_pairwise: `models.cmmd` would read as the study's own section `cmmd`).
        Method("cmmd", "CMMD", "cmmd_pairwise", f"{PACKAGE}.models.cmmd:CMMD", f"{PACKAGE}.models.cmmd:CMMDConfig",
               pairwise=True, observes_source=True, needs_source_label=True),
        Method("m_minus", "M-", "m_minus", f"{PACKAGE}.models.cmmd:ObservedClassifier",
               f"{PACKAGE}.models.cmmd:ObservedClassifierConfig", long_title="M- (classifier on x_o alone)",
               not_pairwise_because="a classifier of the source's class, not a generator of the target: it "
                                    "has no cross-modal generation to rank"),
        # Also pairwise, observing the scenario's source (config models.vcca, models.vcca_private).
        Method("vcca", "VCCA", "vcca", f"{PACKAGE}.models.vcca:VCCA", f"{PACKAGE}.models.vcca:VCCAConfig",
               pairwise=True, observes_source=True),
        Method("vcca_private", "VCCA-private", "vcca_private", f"{PACKAGE}.models.vcca:VCCA",
               f"{PACKAGE}.models.vcca:VCCAConfig", pairwise=True, observes_source=True),
        # Also pairwise: the benchmark trains them on AVAE's scenarios (config models.mmvae, models.mopoe).
        Method("mmvae", "MMVAE", "mmvae", f"{PACKAGE}.models.mixtures:MMVAE", f"{PACKAGE}.models.mixtures:MMVAEConfig",
               pairwise=True, symmetric=True),
        Method("mopoe", "MoPoE", "mopoe", f"{PACKAGE}.models.mixtures:MoPoE", f"{PACKAGE}.models.mixtures:MoPoEConfig",
               pairwise=True, symmetric=True),
    )
})
# --- end of the CMMD study's methods ---------------------------------------------------------------
# --- Cross-modal Variational Alignment (crossmodal.studies.alignment): rebuilt from the abstract -------
_ALIGNMENT = (f"{PACKAGE}.models.alignment:AlignedGenerator", f"{PACKAGE}.models.alignment:AlignmentConfig")
METHODS.update({m.name: m for m in (
    Method("alignment", "Variational alignment", "", *_ALIGNMENT,
           long_title="Cross-modal variational alignment (2-Wasserstein; rebuilt from the abstract)"),
    Method("alignment_kl", "Variational alignment (KL)", "", *_ALIGNMENT,
           long_title="Cross-modal variational alignment, KL ablation"),
)})
BASELINES: dict[str, Method] = {name: m for name, m in METHODS.items() if m.baseline}
PAIRWISE: dict[str, Method] = {name: m for name, m in METHODS.items() if m.pairwise}


def register(method: Method) -> None:
    """Add ``method`` to the registry (a baseline also to :data:`BASELINES`, a pairwise method to
    :data:`PAIRWISE`)."""
    if method.name in METHODS:
        raise ValueError(f"method {method.name!r} is already registered")
    METHODS[method.name] = method
    if method.baseline:
        BASELINES[method.name] = method
    if method.pairwise:
        PAIRWISE[method.name] = method


def unregister(name: str) -> None:
    METHODS.pop(name)
    BASELINES.pop(name, None)
    PAIRWISE.pop(name, None)


def method_title(name: str) -> str:
    """The registered title, or the name itself for a method the registry does not know."""
    return METHODS[name].title if name in METHODS else name
