#!/usr/bin/env python3
"""Writes a tiny BLIP captioner with the interface of the Xenova/blip-image-captioning-* ONNX exports:
  vision_model.onnx               pixel_values float [batch_size,3,384,384] -> last_hidden_state [batch_size,577,8], pooler_output [batch_size,8]
  text_decoder_model.onnx         input_ids int64 [batch_size,sequence_length], attention_mask int64 [same],
                                  encoder_hidden_states float [batch_size,encoder_sequence_length,8],
                                  encoder_attention_mask int64 [batch_size,encoder_sequence_length] -> logits [batch_size,sequence_length,17]
  text_decoder_model_merged.onnx  the same plus use_cache_branch bool [1] and past_key_values.0.key/value float
                                  [batch_size,2,past_sequence_length,4] (accepted and ignored: the no-cache branch)
  vocab.txt                       [PAD] 0, [UNK], [CLS], [SEP] 3, [MASK], then words; BLIP's [DEC] is 15 (after the vocab)
The real widths (768 hidden, 30524 logits) are shrunk; names, dtypes, ranks and dynamic axes are the export's.
Behaviour, so a caption is predictable: the vision model passes the image's mean normalized R, G, B through every
token; the decoder is a bigram table over the last token, plus, after "a", +/-12 x (R - B) on "red" and "blue" (a clearly red or blue image beats "a picture").
After the colour: "cat" 0.45 then [SEP]; "fluffy" 0.55 then bird 0.4 / cat 0.3 / dog 0.3, then [SEP]. Greedy search
says "a picture of a red fluffy bird"; beam search (3 beams) finds the likelier "a picture of a red cat".
Usage: make_tiny_blip.py OUTPUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "picture", "of", "red", "blue", "cat", "fluffy", "bird", "dog", "."]
DEC, ENC = len(VOCAB), len(VOCAB) + 1
V = len(VOCAB) + 2
H = 8
TOKENS = 577
ID = {t: i for i, t in enumerate(VOCAB)}
ID["[DEC]"] = DEC


def model(graph):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mediatagger-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def vision():
    project = np.zeros((3, H), np.float32)
    project[0, 0] = project[1, 1] = project[2, 2] = 1.0
    nodes = [
        helper.make_node("ReduceMean", ["pixel_values"], ["means"], axes=[2, 3], keepdims=0),  # [B,3]
        helper.make_node("MatMul", ["means", "project"], ["pooler_output"]),  # [B,H]
        helper.make_node("Unsqueeze", ["pooler_output", "axis1"], ["one_token"]),  # [B,1,H]
        helper.make_node("Expand", ["one_token", "tokens_shape"], ["last_hidden_state"]),  # [B,577,H]
    ]
    graph = helper.make_graph(
        nodes, "tiny_blip_vision",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch_size", 3, 384, 384])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", TOKENS, H]),
         helper.make_tensor_value_info("pooler_output", TensorProto.FLOAT, ["batch_size", H])],
        [numpy_helper.from_array(project, "project"),
         numpy_helper.from_array(np.array([1], np.int64), "axis1"),
         numpy_helper.from_array(np.array([1, TOKENS, 1], np.int64), "tokens_shape")])
    return model(graph)


def tables():
    logp = np.full((V, V), -20.0, np.float32)

    def row(prev, probs):
        for token, p in probs.items():
            logp[ID[prev], ID[token]] = np.log(p)

    row("[DEC]", {"a": 0.98})
    row("a", {"picture": 0.3})  # the colour term decides after "a" (the prompt's "a" is never scored)
    row("picture", {"of": 0.98})
    row("of", {"a": 0.98})
    row("red", {"cat": 0.45, "fluffy": 0.55})
    row("blue", {"cat": 0.45, "fluffy": 0.55})
    row("fluffy", {"bird": 0.4, "cat": 0.3, "dog": 0.3})
    for word in ("cat", "bird", "dog"):
        row(word, {"[SEP]": 0.99})
    colour_gate = np.zeros((V, V), np.float32)
    colour_gate[ID["a"], ID["red"]] = colour_gate[ID["a"], ID["blue"]] = 1.0
    colour = np.zeros((H, V), np.float32)
    colour[0, ID["red"]], colour[2, ID["red"]] = 12.0, -12.0
    colour[0, ID["blue"]], colour[2, ID["blue"]] = -12.0, 12.0
    return logp, colour_gate, colour


def decoder(merged):
    logp, gate, colour = tables()
    nodes = [
        helper.make_node("Gather", ["bigram", "input_ids"], ["base"], axis=0),  # [B,L,V]
        helper.make_node("Gather", ["gate", "input_ids"], ["gated"], axis=0),  # [B,L,V]
        helper.make_node("Cast", ["encoder_attention_mask"], ["enc_mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["enc_mask_f", "axis_last"], ["enc_mask_3"]),  # [B,S,1]
        helper.make_node("Mul", ["encoder_hidden_states", "enc_mask_3"], ["masked_states"]),
        helper.make_node("ReduceMean", ["masked_states"], ["image"], axes=[1], keepdims=1),  # [B,1,H]
        helper.make_node("MatMul", ["image", "colour"], ["colour_logits"]),  # [B,1,V]
        helper.make_node("Mul", ["gated", "colour_logits"], ["colour_term"]),  # [B,L,V]
        helper.make_node("Add", ["base", "colour_term"], ["scored"]),
        # attention_mask takes part (0 x mask), so the input is real for the runtime as in the export.
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis_last"], ["mask_3"]),
        helper.make_node("Mul", ["mask_3", "zero"], ["mask_zero"]),
        helper.make_node("Add", ["scored", "mask_zero"], ["logits" if not merged else "logits_no_cache"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("encoder_hidden_states", TensorProto.FLOAT, ["batch_size", "encoder_sequence_length", H]),
        helper.make_tensor_value_info("encoder_attention_mask", TensorProto.INT64, ["batch_size", "encoder_sequence_length"]),
    ]
    inits = [numpy_helper.from_array(logp, "bigram"), numpy_helper.from_array(gate, "gate"), numpy_helper.from_array(colour, "colour"),
             numpy_helper.from_array(np.array([-1], np.int64), "axis_last"), numpy_helper.from_array(np.array(0.0, np.float32), "zero")]
    if merged:
        inputs.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.0.{kind}", TensorProto.FLOAT, ["batch_size", 2, "past_sequence_length", 4]))
        nodes += [
            helper.make_node("Cast", ["use_cache_branch"], ["branch_f"], to=TensorProto.FLOAT),
            helper.make_node("ReduceSum", ["past_key_values.0.key"], ["past_sum"], keepdims=0),
            helper.make_node("Add", ["branch_f", "past_sum"], ["unused"]),
            helper.make_node("Mul", ["unused", "zero"], ["unused_zero"]),
            helper.make_node("Add", ["logits_no_cache", "unused_zero"], ["logits"]),
        ]
    graph = helper.make_graph(nodes, "tiny_blip_text_decoder" + ("_merged" if merged else ""), inputs,
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", V])], inits)
    return model(graph)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    onnx.save(vision(), os.path.join(out, "vision_model.onnx"))
    onnx.save(decoder(False), os.path.join(out, "text_decoder_model.onnx"))
    onnx.save(decoder(True), os.path.join(out, "text_decoder_model_merged.onnx"))
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")


if __name__ == "__main__":
    main()
