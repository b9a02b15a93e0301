"""A test copy of a model whose scores sit further from 0.5: its logit (the input of the Sigmoid
that makes the `score` output) plus SHIFT. The weights, the other outputs and the metadata stay.
   shift_scores.py MODEL.onnx OUT.onnx SHIFT"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

source, out, shift = sys.argv[1], sys.argv[2], float(sys.argv[3])
model = onnx.load(source)
graph = model.graph
outputs = {o.name for o in graph.output}
sigmoids = [i for i, n in enumerate(graph.node) if n.op_type == 'Sigmoid' and n.output[0] in outputs]
if len(sigmoids) != 1:
    sys.exit(f'{source}: expected one Sigmoid that gives a graph output, found {len(sigmoids)}')
index = sigmoids[0]
sigmoid = graph.node[index]
graph.initializer.append(numpy_helper.from_array(np.array([shift], dtype=np.float32), 'test_logit_shift'))
shifted = sigmoid.input[0] + '_shifted'
graph.node.insert(index, helper.make_node('Add', [sigmoid.input[0], 'test_logit_shift'], [shifted], name='test_logit_shift_add'))
sigmoid.input[0] = shifted
onnx.checker.check_model(model)
onnx.save(model, out)
