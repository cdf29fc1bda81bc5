"""Google Speech Commands v0.02 (Warden 2018): the tarball, one folder of 1 s clips per word."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crossmodal.data.dataset_info import DatasetInfo, Split, md5_checksum, selected_indices
from crossmodal.data.download import Checksum, RemoteFile

SPEECH_COMMANDS_WORDS = (
    "backward", "bed", "bird", "cat", "dog", "down", "eight", "five", "follow", "forward", "four", "go",
    "happy", "house", "learn", "left", "marvin", "nine", "no", "off", "on", "one", "right", "seven",
    "sheila", "six", "stop", "three", "tree", "two", "up", "visual", "wow", "yes", "zero",
)
SPEECH_COMMANDS_CLIP = re.compile(r"^(?:\./)?([A-Za-z_]+)/([0-9a-f]+_nohash_\d+\.wav)$")
SPEECH_COMMANDS_NOISE = "_background_noise_"
SPEECH_COMMANDS_LISTS = {"validation_list.txt": "val", "testing_list.txt": "test"}
SPEECH_COMMANDS_FRACTIONS = (0.8, 0.1, 0.1)  # the AVAE paper's random train:val:test split


class SpeechCommandsFormatError(ValueError):
    """A Speech Commands archive without the official layout."""


def _read_speech_commands(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    import torch
    from crossmodal.data.archives import iter_tar
    from crossmodal.data.audio import decode_wav
    from crossmodal.data.splits import stratified_parts
    archive = raw_dir / "speech_commands_v0.02.tar.gz"
    wanted = selected_indices(SPEECH_COMMANDS, options)

    def accept(name: str) -> bool:
        if name.removeprefix("./") in SPEECH_COMMANDS_LISTS:
            return True
        match = SPEECH_COMMANDS_CLIP.match(name)
        if match is None or match.group(1) == SPEECH_COMMANDS_NOISE:
            return False
        word = match.group(1)
        # Unknown words are read so that the loop below can refuse them by name.
        return word not in SPEECH_COMMANDS_WORDS or wanted is None or SPEECH_COMMANDS_WORDS.index(word) in wanted

    clips: list[tuple[str, tuple[Any, int], int]] = []
    lists: dict[str, set[str]] = {}
    for name, data in iter_tar(archive, accept):
        listed = SPEECH_COMMANDS_LISTS.get(name.removeprefix("./"))
        if listed is not None:
            lists[listed] = set(data.decode("utf-8").split())
            continue
        word, filename = SPEECH_COMMANDS_CLIP.match(name).groups()
        if word not in SPEECH_COMMANDS_WORDS:
            raise SpeechCommandsFormatError(
                f"{archive}: folder {word!r} is not one of the {len(SPEECH_COMMANDS_WORDS)} words of v0.02"
            )
        clips.append((f"{word}/{filename}", decode_wav(data, f"{archive}:{name}"), SPEECH_COMMANDS_WORDS.index(word)))
    if not clips:
        raise SpeechCommandsFormatError(f"{archive}: no <word>/<speaker>_nohash_<n>.wav clips of the selected words")
    clips.sort(key=lambda c: c[0])
    everything = Split([c[1] for c in clips], torch.tensor([c[2] for c in clips]), [c[0] for c in clips])
    if options.get("split", "random") == "official":
        for listed in ("val", "test"):
            if listed not in lists:
                raise SpeechCommandsFormatError(f"{archive}: the official split needs its {listed} list, which is missing")
        part = ["test" if i in lists["test"] else "val" if i in lists["val"] else "train" for i in everything.ids]
        return {s: everything.take(torch.tensor([j for j, p in enumerate(part) if p == s], dtype=torch.long))
                for s in ("train", "val", "test")}
    generator = torch.Generator().manual_seed(int(options.get("split_seed", 0)))
    parts = stratified_parts(everything.y, SPEECH_COMMANDS_FRACTIONS, generator)
    return dict(zip(("train", "val", "test"), (everything.take(p) for p in parts)))


SPEECH_COMMANDS = DatasetInfo(
    name="speech_commands",
    title="Google Speech Commands v0.02",
    modality="audio",
    classes=SPEECH_COMMANDS_WORDS,
    mirror_folder="speech_commands",
    files=(
        RemoteFile(
            "speech_commands_v0.02.tar.gz",
            ("http://download.tensorflow.org/data/",),
            (
                # torchaudio's SHA-256 (torchaudio.datasets.speechcommands) and the MD5 it published earlier.
                Checksum("sha256", "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58"),
                md5_checksum("6b74f3901214cb2c2934e98196829835"),
            ),
            2_430_000_000,  # about 2.3 GiB
            # one folder per word (and _background_noise_) plus the lists and licence at the top
            members=r"(\./)?([^/]+(/[^/]+)?)?",
        ),
    ),
    read=_read_speech_commands,
    citation="P. Warden. Speech Commands: a dataset for limited-vocabulary speech recognition. "
    "arXiv:1804.03209, 2018.",
    license="CC BY 4.0",
    official_split="105,829 clips of 35 words; validation_list.txt / testing_list.txt (the AVAE paper "
    "instead splits its selection 8:1:1 at random)",
    options=frozenset({"split"}),
)
