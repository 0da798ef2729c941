"""PyTorch peer of lstmSpeed.bench.ts: forward + backward of nn.LSTM and nn.GRU, batch 64, 100 steps, 32 inputs,
128 units (loss mean(out^2) over every step, as the bench).

Usage: python3 pytorch_lstm.py THREADS. Prints one JSON line:
{"lstm_ms": median, "gru_ms": median, "threads": n, "samples": k, "torch": version}. The two cells are timed in alternation
(one LSTM step, one GRU step, ...) so that a busy machine slows both alike.
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
cells = {"lstm": nn.LSTM(32, 128, batch_first=True), "gru": nn.GRU(32, 128, batch_first=True)}
x = torch.randn(64, 100, 32, requires_grad=True)


def step(cell):
    cell.zero_grad()
    x.grad = None
    out, _ = cell(x)
    (out * out).mean().backward()


for _ in range(3):
    for cell in cells.values():
        step(cell)
times = {name: [] for name in cells}
start = time.perf_counter()
# 15 pairs, or fewer when the machine is so busy that they would take more than a minute.
while len(times["lstm"]) < 15 and (len(times["lstm"]) < 3 or time.perf_counter() - start < 60):
    for name, cell in cells.items():
        t = time.perf_counter()
        step(cell)
        times[name].append((time.perf_counter() - t) * 1000)
print(
    json.dumps(
        {
            "lstm_ms": statistics.median(times["lstm"]),
            "gru_ms": statistics.median(times["gru"]),
            "threads": threads,
            "samples": len(times["lstm"]),
            "torch": torch.__version__,
        }
    )
)
