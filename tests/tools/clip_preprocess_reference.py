#!/usr/bin/env python3
"""Independent reference for CLIP's image preprocessing (transformers' CLIPImageProcessor, which the Xenova and immich
exports are used with), with Pillow and numpy only: convert("RGB") (an alpha band dropped, not flattened), the
shortest side resized to 224 with Image.BICUBIC (the long side int(224 * long / short)), the centre 224 x 224 cropped at
((w - 224) // 2, (h - 224) // 2), scaled by 1/255 in float64 then float32, (x - OPENAI_CLIP_MEAN) / OPENAI_CLIP_STD in
float32, HWC -> CHW.
For each IMAGE it writes NAME.f32 (the [3,224,224] float32 tensor, little-endian) into OUTPUT_DIR.
Usage: clip_preprocess_reference.py OUTPUT_DIR IMAGE...
"""
import os
import sys

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
SIZE = 224


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        image = Image.open(path).convert("RGB")
        w, h = image.size
        if w <= h:
            size = (SIZE, int(SIZE * h / w))
        else:
            size = (int(SIZE * w / h), SIZE)
        image = image.resize(size, resample=Image.BICUBIC)
        left, top = (size[0] - SIZE) // 2, (size[1] - SIZE) // 2
        pixels = np.asarray(image, dtype=np.uint8)[top:top + SIZE, left:left + SIZE]
        scaled = (pixels.astype(np.float64) * (1 / 255)).astype(np.float32)
        normalized = ((scaled - MEAN) / STD).astype(np.float32)
        with open(os.path.join(out, os.path.basename(path) + ".f32"), "wb") as f:
            f.write(normalized.transpose(2, 0, 1).astype("<f4").tobytes())


if __name__ == "__main__":
    main()
