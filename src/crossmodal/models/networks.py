"""Per-modality encoder, decoder and classifier networks.

The AVAE paper's appendix with the exact architectures did not survive, so the architectures are
configuration (``architecture`` sections of ``config/*.yaml``): ``mlp`` works for every modality,
``conv`` for images whose height and width divide by ``2 ** len(channels)``. Every cross-modal
method builds its per-modality parts from here, which keeps the comparison fair.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

Shape = tuple[int, ...]


def relu() -> nn.ReLU:
    """In place: every ReLU here follows a layer whose output nothing else reads (its backward needs
    only its input), so overwriting it saves an allocation and a pass over memory per layer."""
    return nn.ReLU(inplace=True)


def mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(relu())
    return nn.Sequential(*layers)


def _hidden_stack(sizes: Sequence[int], dropout: float) -> nn.Sequential:
    """Linear + ReLU (+ dropout) per layer. Every layer here is hidden: a head reads the last one,
    so ``dropout`` must follow it too, or a single hidden layer would get none at all."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), relu()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _conv_trunk(in_channels: int, channels: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for c_in, c_out in zip([in_channels, *channels[:-1]], channels):
        layers += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1), relu()]
    return nn.Sequential(*layers)


def _check_conv_shape(shape: Shape, channels: Sequence[int]) -> tuple[int, int]:
    if len(shape) != 3:
        raise ValueError(f"conv architecture needs (C, H, W) inputs, got shape {shape}")
    factor = 2 ** len(channels)
    _, height, width = shape
    if height % factor or width % factor:
        raise ValueError(
            f"conv architecture with {len(channels)} stride-2 layers needs height and width "
            f"divisible by {factor}, got {height}x{width}; use kind: mlp or fewer channels"
        )
    return height // factor, width // factor


class FeatureExtractor(nn.Module):
    """Maps an input of ``shape`` to a flat feature vector of size ``out_features``."""

    def __init__(self, shape: Shape, architecture: dict[str, Any]) -> None:
        super().__init__()
        kind = architecture["kind"]
        if kind == "mlp":
            trunk: list[nn.Module] = []
            flat_features = math.prod(shape)
        elif kind == "conv":
            channels = list(architecture["channels"])
            h, w = _check_conv_shape(shape, channels)
            trunk = [_conv_trunk(shape[0], channels)]
            flat_features = channels[-1] * h * w
        else:
            raise ValueError(f"unknown architecture kind {kind!r} (expected 'mlp' or 'conv')")
        hidden = list(architecture["hidden"])
        self.body = nn.Sequential(
            *trunk, nn.Flatten(), _hidden_stack([flat_features, *hidden], architecture.get("dropout", 0.0))
        )
        self.out_features = hidden[-1]

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


LOGVAR_LIMIT = 15.0


def bounded_logvar(raw: Tensor) -> Tensor:
    """Softly keep log-variances in (-15, 15): identity-like near 0, so normal training is
    unaffected, but a diverging step can no longer overflow ``exp(logvar)`` into an inf loss."""
    return LOGVAR_LIMIT * torch.tanh(raw / LOGVAR_LIMIT)


def split_gaussian(raw: Tensor) -> tuple[Tensor, Tensor]:
    """A head's output ``[mu, raw logvar]`` as fp32 ``(mu, bounded logvar)``.

    fp32 even under bf16 autocast: the KL terms and the sampling are computed from these, and on
    CPU elementwise bf16 arithmetic is both less precise and slower than fp32.
    """
    mu, logvar = raw.float().chunk(2, dim=-1)
    return mu, bounded_logvar(logvar)


class GaussianEncoder(nn.Module):
    """``x -> (mu, logvar)`` of a diagonal Gaussian over the latent space."""

    def __init__(self, shape: Shape, latent_dim: int, architecture: dict[str, Any]) -> None:
        super().__init__()
        self.features = FeatureExtractor(shape, architecture)
        self.head = nn.Linear(self.features.out_features, 2 * latent_dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return split_gaussian(self.head(self.features(x)))


class JointEncoder(nn.Module):
    """``{name: x_m} -> (mu, logvar)``: each modality's feature extractor, concatenated, one head.

    The per-modality branches are AVAE's encoder bodies, so a joint model sees each modality
    through the same architecture as AVAE's VAE of that modality. ``modalities``: name -> (sample
    shape, architecture), in the order the features are concatenated. ``extra_features``: the width
    of flat per-example inputs the head also reads, after the modalities' features (CMMD's one-hot
    label), given to ``forward`` as ``extra``.
    """

    def __init__(self, modalities: Mapping[str, tuple[Shape, dict[str, Any]]], latent_dim: int,
                 extra_features: int = 0) -> None:
        super().__init__()
        self.features = nn.ModuleDict({name: FeatureExtractor(shape, architecture)
                                       for name, (shape, architecture) in modalities.items()})
        width = sum(f.out_features for f in self.features.values())
        self.extra_features = extra_features
        self.head = nn.Linear(width + extra_features, 2 * latent_dim)

    def forward(self, x: Mapping[str, Tensor], extra: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if (extra is None) != (self.extra_features == 0):
            raise ValueError(f"this joint encoder reads {self.extra_features} extra features per example: "
                             f"`extra` must be {'given' if self.extra_features else 'None'}")
        features = [self.features[name](x[name]) for name in self.features]
        return split_gaussian(self.head(torch.cat(features if extra is None else [*features, extra], dim=1)))


class Decoder(nn.Module):
    """``z -> x_hat``; images end in a sigmoid (pixels in [0, 1]), features stay linear."""

    def __init__(
        self, shape: Shape, latent_dim: int, architecture: dict[str, Any], output: str
    ) -> None:
        super().__init__()
        self.shape = tuple(shape)
        hidden = list(reversed(architecture["hidden"]))
        if architecture["kind"] == "mlp":
            self.body = nn.Sequential(
                mlp([latent_dim, *hidden, math.prod(shape)]), nn.Unflatten(1, self.shape)
            )
        elif architecture["kind"] == "conv":
            channels = list(reversed(architecture["channels"]))
            h, w = _check_conv_shape(shape, channels)
            layers: list[nn.Module] = [
                mlp([latent_dim, *hidden, channels[0] * h * w]),
                relu(),
                nn.Unflatten(1, (channels[0], h, w)),
            ]
            outs = [*channels[1:], shape[0]]
            for i, (c_in, c_out) in enumerate(zip(channels, outs)):
                layers.append(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1))
                if i < len(channels) - 1:
                    layers.append(relu())
            self.body = nn.Sequential(*layers)
        else:
            raise ValueError(f"unknown architecture kind {architecture['kind']!r}")
        if output not in ("sigmoid", "linear"):
            raise ValueError(f"unknown decoder output {output!r} (expected 'sigmoid' or 'linear')")
        self.output = output

    def forward(self, z: Tensor) -> Tensor:
        x_hat = self.body(z).float()  # the reconstruction loss is fp32 (see split_gaussian)
        return torch.sigmoid(x_hat) if self.output == "sigmoid" else x_hat


def count_trainable_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
