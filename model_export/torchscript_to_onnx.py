#!/usr/bin/python3
"""TorchScript trace (written by `avlens export`) -> ONNX, with the model's metadata inside.

This file holds no model code: the architecture is defined once, in C++ (native/model), and
arrives here as a traced graph. Run with Debian's /usr/bin/python3 (torch + onnx).
"""
import argparse
import json
import sys

import onnx
import torch

OPSET = 17
INPUTS = ["video", "audio"]
OUTPUTS = ["score", "distance", "attention", "weighted"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--torchscript", required=True)
    parser.add_argument("--metadata", required=True, help="JSON object of string keys and values")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(args.metadata) as f:
        meta = json.load(f)
    frames, height, width, samples = (int(meta[k]) for k in ("frames", "height", "width", "samples"))

    module = torch.jit.load(args.torchscript, map_location="cpu").eval()
    video = torch.zeros(1, 3, frames, height, width)
    audio = torch.zeros(1, 1, samples)
    dynamic = {name: {0: "batch"} for name in INPUTS + OUTPUTS}
    torch.onnx.export(module, (video, audio), args.out, input_names=INPUTS, output_names=OUTPUTS,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)

    model = onnx.load(args.out)
    del model.metadata_props[:]
    for key, value in sorted(meta.items()):
        entry = model.metadata_props.add()
        entry.key, entry.value = str(key), str(value)
    model.producer_name = "avlens"
    model.producer_version = str(meta.get("version", ""))
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.out)
    print(f"wrote {args.out}: opset {OPSET}, {len(model.graph.node)} nodes, "
          f"{sum(1 for _ in model.graph.initializer)} initializers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
