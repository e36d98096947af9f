#!/usr/bin/env python3
"""Independent check of the per-point KLoM the workbench stores (SPEC section 2).

Reads an eval artifact (.unlearn/evals/<key>/), loads the margins of the ensembles it names
with numpy, recomputes KLoM per point the way the authors' benchmark does (np.linspace edges,
np.digitize, bins 1..20, eps floor on q, natural log) and compares it with the stored values.

    python3 scripts/check-klom.py .unlearn/evals/<key>     # exit 1 if any point differs by > 1e-6
"""
import json
import os
import sys

import numpy as np


def binned_kl(p_samples, q_samples, bins=20, eps=1e-5, clip=100.0):
    p = np.clip(p_samples.astype(np.float64), -clip, clip)
    q = np.clip(q_samples.astype(np.float64), -clip, clip)
    lo, hi = min(p.min(), q.min()), max(p.max(), q.max())
    if lo == hi:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    pc = np.bincount(np.digitize(p, edges), minlength=bins + 2)[1:bins + 1]
    qc = np.bincount(np.digitize(q, edges), minlength=bins + 2)[1:bins + 1]
    pp = pc / pc.sum() if pc.sum() > 0 else np.zeros(bins)
    qp = qc / qc.sum() if qc.sum() > 0 else np.zeros(bins)
    m = pp > 0
    return float(np.sum(pp[m] * np.log(pp[m] / np.maximum(qp[m], eps))))


def main(eval_dir):
    manifest = json.load(open(os.path.join(eval_dir, "manifest.json")))
    store = os.path.dirname(os.path.dirname(os.path.abspath(eval_dir)))
    margins = {role: np.load(os.path.join(store, "ensembles", key, "margins.npy")) for role, key in manifest["ensembles"].items()}
    worst = 0.0
    for name, (u, o) in {"klom-do-nothing.npy": ("originals", "oracles"), "klom-noise-floor.npy": ("oracles-floor", "oracles")}.items():
        stored = np.load(os.path.join(eval_dir, name))
        mu, mo = margins[u], margins[o]
        assert mu.dtype == np.float32 and mu.ndim == 2 and mu.shape[1] == stored.shape[0], (mu.dtype, mu.shape, stored.shape)
        ours = np.array([binned_kl(mu[:, j], mo[:, j]) for j in range(mu.shape[1])])
        diff = float(np.max(np.abs(ours - stored)))
        worst = max(worst, diff)
        print(f"{name}: {stored.shape[0]} points, margins {mu.shape[0]} vs {mo.shape[0]} models, max |difference| = {diff:.3g}")
    sys.exit(0 if worst <= 1e-6 else 1)


if __name__ == "__main__":
    main(sys.argv[1])
