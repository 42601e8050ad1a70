/**
 * Training throughput: images per second of a ResNet-8 training step (32×32 RGB, batch 64, Adam,
 * cross-entropy) with Lineage's training loop on tfjs-wasm in 1 worker process and 2 in parallel
 * (aggregate), and PyTorch on the CPU (Debian python3-torch) as the yardstick, 1 and 2 threads.
 * Writes results/bench-train.json and prints a one-line summary. Run: npm run bench:train
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import type { TrainingJob } from '../src/train/job.js';
import { runTrainingJobs } from '../src/train/pool.js';
import { Random } from '../src/util/random.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';

const BATCH = 64;
/** Steps per measured job; the first (warm-up) steps are included, so keep this well above 1. */
const STEPS = 12;
const TORCH_STEPS = 20;

function syntheticJob(name: string, seed: number, saveTo: string): TrainingJob {
  const random = new Random(seed);
  const count = BATCH * STEPS;
  return {
    name,
    model: { architecture: 'resnet8', classes: 10, seed },
    data: {
      images: { data: Uint8Array.from({ length: count * 32 * 32 * 3 }, () => random.int(256)), count, height: 32, width: 32, channels: 3 },
      labels: Int32Array.from({ length: count }, () => random.int(10)),
    },
    options: { epochs: 1, batchSize: BATCH, optimizer: 'adam', lr: 1e-3, seed, saveTo },
  };
}

/** Aggregate img/s of `processes` identical jobs running at once. */
async function oursImagesPerSecond(processes: number, dir: string): Promise<number> {
  const jobs = Array.from({ length: processes }, (_, i) => syntheticJob(`p${processes}-${i}`, i + 1, path.join(dir, `p${processes}-${i}`)));
  const results = await runTrainingJobs(jobs, { processes });
  return results.reduce((sum, r) => sum + r.imagesPerSecond, 0);
}

/** The same network and step in PyTorch; prints img/s for 1 and 2 threads as JSON. */
const TORCH_SCRIPT = String.raw`
import json, sys, time, torch, torch.nn as nn, torch.nn.functional as F
def cbr(i, o, s): return [nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o)]
class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.a = nn.Sequential(*cbr(i, o, st), nn.ReLU(), *cbr(o, o, 1))
        s.p = nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o)) if st != 1 or i != o else nn.Identity()
    def forward(s, x): return F.relu(s.a(x) + s.p(x))
net = nn.Sequential(*cbr(3, 16, 1), nn.ReLU(), Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
opt = torch.optim.Adam(net.parameters(), 1e-3)
torch.manual_seed(0)
x = torch.randn(${BATCH}, 3, 32, 32); y = torch.randint(0, 10, (${BATCH},))
def step():
    opt.zero_grad(); loss = F.cross_entropy(net(x), y); loss.backward(); opt.step()
out = {}
for threads in (1, 2):
    torch.set_num_threads(threads)
    for _ in range(3): step()
    t = time.perf_counter()
    for _ in range(${TORCH_STEPS}): step()
    out[str(threads)] = ${BATCH} * ${TORCH_STEPS} / (time.perf_counter() - t)
out["version"] = torch.__version__
print(json.dumps(out))
`;

/** A python with torch: the one on PATH, Debian's, or Debian's after apt-get install python3-torch. */
function pythonWithTorch(): string | undefined {
  const candidates = ['python3', '/usr/bin/python3'];
  const find = (): string | undefined => candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  const found = find();
  if (found) return found;
  console.error('PyTorch not found: trying apt-get install -y python3-torch …');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 });
  if (apt.status !== 0) return undefined;
  return find();
}

function torchImagesPerSecond(): { threads1: number; threads2: number; version: string } | { skipped: string } {
  const python = pythonWithTorch();
  if (!python) return { skipped: 'PyTorch is not installed and apt-get install -y python3-torch failed (needs root and Debian)' };
  const run = spawnSync(python, ['-c', TORCH_SCRIPT], { encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) return { skipped: `the PyTorch benchmark failed: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}` };
  const out = JSON.parse(run.stdout) as Record<string, number | string>;
  return { threads1: out['1'] as number, threads2: out['2'] as number, version: String(out['version']) };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-bench-train-'));
try {
  const load = os.loadavg()[0]!;
  const one = await oursImagesPerSecond(1, dir);
  const two = await oursImagesPerSecond(2, dir);
  const torch = torchImagesPerSecond();
  const results = {
    step: `ResNet-8, 32×32×3, batch ${BATCH}, Adam, cross-entropy; ${STEPS} steps per job`,
    cpus: os.cpus().length,
    loadAverageBefore: load,
    lineage: { backend: 'tfjs-wasm', imagesPerSecond1Process: one, imagesPerSecond2Processes: two },
    pytorch: torch,
    // The goal: ≥ 0.5, both cores on each side (2 worker processes vs 2 PyTorch threads).
    ...('skipped' in torch ? {} : { ratioBothCores: two / torch.threads2, ratioOneCore: one / torch.threads1 }),
  };
  await writeFileAtomic('results/bench-train.json', JSON.stringify(results, null, 2) + '\n');
  const theirs = 'skipped' in torch
    ? `PyTorch skipped (${torch.skipped})`
    : `PyTorch ${torch.version} ${torch.threads1.toFixed(0)} img/s (1 thread), ${torch.threads2.toFixed(0)} (2 threads): ours/PyTorch ${(two / torch.threads2).toFixed(2)}× on both cores (goal ≥ 0.5), ${(one / torch.threads1).toFixed(2)}× on one`;
  console.log(`train ResNet-8 32×32 b${BATCH} Adam: ours ${one.toFixed(0)} img/s (1 process), ${two.toFixed(0)} img/s (2 processes); ${theirs} → results/bench-train.json`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
