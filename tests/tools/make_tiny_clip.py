#!/usr/bin/env python3
"""Writes tiny CLIP towers with the interfaces of the public split ONNX exports, in two layouts:
  xenova/vision_model.onnx       pixel_values float [batch_size,3,224,224] -> image_embeds [batch_size,4], last_hidden_state [batch_size,1,4]
  xenova/vision_model_fp16.onnx  the same in float16 (input and outputs)
  xenova/text_model.onnx         input_ids int64 [batch_size,sequence_length] -> text_embeds [batch_size,4], last_hidden_state [batch_size,sequence_length,4]
  immich/visual/model.onnx       image float [batch_size,3,224,224] -> embedding [batch_size,4]
  immich/textual/model.onnx      text int32 [batch_size,77] -> embedding [batch_size,4]
(the names of Xenova/clip-vit-*-patch* onnx/ and immich-app/ViT-*__openai visual/ and textual/; the real width 512
or 768 is shrunk to 4; embeddings are left unnormalized, as in those exports, so the caller must normalize).
Behaviour, so that what a user sees is predictable: the image embedding is the image's mean normalized R, G and B,
each minus their average, and 0.5 in the fourth dimension; the text embedding sums one row per token: the words
"red", "green" and "blue" are 1 in dimensions 0, 1 and 2, every other real token 0.02 in dimension 3 (padding 0).
So "a red image" is nearest a red picture, and zero-shot over red/green/blue picks the picture's colour.
The ids of the colour words come from CLIP's merges file (the BPE rank of the merge that makes "red</w>" etc.).
With --vit-b32-compute it also writes bench/vision_model.onnx: the Xenova vision interface with ViT-B/32's compute
(32x32 patch embedding to 768, 12 blocks over 49 tokens of 7.1 M multiply-adds per token each, as attention plus MLP
have, 512-d projection: about 4.4 GMAC per image), seeded random weights shared by the blocks so the file stays ~40 MB.
For the benchmarks, not the tests.
Usage: make_tiny_clip.py OUTPUT_DIR MERGES_FILE(.txt or .txt.gz) [--vit-b32-compute]
"""
import gzip
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

D = 4
VOCAB = 49408
COLOURS = ["red", "green", "blue"]


