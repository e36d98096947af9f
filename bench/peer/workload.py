"""The fixed workload of issue #10 in plain PyTorch: originals, 2 x N oracles, GD, OM,
datamodels (M subset models + ridge through the M x M kernel), DMM, and per-point KLoM of
every result on all training and validation points.

    python bench/peer/workload.py --form loop|stacked --forget forget.json [--n 100 --m 1000 ...]

Prints JSON lines: phase markers as they happen, then one {"event": "result", ...}.
"""
import argparse
import json
import time

import numpy as np
import torch

import loop
import stacked
from common import Phases, emit, klom_per_point, load_fashion_mnist, margins, peak_rss_mb, summarize

LAMBDA_GRID = [0.1, 0.3, 1, 3, 10]  # ridge lambda relative to the kernel's mean diagonal, as the workbench


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--form", choices=["loop", "stacked"], required=True)
    p.add_argument("--forget", required=True, help="JSON file with the forget set's training indices")
    p.add_argument("--seed-set", type=int, default=0, help="offset of every seed: two seed sets give the run-to-run spread")
    p.add_argument("--n-train", type=int, default=1000)
    p.add_argument("--n-val", type=int, default=1000)
    p.add_argument("--n", type=int, default=100, help="originals; oracles are 2n")
    p.add_argument("--m", type=int, default=1000, help="datamodel subset models (10%% held out for lambda and LDS)")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--gd-epochs", type=int, default=5)
    p.add_argument("--om-epochs", type=int, default=20)
    p.add_argument("--dmm-epochs", type=int, default=10)
    return p.parse_args()


def spearman_rows(a, b):
    """Spearman correlation per column of [h x P] tensors."""
    ra = a.argsort(0).argsort(0).double()
    rb = b.argsort(0).argsort(0).double()
    ra, rb = ra - ra.mean(0), rb - rb.mean(0)
    return (ra * rb).sum(0) / torch.sqrt((ra ** 2).sum(0) * (rb ** 2).sum(0))


def ridge_datamodels(masks, logits, y_all, held_out):
    """beta [n, P*C] from masks [M, n] and logits [M, P, C]; lambda chosen by held-out LDS."""
    M, P, C = logits.shape
    fit = M - held_out
    Z = masks[:fit].double()
    Y = logits[:fit].reshape(fit, -1).double()
    zbar, ybar = Z.mean(0), Y.mean(0)
    Xc, Yc = Z - zbar, Y - ybar
    K = Xc @ Xc.T
    scale = K.diagonal().mean()
    Zh = masks[fit:].double() - zbar
    actual = margins(logits[fit:], y_all)
    best = (-np.inf, None)
    for lam in LAMBDA_GRID:
        A = torch.linalg.cholesky(K + lam * scale * torch.eye(fit, dtype=torch.float64))
        pred = (Zh @ Xc.T) @ torch.cholesky_solve(Yc, A) + ybar
        lds = torch.nanmean(spearman_rows(margins(pred.view(held_out, P, C).float(), y_all), actual)).item()
        if lds > best[0]:
            best = (lds, lam)
    lds, lam = best
    A = torch.linalg.cholesky(K + lam * scale * torch.eye(fit, dtype=torch.float64))
    beta = (Xc.T @ torch.cholesky_solve(Yc, A)).float().view(-1, P, C)
    return beta, lam, lds


