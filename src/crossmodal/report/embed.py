"""Images embedded in a report page, right-sized: a page embeds every figure as a data URI, and a
figure drawn for print (the PNG beside its PDF) is several times the bytes a screen needs. The
embedded copy is flattened onto white, narrowed to the width the page shows it at, and reduced
to a palette; the files on disk stay as drawn, and the page links each figure's PDF."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


@dataclass(frozen=True)
class EmbedStyle:
    """How a kind of figure is embedded: at most ``max_width`` pixels wide, in ``colors`` colours
    chosen by ``method`` (Pillow's quantizers)."""

    max_width: int
    colors: int
    method: Image.Quantize = Image.Quantize.MEDIANCUT


# Line and scatter plots hold a few colours and their anti-aliasing: 64 colours keep them intact
# (median cut keeps the light grey of the grid grey; maximum coverage turns it purple).
PLOT = EmbedStyle(max_width=1200, colors=64)
# A tall grid of small line plots, narrowed to the page's width: maximum coverage keeps the thin
# red line of the kept epoch red (median cut merges it into the orange of the validation curve),
# at half the bytes.
PANELS = EmbedStyle(max_width=1100, colors=64, method=Image.Quantize.MAXCOVERAGE)
# Generated images (photographs of signs, spectrograms): more colours, or they posterize; the
# octree keeps the rare red of a wrong prediction's label, which median cut merges into grey.
SAMPLES = EmbedStyle(max_width=1400, colors=128, method=Image.Quantize.FASTOCTREE)


def embedded_png(path: Path, style: EmbedStyle) -> bytes:
    """The PNG at ``path`` as the page embeds it."""
    with Image.open(path) as image:
        image.load()
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    if flat.width > style.max_width:
        flat = flat.resize((style.max_width, round(flat.height * style.max_width / flat.width)), Image.Resampling.LANCZOS)
    # No dithering: its noise costs bytes and blurs text.
    palette = flat.quantize(colors=style.colors, method=style.method, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def data_uri(path: Path, style: EmbedStyle) -> str:
    return "data:image/png;base64," + base64.b64encode(embedded_png(path, style)).decode()
