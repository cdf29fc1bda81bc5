"""The base of the cross-modal methods addresses modalities by name, so a model of three
modalities is built, encodes from any subset, decodes any modality and trains a step exactly as a
pair model does: no special case."""

from __future__ import annotations

import itertools

import pytest
import torch

from crossmodal.config import builtin_model_defaults
from crossmodal.methods import BASELINES
from crossmodal.models import build_multimodal
from crossmodal.models.base import MultimodalVAE

MODALITIES = [
    {"name": "mnist", "shape": [1, 6, 6], "output": "sigmoid", "architecture": {"kind": "mlp", "hidden": [16]}},
    {"name": "fsdd", "shape": [1, 4, 5], "output": "linear", "architecture": {"kind": "mlp", "hidden": [12, 8]}},
    {"name": "attributes", "shape": [7], "output": "linear", "architecture": {"kind": "mlp", "hidden": [10]}},
]
NAMES = [m["name"] for m in MODALITIES]
LATENT = 3


def trimodal(method: str) -> MultimodalVAE:
    params = {**builtin_model_defaults(BASELINES[method].family), "latent_dim": LATENT}
    return build_multimodal({"method": method, "modalities": MODALITIES, "params": params})


def batch(n: int = 5) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {m["name"]: torch.rand(n, *m["shape"], generator=g) for m in MODALITIES}


def subsets() -> list[tuple[str, ...]]:
    return [s for size in range(1, 4) for s in itertools.combinations(NAMES, size)]


def test_mvae_over_three_named_modalities_encodes_every_subset_and_decodes_every_modality() -> None:
    torch.manual_seed(0)
    model = trimodal("mvae").eval()
    assert list(model.encoders) == list(model.decoders) == NAMES
    x = batch()
    posteriors = {subset: model.encode(x, list(subset)) for subset in subsets()}
    assert len(posteriors) == 7
    for mu, logvar in posteriors.values():
        assert mu.shape == logvar.shape == (5, LATENT)
    # More observed modalities, more precision: the product of experts tightens.
    assert (posteriors[tuple(NAMES)][1] < posteriors[("mnist",)][1]).all()
    assert torch.equal(model.encode(x)[0], posteriors[tuple(NAMES)][0])  # "all" is every modality
    generated = model.decode(posteriors[("fsdd",)][0])
    assert {name: tuple(t.shape[1:]) for name, t in generated.items()} == {m["name"]: tuple(m["shape"]) for m in MODALITIES}
    for source, target in itertools.permutations(NAMES, 2):
        assert model.cross_generate(source, target, x[source]).shape == x[target].shape


def test_mvae_trains_a_step_on_three_modalities_with_a_named_term_per_subset() -> None:
    torch.manual_seed(0)
    model = trimodal("mvae").train()
    out = model(batch())
    assert set(out.metrics) == {"elbo_joint", "elbo_mnist", "elbo_fsdd", "elbo_attributes"}
    out.loss.backward()
    assert torch.isfinite(out.loss) and all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("method", ["jmvae", "cva"])
def test_other_multimodal_baselines_take_three_modalities(method: str) -> None:
    torch.manual_seed(0)
    model = trimodal(method).train()
    steps = len(model.schedule) if method == "cva" else 1  # CVA: one (input, output) pair a step
    assert steps == (6 if method == "cva" else 1)
    for _ in range(steps):
        out = model(batch())
        out.loss.backward()
        assert torch.isfinite(out.loss)
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    x = batch()
    for source, target in itertools.permutations(NAMES, 2):
        assert model.cross_generate(source, target, x[source]).shape == x[target].shape
    # What a method cannot condition on, it refuses by name rather than guessing.
    with pytest.raises(ValueError, match="not \\['mnist', 'fsdd'\\]"):
        model.encode(x, ["mnist", "fsdd"])


def test_unknown_modalities_and_pairwise_methods_are_refused_by_name() -> None:
    model = trimodal("mvae")
    with pytest.raises(ValueError, match="has modalities \\['mnist', 'fsdd', 'attributes'\\], not \\['gtsrb'\\]"):
        model.decode(torch.zeros(1, LATENT), ["gtsrb"])
    with pytest.raises(ValueError, match="one of two modalities"):
        trimodal("vae")
    with pytest.raises(ValueError, match="VAE-CG generates one modality from another"):
        trimodal("vae_cg")
    with pytest.raises(ValueError, match="unknown method 'imvae'"):
        build_multimodal({"method": "imvae", "modalities": MODALITIES, "params": {"latent_dim": LATENT}})
