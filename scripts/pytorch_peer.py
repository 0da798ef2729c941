"""The PyTorch peers of Tiefe's speed benches, on the CPU: one model's training step, timed.

usage: pytorch_peer.py <model> <batch> [threads] [size]
  model: 'cnn'  the reference CNN: conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, dense 10;
                input 28x28x1, Adam, cross-entropy (packages/core/bench/wasm.bench.ts);
         'unet' the U-Net of packages/blocks/bench/steps.bench.ts: depth 4, 16 base filters doubling per level,
                two 3x3 conv + batch norm + relu per block, 2x2 max pooling, 2x2 stride-2 transposed
                convolutions up, skip concatenation, 1x1 conv to 2 classes; size x size x 1, SGD 0.01;
         'resnet18' ResNet-18 with the CIFAR stem (3x3 conv 64, no pooling), basic blocks [2,2,2,2] at
                64/128/256/512, global average pooling, dense 10; 32x32x3, SGD 0.01 (blocks' steps bench).
Prints one JSON line: {"ms_per_step": median of the timed steps, "min_ms", "threads", "torch",
"peak_extra_mb": peak resident memory during the steps above the resident memory before them, "wait_policy"}.

With more than one thread it runs the step twice, in child processes with OpenMP's OMP_WAIT_POLICY ACTIVE (the
default: idle threads spin) and PASSIVE (they sleep), and reports the faster: on a machine where other processes
hold the cores the spinning threads wait for each other and the step slows 10-20x (measured here: 647 ms ACTIVE,
36 ms PASSIVE for the CNN at batch 64), while on a quiet machine ACTIVE can be a little faster.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

if len(sys.argv) > 3 and int(sys.argv[3]) > 1 and 'TIEFE_PEER_CHILD' not in os.environ:
    results = []
    for policy in ['ACTIVE', 'PASSIVE']:
        env = dict(os.environ, OMP_WAIT_POLICY=policy, TIEFE_PEER_CHILD='1')
        run = subprocess.run([sys.executable, *sys.argv], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(run.stderr)
        results.append(dict(json.loads(run.stdout.strip().splitlines()[-1]), wait_policy=policy))
    print(json.dumps(min(results, key=lambda r: r['ms_per_step'])))
    sys.exit(0)

import torch  # noqa: E402  (after the re-run above: OpenMP reads OMP_WAIT_POLICY when torch loads it)
from torch import nn  # noqa: E402

model_name = sys.argv[1] if len(sys.argv) > 1 else 'cnn'
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
size = int(sys.argv[4]) if len(sys.argv) > 4 else 128
torch.set_num_threads(threads)
torch.manual_seed(0)


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, momentum=0.01), nn.ReLU(),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout, momentum=0.01), nn.ReLU(),
    )


class UNet(nn.Module):
    def __init__(self, depth=4, base=16, classes=2):
        super().__init__()
        widths = [base * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList([block(1 if i == 0 else widths[i - 1], widths[i]) for i in range(depth)])
        self.bottom = block(widths[depth - 1], widths[depth])
        self.up = nn.ModuleList([nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in reversed(range(depth))])
        self.merge = nn.ModuleList([block(2 * widths[i], widths[i]) for i in reversed(range(depth))])
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x):
        skips = []
        for b in self.down:
            x = b(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], 1))
        return self.head(x)


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
        )
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return nn.functional.relu(self.body(x) + self.skip(x))


def resnet18():
    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for stage, width in enumerate([64, 128, 256, 512]):
        for i in range(2):
            layers.append(Basic(cin, width, 2 if stage > 0 and i == 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


if model_name == 'cnn':
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    warmup, timed = (5, 30) if batch <= 64 else (2, 10)
elif model_name == 'unet':
    model = UNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 1, size, size)
    y = torch.zeros(batch, size, size, dtype=torch.long)
    warmup, timed = 2, 7
elif model_name == 'resnet18':
    model = resnet18()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    warmup, timed = 2, 7
else:
    sys.exit(f'pytorch_peer.py: unknown model {model_name!r}; one of cnn, unet, resnet18')
loss_fn = nn.CrossEntropyLoss()


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


def rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


before = rss_mb()
for _ in range(warmup):
    step()
times = []
for _ in range(timed):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "ms_per_step": statistics.median(times), "min_ms": min(times), "threads": threads,
    "torch": torch.__version__, "peak_extra_mb": max(0.0, peak - before),
    "wait_policy": os.environ.get('OMP_WAIT_POLICY', 'default'),
}))
