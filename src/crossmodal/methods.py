"""The registry of AVAE's Table 1 baselines, as the workflow, the config and the jobs name them.

Torch-free on purpose: the Snakemake workflow reads it at parse time (a no-op rerun must not pay
for importing torch). The model classes live in ``crossmodal.models.baselines``, keyed by the same names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Baseline:
    name: str  # the metrics.csv method column and the config's `baselines` entry
    family: str  # its hyperparameter section, models.<family>
    module: str  # its model code, relative to the package (its hash reruns exactly its jobs)
    title: str

    @property
    def code(self) -> tuple[str, ...]:
        """Every module its training and generation run besides the engine."""
        return ("models/baselines/pair.py", "models/baselines/__init__.py", "data/pairing.py", self.module)


BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        # models.vae is AVAE's per-modality VAE, hence the joint VAE's own family name.
        Baseline("vae", "vae_joint", "models/baselines/joint_vae.py", "VAE (joint, zero-masked)"),
        Baseline("vae_cg", "vae_cg", "models/baselines/vae_cg.py", "VAE-CG"),
        Baseline("jmvae", "jmvae", "models/baselines/jmvae.py", "JMVAE-kl"),
        Baseline("cva", "cva", "models/baselines/cva.py", "CVA"),
        Baseline("mvae", "mvae", "models/baselines/mvae.py", "MVAE"),
    )
}
