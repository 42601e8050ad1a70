/**
 * How fast does `lineage scan` check a model hub? 100 bundles (10 victims × 10 sample sets of N =
 * 50 CIFAR-10 images, each calibrated on two models of other lineages) against 200 suspects (weight-noise
 * copies of 14 small models), on this machine: locally (one process) and through Redis with two
 * `lineage worker` processes (two cores). Writes results/scan-scale.json with the cost model to 10⁶
 * suspects. Models, bundles and suspects are made under results/tmp/scan (kept between runs).
 *
 *   npm run bench:scan
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { weightCopy } from '../src/attacks/weight-copy.js';
import { saveFingerprint } from '../src/fingerprints/bundle.js';
import { calibrate } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import type { Fingerprint } from '../src/fingerprints/types.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { buildZoo } from '../src/zoo/build.js';
import { zooPreset } from '../src/zoo/presets/index.js';
import { CLI, cli } from './cli.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');
const WORK = path.resolve('results/tmp/scan');
const VICTIMS = 10;
const SAMPLE_SETS = 10;
const SUSPECTS = 200;
const N = 50;
async function prepare(): Promise<{ bundles: string; suspects: string; models: string[] }> {
  const zoo = path.join(WORK, 'zoo');
  const manifest = await buildZoo(zoo, zooPreset('cifar10-tiny'));
  const models = manifest.models.map((m) => path.join(zoo, m.path));
  // Each model's family is the model it descends from (victim, irrelevant-1 or homologous-1): a
  // bundle is calibrated on the roots of the other families, never on a copy of its own victim.
  const byId = new Map(manifest.models.map((m) => [m.id, m]));
  const root = (id: string): string => (byId.get(id)!.parent ? root(byId.get(id)!.parent!) : id);
  const roots = [...new Set(manifest.models.map((m) => root(m.id)))];
  // Victims: models that are not weight copies or re-labelled (transfer), ten of them.
  const victims = manifest.models.filter((m) => !['prune', 'quantise', 'noise', 'transfer'].includes(m.group)).slice(0, VICTIMS);
  if (victims.length < VICTIMS) throw new Error(`the zoo has ${victims.length} models to fingerprint, not ${VICTIMS}`);
  const bundles = path.join(WORK, 'bundles');
  if (!existsSync(bundles)) {
    const tmp = `${bundles}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    for (const victim of victims) {
      const independent = roots.filter((r) => r !== root(victim.id)).map((r) => path.join(zoo, byId.get(r)!.path));
      for (let s = 1; s <= SAMPLE_SETS; s++) {
        const fp = (await fingerprint(path.join(zoo, victim.path), { data: CIFAR, samples: N, seed: s })) as Fingerprint;
        await saveFingerprint(path.join(tmp, `${victim.id}-set${s}.lineage`), await calibrate(fp, independent));
      }
    }
    await rm(bundles, { recursive: true, force: true });
    await rename(tmp, bundles);
  }
  const suspectsDir = path.join(WORK, 'suspects');
  await mkdir(suspectsDir, { recursive: true });
  const have = new Set(await readdir(suspectsDir));
  for (let k = 0; k < SUSPECTS; k++) {
    const name = `suspect-${k}`;
    if (!have.has(name)) await weightCopy(models[k % models.length]!, { kind: 'noise', sigma: 0.01 * (1 + (k % 5)), seed: k }, path.join(suspectsDir, name));
  }
  const list = path.join(WORK, 'suspects.txt');
  await writeFile(list, Array.from({ length: SUSPECTS }, (_, k) => `suspects/suspect-${k}`).join('\n') + '\n');
  return { bundles, suspects: list, models };
}

/** Images the scan sent each suspect (each distinct image once: sample sets may share images). */
async function imagesSent(out: string): Promise<number> {
  const { scans } = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as { scans: { imagesSent: number }[] };
  return Math.max(...scans.map((x) => x.imagesSent));
}

async function main(): Promise<void> {
  if (!existsSync(CIFAR)) throw new Error(`CIFAR-10 not found at ${CIFAR}`);
  const { bundles, suspects } = await prepare();
  const load = () => os.loadavg()[0]!;
  const localLoad = load();
  const localSeconds = await cli(['scan', '--bundles', bundles, '--suspects', suspects, '--out', path.join(WORK, 'out-local')]);
  const local = { seconds: localSeconds, suspectsPerSecond: SUSPECTS / localSeconds, loadAverageBefore: localLoad };
  console.log(`local: ${SUSPECTS} suspects × ${VICTIMS * SAMPLE_SETS} bundles in ${localSeconds.toFixed(1)} s = ${local.suspectsPerSecond.toFixed(2)} suspects/s`);

  let queued: Record<string, number> | undefined;
  if (spawnSync('redis-server', ['--version']).status === 0) {
    const port = 6400 + Math.floor(Math.random() * 500);
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const workers: ChildProcess[] = [];
    try {
      await new Promise((r) => setTimeout(r, 500));
      const url = `redis://127.0.0.1:${port}`;
      for (let w = 0; w < 2; w++) workers.push(spawn(process.execPath, [...CLI, 'worker', '--queue', url], { stdio: 'ignore' }));
      await new Promise((r) => setTimeout(r, 4000)); // workers up (tsx start-up is not part of a scan)
      const queueLoad = load();
      const seconds = await cli(['scan', '--bundles', bundles, '--suspects', suspects, '--out', path.join(WORK, 'out-queue'), '--queue', url, '--store', path.join(WORK, 'store')]);
      queued = { workers: 2, seconds, suspectsPerSecond: SUSPECTS / seconds, loadAverageBefore: queueLoad };
      console.log(`queue (2 workers): ${seconds.toFixed(1)} s = ${queued.suspectsPerSecond!.toFixed(2)} suspects/s`);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
      redis.kill('SIGKILL');
    }
  }
  const perSuspectCoreSeconds = localSeconds / SUSPECTS;
  const million = 1e6 * perSuspectCoreSeconds;
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}`,
    setup: { bundles: VICTIMS * SAMPLE_SETS, victims: VICTIMS, sampleSets: SAMPLE_SETS, samplesPerSet: N, suspects: SUSPECTS, suspectModel: 'ResNet-8 (CIFAR-10, TF.js), weight-noise copies', imagesPerSuspect: await imagesSent(path.join(WORK, 'out-local')) },
    local,
    queue: queued,
    costModel: {
      coreSecondsPerSuspect: perSuspectCoreSeconds,
      note: 'one suspect = load + its distinct images (bundles sharing samples add none) + one comparison per bundle (statistics and their bootstrap interval: the largest part at 100 bundles)',
      coreHoursFor1e6Suspects: million / 3600,
      coresForOneDay: million / 86_400,
    },
  };
  await writeFileAtomic(path.resolve('results/scan-scale.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`10⁶ suspects: ${(million / 3600).toFixed(0)} core-hours (${(million / 86_400).toFixed(0)} cores for one day); results/scan-scale.json`);
}

await main();
