"""Write small ONNX models for the model-contract tests (run by tests/model.rs with .venv's python).

    python tests/models/make_test_models.py OUT_DIR N_FEATURES FEATURES_VERSION

follow_rules.onnx   features[N,K] -> stego_prob = max(rule scores), method_logits = 20 * rule scores
logits_only.onnx    features[N,K] -> stego_logits only (method falls back to the rule evidence)
always_clean.onnx   features[N,K] -> stego_prob = 0 (an eval must catch this model)
wrong_name.onnx     input 'feats' instead of 'features'
wrong_shape.onnx    features[N,7]
no_stego_output.onnx  output named 'score'
v4_signature.onnx   Starlight V4's eight inputs and five outputs (logit = sum of the inputs' means)
wrong_v4_shape.onnx 'lsb' declared HWC [N,256,256,3]
"""
import os, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, K, FV = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)


def save(name, nodes, inputs, outputs, inits=(), meta=None):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="stegodetect-tests")
    m.ir_version = 8
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name))


feat = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", K])
scores_idx = numpy_helper.from_array(np.arange(5, dtype=np.int64), "scores_idx")
twenty = numpy_helper.from_array(np.array(20.0, dtype=np.float32), "twenty")
axes1 = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes1")
meta = {"model_id": "test-follow-rules", "features_version": FV}

save("follow_rules.onnx",
     [helper.make_node("Gather", ["features", "scores_idx"], ["scores"], axis=1),
      helper.make_node("ReduceMax", ["scores"], ["stego_prob"], axes=[1], keepdims=1),
      helper.make_node("Mul", ["scores", "twenty"], ["method_logits"])],
     [feat],
     [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, ["N", 1]),
      helper.make_tensor_value_info("method_logits", TensorProto.FLOAT, ["N", 5])],
     [scores_idx, twenty], meta)

# logit of max score: log(p / (1 - p)), p clipped
eps = numpy_helper.from_array(np.array(1e-6, dtype=np.float32), "eps")
one = numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")
save("logits_only.onnx",
     [helper.make_node("Gather", ["features", "scores_idx"], ["scores"], axis=1),
      helper.make_node("ReduceMax", ["scores"], ["p0"], axes=[1], keepdims=1),
      helper.make_node("Max", ["p0", "eps"], ["p1"]),
      helper.make_node("Sub", ["one", "p1"], ["q0"]),
      helper.make_node("Max", ["q0", "eps"], ["q1"]),
      helper.make_node("Div", ["p1", "q1"], ["odds"]),
      helper.make_node("Log", ["odds"], ["stego_logits"])],
     [feat], [helper.make_tensor_value_info("stego_logits", TensorProto.FLOAT, ["N", 1])],
     [scores_idx, eps, one], {"model_id": "test-logits-only"})

zero = numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero")
save("always_clean.onnx",
     [helper.make_node("ReduceMax", ["features"], ["m"], axes=[1], keepdims=1),
      helper.make_node("Mul", ["m", "zero"], ["stego_prob"])],
     [feat], [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, ["N", 1])], [zero],
     {"model_id": "test-always-clean"})

save("wrong_name.onnx", [helper.make_node("ReduceMax", ["feats"], ["stego_prob"], keepdims=1)],
     [helper.make_tensor_value_info("feats", TensorProto.FLOAT, ["N", K])],
     [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, ["N", 1])])
save("wrong_shape.onnx", [helper.make_node("ReduceMax", ["features"], ["stego_prob"], keepdims=1)],
     [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 7])],
     [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, ["N", 1])])
save("no_stego_output.onnx", [helper.make_node("ReduceMax", ["features"], ["score"], keepdims=1)],
     [feat], [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])])

# Starlight V4 signature: 8 inputs, outputs stego_logits, method_logits, method_id, method_probs, embedding
v4_in = [("pixel_tensor", [3, 256, 256]), ("meta", [2048]), ("alpha", [2, 256, 256]), ("lsb", [3, 256, 256]),
         ("palette", [768]), ("palette_lsb", [1, 256, 256]), ("format_features", [6]), ("content_features", [6])]
inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch"] + s) for n, s in v4_in]
nodes, parts = [], []
for n, s in v4_in:
    nodes.append(helper.make_node("ReduceMean", [n], [n + "_m"], keepdims=0, axes=None) if False else
                 helper.make_node("Flatten", [n], [n + "_f"], axis=1))
    nodes.append(helper.make_node("ReduceMean", [n + "_f"], [n + "_m"], axes=[1], keepdims=1))
    parts.append(n + "_m")
nodes += [helper.make_node("Concat", parts, ["cat"], axis=1),
          helper.make_node("ReduceSum", ["cat", "ax1"], ["stego_logits"], keepdims=1),
          helper.make_node("Gather", ["cat", "five"], ["method_logits"], axis=1),
          helper.make_node("Softmax", ["method_logits"], ["method_probs"], axis=1),
          helper.make_node("ArgMax", ["method_probs"], ["method_id"], axis=1, keepdims=0),
          helper.make_node("Gather", ["cat", "emb_idx"], ["embedding"], axis=1)]
five = numpy_helper.from_array(np.arange(5, dtype=np.int64), "five")
ax1 = numpy_helper.from_array(np.array([1], dtype=np.int64), "ax1")
emb_idx = numpy_helper.from_array(np.zeros(64, dtype=np.int64), "emb_idx")
save("v4_signature.onnx", nodes, inputs,
     [helper.make_tensor_value_info("stego_logits", TensorProto.FLOAT, ["batch", 1]),
      helper.make_tensor_value_info("method_logits", TensorProto.FLOAT, ["batch", 5]),
      helper.make_tensor_value_info("method_id", TensorProto.INT64, ["batch"]),
      helper.make_tensor_value_info("method_probs", TensorProto.FLOAT, ["batch", 5]),
      helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 64])],
     [five, emb_idx, ax1])
# V4 signature with a wrong lsb shape (HWC instead of CHW)
bad = [(n, [256, 256, 3] if n == "lsb" else s) for n, s in v4_in]
save("wrong_v4_shape.onnx",
     [helper.make_node("Flatten", ["lsb"], ["f"], axis=1), helper.make_node("ReduceMean", ["f"], ["stego_logits"], keepdims=1)],
     [helper.make_tensor_value_info("lsb", TensorProto.FLOAT, ["batch", 256, 256, 3])],
     [helper.make_tensor_value_info("stego_logits", TensorProto.FLOAT, ["batch", 1])])
# NaN output (0/0) and a model exported with a fixed batch of 1
save("nan.onnx", [helper.make_node("Mul", ["features", "zero"], ["z"]),
                  helper.make_node("Div", ["z", "z"], ["q"]),
                  helper.make_node("ReduceMax", ["q"], ["stego_prob"], axes=[1], keepdims=1)],
     [feat], [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, ["N", 1])], [zero])
save("fixed_batch.onnx",
     [helper.make_node("Gather", ["features", "scores_idx"], ["scores"], axis=1),
      helper.make_node("ReduceMax", ["scores"], ["stego_prob"], axes=[1], keepdims=1)],
     [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, K])],
     [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, [1, 1])], [scores_idx])
# a broken model: reduces over the whole batch (one value for N images)
save("batch_collapse.onnx", [helper.make_node("ReduceMax", ["features"], ["stego_prob"], keepdims=1)],
     [feat], [helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, [1, 1])])
print("ok")
