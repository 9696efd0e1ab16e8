#!/usr/bin/env python3
"""Tiny booru taggers with the exact interface of the published exports, and outputs a test can predict.

Usage: make_tiny_wd14.py OUT [--deepdanbooru] [--input-name NAME]

WD14 (default; SmilingWolf/wd-*-tagger-v3 interface): model.onnx with one input "input" float32
[N, 448, 448, 3] (NHWC, BGR, 0-255; pass --input-name input_1:0 for the v2 spelling), one output "output"
float32 [N, T] of sigmoid probabilities, and selected_tags.csv (tag_id,name,category,count; 9 rating,
0 general, 4 character) in output order.

DeepDanbooru (--deepdanbooru; KichangKim DeepDanbooru ONNX interface): model.onnx with input "input_1" float32
[N, 512, 512, 3] (NHWC, RGB, 0-1), output float32 [N, T] sigmoid, tags.txt (one tag a line, the ratings
"rating:safe/questionable/explicit" last) and tags-character.txt.

The network: the image's mean colour (R, G, B in 0..1, whatever the input's channel order and scale), times a
fixed weight matrix, plus a bias, through a sigmoid. So a pure blue image scores "blue_background" and the
"general" rating near 1, red "red_theme" and "explicit", green the character "hatsune_miku_(vocaloid)", white
"white_background" and the kaomoji "^_^" and "o_o"; "long_hair" is 0.5 for every image; "kirisame_marisa" is
about 0.62 on red (between the MCut floor 0.15 and the character threshold 0.85). Deterministic, no randomness.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# name, category (WD14 csv code), weights on mean (R, G, B), bias
GENERAL = [
    ("blue_background", 0, (-12, -12, 12), -4),
    ("red_theme", 0, (12, -12, -12), -4),
    ("green_theme", 0, (-12, 12, -12), -4),
    ("white_background", 0, (8, 8, 8), -20),
    ("^_^", 0, (4, 4, 4), -6),
    ("o_o", 0, (4, 4, 4), -7),
    ("long_hair", 0, (0, 0, 0), 0),
]
CHARACTERS = [
    ("hatsune_miku_(vocaloid)", 4, (-10, 12, -10), -3),
    ("kirisame_marisa", 4, (3, 0, 0), -2.5),
]
RATINGS_WD14 = [
    ("general", 9, (-4, 4, 4), 0),
    ("sensitive", 9, (0, 0, 0), -2),
    ("questionable", 9, (0, 0, 0), -3),
    ("explicit", 9, (6, -6, -6), -2),
]
RATINGS_DD = [
    ("rating:safe", 9, (-4, 4, 4), 0),
    ("rating:questionable", 9, (0, 0, 0), -3),
    ("rating:explicit", 9, (6, -6, -6), -2),
]


def build(out, deepdanbooru, input_name):
    if deepdanbooru:
        tags = GENERAL + CHARACTERS + RATINGS_DD  # DeepDanbooru lists the ratings last
        side, scale, order, output_name = 512, 1.0, (0, 1, 2), "output_1"  # output names are read from the model
    else:
        tags = RATINGS_WD14 + GENERAL + CHARACTERS  # WD14 lists the four ratings first
        side, scale, order, output_name = 448, 255.0, (2, 1, 0), "output"
    input_name = input_name or ("input_1" if deepdanbooru else "input")

    # Row c of W weighs input channel c; the input's channel c holds colour order[c] (BGR: channel 0 is blue).
    w = np.zeros((3, len(tags)), dtype=np.float32)
    b = np.zeros((len(tags),), dtype=np.float32)
    for j, (_, _, rgb, bias) in enumerate(tags):
        for c in range(3):
            w[c, j] = rgb[order[c]] / scale
        b[j] = bias

    nodes = [
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["mean", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["y"]),
    ]
    # The graph's real names may contain ':' ("input_1:0"); Identity nodes keep the internal names plain.
    nodes.insert(0, helper.make_node("Identity", [input_name], ["x"]))
    nodes.append(helper.make_node("Identity", ["y"], [output_name]))
    graph = helper.make_graph(
        nodes,
        "tiny_deepdanbooru" if deepdanbooru else "tiny_wd14",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", side, side, 3])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", len(tags)])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_tiny_wd14")
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))

    if deepdanbooru:
        with open(os.path.join(out, "tags.txt"), "w", encoding="utf-8") as f:
            f.write("".join(name + "\n" for name, _, _, _ in tags))
        with open(os.path.join(out, "tags-character.txt"), "w", encoding="utf-8") as f:
            f.write("".join(name + "\n" for name, _, _, _ in CHARACTERS))
    else:
        with open(os.path.join(out, "selected_tags.csv"), "w", encoding="utf-8", newline="") as f:
            f.write("tag_id,name,category,count\n")
            for j, (name, category, _, _) in enumerate(tags):
                f.write(f"{9999990 + j},{name},{category},{1000 - j}\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--deepdanbooru", action="store_true")
    parser.add_argument("--input-name", default=None)
    args = parser.parse_args()
    build(args.out, args.deepdanbooru, args.input_name)
