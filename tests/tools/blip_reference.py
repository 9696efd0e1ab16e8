#!/usr/bin/env python3
"""Independent reference for BLIP's image preprocessing (transformers BlipImageProcessor), with Pillow and numpy only:
convert("RGB"), resize((384, 384), Image.BICUBIC) (aspect ignored, no reducing_gap), scale by 1/255 in float64 then
float32, (x - OPENAI_CLIP_MEAN) / OPENAI_CLIP_STD in float32, HWC -> CHW.
For each IMAGE it writes NAME.rgb (the resized 8-bit RGB, row-major) and NAME.f32 (the [3,384,384] float32 tensor,
little-endian) into OUTPUT_DIR, NAME being the image's file name.
Usage: blip_reference.py OUTPUT_DIR IMAGE...
"""
import os
import sys

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
SIZE = 384


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        name = os.path.basename(path)
        image = Image.open(path).convert("RGB").resize((SIZE, SIZE), resample=Image.BICUBIC)
        pixels = np.asarray(image, dtype=np.uint8)
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(pixels.tobytes())
        scaled = (pixels.astype(np.float64) * (1 / 255)).astype(np.float32)
        normalized = ((scaled - MEAN) / STD).astype(np.float32)
        with open(os.path.join(out, name + ".f32"), "wb") as f:
            f.write(normalized.transpose(2, 0, 1).astype("<f4").tobytes())


if __name__ == "__main__":
    main()
