"""PyTorch on gradflow's bench workloads, one thread, float32: the point of comparison.

Run by `gradflow bench --torch` when Debian's python3-torch is installed. Same workloads as
bench/kernels.ts: the 1024^3 matmul C = A B^T, and SGD training steps of W1 (784 -> 20 x 256
tanh -> 10) and W2 (784 -> 8 x 1024 tanh -> 10), batch 128, cross-entropy, and W1-bn, W1-ln:
W1 with BatchNorm1d or LayerNorm before every Tanh. Prints a Markdown table of medians (ms)
and GFLOP/s. A step's FLOPs: 6 * batch * sum(fan_in * fan_out) (the products only).

With --serve it times one round at a time, on request, so that its rounds can interleave with
gradflow's (bench/torch-rounds.ts): each line "<task> <min_ms>" on stdin (task: a workload
or matmul) is answered by one line, the mean ms per step over at least min_ms of steps; it
prints "ready" once the workloads are built and warmed up, and ends at end of input.
"""
import os
import statistics
import sys
import time

# One thread for every BLAS torch may call (Debian's torch goes through libblas.so.3, which is
# OpenBLAS when libopenblas0 is installed and the 25x slower reference BLAS when it is not).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)

# (inputs, depth, width, outputs, norm before each hidden activation)
WORKLOADS = {
    "W1": (784, 20, 256, 10, None),
    "W2": (784, 8, 1024, 10, None),
    "W1-bn": (784, 20, 256, 10, "batch"),
    "W1-ln": (784, 20, 256, 10, "layer"),
}
NORMS = {"batch": torch.nn.BatchNorm1d, "layer": torch.nn.LayerNorm}
BATCH = 128


def timed(fn, rounds=7, min_ms=200.0):
    for _ in range(3):
        fn()
    samples = []
    for _ in range(rounds):
        reps, t0 = 0, time.perf_counter()
        while True:
            fn()
            reps += 1
            if (time.perf_counter() - t0) * 1000 >= min_ms:
                break
        samples.append((time.perf_counter() - t0) * 1000 / reps)
    return statistics.median(samples)


def step_fn(inp, depth, width, out, norm=None):
    layers = []
    fan_in = inp
    for _ in range(depth):
        layers.append(torch.nn.Linear(fan_in, width))
        if norm is not None:
            layers.append(NORMS[norm](width))
        layers.append(torch.nn.Tanh())
        fan_in = width
    layers.append(torch.nn.Linear(fan_in, out))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(BATCH, inp)
    y = torch.randint(0, out, (BATCH,))
    loss_fn = torch.nn.CrossEntropyLoss()
    shapes = [(inp, width)] + [(width, width)] * (depth - 1) + [(width, out)]
    flops = 6 * BATCH * sum(i * o for i, o in shapes)

    def run():
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()

    return run, flops


def serve():
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    runs = {"matmul": lambda: a @ b.T}
    for name, (inp, depth, width, out, norm) in WORKLOADS.items():
        runs[name] = step_fn(inp, depth, width, out, norm)[0]
    for fn in runs.values():
        for _ in range(3):
            fn()
    print("ready", flush=True)
    for line in sys.stdin:
        task, min_ms = line.split()
        fn = runs[task]
        reps, t0 = 0, time.perf_counter()
        while True:
            fn()
            reps += 1
            if (time.perf_counter() - t0) * 1000 >= float(min_ms):
                break
        print(f"{(time.perf_counter() - t0) * 1000 / reps:.6f}", flush=True)


def main():
    if "--serve" in sys.argv:
        serve()
        return
    print("| task | contender | ms | GFLOP/s |")
    print("| --- | --- | ---: | ---: |")
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    ms = timed(lambda: a @ b.T)
    print(f"| matmul {n}^3 | pytorch {torch.__version__} | {ms:.2f} | {2 * n**3 / ms / 1e6:.1f} |")
    for name, (inp, depth, width, out, norm) in WORKLOADS.items():
        run, flops = step_fn(inp, depth, width, out, norm)
        ms = timed(run)
        print(f"| {name} | pytorch {torch.__version__} | {ms:.2f} | {flops / ms / 1e6:.1f} |")


if __name__ == "__main__":
    main()
