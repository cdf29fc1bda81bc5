"""Speech features as in AVAE: 1 s at 16 kHz, 40 MFCCs x 101 frames, standardised per coefficient."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import soundfile
import torch
import torchaudio
from torch import Tensor


class AudioFormatError(ValueError):
    """A file that should be a wav recording is not."""


@dataclass(frozen=True)
class MFCCConfig:
    sample_rate: int = 16000
    duration_s: float = 1.0
    n_mfcc: int = 40
    n_mels: int = 40
    n_fft: int = 400
    hop_length: int = 160

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "MFCCConfig":
        return cls(**params)

    @property
    def num_samples(self) -> int:
        return int(round(self.sample_rate * self.duration_s))

    @property
    def num_frames(self) -> int:
        return self.num_samples // self.hop_length + 1


def decode_wav(data: bytes, name: str) -> tuple[np.ndarray, int]:
    """Mono float32 samples and the sample rate of a wav file's bytes."""
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, TypeError, ValueError) as exc:
        raise AudioFormatError(f"{name}: not a readable audio file ({exc})") from exc
    return samples.mean(axis=1), int(rate)


def fix_length(waveform: Tensor, num_samples: int) -> Tensor:
    """Centre-pad with zeros or centre-crop the last dimension to ``num_samples``."""
    length = waveform.shape[-1]
    if length >= num_samples:
        start = (length - num_samples) // 2
        return waveform[..., start : start + num_samples]
    missing = num_samples - length
    return torch.nn.functional.pad(waveform, (missing // 2, missing - missing // 2))


def waveforms_to_fixed_length(
    recordings: list[tuple[np.ndarray, int]], config: MFCCConfig
) -> Tensor:
    """Resample every recording to ``config.sample_rate`` and fix its length: ``[N, samples]``."""
    out = torch.empty(len(recordings), config.num_samples)
    for i, (samples, rate) in enumerate(recordings):
        waveform = torch.from_numpy(np.ascontiguousarray(samples))
        if rate != config.sample_rate:
            waveform = torchaudio.functional.resample(waveform, rate, config.sample_rate)
        out[i] = fix_length(waveform, config.num_samples)
    return out


def mfcc(waveforms: Tensor, config: MFCCConfig, batch_size: int = 512) -> Tensor:
    """``[N, samples] -> [N, 1, n_mfcc, frames]`` float32 MFCCs."""
    transform = torchaudio.transforms.MFCC(
        sample_rate=config.sample_rate,
        n_mfcc=config.n_mfcc,
        melkwargs={"n_fft": config.n_fft, "hop_length": config.hop_length, "n_mels": config.n_mels},
    )
    chunks = [transform(waveforms[i : i + batch_size]) for i in range(0, len(waveforms), batch_size)]
    return torch.cat(chunks).unsqueeze(1).contiguous()


def fit_standardizer(train_features: Tensor) -> tuple[Tensor, Tensor]:
    """Per-coefficient mean and std over training examples and frames: ``[1, n_mfcc, 1]`` each."""
    mean = train_features.mean(dim=(0, 3), keepdim=True)[0]
    std = train_features.std(dim=(0, 3), keepdim=True)[0].clamp_min(1e-6)
    return mean, std
