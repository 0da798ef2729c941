"""The reference CNN's training step in PyTorch, the peer that Tiefe's CPU backends are measured against.

conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, dense 10; input 28x28x1, batch 64, Adam.
Prints one JSON line: {"ms_per_step": median, "threads": n, "torch": version}.
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
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 5 * 5, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


for _ in range(5):
    step()
times = []
for _ in range(30):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms_per_step": statistics.median(times), "threads": threads, "torch": torch.__version__}))
