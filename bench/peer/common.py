"""Shared pieces of the PyTorch peer: data, margins, KLoM tables, phase markers.

Written the way a researcher would: plain numpy / torch, nothing from the workbench's engine.
The per-point KLoM is the repository's reference implementation (scripts/check-klom.py,
SPEC section 2: np.digitize on 21 edges, eps floor on q, natural log), imported from there.
"""
import gzip
import importlib.util
import json
import os
import resource
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_DIR = os.path.join(ROOT, "media", "data", "fashion-mnist-subset")

_spec = importlib.util.spec_from_file_location("check_klom", os.path.join(ROOT, "scripts", "check-klom.py"))
_check_klom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_check_klom)
binned_kl = _check_klom.binned_kl


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_fashion_mnist(n_train, n_val):
    """First n_train training and first n_val test images, /255 and standardised with the training split's mean and std."""
    xt = read_idx(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"))[:n_train].astype(np.float32) / 255.0
    yt = read_idx(os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"))[:n_train].astype(np.int64)
    xv = read_idx(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"))[:n_val].astype(np.float32) / 255.0
    yv = read_idx(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"))[:n_val].astype(np.int64)
    mean, std = xt.mean(), xt.std()
    xt, xv = (xt - mean) / std, (xv - mean) / std
    return torch.from_numpy(xt), torch.from_numpy(yt), torch.from_numpy(xv), torch.from_numpy(yv)


def margins(logits, y):
    """margin = z_y - logsumexp_{j != y} z_j, for logits [..., P, C] and labels [P]."""
    zy = logits.gather(-1, y.expand(logits.shape[:-1]).unsqueeze(-1)).squeeze(-1)
    others = logits.scatter(-1, y.expand(logits.shape[:-1]).unsqueeze(-1), float("-inf"))
    return zy - torch.logsumexp(others, dim=-1)


def klom_per_point(unlearned, oracle):
    """Per-point KLoM of [N x P] margins against [N' x P] oracle margins; non-finite margins enter as -100."""
    u = np.nan_to_num(unlearned.astype(np.float64), nan=-100.0, posinf=-100.0, neginf=-100.0)
    o = np.nan_to_num(oracle.astype(np.float64), nan=-100.0, posinf=-100.0, neginf=-100.0)
    return np.array([binned_kl(u[:, j], o[:, j]) for j in range(u.shape[1])])


def summarize(values, n_train, forget):
    in_f = np.zeros(n_train, dtype=bool)
    in_f[forget] = True
    splits = {"forget": values[:n_train][in_f], "retain": values[:n_train][~in_f], "validation": values[n_train:]}
    out = {k: {"p95": float(np.percentile(v, 95)), "p99": float(np.percentile(v, 99)), "mean": float(v.mean())} for k, v in splits.items()}
    out["headline"] = {"p95": float(np.mean([out[k]["p95"] for k in splits])), "p99": float(np.mean([out[k]["p99"] for k in splits]))}
    return out


def peak_rss_mb():
    """Peak resident set of this process and (separately) of its waited-for children, in MB (Linux reports KiB)."""
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kb / 1024.0, child_kb / 1024.0


def emit(event, **fields):
    """One JSON line on stdout: the driver timestamps phase markers as they arrive."""
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


class Phases:
    """Wall time, model-examples and peak RSS (so far) per phase."""

    def __init__(self):
        self.rows = []

    def run(self, name, fn):
        emit("phase", name=name, edge="start")
        t0 = time.perf_counter()
        result, model_examples = fn()
        seconds = time.perf_counter() - t0
        self_mb, _ = peak_rss_mb()
        self.rows.append({"phase": name, "seconds": seconds, "modelExamples": model_examples, "peakRssSelfMb": self_mb})
        emit("phase", name=name, edge="end", seconds=seconds)
        return result