def model(graph):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mediatagger-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def word_ids(merges_path):
    """The id of each colour word as one token: 512 + the rank of the merge whose result is 'word</w>'."""
    opener = gzip.open if merges_path.endswith(".gz") else open
    with opener(merges_path, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")[1:49152 - 256 - 2 + 1]
    result = {}
    for rank, line in enumerate(lines):
        a, b = line.split()
        merged = a + b
        for w in COLOURS:
            if merged == w + "</w>":
                result[w] = 512 + rank
    missing = [w for w in COLOURS if w not in result]
    if missing:
        raise SystemExit(f"{merges_path}: no single token for {missing}")
    return result


def vision(input_name, output_name, dtype, hidden):
    centre = np.full((3, D), -1.0 / 3.0, np.float32)
    for c in range(3):
        centre[c, c] = 2.0 / 3.0
    centre[:, 3] = 0.0
    bias = np.array([0, 0, 0, 0.5], np.float32)
    elem = TensorProto.FLOAT16 if dtype == np.float16 else TensorProto.FLOAT
    src = input_name
    nodes = []
    if dtype == np.float16:
        nodes.append(helper.make_node("Cast", [input_name], ["pixels32"], to=TensorProto.FLOAT))
        src = "pixels32"
    nodes += [
        helper.make_node("ReduceMean", [src], ["means"], axes=[2, 3], keepdims=0),  # [B,3]
        helper.make_node("MatMul", ["means", "centre"], ["centred"]),  # [B,4]
        helper.make_node("Add", ["centred", "bias"], ["embeds32"]),
    ]
    outputs = [helper.make_tensor_value_info(output_name, elem, ["batch_size", D])]
    if dtype == np.float16:
        nodes.append(helper.make_node("Cast", ["embeds32"], [output_name], to=TensorProto.FLOAT16))
    else:
        nodes.append(helper.make_node("Identity", ["embeds32"], [output_name]))
    inits = [numpy_helper.from_array(centre, "centre"), numpy_helper.from_array(bias, "bias")]
    if hidden:
        nodes.append(helper.make_node("Unsqueeze", [output_name, "axis1"], ["last_hidden_state"]))
        outputs.append(helper.make_tensor_value_info("last_hidden_state", elem, ["batch_size", 1, D]))
        inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    graph = helper.make_graph(nodes, "tiny_clip_vision",
                              [helper.make_tensor_value_info(input_name, elem, ["batch_size", 3, 224, 224])],
                              outputs, inits)
    return model(graph)


def text(ids, input_name, output_name, id_type, length, hidden):
    table = np.zeros((VOCAB, D), np.float32)
    table[1:, 3] = 0.02
    for i, w in enumerate(COLOURS):
        table[ids[w]] = 0
        table[ids[w], i] = 1.0
    src = input_name
    nodes = []
    if id_type == TensorProto.INT32:
        nodes.append(helper.make_node("Cast", [input_name], ["ids64"], to=TensorProto.INT64))
        src = "ids64"
    nodes += [
        helper.make_node("Gather", ["table", src], ["rows"], axis=0),  # [B,L,4]
        helper.make_node("ReduceSum", ["rows", "axis1"], [output_name], keepdims=0),  # [B,4]
    ]
    outputs = [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch_size", D])]
    if hidden:
        nodes.append(helper.make_node("Identity", ["rows"], ["last_hidden_state"]))
        outputs.append(helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", length, D]))
    graph = helper.make_graph(nodes, "tiny_clip_text",
                              [helper.make_tensor_value_info(input_name, id_type, ["batch_size", length])],
                              outputs,
                              [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([1], np.int64), "axis1")])
    return model(graph)


def vit_b32_compute():
    rng = np.random.default_rng(32)
    width, hidden, layers, tokens = 768, 4608, 12, 49
    patch = (rng.standard_normal((width, 3, 32, 32)) * 0.02).astype(np.float32)
    w1 = (rng.standard_normal((width, hidden)) * 0.02).astype(np.float32)
    w2 = (rng.standard_normal((hidden, width)) * 0.02).astype(np.float32)
    proj = (rng.standard_normal((width, 512)) * 0.02).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["pixel_values", "patch"], ["patches"], kernel_shape=[32, 32], strides=[32, 32]),  # [B,768,7,7]
        helper.make_node("Reshape", ["patches", "flat_shape"], ["flat"]),  # [B,768,49]
        helper.make_node("Transpose", ["flat"], ["x0"], perm=[0, 2, 1]),  # [B,49,768]
    ]
    for i in range(layers):
        nodes += [
            helper.make_node("MatMul", [f"x{i}", "w1"], [f"h{i}"]),
            helper.make_node("Relu", [f"h{i}"], [f"r{i}"]),
            helper.make_node("MatMul", [f"r{i}", "w2"], [f"d{i}"]),
            helper.make_node("Add", [f"x{i}", f"d{i}"], [f"x{i + 1}"]),
        ]
    nodes += [
        helper.make_node("ReduceMean", [f"x{layers}"], ["pooled"], axes=[1], keepdims=0),  # [B,768]
        helper.make_node("MatMul", ["pooled", "proj"], ["image_embeds"]),
    ]
    graph = helper.make_graph(nodes, "vit_b32_compute",
                              [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch_size", 3, 224, 224])],
                              [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch_size", 512])],
                              [numpy_helper.from_array(patch, "patch"), numpy_helper.from_array(w1, "w1"),
                               numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(proj, "proj"),
                               numpy_helper.from_array(np.array([0, width, tokens], np.int64), "flat_shape")])
    return model(graph)


def main():
    out, merges = sys.argv[1], sys.argv[2]
    ids = word_ids(merges)
    for sub in ["xenova", "immich/visual", "immich/textual"]:
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    onnx.save(vision("pixel_values", "image_embeds", np.float32, True), os.path.join(out, "xenova", "vision_model.onnx"))
    onnx.save(vision("pixel_values", "image_embeds", np.float16, True), os.path.join(out, "xenova", "vision_model_fp16.onnx"))
    onnx.save(text(ids, "input_ids", "text_embeds", TensorProto.INT64, "sequence_length", True), os.path.join(out, "xenova", "text_model.onnx"))
    onnx.save(vision("image", "embedding", np.float32, False), os.path.join(out, "immich", "visual", "model.onnx"))
    onnx.save(text(ids, "text", "embedding", TensorProto.INT32, 77, False), os.path.join(out, "immich", "textual", "model.onnx"))
    with open(os.path.join(out, "colour_ids.txt"), "w") as f:
        f.write(" ".join(f"{w}={ids[w]}" for w in COLOURS) + "\n")
    if "--vit-b32-compute" in sys.argv[3:]:
        os.makedirs(os.path.join(out, "bench"), exist_ok=True)
        onnx.save(vit_b32_compute(), os.path.join(out, "bench", "vision_model.onnx"))


if __name__ == "__main__":
    main()
