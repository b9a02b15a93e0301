"""Forward time of an exported model under ONNX Runtime's Python package, per window.

    python3 bench/gpu/ort_bench.py --model M.onnx [--batch 1,8] [--runs 10] [--ep auto|cuda|cpu]

The Python counterpart of bench/gpu/ort_bench.mjs (same inputs, warm-up and JSON lines) for the GPU
machine, whose image has onnxruntime but no Node: the CUDA EP when the package has it (auto), else
the CPU EP. Prints {"skip": "why"} when onnxruntime is missing.
"""
import argparse
import json
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--batch", default="1,8")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--ep", choices=["auto", "cuda", "cpu"], default="auto")
    a = p.parse_args()
    batches = [int(b) for b in a.batch.split(",")]
    if a.runs < 1 or any(b < 1 for b in batches):
        p.error("--runs and --batch take positive integers")
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        print(json.dumps({"skip": "no Python package onnxruntime here"}))
        return
    available = ort.get_available_providers()
    want_cuda = a.ep == "cuda" or (a.ep == "auto" and "CUDAExecutionProvider" in available)
    if a.ep == "cuda" and "CUDAExecutionProvider" not in available:
        print(json.dumps({"skip": f"onnxruntime {ort.__version__} has no CUDA EP (providers: {available})"}))
        return
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if want_cuda else ["CPUExecutionProvider"]
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(a.model, options, providers=providers)
    ep = session.get_providers()[0]
    rng = np.random.default_rng(12345)
    for batch in batches:
        feeds = {}
        for i in session.get_inputs():
            dims = [batch] + list(i.shape[1:])
            if not all(isinstance(d, int) and d > 0 for d in dims):
                raise SystemExit(f"input {i.name} has a dynamic dimension besides the batch: {i.shape}")
            feeds[i.name] = rng.uniform(-1, 1, dims).astype(np.float32)
        session.run(None, feeds)  # warm-up, not counted
        times = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            session.run(None, feeds)  # outputs are NumPy arrays: the run includes the copy back
            times.append((time.perf_counter() - t0) * 1000)
        median = sorted(times)[len(times) // 2]  # as ort_bench.mjs
        print(json.dumps({"runtime": f"onnxruntime {ort.__version__} (python)", "ep": ep.replace("ExecutionProvider", "").lower(),
                          "adapter": ep, "batch": batch, "runs": a.runs, "run_ms_median": round(median, 3),
                          "ms_per_window": round(median / batch, 3)}), flush=True)


if __name__ == "__main__":
    main()
