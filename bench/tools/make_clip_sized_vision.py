"""A random-weight vision encoder with the compute of CLIP ViT-B/32, for benchmarks only.

Interface of the published split exports (pixel_values float32 [batch, 3, 224, 224] -> image_embeds float32
[batch, 512]); inside, the ViT-B/32 shape: a 32x32 patch convolution to 49 tokens of width 768 plus a class token,
12 pre-norm transformer blocks (12 heads, MLP 3072, GELU), a final layer norm on the class token and a 768 -> 512
projection. About 88 M parameters and 4.4 GFLOPs per image, like the real model; the weights are random, so the
embeddings mean nothing. Deterministic (seeded).

Usage: make_clip_sized_vision.py OUT_DIR [--layers N]   writes OUT_DIR/vision_model.onnx
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WIDTH, HEADS, MLP, PATCH, IMAGE, EMBED = 768, 12, 3072, 32, 224, 512
TOKENS = (IMAGE // PATCH) ** 2 + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=12)
    args = parser.parse_args()
    rng = np.random.default_rng(32)
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []
    counter = [0]

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def weight(name: str, *shape: int) -> str:
        scale = 1.0 / np.sqrt(shape[0] if len(shape) == 2 else np.prod(shape[1:]))
        return const(name, (rng.standard_normal(shape, dtype=np.float32) * scale).astype(np.float32))

    def op(kind: str, inputs: list[str], **attrs) -> str:
        counter[0] += 1
        out = f"{kind.lower()}_{counter[0]}"
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def layer_norm(x: str, prefix: str) -> str:
        gamma = const(prefix + ".g", np.ones(WIDTH, np.float32))
        beta = const(prefix + ".b", np.zeros(WIDTH, np.float32))
        return op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=1e-5)

    def linear(x: str, prefix: str, n_in: int, n_out: int) -> str:
        return op("Add", [op("MatMul", [x, weight(prefix + ".w", n_in, n_out)]), const(prefix + ".bias", np.zeros(n_out, np.float32))])

    def gelu(x: str) -> str:
        inner = op("Erf", [op("Div", [x, const(f"sqrt2_{counter[0]}", np.array(np.sqrt(2.0), np.float32))])])
        return op("Mul", [op("Mul", [x, op("Add", [inner, const(f"one_{counter[0]}", np.array(1.0, np.float32))])]),
                          const(f"half_{counter[0]}", np.array(0.5, np.float32))])

    patches = op("Conv", ["pixel_values", weight("patch.w", WIDTH, 3, PATCH, PATCH)], strides=[PATCH, PATCH])
    shape_bwt = const("shape_bwt", np.array([0, WIDTH, -1], np.int64))
    tokens = op("Transpose", [op("Reshape", [patches, shape_bwt])], perm=[0, 2, 1])  # [b, 49, 768]
    batch = op("Slice", [op("Shape", ["pixel_values"]), const("s0", np.array([0], np.int64)), const("s1", np.array([1], np.int64))])
    cls_shape = op("Concat", [batch, const("cls_tail", np.array([1, WIDTH], np.int64))], axis=0)
    cls = op("Expand", [const("cls", rng.standard_normal((1, 1, WIDTH), dtype=np.float32) * 0.02), cls_shape])
    x = op("Concat", [cls, tokens], axis=1)
    x = op("Add", [x, const("pos", (rng.standard_normal((1, TOKENS, WIDTH), dtype=np.float32) * 0.02))])
    x = layer_norm(x, "pre")
    heads_shape = const("heads_shape", np.array([0, TOKENS, HEADS, WIDTH // HEADS], np.int64))
    merge_shape = const("merge_shape", np.array([0, TOKENS, WIDTH], np.int64))
    scale = const("attn_scale", np.array(1.0 / np.sqrt(WIDTH // HEADS), np.float32))
    for i in range(args.layers):
        p = f"l{i}"
        h = layer_norm(x, p + ".ln1")
        qkv = []
        for part in ("q", "k", "v"):
            t = op("Reshape", [linear(h, f"{p}.{part}", WIDTH, WIDTH), heads_shape])
            qkv.append(op("Transpose", [t], perm=[0, 2, 1, 3]))  # [b, heads, tokens, 64]
        scores = op("Mul", [op("MatMul", [qkv[0], op("Transpose", [qkv[1]], perm=[0, 1, 3, 2])]), scale])
        attended = op("MatMul", [op("Softmax", [scores], axis=-1), qkv[2]])
        merged = op("Reshape", [op("Transpose", [attended], perm=[0, 2, 1, 3]), merge_shape])
        x = op("Add", [x, linear(merged, p + ".o", WIDTH, WIDTH)])
        h = layer_norm(x, p + ".ln2")
        x = op("Add", [x, linear(gelu(linear(h, p + ".fc1", WIDTH, MLP)), p + ".fc2", MLP, WIDTH)])
    first = op("Gather", [x, const("cls_index", np.array(0, np.int64))], axis=1)  # [b, 768]
    pooled = layer_norm(first, "post")
    nodes.append(helper.make_node("MatMul", [pooled, weight("proj", WIDTH, EMBED)], ["image_embeds"]))

    graph = helper.make_graph(
        nodes, "clip_sized_vision",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, IMAGE, IMAGE])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch", EMBED])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mediatagger-bench")
    model.ir_version = 8
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "vision_model.onnx")
    onnx.save(model, path)
    params = sum(int(np.prod(t.dims)) for t in inits)
    print(f"{path}: {params / 1e6:.1f} M parameters, {args.layers} layers")


if __name__ == "__main__":
    main()
