"""The Google Speech Commands v0.02 reader on a tiny tarball written in the official layout."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from crossmodal.data.speech_commands import SPEECH_COMMANDS, SpeechCommandsFormatError
from crossmodal.data.prepare import load_prepared, prepare_dataset

WORDS = ("zero", "one", "go", "stop", "cat")
CLIPS_PER_WORD = 20


def wav(seconds: float, frequency: float, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    out = io.BytesIO()
    soundfile.write(out, (0.3 * np.sin(2 * np.pi * frequency * t)).astype(np.float32), rate, subtype="PCM_16", format="WAV")
    return out.getvalue()


def clip_name(word: str, k: int) -> str:
    return f"{word}/{k:08x}_nohash_{k % 3}.wav"


def write_speech_commands(raw: Path, extra_folder: str | None = None, lists: bool = True) -> None:
    """Word folders of 16 kHz clips (some shorter than 1 s), background noise, and the split lists,
    under the './' prefix the official tarball uses."""
    raw.mkdir(parents=True, exist_ok=True)
    members = {f"./{clip_name(w, k)}": wav(1.0 if k % 4 else 0.7, 200 + 50 * i) for i, w in enumerate(WORDS)
               for k in range(CLIPS_PER_WORD)}
    members["./_background_noise_/white_noise.wav"] = wav(2.0, 1000)
    if extra_folder:
        members[f"./{extra_folder}/{0:08x}_nohash_0.wav"] = wav(1.0, 300)
    if lists:
        members["./validation_list.txt"] = "\n".join(clip_name(w, k) for w in WORDS for k in (0, 1)).encode() + b"\n"
        members["./testing_list.txt"] = "\n".join(clip_name(w, k) for w in WORDS for k in (2, 3, 4)).encode() + b"\n"
    with tarfile.open(raw / "speech_commands_v0.02.tar.gz", "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gsc") / "speech_commands"
    write_speech_commands(path)
    return path


def test_random_split_is_a_seeded_stratified_8_1_1_split_of_the_selected_words(raw: Path) -> None:
    options = {"split_seed": 7, "classes": ["zero", "go", "stop"]}
    splits = SPEECH_COMMANDS.read(raw, options)
    index = {w: SPEECH_COMMANDS.classes.index(w) for w in ("zero", "go", "stop")}
    for name, expected in (("train", 16), ("val", 2), ("test", 2)):
        counts = splits[name].y.bincount(minlength=len(SPEECH_COMMANDS.classes))
        assert {w: int(counts[i]) for w, i in index.items()} == dict.fromkeys(index, expected)
    ids = [set(splits[s].ids) for s in ("train", "val", "test")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert not any(i.startswith(("one/", "cat/", "_background")) for s in ids for i in s)
    again = SPEECH_COMMANDS.read(raw, options)
    assert all(splits[s].ids == again[s].ids for s in splits)
    other_seed = SPEECH_COMMANDS.read(raw, {**options, "split_seed": 8})
    assert splits["test"].ids != other_seed["test"].ids


def test_official_split_follows_the_validation_and_testing_lists(raw: Path) -> None:
    splits = SPEECH_COMMANDS.read(raw, {"split": "official", "classes": ["zero", "one"]})
    assert sorted(splits["val"].ids) == sorted(clip_name(w, k) for w in ("zero", "one") for k in (0, 1))
    assert sorted(splits["test"].ids) == sorted(clip_name(w, k) for w in ("zero", "one") for k in (2, 3, 4))
    assert len(splits["train"]) == 2 * (CLIPS_PER_WORD - 5)


def test_prepare_gives_standardised_40x101_mfccs_labelled_in_config_order(raw: Path, tmp_path: Path) -> None:
    options = {"val_fraction": 0.1, "split_seed": 0, "subset": {}, "split": "random",
               "classes": ["go", "zero", "stop", "one"],
               "mfcc": {"sample_rate": 16000, "duration_s": 1.0, "n_mfcc": 40, "n_mels": 40, "n_fft": 400, "hop_length": 160}}
    meta = prepare_dataset(SPEECH_COMMANDS, raw, options, tmp_path / "gsc.pt")
    data = load_prepared(tmp_path / "gsc.pt")
    assert meta["classes"] == ["go", "zero", "stop", "one"]
    assert meta["shape"] == [1, 40, 101]
    assert (meta["n_train"], meta["n_val"], meta["n_test"]) == (64, 8, 8)
    assert data["y_train"].bincount().tolist() == [16, 16, 16, 16]
    train = data["x_train"]
    assert torch.allclose(train.mean(dim=(0, 3)), torch.zeros(1, 40), atol=1e-4)


def test_an_unknown_word_folder_is_refused_by_name(tmp_path: Path) -> None:
    write_speech_commands(tmp_path, extra_folder="banana", lists=False)
    with pytest.raises(SpeechCommandsFormatError, match="folder 'banana' is not one of the 35 words"):
        SPEECH_COMMANDS.read(tmp_path, {})


def test_the_official_split_needs_its_lists(tmp_path: Path) -> None:
    write_speech_commands(tmp_path, lists=False)
    with pytest.raises(SpeechCommandsFormatError, match="needs its val list"):
        SPEECH_COMMANDS.read(tmp_path, {"split": "official", "classes": ["zero"]})
