"""PyTorch peer of lstmSpeed.bench.ts: forward + backward of nn.LSTM, batch 64, 100 steps, 32 inputs, 128 units.

Usage: python3 pytorch_lstm.py THREADS. Prints one JSON line: {"ms": median, "threads": n, "torch": version}.
"""
import json
import statistics
import sys
import time

import torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
lstm = nn.LSTM(32, 128, batch_first=True)
x = torch.randn(64, 100, 32, requires_grad=True)


def step():
    lstm.zero_grad()
    x.grad = None
    out, _ = lstm(x)
    (out * out).mean().backward()


for _ in range(3):
    step()
times = []
for _ in range(15):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": statistics.median(times), "threads": threads, "torch": torch.__version__}))
