#!/usr/bin/env python3
"""Independent reference for the image preprocessing of transformers' CLIPImageProcessor (which the Xenova and immich
CLIP exports are used with) and BlipImageProcessor, with Pillow and numpy only. Both: convert("RGB") (an alpha band
dropped, not flattened), Pillow's Image.BICUBIC resize (no reducing_gap), scaled by 1/255 in float64 then float32,
(x - OPENAI_CLIP_MEAN) / OPENAI_CLIP_STD in float32, HWC -> CHW. They differ in the geometry:
  clip  the shortest side resized to 224 (the long side int(224 * long / short)), then the centre 224 x 224 cropped
        at ((w - 224) // 2, (h - 224) // 2);
  blip  resized to exactly 384 x 384 (aspect ignored).
For each IMAGE it writes NAME.rgb (the final 8-bit RGB, row-major) and NAME.f32 (the [3,S,S] float32 tensor,
little-endian) into OUTPUT_DIR, NAME being the image's file name.
Usage: openai_clip_reference.py clip|blip OUTPUT_DIR IMAGE...
"""
import os
import sys

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def clip(image, size=224):
    w, h = image.size
    resized = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
    image = image.resize(resized, resample=Image.BICUBIC)
    left, top = (resized[0] - size) // 2, (resized[1] - size) // 2
    return np.asarray(image, dtype=np.uint8)[top:top + size, left:left + size]


def blip(image, size=384):
    return np.asarray(image.resize((size, size), resample=Image.BICUBIC), dtype=np.uint8)


def main():
    mode, out = {"clip": clip, "blip": blip}[sys.argv[1]], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[3:]:
        name = os.path.basename(path)
        pixels = np.ascontiguousarray(mode(Image.open(path).convert("RGB")))
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(pixels.tobytes())
        scaled = (pixels.astype(np.float64) * (1 / 255)).astype(np.float32)
        normalized = ((scaled - MEAN) / STD).astype(np.float32)
        with open(os.path.join(out, name + ".f32"), "wb") as f:
            f.write(normalized.transpose(2, 0, 1).astype("<f4").tobytes())


if __name__ == "__main__":
    main()
