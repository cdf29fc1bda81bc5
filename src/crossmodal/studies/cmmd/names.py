"""How the CMMD study names its rows of ``metrics.csv``, and its text modality's words (torch-free:
the report and the workflow read them too).

A metric may carry tags, ``name:key=value:...``: a CMMD model's omega (the sweep's models share the
method's name) and a collapse fraction's epsilon."""

from __future__ import annotations

EXPERIMENTS = {
    "e1": "cmmd_e1",  # error (%) from x_o on two-view MNIST, validation and test
    "collapse": "cmmd_collapse",  # % of latent dimensions collapsed below eps nats
    "overhead": "cmmd_overhead",  # the MMD term's cost per training step
    "cross": "cmmd_cross",  # cross-modal accuracy on MNIST-FSDD (Table 4's substitute)
    "latent": "cmmd_latent",  # latent classification accuracy on MNIST-FSDD-Text (Table 5's)
    "coherence": "cmmd_coherence",  # coherence on MNIST-FSDD-Text (Table 6's)
}


def tagged(name: str, **tags: float) -> str:
    """``name`` with its tags in the order given, each value as ``%g``."""
    return ":".join([name, *(f"{key}={value:g}" for key, value in tags.items())])


def untagged(metric: str) -> tuple[str, dict[str, float]]:
    """``"test_error:omega=0.4"`` -> ``("test_error", {"omega": 0.4})``."""
    name, *tags = metric.split(":")
    return name, {key: float(value) for key, value in (tag.split("=", 1) for tag in tags)}


# The text modality: an 8-character string holding the digit's English word, padded with spaces.
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEXT_LENGTH = 8
PAD = " "


def check_alphabet(alphabet: str) -> str:
    """``alphabet`` if it spells every digit word and the padding; otherwise an error naming the setting."""
    if len(set(alphabet)) != len(alphabet):
        raise ValueError(f"cmmd.text.alphabet {alphabet!r} repeats a character")
    for word in (*DIGIT_WORDS, PAD):
        missing = sorted(set(word) - set(alphabet))
        if missing:
            raise ValueError(f"cmmd.text.alphabet {alphabet!r} lacks {missing} of {word!r} (the digit words and the "
                             f"padding {PAD!r} must all be in it)")
    return alphabet
