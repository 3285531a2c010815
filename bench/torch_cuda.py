#!/usr/bin/python3
"""PyTorch's peer figures for bench_cuda (issue 18): the same models, optimiser and batches
trained on a GPU through PyTorch's CUDA path, on random 28x28 inputs of 10 classes as bench_cuda
uses (only the shapes matter to the time). Prints a markdown table of median samples/s.

  python3 bench/torch_cuda.py [--steps 40] [--repeats 5] [--device cuda] [--tf32]

Cases (bench_cuda's): the 784-256-256-10 ReLU MLP at batch 128 and 1024, and
conv5x5x16-ReLU-pool2-conv5x5x32-ReLU-pool2-fc10 at batch 128; SGD with momentum 0.9, lr 0.01.
A step is what bench_cuda times: forward, cross-entropy, backward, the update, and the loss read
back (loss.item(), which waits for the GPU as hypersweep's step does). TF32 is off, as in
hypersweep's cuBLAS handle, unless --tf32. --device cpu runs the same on the CPU (a check that
the script works where no GPU is).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn

import torch_baseline  # bench/, beside this script


def models():
    """bench_cuda's cases, from torch_baseline.py's models (the same layers as bench_train)."""
    base = torch_baseline.models()
    mlp, cnn = base["mlp_b128"][0], base["cnn_b128"][0]
    return [("MLP", mlp, 128), ("MLP", mlp, 1024), ("CNN", cnn, 128)]


def samples_per_s(make, batch, steps, device):
    torch.manual_seed(0)
    model = make().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    n = 16384
    x = torch.rand(n, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (n,), device=device)
    batches = n // batch

    def step(s):
        first = (s % batches) * batch
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[first:first + batch]), y[first:first + batch])
        loss.backward()
        opt.step()
        return loss.item()

    for s in range(5):
        step(s)
    t0 = time.perf_counter()
    for s in range(steps):
        step(s)
    return steps * batch / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tf32", action="store_true")
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("torch_cuda: PyTorch sees no CUDA device")
        return 77
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    print(f"PyTorch {torch.__version__} on {name}, TF32 {'on' if args.tf32 else 'off'}\n")
    print("| model | batch | samples/s (PyTorch) |")
    print("|---|---:|---:|")
    for label, make, batch in models():
        rates = [samples_per_s(make, batch, args.steps, args.device) for _ in range(args.repeats)]
        print(f"| {label} | {batch} | {statistics.median(rates):.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
