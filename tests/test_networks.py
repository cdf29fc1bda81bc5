"""The shared per-modality networks: where an architecture's dropout acts, and what a joint encoder reads."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from crossmodal.models.networks import FeatureExtractor, JointEncoder, split_gaussian


@pytest.mark.parametrize(
    "shape, architecture",
    [
        ((1, 8, 8), {"kind": "mlp", "hidden": [16]}),
        ((1, 8, 8), {"kind": "mlp", "hidden": [32, 16]}),
        ((3, 8, 8), {"kind": "conv", "channels": [4], "hidden": [16]}),
    ],
)
def test_dropout_follows_every_hidden_layer_including_the_last(shape, architecture) -> None:
    # A single hidden layer is the GTSRB classifier's case: before this rule its dropout was a no-op.
    features = FeatureExtractor(shape, {**architecture, "dropout": 0.5})
    modules = list(features.modules())
    linear = [i for i, m in enumerate(modules) if isinstance(m, nn.Linear)]
    dropout = [i for i, m in enumerate(modules) if isinstance(m, nn.Dropout)]
    assert len(dropout) == len(architecture["hidden"])
    assert all(d > l for d, l in zip(dropout, linear))
    assert isinstance(modules[-1], nn.Dropout)

    torch.manual_seed(0)
    x = torch.rand(4, *shape)
    features.train()
    assert not torch.equal(features(x), features(x))
    features.eval()
    assert torch.equal(features(x), features(x))
    assert features(x).shape == (4, features.out_features)


def test_no_dropout_layers_without_a_dropout_rate() -> None:
    features = FeatureExtractor((1, 8, 8), {"kind": "mlp", "hidden": [32, 16]})
    assert not any(isinstance(m, nn.Dropout) for m in features.modules())
    assert isinstance(list(features.modules())[-1], nn.ReLU)


@pytest.mark.parametrize("shape, architecture", [
    ((1, 28, 28), {"kind": "mlp", "hidden": [64, 32]}),
    ((3, 16, 16), {"kind": "conv", "channels": [4, 8], "hidden": [32]}),
])
def test_in_place_relus_give_the_bits_of_out_of_place_ones(shape, architecture) -> None:
    """In-place ReLUs save memory passes only: a VAE's loss and every gradient are the same bits as
    with ``nn.ReLU()``, under bf16 autocast as in training."""
    from crossmodal.models.vae import VAE, VAEConfig

    torch.manual_seed(0)
    model = VAE(shape, "sigmoid", VAEConfig(8, 1.0, architecture)).eval()  # eval: no sampling noise
    textbook = copy.deepcopy(model)
    for module in textbook.modules():
        for name, child in module.named_children():
            if isinstance(child, nn.ReLU):
                setattr(module, name, nn.ReLU())
    assert any(isinstance(m, nn.ReLU) and m.inplace for m in model.modules())
    x = torch.rand(5, *shape)
    grads = []
    for net in (model, textbook):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = net({"x": x}).loss
        loss.backward()
        grads.append([p.grad for p in net.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*grads))


def test_a_joint_encoder_reads_its_extra_features_after_the_modalities_and_only_those() -> None:
    torch.manual_seed(0)
    modalities = {"a": ((1, 2, 2), {"kind": "mlp", "hidden": [3]}), "b": ((5,), {"kind": "mlp", "hidden": [2]})}
    encoder = JointEncoder(modalities, 2, extra_features=4)
    x = {"a": torch.rand(6, 1, 2, 2), "b": torch.rand(6, 5)}
    extra = torch.rand(6, 4)
    by_hand = split_gaussian(encoder.head(torch.cat([encoder.features["a"](x["a"]), encoder.features["b"](x["b"]), extra], 1)))
    assert all(torch.equal(got, want) for got, want in zip(encoder(x, extra), by_hand, strict=True))
    with pytest.raises(ValueError, match="extra features"):
        encoder(x)
    with pytest.raises(ValueError, match="extra features"):
        JointEncoder(modalities, 2)(x, extra)