def main():
    a = parse_args()
    form = loop if a.form == "loop" else stacked
    forget = torch.tensor(sorted(json.load(open(a.forget))), dtype=torch.long)
    Xt, Yt, Xv, Yv = load_fashion_mnist(a.n_train, a.n_val)
    Xt, Xv = Xt.reshape(len(Xt), -1), Xv.reshape(len(Xv), -1)
    X_all, y_all = torch.cat([Xt, Xv]), torch.cat([Yt, Yv])
    nT = len(Xt)
    in_f = torch.zeros(nT, dtype=torch.bool)
    in_f[forget] = True
    retain = torch.arange(nT)[~in_f]
    base = a.seed_set * 10_000_000
    seeds = lambda role, count: [base + role * 1_000_000 + i for i in range(count)]  # noqa: E731
    sgd = {"kind": "sgd", "lr": 0.05, "momentum": 0.9, "wd": 5e-4}
    ph = Phases()

    def ensemble(role, count, subset):
        def run():
            w, ex = form.train_mlp(Xt, Yt, seeds(role, count), subset.expand(count, -1), sgd, a.epochs, 128)
            return (w, form.predict_mlp(w, X_all)), ex
        return run

    originals, orig_logits = ph.run("originals", ensemble(0, a.n, torch.arange(nT).unsqueeze(0)))
    oracles = ph.run("oracles", lambda: (
        [ensemble(1, a.n, retain.unsqueeze(0))()[0][1], ensemble(2, a.n, retain.unsqueeze(0))()[0][1]],
        2 * a.n * a.epochs * len(retain)))
    oracle_logits, floor_logits = oracles

    def unlearn(name, opt, epochs, subsets, targets=None):
        def run():
            w, ex = form.train_mlp(Xt, Yt, seeds(10, a.n), subsets, opt, epochs, 64, init=originals, targets=targets)
            return form.predict_mlp(w, X_all), ex
        return ph.run(name, run)

    gd_logits = unlearn("GD", {"kind": "sgd", "lr": 1e-2, "momentum": 0.9, "wd": 5e-4}, a.gd_epochs, retain.expand(a.n, -1))

    def matching_subsets(forget_repeat, retain_multiplier):
        out = []
        for s in seeds(11, a.n):
            g = torch.Generator().manual_seed(s)
            pick = retain[torch.randperm(len(retain), generator=g)[: retain_multiplier * len(forget)]]
            out.append(torch.cat([forget.repeat(forget_repeat), pick]))
        return torch.stack(out)

    adam = {"kind": "adam", "lr": 1e-3, "wd": 0.0}
    om_target = floor_logits[:10, :nT].mean(0)  # mean logits of 10 oracles from the second (noise-floor) set
    om_logits = unlearn("OM", adam, a.om_epochs, matching_subsets(1, 3), om_target.expand(a.n, -1, -1))

    def datamodels():
        held_out = max(10, round(0.1 * a.m))
        masks = torch.zeros(a.m, nT, dtype=torch.bool)
        subsets = []
        for k, s in enumerate(seeds(3, a.m)):
            pick = torch.randperm(nT, generator=torch.Generator().manual_seed(s))[: round(0.5 * nT)]
            masks[k, pick] = True
            subsets.append(pick.sort().values)
        w, ex = form.train_mlp(Xt, Yt, seeds(3, a.m), torch.stack(subsets), sgd, a.epochs, 128)
        logits = form.predict_mlp(w, X_all)
        del w
        beta, lam, lds = ridge_datamodels(masks, logits, y_all, held_out)
        return (beta, lam, lds), ex
    beta, lam, lds = ph.run("datamodels", datamodels)

    sum_f = beta[forget].sum(0)[:nT]  # effect of including F on every training point's logits
    dmm_logits = unlearn("DMM", adam, a.dmm_epochs, matching_subsets(5, 8), orig_logits[:, :nT] - sum_f)

    def evaluate():
        o = margins(oracle_logits, y_all).numpy()
        rows = {"do-nothing": orig_logits, "noise-floor": floor_logits, "GD": gd_logits, "OM": om_logits, "DMM": dmm_logits}
        out = {name: summarize(klom_per_point(margins(l, y_all).numpy(), o), nT, forget.numpy()) for name, l in rows.items()}
        return out, len(rows) * (a.n + a.n) * len(y_all)
    klom = ph.run("KLoM", evaluate)

    acc = lambda l: float((l[:, :nT].argmax(-1) == Yt).float().mean())  # noqa: E731
    self_mb, child_mb = peak_rss_mb()
    emit("result", form=a.form, seedSet=a.seed_set, threads=torch.get_num_threads(), torch=torch.__version__,
         phases={r["phase"]: r["seconds"] for r in ph.rows}, phaseRows=ph.rows, klom=klom, datamodels={"lambda": lam, "lds": lds},
         originalsTrainAccuracy=acc(orig_logits), peakRssSelfMb=self_mb, peakRssChildrenMb=child_mb, finishedAt=time.time())


if __name__ == "__main__":
    main()
