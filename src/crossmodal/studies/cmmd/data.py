"""The CMMD study's generated datasets, made deterministically from the shared prepared data.

* **Two-view noisy MNIST** (Wang et al. 2015; the paper's E1): view ``rotated`` (x_o) is an MNIST
  image rotated by an angle uniform in [-pi/4, pi/4]; view ``noisy`` (x_m) a random image of the
  same class and split with uniform [0, 1] noise added per pixel, clipped to [0, 1]. Training and
  validation come from MNIST's training images (pooled train and val of the prepared file, seeded
  split), test from its test images. Both views are stored as 8-bit pixels.
* **MNIST-FSDD-Text** (offline), the substitute of MNIST-SVHN-Text (the ``paper`` config's): each
  MNIST image with a random partner of its class and split (an FSDD recording; an SVHN image) and a
  text, an 8-character string holding the digit's English word at a random offset, padded with
  spaces, one-hot over a fixed alphabet. Dropping the text gives MNIST-FSDD (MNIST-SVHN).

Each file carries ``meta``: its kind, seed, sizes and the SHA-256 of the prepared files it was made
from, so a generated file names the exact data it came from (its rule reruns when they change).
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from crossmodal.data.prepare import load_prepared
from crossmodal.io import atomic_path
from crossmodal.studies.cmmd.names import DIGIT_WORDS, PAD, TEXT_LENGTH, check_alphabet

SPLITS = ("train", "val", "test")
MAX_ANGLE = math.pi / 4


def save_deterministic(obj: dict[str, Any], out: Path) -> None:
    """``torch.save`` through memory, so the bytes do not depend on the file's (temporary) name, which
    ``torch.save`` to a path records in the archive: a seed gives the same bytes, wherever written."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_path(out) as tmp:
        tmp.write_bytes(buffer.getvalue())


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rotate(images: Tensor, angles: Tensor) -> Tensor:
    """8-bit images ``(N, C, H, W)`` rotated about their centre by ``angles`` (radians), bilinear,
    zero outside, rounded back to 8 bits."""
    cos, sin = torch.cos(angles), torch.sin(angles)
    zeros = torch.zeros_like(cos)
    theta = torch.stack([torch.stack([cos, -sin, zeros], 1), torch.stack([sin, cos, zeros], 1)], 1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    rotated = F.grid_sample(images.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return rotated.round().clamp(0, 255).to(torch.uint8)


def same_class_partners(labels: Tensor, generator: torch.Generator) -> Tensor:
    """For each sample, the index of a random sample of its class (itself allowed, as in a draw)."""
    partners = torch.empty_like(labels)
    for label in labels.unique().tolist():
        members = (labels == label).nonzero().flatten()
        partners[members] = members[torch.randint(len(members), (len(members),), generator=generator)]
    return partners


def partners_in(labels: Tensor, candidates: Tensor, generator: torch.Generator) -> Tensor:
    """For each of ``labels``, the index of a random one of ``candidates`` with the same label."""
    partners = torch.empty_like(labels)
    for label in labels.unique().tolist():
        members = (labels == label).nonzero().flatten()
        pool = (candidates == label).nonzero().flatten()
        if len(pool) == 0:
            raise ValueError(f"no partner of class {label} to pair with")
        partners[members] = pool[torch.randint(len(pool), (len(members),), generator=generator)]
    return partners


def two_views(images: Tensor, labels: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
    """One split's ``rotated`` and ``noisy`` views (8-bit) and labels."""
    angles = (torch.rand(len(images), generator=generator, dtype=torch.float64) * 2 - 1) * MAX_ANGLE
    partners = same_class_partners(labels, generator)
    noise = torch.rand(images[partners].shape, generator=generator)
    noisy = (images[partners].float() / 255.0 + noise).clamp(0.0, 1.0)
    return {"rotated": rotate(images, angles.float()), "noisy": (noisy * 255.0).round().to(torch.uint8),
            "label": labels.clone()}


def split_sizes(sizes: Mapping[str, int], available: Mapping[str, int]) -> dict[str, int]:
    """The requested sizes, refused when the pool they are drawn from is too small."""
    if sizes["train"] + sizes["val"] > available["train"] or sizes["test"] > available["test"]:
        raise ValueError(f"two_view.splits {dict(sizes)} need more than the prepared MNIST's {dict(available)} "
                         f"(train and val from its training images, test from its test images)")
    return dict(sizes)


def make_two_view_mnist(mnist: Path, sizes: Mapping[str, int], seed: int, out: Path) -> dict[str, Any]:
    """Write two-view noisy MNIST of ``sizes`` (``train``, ``val``, ``test``) made from the prepared MNIST."""
    data = load_prepared(mnist)
    pool_x = torch.cat([data["x_train"], data["x_val"]])
    pool_y = torch.cat([data["y_train"], data["y_val"]])
    sizes = split_sizes(sizes, {"train": len(pool_y), "test": len(data["y_test"])})
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(pool_y), generator=generator)
    test_order = torch.randperm(len(data["y_test"]), generator=generator)[: sizes["test"]]
    picks = {"train": (pool_x, pool_y, order[: sizes["train"]]),
             "val": (pool_x, pool_y, order[sizes["train"]: sizes["train"] + sizes["val"]]),
             "test": (data["x_test"], data["y_test"], test_order)}
    tensors: dict[str, Tensor] = {}
    for split, (x, y, index) in picks.items():
        for key, value in two_views(x[index], y[index], generator).items():
            tensors[f"{key}_{split}"] = value.contiguous()
    meta = {"kind": "two_view_mnist", "seed": seed, "sizes": sizes, "classes": data["meta"]["classes"],
            "modalities": {"rotated": list(data["meta"]["shape"]), "noisy": list(data["meta"]["shape"])},
            "outputs": {"rotated": "sigmoid", "noisy": "sigmoid"}, "sources": {"mnist": file_digest(mnist)}}
    save_deterministic({**tensors, "meta": meta}, out)
    return meta


def digit_text(label: int, offset: int) -> str:
    """The 8-character string with ``label``'s English word at ``offset``, padded with spaces."""
    word = DIGIT_WORDS[label]
    if not 0 <= offset <= TEXT_LENGTH - len(word):
        raise ValueError(f"offset {offset} does not fit {word!r} in {TEXT_LENGTH} characters")
    return PAD * offset + word + PAD * (TEXT_LENGTH - len(word) - offset)


def one_hot_text(texts: Sequence[str], alphabet: str) -> Tensor:
    """``(N, 8, len(alphabet))`` 8-bit one-hot encodings of ``texts``."""
    index = torch.tensor([[alphabet.index(c) for c in text] for text in texts], dtype=torch.long)
    return F.one_hot(index, len(alphabet)).to(torch.uint8)


def random_texts(labels: Tensor, generator: torch.Generator) -> list[str]:
    """A text per label, each word at an offset uniform over where it fits."""
    room = torch.tensor([TEXT_LENGTH - len(DIGIT_WORDS[label]) + 1 for label in labels.tolist()])
    offsets = (torch.rand(len(labels), generator=generator) * room).floor().long()
    return [digit_text(label, offset) for label, offset in zip(labels.tolist(), offsets.tolist())]


def decode_text(one_hot: Tensor, alphabet: str) -> list[str]:
    """The strings of one-hot (or scored) texts ``(N, 8, len(alphabet))``, by each position's argmax."""
    return ["".join(alphabet[i] for i in row) for row in one_hot.argmax(dim=-1).tolist()]


def make_paired_text(mnist: Path, partner: Path, alphabet: str, seed: int, pairing_out: Path,
                     text_out: Path) -> dict[str, Any]:
    """Write, per split of the prepared MNIST, each image's partner of its class (an index into the
    prepared ``partner`` dataset's same split: FSDD offline, SVHN in the paper) to ``pairing_out``,
    and its text to ``text_out``, a file shaped like a prepared dataset (``x_<split>`` one-hot
    floats, ``y_<split>``, ``meta``) so that the shared classifier job trains the text evaluator on
    it. :func:`load_paired` assembles the pairs or triples."""
    check_alphabet(alphabet)
    images, partners = load_prepared(mnist), load_prepared(partner)
    if images["meta"]["classes"] != partners["meta"]["classes"]:
        raise ValueError(f"{mnist} and {partner} have other classes: {images['meta']['classes']} and "
                         f"{partners['meta']['classes']}")
    generator = torch.Generator().manual_seed(seed)
    pairing: dict[str, Any] = {}
    text: dict[str, Any] = {}
    for split in SPLITS:
        labels = images[f"y_{split}"]
        pairing[f"partner_index_{split}"] = partners_in(labels, partners[f"y_{split}"], generator)
        # floats, not 8 bits: the engine reads 8-bit tensors as pixels and divides them by 255
        text[f"x_{split}"] = one_hot_text(random_texts(labels, generator), alphabet).float()
        text[f"y_{split}"] = labels.clone()
    name = partners["meta"]["dataset"]
    sources = {"mnist": file_digest(mnist), name: file_digest(partner)}
    meta = {"kind": "mnist_pairing", "partner": name, "seed": seed, "classes": images["meta"]["classes"],
            "sources": sources}
    save_deterministic({**pairing, "meta": meta}, pairing_out)
    text_meta = {"dataset": "text", "kind": "digit_text", "seed": seed, "alphabet": alphabet, "modality": "text",
                 "classes": images["meta"]["classes"], "shape": [TEXT_LENGTH, len(alphabet)], "sources": sources,
                 **{f"n_{split}": len(text[f"y_{split}"]) for split in SPLITS}}
    save_deterministic({**text, "meta": text_meta}, text_out)
    return meta


def decoder_output(meta: Mapping[str, Any]) -> str:
    """Images end in a sigmoid (pixels in [0, 1]); audio features are linear."""
    return "linear" if meta.get("modality") == "audio" else "sigmoid"


def load_paired(pairing: Path, mnist: Path, partner: Path, text: Path | None = None) -> dict[str, Any]:
    """MNIST and its partner (with ``text``: and the text) as ``{split: {modality: x, "label": y}}``
    and the modalities' ``shapes`` and decoder ``outputs``; the partner's modality is its dataset's name."""
    paired, images, partners = load_prepared(pairing), load_prepared(mnist), load_prepared(partner)
    name = paired["meta"]["partner"]
    for source, path in (("mnist", mnist), (name, partner)):
        if file_digest(path) != paired["meta"]["sources"][source]:
            raise ValueError(f"{pairing} was made from another {source} than {path}: regenerate it")
    texts = load_prepared(text) if text is not None else None
    splits = {}
    for split in SPLITS:
        splits[split] = {"mnist": images[f"x_{split}"], name: partners[f"x_{split}"][paired[f"partner_index_{split}"]],
                         "label": images[f"y_{split}"]}
        if texts is not None:
            splits[split]["text"] = texts[f"x_{split}"]
    shapes = {"mnist": images["meta"]["shape"], name: partners["meta"]["shape"]}
    outputs = {"mnist": "sigmoid", name: decoder_output(partners["meta"])}
    if texts is not None:
        shapes["text"], outputs["text"] = texts["meta"]["shape"], "linear"
    return {"splits": splits, "shapes": shapes, "outputs": outputs, "classes": images["meta"]["classes"]}


def load_two_view(path: Path) -> dict[str, Any]:
    """Two-view noisy MNIST in the form of :func:`load_paired`."""
    data = load_prepared(path)
    meta = data["meta"]
    splits = {split: {name: data[f"{name}_{split}"] for name in (*meta["modalities"], "label")} for split in SPLITS}
    return {"splits": splits, "shapes": meta["modalities"], "outputs": meta["outputs"], "classes": meta["classes"]}
