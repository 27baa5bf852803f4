#!/usr/bin/env python3
"""PyTorch reference for gradflow's normalization and residual layers.

Builds, for each case below, the MLP of DESIGN.md ("Normalization and residual connections")
in PyTorch, float64:

    z_l = layers[l](h_{l-1}),  n_l = norms[l](z_l) (BatchNorm1d / LayerNorm),  a_l = f(n_l)
    h_0 = a_0,  h_l = h_{l-1} + alpha * a_l (l >= 1, residual),  logits = layers[depth](h_{depth-1})

with random weights, writes the weights in safetensors under gradflow's (= PyTorch's
state_dict) names, and records one training-mode step on a fixed batch: the mean
cross-entropy loss, per layer ||dL/dW||_F, ||dL/db||, ||dL/dz||_F (z the linear output),
||dL/dgamma||, ||dL/dbeta||, the running statistics after the step's forward pass, and the
logits of the batch in evaluation mode afterwards.

Writes test/fixtures/torch-reference/{data.safetensors, <case>.safetensors, reference.json};
test/net/torch-reference.test.ts compares gradflow to reference.json (CI has no PyTorch).

Needs PyTorch and numpy (Debian: apt-get install python3-torch, then run with /usr/bin/python3):
    /usr/bin/python3 scripts/torch-reference.py
The safetensors files are read and written with struct + json + numpy (no extra package).
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "torch-reference"
ROWS, INPUTS, CLASSES = 24, 5, 3

# name, activation, depth, width, norm ("none" | {"name", ...}), residual (False | {"scale"})
CASES = [
    ("batch-relu", "relu", 4, 8, {"name": "batch", "momentum": 0.1, "eps": 1e-5, "affine": True}, False),
    ("batch-sigmoid-noaffine", "sigmoid", 3, 8, {"name": "batch", "momentum": 0.3, "eps": 1e-3, "affine": False}, False),
    ("layer-gelu", "gelu", 4, 8, {"name": "layer", "eps": 1e-5, "affine": True}, False),
    ("layer-prelu", "prelu", 3, 6, {"name": "layer", "eps": 1e-5, "affine": True}, False),
    ("residual-relu", "relu", 5, 8, "none", {"scale": 0.5}),
    ("residual-batch-tanh", "tanh", 4, 8, {"name": "batch", "momentum": 0.1, "eps": 1e-5, "affine": True}, {"scale": 1}),
    ("residual-layer-elu", "elu", 4, 8, {"name": "layer", "eps": 1e-5, "affine": True}, {"scale": 0.7}),
    ("residual-batch-crelu", "crelu", 3, 6, {"name": "batch", "momentum": 0.1, "eps": 1e-5, "affine": True}, {"scale": 0.5}),
]

ST_DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (row-major, little-endian)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype(v): k for k, v in ST_DTYPES.items()}[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(chunks))


def read_safetensors(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=np.dtype(ST_DTYPES[e["dtype"]]).newbyteorder("<")).reshape(e["shape"])
    return out


class CReLU(nn.Module):
    def forward(self, x):
        return torch.cat([F.relu(x), F.relu(-x)], dim=1)


def activation(name):
    return {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "gelu": nn.GELU(), "elu": nn.ELU(), "crelu": CReLU()}[name]


class Net(nn.Module):
    def __init__(self, act, depth, width, norm, residual):
        super().__init__()
        wf = 2 if act == "crelu" else 1
        self.depth = depth
        self.alpha = residual["scale"] if residual else None
        self.layers = nn.ModuleList(
            nn.Linear(INPUTS if i == 0 else width * wf, width if i < depth else CLASSES, dtype=torch.float64) for i in range(depth + 1)
        )
        if norm == "none":
            self.norms = None
        elif norm["name"] == "batch":
            self.norms = nn.ModuleList(
                nn.BatchNorm1d(width, eps=norm["eps"], momentum=norm["momentum"], affine=norm["affine"], dtype=torch.float64) for _ in range(depth)
            )
        else:
            self.norms = nn.ModuleList(nn.LayerNorm(width, eps=norm["eps"], elementwise_affine=norm["affine"], dtype=torch.float64) for _ in range(depth))
        self.prelu = nn.ModuleList(nn.PReLU(dtype=torch.float64) for _ in range(depth)) if act == "prelu" else None
        self.act = None if act == "prelu" else activation(act)
        self.z = []

    def forward(self, x):
        self.z = []
        h = x
        for i in range(self.depth):
            z = self.layers[i](h)
            if z.requires_grad:
                z.retain_grad()
            self.z.append(z)
            n = self.norms[i](z) if self.norms is not None else z
            a = self.prelu[i](n) if self.prelu is not None else self.act(n)
            h = a if (i == 0 or self.alpha is None) else h + self.alpha * a
        return self.layers[self.depth](h)


def random_state(net, rng):
    """Weights N(0, 1.5 / fan_in), biases N(0, 0.1^2), gamma 1 + N(0, 0.2^2), beta N(0, 0.2^2), running stats and slopes away from their defaults."""
    state = {}
    for name, t in net.state_dict().items():
        shape = tuple(t.shape)
        if name.endswith("num_batches_tracked"):
            continue
        if name.startswith("layers.") and name.endswith("weight"):
            v = rng.normal(0, np.sqrt(1.5 / shape[1]), shape)
        elif name.startswith("layers."):
            v = rng.normal(0, 0.1, shape)
        elif ".running_var" in name:
            v = rng.uniform(0.5, 1.5, shape)
        elif ".running_mean" in name:
            v = rng.normal(0, 0.1, shape)
        elif name.startswith("norms.") and name.endswith("weight"):
            v = 1 + rng.normal(0, 0.2, shape)
        elif name.startswith("norms."):
            v = rng.normal(0, 0.2, shape)
        elif name.startswith("prelu."):
            v = np.full(shape, 0.2)
        else:
            raise ValueError(name)
        state[name] = np.asarray(v, dtype=np.float64)
    return state


def norm_of(t):
    return float(torch.linalg.norm(t).item()) if t is not None else 0.0


def run_case(name, act, depth, width, norm, residual, x, y, seed):
    torch.manual_seed(seed)
    net = Net(act, depth, width, norm, residual)
    state = random_state(net, np.random.default_rng(seed))
    write_safetensors(OUT / f"{name}.safetensors", state, {"format": "pt"})
    # Load back from the file, strictly (BatchNorm fills in num_batches_tracked itself).
    loaded = read_safetensors(OUT / f"{name}.safetensors")
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in loaded.items()}, strict=True)
    net.train()
    logits = net(torch.from_numpy(x))
    logits.retain_grad()
    loss = F.cross_entropy(logits, torch.from_numpy(y))
    loss.backward()
    layers = []
    for i in range(depth + 1):
        rec = {
            "layer": i,
            "gradNorm": norm_of(net.layers[i].weight.grad),
            "biasGradNorm": norm_of(net.layers[i].bias.grad),
        }
        if i < depth:
            rec["deltaNorm"] = norm_of(net.z[i].grad)
            if net.norms is not None and norm["affine"]:
                rec["gammaGradNorm"] = norm_of(net.norms[i].weight.grad)
                rec["betaGradNorm"] = norm_of(net.norms[i].bias.grad)
        else:
            rec["deltaNorm"] = norm_of(logits.grad)
        layers.append(rec)
    running = {}
    if net.norms is not None and norm["name"] == "batch":
        for i in range(depth):
            running[f"norms.{i}.running_mean"] = net.norms[i].running_mean.tolist()
            running[f"norms.{i}.running_var"] = net.norms[i].running_var.tolist()
    net.eval()
    with torch.no_grad():
        eval_logits = net(torch.from_numpy(x)).reshape(-1).tolist()
    return {
        "name": name,
        "model": {"depth": depth, "width": width, "activation": act, "norm": norm, "residual": residual},
        "weights": f"{name}.safetensors",
        "loss": float(loss.item()),
        "layers": layers,
        "runningAfterStep": running,
        "evalLogits": eval_logits,
    }


def main():
    torch.set_default_dtype(torch.float64)
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2024)
    x = rng.normal(0, 1, (ROWS, INPUTS))
    y = rng.integers(0, CLASSES, ROWS).astype(np.int64)
    write_safetensors(OUT / "data.safetensors", {"x": x, "y": y})
    cases = [run_case(*c, x, y, seed=100 + k) for k, c in enumerate(CASES)]
    ref = {
        "generator": "scripts/torch-reference.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "data": "data.safetensors",
        "loss": "cross_entropy, mean over the batch; one training-mode forward and backward pass, float64",
        "cases": cases,
    }
    (OUT / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
