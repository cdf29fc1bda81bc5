"""Speech preprocessing: 1 s at 16 kHz, 40 MFCC x 101 frames, train-only standardisation."""

import io

import numpy as np
import soundfile
import torch

from crossmodal.data.audio import MFCCConfig, decode_wav, fit_standardizer, fix_length, mfcc, waveforms_to_fixed_length


def _wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def test_fix_length_centre_pads_and_crops() -> None:
    assert fix_length(torch.ones(3), 7).tolist() == [0, 0, 1, 1, 1, 0, 0]
    assert fix_length(torch.arange(10.0), 4).tolist() == [3, 4, 5, 6]


def test_mfcc_shape_from_8khz_recordings_of_any_length() -> None:
    config = MFCCConfig()
    rng = np.random.default_rng(0)
    recordings = [decode_wav(_wav_bytes(rng.uniform(-0.5, 0.5, n).astype(np.float32), 8000), "x.wav") for n in (3000, 8000, 12000)]
    assert all(rate == 8000 for _, rate in recordings)
    waves = waveforms_to_fixed_length(recordings, config)
    assert waves.shape == (3, 16000)
    features = mfcc(waves, config)
    assert features.shape == (3, 1, 40, 101)
    assert (config.num_samples, config.num_frames) == (16000, 101)


def test_standardizer_uses_training_statistics_per_coefficient() -> None:
    torch.manual_seed(0)
    scale = torch.linspace(1, 5, 40).view(1, 1, 40, 1)
    train = torch.randn(64, 1, 40, 101) * scale + 3.0
    mean, std = fit_standardizer(train)
    assert mean.shape == std.shape == (1, 40, 1)
    normalised = (train - mean) / std
    per_coefficient = normalised.transpose(0, 2).reshape(40, -1)
    assert torch.allclose(per_coefficient.mean(dim=1), torch.zeros(40), atol=1e-4)
    assert torch.allclose(per_coefficient.std(dim=1), torch.ones(40), atol=1e-3)
    # A test split is transformed with the *training* statistics, so it is not re-centred.
    test = torch.randn(8, 1, 40, 101) * scale + 10.0
    assert ((test - mean) / std).mean() > 1.0
