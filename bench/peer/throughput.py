"""Training throughput alone (model-examples/s, forward + backward + update) on the workload's
data: N small CNNs, and a K-model MLP ensemble, each one model at a time and stacked.

    python bench/peer/throughput.py [--cnn-models 10 --mlp-models 32 --epochs 2]
"""
import argparse
import statistics
import time

import torch

import loop
import stacked
from common import emit, load_fashion_mnist


def timed(fn):
    t0 = time.perf_counter()
    examples = fn()
    s = time.perf_counter() - t0
    return {"seconds": s, "modelExamples": examples, "rate": examples / s}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cnn-models", type=int, default=10)
    p.add_argument("--mlp-models", type=int, default=32)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--n-train", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=1, help="MLP rows: runs with fresh seeds; the median is reported")
    a = p.parse_args()
    Xt, Yt, _, _ = load_fashion_mnist(a.n_train, 1)
    X_img = Xt.unsqueeze(1)  # [n, 1, 28, 28]
    X_flat = Xt.reshape(len(Xt), -1)
    sgd = {"kind": "sgd", "lr": 0.05, "momentum": 0.9, "wd": 5e-4}
    all_points = torch.arange(len(Xt)).unsqueeze(0)
    # One short warm-up at the timed run's shapes (K models, batch 128), as the engine's side does,
    # so that allocation and first-call overheads are not timed.
    warm = list(range(1000, 1000 + a.mlp_models))
    stacked.train_mlp(X_flat[:256], Yt[:256], warm, all_points[:, :256].expand(len(warm), -1), sgd, 1, 128)
    rows = {}
    for form in (loop, stacked):
        name = form.__name__
        seeds = list(range(a.mlp_models))
        runs = [timed(lambda r=r: form.train_mlp(X_flat, Yt, [x + 100 * r for x in seeds], all_points.expand(len(seeds), -1), sgd, a.epochs, 128)[1]) for r in range(a.repeats)]
        rates = sorted(run["rate"] for run in runs)
        median = statistics.median(rates)
        rows[f"mlp-{name}"] = {"seconds": runs[0]["modelExamples"] / median, "modelExamples": runs[0]["modelExamples"], "rate": median, "rates": [run["rate"] for run in runs]}
        rows[f"cnn-{name}"] = timed(lambda: form.train_cnn(X_img, Yt, list(range(a.cnn_models)), sgd, a.epochs, 128))
    emit("result", threads=torch.get_num_threads(), torch=torch.__version__, rows=rows)


if __name__ == "__main__":
    main()
