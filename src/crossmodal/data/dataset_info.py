"""What every dataset is described by: its splits as read, its sources and checksums, its classes.

The registry of datasets is :mod:`crossmodal.data.datasets`; each dataset with a reader of its own
format lives in a module of its own (``gtsrb``, ``svhn``, ``speech_commands``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossmodal.data.download import Checksum, RemoteFile

if TYPE_CHECKING:
    import torch

# The Snakefile imports the registry on every invocation, so no dataset module may import torch,
# numpy or torchaudio at module level: that alone would double the wall time of a no-op rerun.
# Readers import what they need when they run.

DIGITS = tuple(str(d) for d in range(10))

@dataclass
class Split:
    """One split as read from the raw files.

    ``x`` is a uint8 image tensor ``[N, C, H, W]`` or, for audio, a list of ``(samples, rate)``;
    ``y`` indexes the dataset's full class list (:attr:`DatasetInfo.classes`). ``groups`` names
    groups of correlated samples (GTSRB tracks) that validation must not split.
    """

    x: Any
    y: torch.Tensor
    ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def take(self, index: torch.Tensor) -> "Split":
        idx = index.tolist()
        x = [self.x[i] for i in idx] if isinstance(self.x, list) else self.x[index]
        ids = [self.ids[i] for i in idx] if self.ids else []
        groups = [self.groups[i] for i in idx] if self.groups else []
        return Split(x, self.y[index], ids, groups)

    def __len__(self) -> int:
        return len(self.y)


Reader = Callable[[Path, dict[str, Any]], dict[str, Split]]


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: its sources, its full class list, and a reader of its raw files.

    ``options`` lists the dataset-specific keys of ``config datasets.<name>`` its reader
    understands (the generic ones, ``classes`` among them, apply to every dataset).
    """

    name: str
    title: str
    modality: str  # "image" or "audio"
    classes: tuple[str, ...]
    mirror_folder: str
    files: tuple[RemoteFile, ...]
    read: Reader
    citation: str
    license: str
    official_split: str
    options: frozenset[str] = frozenset()

    @property
    def decoder_output(self) -> str:
        return "sigmoid" if self.modality == "image" else "linear"


# --- class selection ---------------------------------------------------------------------------


class ClassSelectionError(ValueError):
    """A ``classes`` option names a class the dataset does not have."""


@dataclass(frozen=True)
class SelectedClass:
    index: int  # position in DatasetInfo.classes (GTSRB: the ClassId; Speech Commands: the word's)
    name: str  # the name used in this project's outputs (e.g. the paper's name for a sign)


def class_selection(info: DatasetInfo, options: Mapping[str, Any] | None = None) -> list[SelectedClass]:
    """The classes a config uses, in the order that defines their labels 0..K-1.

    ``options["classes"]`` lists raw classes as an index into ``info.classes``, a name from it, or
    ``{label: <index or name>, name: <display name>}``; absent, every class is used.
    """
    spec = (options or {}).get("classes")
    if spec is None:
        return [SelectedClass(i, name) for i, name in enumerate(info.classes)]
    selection = []
    for j, item in enumerate(spec):
        label, name = (item["label"], item.get("name")) if isinstance(item, Mapping) else (item, None)
        if isinstance(label, bool) or not isinstance(label, (int, str)):
            raise ClassSelectionError(f"classes.{j}: label {label!r} is neither a class index nor a class name")
        if isinstance(label, int):
            if not 0 <= label < len(info.classes):
                raise ClassSelectionError(f"classes.{j}: {info.name} has no class {label} (0..{len(info.classes) - 1})")
            index = label
        elif label in info.classes:
            index = info.classes.index(label)
        else:
            raise ClassSelectionError(f"classes.{j}: {info.name} has no class {label!r}; known: {list(info.classes)}")
        selection.append(SelectedClass(index, name or info.classes[index]))
    indices = [c.index for c in selection]
    if len(set(indices)) != len(indices):
        raise ClassSelectionError(f"classes: a class is selected twice ({indices})")
    return selection


def selected_indices(info: DatasetInfo, options: Mapping[str, Any]) -> set[int] | None:
    """Raw class indices a reader may restrict itself to (``None``: all), to skip decoding the rest."""
    if options.get("classes") is None:
        return None
    return {c.index for c in class_selection(info, options)}


def md5_checksum(digest: str, of: str = "file", origin: str = "official") -> Checksum:
    return Checksum("md5", digest, of, origin)


def mirror_sha256(digest: str) -> Checksum:
    return Checksum("sha256", digest, "file", "mirror")
