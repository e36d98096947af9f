"""Form (b): K models' weights stacked on a leading model axis, one torch.bmm per layer, each
model with its own minibatches and data order (the strongest plain-PyTorch form; no vmap).
The loss is the sum over models of each model's mean loss, so every model's gradient is the
one it would get alone; SGD's momentum and weight decay and Adam act element-wise, so one
optimizer over the stacked tensors updates each model exactly as its own optimizer would."""
import torch
import torch.nn.functional as F

from loop import make_optimizer

CHUNK = 100  # models per stack: bounds memory for M = 1,000 datamodel models


def init_mlp(seeds, d_in, hidden, classes):
    """U(+-1/sqrt(fan_in)) for weights and biases, PyTorch's nn.Linear default, one generator per model."""
    def u(shape, fan_in, g):
        return (torch.rand(shape, generator=g) * 2 - 1) / fan_in ** 0.5

    parts = {"W1": [], "b1": [], "W2": [], "b2": []}
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        parts["W1"].append(u((d_in, hidden), d_in, g))
        parts["b1"].append(u((hidden,), d_in, g))
        parts["W2"].append(u((hidden, classes), hidden, g))
        parts["b2"].append(u((classes,), hidden, g))
    return {k: torch.stack(v) for k, v in parts.items()}


def forward(w, x):
    h = torch.relu(torch.bmm(x, w["W1"]) + w["b1"].unsqueeze(1))
    return torch.bmm(h, w["W2"]) + w["b2"].unsqueeze(1)


def _train_chunk(X, Y, seeds, subsets, opt, epochs, batch, init, targets, hidden, classes):
    K, n = subsets.shape
    w = {k: v.clone().requires_grad_(True) for k, v in (init if init is not None else init_mlp(seeds, X.shape[1], hidden, classes)).items()}
    optimizer = make_optimizer(list(w.values()), opt)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    rows = torch.arange(K).unsqueeze(1)
    for _ in range(epochs):
        order = torch.gather(subsets, 1, torch.stack([torch.randperm(n, generator=g) for g in gens]))
        for s in range(0, n, batch):
            idx = order[:, s:s + batch]  # [K, b]: each model's own minibatch
            out = forward(w, X[idx])
            if targets is None:
                per_model = F.cross_entropy(out.reshape(-1, out.shape[-1]), Y[idx].reshape(-1), reduction="none").view(idx.shape).mean(1)
            else:
                per_model = ((out - targets[rows, idx]) ** 2).mean((1, 2))
            optimizer.zero_grad()
            (per_model.sum() * (idx.shape[1] / batch)).backward()  # short last batch: shorter step, as the engine
            optimizer.step()
    return {k: v.detach() for k, v in w.items()}


def train_mlp(X, Y, seeds, subsets, opt, epochs, batch, init=None, targets=None, hidden=256, classes=10):
    parts = []
    for c in range(0, len(seeds), CHUNK):
        sl = slice(c, c + CHUNK)
        parts.append(_train_chunk(
            X, Y, seeds[sl], subsets[sl], opt, epochs, batch,
            {k: v[sl] for k, v in init.items()} if init is not None else None,
            targets[sl] if targets is not None else None, hidden, classes))
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}, epochs * subsets.shape[1] * len(seeds)


@torch.no_grad()
def predict_mlp(w, X):
    out = []
    for c in range(0, w["W1"].shape[0], CHUNK):
        wc = {k: v[c:c + CHUNK] for k, v in w.items()}
        out.append(forward(wc, X.unsqueeze(0).expand(wc["W1"].shape[0], -1, -1)))
    return torch.cat(out)


def train_cnn(X, Y, seeds, opt, epochs, batch, c1=16, c2=32, classes=10):
    """K small CNNs as grouped convolutions (groups = K): model k's images are channel k of one batch."""
    K = len(seeds)
    torch.manual_seed(seeds[0])
    conv1 = torch.nn.Conv2d(K, K * c1, 3, padding=1, groups=K)
    conv2 = torch.nn.Conv2d(K * c1, K * c2, 3, padding=1, groups=K)
    flat = c2 * (X.shape[2] // 2) * (X.shape[3] // 2)
    fc_w = ((torch.rand(K, flat, classes) * 2 - 1) / flat ** 0.5).requires_grad_(True)
    fc_b = ((torch.rand(K, classes) * 2 - 1) / flat ** 0.5).requires_grad_(True)
    optimizer = make_optimizer([*conv1.parameters(), *conv2.parameters(), fc_w, fc_b], opt)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    n = len(X)
    for _ in range(epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in gens])
        for s in range(0, n, batch):
            idx = order[:, s:s + batch]
            b = idx.shape[1]
            x = X[idx].squeeze(2).permute(1, 0, 2, 3)  # [b, K, H, W]
            h = torch.relu(conv2(torch.relu(conv1(x))))
            h = F.max_pool2d(h, 2).view(b, K, -1).transpose(0, 1)  # [K, b, flat]
            out = torch.bmm(h, fc_w) + fc_b.unsqueeze(1)
            per_model = F.cross_entropy(out.reshape(-1, classes), Y[idx].reshape(-1), reduction="none").view(K, b).mean(1)
            optimizer.zero_grad()
            (per_model.sum() * (b / batch)).backward()
            optimizer.step()
    return epochs * n * K
