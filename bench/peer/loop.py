"""Form (a): one model at a time, as the authors' code does: an nn.Module, an optimizer and a
minibatch loop per model. Weights are handed around stacked ({W1: [K, 784, h], ...}) only so
that the workload script can treat both forms alike."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(d_in, hidden, classes):
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def to_module(w, k):
    net = mlp(w["W1"].shape[1], w["W1"].shape[2], w["W2"].shape[2])
    with torch.no_grad():
        net[0].weight.copy_(w["W1"][k].T)
        net[0].bias.copy_(w["b1"][k])
        net[2].weight.copy_(w["W2"][k].T)
        net[2].bias.copy_(w["b2"][k])
    return net


def from_modules(nets):
    return {
        "W1": torch.stack([n[0].weight.detach().T.contiguous() for n in nets]),
        "b1": torch.stack([n[0].bias.detach() for n in nets]),
        "W2": torch.stack([n[2].weight.detach().T.contiguous() for n in nets]),
        "b2": torch.stack([n[2].bias.detach() for n in nets]),
    }


def make_optimizer(params, opt):
    if opt["kind"] == "adam":
        return torch.optim.Adam(params, lr=opt["lr"], weight_decay=opt.get("wd", 0.0))
    return torch.optim.SGD(params, lr=opt["lr"], momentum=opt.get("momentum", 0.9), weight_decay=opt.get("wd", 5e-4))


def train_mlp(X, Y, seeds, subsets, opt, epochs, batch, init=None, targets=None, hidden=256, classes=10):
    """Trains len(seeds) MLPs, model k on X[subsets[k]]: cross-entropy on Y, or MSE to targets[k] (logits) when given."""
    nets = []
    for k, seed in enumerate(seeds):
        torch.manual_seed(seed)
        net = to_module(init, k) if init is not None else mlp(X.shape[1], hidden, classes)
        optimizer = make_optimizer(net.parameters(), opt)
        g = torch.Generator().manual_seed(seed)
        idx_all = subsets[k]
        for _ in range(epochs):
            order = idx_all[torch.randperm(len(idx_all), generator=g)]
            for s in range(0, len(order), batch):
                idx = order[s:s + batch]
                out = net(X[idx])
                loss = F.cross_entropy(out, Y[idx]) if targets is None else F.mse_loss(out, targets[k][idx])
                loss = loss * (len(idx) / batch)  # a short last batch takes a proportionally shorter step, as the engine does
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        nets.append(net)
    return from_modules(nets), epochs * subsets.shape[1] * len(seeds)


@torch.no_grad()
def predict_mlp(w, X):
    return torch.stack([to_module(w, k)(X) for k in range(w["W1"].shape[0])])


class SmallCnn(nn.Module):
    """conv3x3(16)-ReLU-conv3x3(32)-ReLU-maxpool2-dense, as the workbench's `cnn` model."""

    def __init__(self, c1=16, c2=32, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.fc = nn.Linear(c2 * 14 * 14, classes)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.fc(F.max_pool2d(h, 2).flatten(1))


def train_cnn(X, Y, seeds, opt, epochs, batch):
    for seed in seeds:
        torch.manual_seed(seed)
        net = SmallCnn()
        optimizer = make_optimizer(net.parameters(), opt)
        g = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            order = torch.randperm(len(X), generator=g)
            for s in range(0, len(order), batch):
                idx = order[s:s + batch]
                loss = F.cross_entropy(net(X[idx]), Y[idx]) * (len(idx) / batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return epochs * len(X) * len(seeds)
