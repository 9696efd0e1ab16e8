#!/usr/bin/env python3
"""Golden tensors for the booru stage's preprocessing, computed independently with PIL and numpy.

Usage: booru_preprocess_reference.py OUT [IMAGE...]

Writes a few deterministic test images (PNG, so both sides decode the same pixels) and, for each, the input
tensor a WD14 tagger gets and the one DeepDanbooru gets, as raw little-endian float32 (NHWC, one image):
  NAME.png, NAME.wd14.f32 (448x448x3), NAME.dd.f32 (512x512x3), and manifest.txt ("NAME W H" lines).
Each IMAGE given (a photo the tests read from where it is) gets only its tensors, named after the file's stem;
the image itself is not copied.

WD14, after SmilingWolf's wd-tagger space (app.py prepare_image): alpha composited onto white, padded to a white
square with the image at ((side-w)//2, (side-h)//2), resized to 448 with PIL BICUBIC when not already 448,
RGB to BGR, float32 0-255.
DeepDanbooru, after deepdanbooru's load_image_for_evaluate / transform_and_pad_image: resized to fit 512x512
keeping the aspect ratio (TensorFlow AREA, whose PIL twin for downscaling is BOX), centred at the rounded-down
offset, padded by repeating edge pixels (numpy "edge"), float32 RGB / 255.
"""
import os
import sys

import numpy as np
from PIL import Image


def images():
    yy, xx = np.mgrid[0:200, 0:300]
    rgba = np.zeros((200, 300, 4), dtype=np.uint8)
    rgba[..., 0] = (xx * 255 // 299).astype(np.uint8)
    rgba[..., 1] = (yy * 255 // 199).astype(np.uint8)
    rgba[..., 2] = ((xx + yy) % 256).astype(np.uint8)
    rgba[..., 3] = np.where(xx < 60, 0, np.where(xx < 120, 128, 255)).astype(np.uint8)
    yield "alpha-300x200", Image.fromarray(rgba, "RGBA")

    yy, xx = np.mgrid[0:600, 0:1000]
    rgb = np.zeros((600, 1000, 3), dtype=np.uint8)
    rgb[..., 0] = ((np.sin(xx / 37.0) + 1) * 127).astype(np.uint8)
    rgb[..., 1] = ((np.cos(yy / 23.0) + 1) * 127).astype(np.uint8)
    rgb[..., 2] = (((xx // 50 + yy // 50) % 2) * 200 + 30).astype(np.uint8)
    yield "wide-1000x600", Image.fromarray(rgb, "RGB")

    yy, xx = np.mgrid[0:448, 0:300]
    rgb = np.stack([(xx * 255 // 299), (yy * 255 // 447), 255 - (xx * 255 // 299)], axis=-1).astype(np.uint8)
    yield "tall-300x448", Image.fromarray(rgb, "RGB")


def wd14(image, side=448):
    canvas = Image.new("RGBA", image.size, (255, 255, 255))
    canvas.alpha_composite(image.convert("RGBA"))
    image = canvas.convert("RGB")
    w, h = image.size
    square = max(w, h)
    padded = Image.new("RGB", (square, square), (255, 255, 255))
    padded.paste(image, ((square - w) // 2, (square - h) // 2))
    if square != side:
        padded = padded.resize((side, side), Image.BICUBIC)
    return np.asarray(padded, dtype=np.float32)[:, :, ::-1]


def deepdanbooru(image, side=512):
    canvas = Image.new("RGBA", image.size, (255, 255, 255))
    canvas.alpha_composite(image.convert("RGBA"))
    image = canvas.convert("RGB")
    w, h = image.size
    scale = min(side / w, side / h)
    nw, nh = max(1, min(side, round(w * scale))), max(1, min(side, round(h * scale)))
    if (nw, nh) != (w, h):
        image = image.resize((nw, nh), Image.BOX if scale < 1 else Image.BILINEAR)
    a = np.asarray(image, dtype=np.float32)
    left, top = (side - nw) // 2, (side - nh) // 2
    a = np.pad(a, ((top, side - nh - top), (left, side - nw - left), (0, 0)), mode="edge")
    return a / 255.0


def given(paths):
    for path in paths:
        with Image.open(path) as image:
            image.load()
            yield os.path.splitext(os.path.basename(path))[0], image.copy()


def main(out, paths):
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, image in images():
        image.save(os.path.join(out, name + ".png"))
        lines.append(f"{name} {image.size[0]} {image.size[1]}\n")
    for name, image in list(images()) + list(given(paths)):
        wd14(image).astype("<f4").tofile(os.path.join(out, name + ".wd14.f32"))
        deepdanbooru(image).astype("<f4").tofile(os.path.join(out, name + ".dd.f32"))
    with open(os.path.join(out, "manifest.txt"), "w", encoding="utf-8") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
