"""The one registry of methods: every name the workflow, the config, the jobs and the report use.

Torch-free on purpose: the Snakemake workflow reads it at parse time (a no-op rerun must not pay
for importing torch). The model classes live in ``crossmodal.models``, keyed by the same names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    name: str  # the metrics.csv method column, and the config's `baselines` entry for a baseline
    title: str  # how tables and figures name it
    family: str = ""  # its hyperparameter section, models.<family> ("" for a method with none of its own)
    module: str = ""  # its model code, relative to the package (its hash reruns exactly its jobs)
    baseline: bool = False  # one of AVAE Table 1's comparison methods, trained as a pair model
    long_title: str = ""  # the qualitative grids' name for it, where the table's is too short

    @property
    def full_title(self) -> str:
        return self.long_title or self.title

    @property
    def code(self) -> tuple[str, ...]:
        """Every module its training and generation run besides the engine."""
        return ("models/baselines/pair.py", "models/baselines/__init__.py", "data/pairing.py", self.module)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        # models.vae is AVAE's per-modality VAE, hence the joint VAE's own family name.
        Method("vae", "VAE", "vae_joint", "models/baselines/joint_vae.py", baseline=True,
               long_title="VAE (joint, zero-masked)"),
        Method("vae_cg", "VAE-CG", "vae_cg", "models/baselines/vae_cg.py", baseline=True),
        Method("jmvae", "JMVAE", "jmvae", "models/baselines/jmvae.py", baseline=True, long_title="JMVAE-kl"),
        Method("cva", "CVA", "cva", "models/baselines/cva.py", baseline=True),
        Method("mvae", "MVAE", "mvae", "models/baselines/mvae.py", baseline=True),
        Method("avae", "AVAE (ours)", "associator", "models/avae.py"),
        Method("avae_flex", "AVAE-flex (ours)", "associator", "models/avae.py"),
        Method("avae_cascade", "AVAE cascade", "associator", "models/avae.py"),
        # Table 2's rows: AVAE's per-modality models ("vae" there is the per-modality VAE).
        Method("classifier", "classifier", "classifier", "models/classifier.py"),
        Method("associator", "associator", "associator", "models/avae.py"),
    )
}
BASELINES: dict[str, Method] = {name: m for name, m in METHODS.items() if m.baseline}


def method_title(name: str) -> str:
    """The registered title, or the name itself for a method the registry does not know."""
    return METHODS[name].title if name in METHODS else name
