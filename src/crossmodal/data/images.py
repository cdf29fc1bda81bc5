"""Image decoding and resizing for datasets shipped as files rather than arrays (GTSRB's PPMs).

Binary PPM (netpbm ``P6``) is simple enough to read exactly, so no imaging library decides how
GTSRB's pixels are interpreted: the header is parsed by the netpbm rules (whitespace-separated
tokens, ``#`` comments), the raster must be exactly as long as the header says, and samples with a
``maxval`` other than 255 are rescaled to 8 bits.
"""

from __future__ import annotations

import numpy as np
import torch


class ImageFormatError(ValueError):
    """Bytes that should be an image are not one this module can read."""


def _header_tokens(data: bytes, name: str, count: int) -> tuple[list[bytes], int]:
    """The first ``count`` header tokens and the offset just past the whitespace ending the last."""
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < count:
        if pos >= len(data):
            raise ImageFormatError(f"{name}: truncated PPM header")
        byte = data[pos : pos + 1]
        if byte == b"#":
            end = data.find(b"\n", pos)
            pos = len(data) if end < 0 else end + 1
        elif byte.isspace():
            pos += 1
        else:
            start = pos
            while pos < len(data) and not data[pos : pos + 1].isspace() and data[pos : pos + 1] != b"#":
                pos += 1
            tokens.append(data[start:pos])
    # Exactly one whitespace byte separates maxval from the raster.
    if pos >= len(data) or not data[pos : pos + 1].isspace():
        raise ImageFormatError(f"{name}: PPM header does not end in whitespace")
    return tokens, pos + 1


def decode_ppm(data: bytes, name: str) -> np.ndarray:
    """An ``[H, W, 3]`` uint8 array from the bytes of a binary (P6) PPM file."""
    if not data.startswith(b"P6"):
        raise ImageFormatError(f"{name}: not a binary PPM (P6) file (starts with {data[:2]!r})")
    tokens, offset = _header_tokens(data, name, 4)
    try:
        width, height, maxval = (int(t) for t in tokens[1:])
    except ValueError as exc:
        raise ImageFormatError(f"{name}: malformed PPM header {tokens!r}") from exc
    if width < 1 or height < 1 or not 0 < maxval < 65536:
        raise ImageFormatError(f"{name}: invalid PPM size {width}x{height} or maxval {maxval}")
    dtype = np.dtype(np.uint8) if maxval < 256 else np.dtype(">u2")
    expected = width * height * 3 * dtype.itemsize
    raster = data[offset : offset + expected]
    if len(raster) != expected:
        raise ImageFormatError(f"{name}: PPM raster has {len(raster)} bytes, its header implies {expected}")
    pixels = np.frombuffer(raster, dtype=dtype).reshape(height, width, 3)
    if maxval != 255:
        pixels = np.round(pixels.astype(np.float64) * (255.0 / maxval))
    return pixels.astype(np.uint8)


def crop_box(image: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    """The inclusive box ``[x1..x2] x [y1..y2]`` of an ``[H, W, C]`` image, clipped to the image."""
    height, width = image.shape[:2]
    x1, x2 = max(0, x1), min(width - 1, x2)
    y1, y2 = max(0, y1), min(height - 1, y2)
    if x2 < x1 or y2 < y1:
        return image
    return image[y1 : y2 + 1, x1 : x2 + 1]


def resize_square(image: np.ndarray, size: int) -> torch.Tensor:
    """``[H, W, C]`` uint8 -> ``[C, size, size]`` uint8, bilinear with antialiasing when shrinking."""
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0).float()
    if x.shape[-2:] != (size, size):
        x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return x.squeeze(0).round_().clamp_(0, 255).to(torch.uint8)
