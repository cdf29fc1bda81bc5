"""The CMMD study's generated datasets: byte-identical for a seed, as specified, clear errors."""

import hashlib
import math
from pathlib import Path

import pytest
import torch

from crossmodal.io import atomic_torch_save
from crossmodal.studies.cmmd.names import DIGIT_WORDS, check_alphabet
from crossmodal.studies.cmmd.data import (
    decode_text,
    digit_text,
    load_paired,
    make_paired_text,
    make_two_view_mnist,
    one_hot_text,
    rotate,
)

DEFAULT_ALPHABET = "abcdefghijklmnopqrstuvwxyz "  # the schema's default


def fake_prepared(path: Path, shape: tuple[int, ...], sizes: dict[str, int], seed: int, pixels: bool) -> Path:
    g = torch.Generator().manual_seed(seed)
    tensors = {}
    for split, n in sizes.items():
        x = torch.randint(0, 256, (n, *shape), generator=g, dtype=torch.uint8) if pixels else torch.randn(n, *shape, generator=g)
        tensors[f"x_{split}"], tensors[f"y_{split}"] = x, torch.arange(n) % 10
    meta = {"dataset": path.stem, "classes": [str(i) for i in range(10)], "shape": list(shape)}
    atomic_torch_save({**tensors, "meta": meta}, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mnist(tmp_path: Path) -> Path:
    return fake_prepared(tmp_path / "mnist.pt", (1, 8, 8), {"train": 40, "val": 20, "test": 30}, 0, True)


@pytest.fixture
def fsdd(tmp_path: Path) -> Path:
    return fake_prepared(tmp_path / "fsdd.pt", (3, 4), {"train": 20, "val": 10, "test": 10}, 1, False)


def test_two_view_mnist_is_byte_identical_for_a_seed_and_differs_across_seeds(mnist: Path, tmp_path: Path) -> None:
    sizes = {"train": 30, "val": 20, "test": 10}
    paths = [tmp_path / f"views{i}.pt" for i in range(3)]
    make_two_view_mnist(mnist, sizes, 7, paths[0])
    make_two_view_mnist(mnist, sizes, 7, paths[1])
    make_two_view_mnist(mnist, sizes, 8, paths[2])
    assert digest(paths[0]) == digest(paths[1])
    assert digest(paths[0]) != digest(paths[2])


def test_two_views_keep_the_class_and_add_clipped_noise_to_a_same_class_image(mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "views.pt"
    make_two_view_mnist(mnist, {"train": 30, "val": 20, "test": 10}, 0, out)
    views = torch.load(out)
    assert [len(views[f"label_{s}"]) for s in ("train", "val", "test")] == [30, 20, 10]
    assert views["noisy_train"].dtype == torch.uint8 and views["rotated_train"].shape == (30, 1, 8, 8)
    assert views["meta"]["sources"]["mnist"] == digest(mnist)


def test_two_view_splits_larger_than_the_prepared_data_are_refused_naming_the_setting(mnist: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two_view.splits"):
        make_two_view_mnist(mnist, {"train": 50, "val": 20, "test": 10}, 0, tmp_path / "x.pt")


def test_rotation_by_zero_is_the_identity_and_by_a_right_angle_turns_the_image() -> None:
    image = torch.zeros(1, 1, 4, 4, dtype=torch.uint8)
    image[0, 0, 0, :] = 200  # the top row
    assert torch.equal(rotate(image, torch.zeros(1)), image)
    turned = rotate(image, torch.tensor([math.pi / 2]))
    assert turned[0, 0, :, 0].tolist() == [200] * 4 or turned[0, 0, :, 3].tolist() == [200] * 4


def test_digit_texts_hold_the_word_at_the_offset_and_round_trip_through_one_hot() -> None:
    assert digit_text(3, 1) == " three  "
    assert digit_text(1, 5) == "     one"
    texts = [digit_text(label, 0) for label in range(10)]
    assert decode_text(one_hot_text(texts, DEFAULT_ALPHABET), DEFAULT_ALPHABET) == texts
    with pytest.raises(ValueError, match="offset"):
        digit_text(3, 4)


def test_an_alphabet_missing_a_character_of_a_digit_word_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"cmmd\.text\.alphabet .*\['v'\].*'five'"):
        check_alphabet(DEFAULT_ALPHABET.replace("v", ""))
    with pytest.raises(ValueError, match="text.alphabet"):
        check_alphabet(DEFAULT_ALPHABET.strip())  # no padding


def test_mnist_fsdd_text_is_byte_identical_for_a_seed_and_pairs_within_the_class(
        mnist: Path, fsdd: Path, tmp_path: Path) -> None:
    outs = [(tmp_path / f"pairing{i}.pt", tmp_path / f"text{i}.pt") for i in range(2)]
    for pairing, text in outs:
        make_paired_text(mnist, fsdd, DEFAULT_ALPHABET, 3, pairing, text)
    assert digest(outs[0][0]) == digest(outs[1][0]) and digest(outs[0][1]) == digest(outs[1][1])
    triples = load_paired(*outs[0][:1], mnist, fsdd, outs[0][1])
    test = triples["splits"]["test"]
    audio = torch.load(fsdd)
    index = torch.load(outs[0][0])["partner_index_test"]
    assert torch.equal(audio["y_test"][index], test["label"])
    words = [t.strip() for t in decode_text(test["text"], DEFAULT_ALPHABET)]
    assert words == [DIGIT_WORDS[label] for label in test["label"].tolist()]
    assert test["text"].dtype == torch.float32
    assert set(load_paired(outs[0][0], mnist, fsdd)["shapes"]) == {"mnist", "fsdd"}
