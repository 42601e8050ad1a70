import { resolve } from 'node:path';
import { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { buildZoo } from '../../zoo/build.js';
import type { Spread } from '../../zoo/summary.js';
import { summariseZoo } from '../../zoo/summary.js';
import { BROKEN_COPY, floorText, UTILITY_FLOOR, zooUtility } from '../../zoo/utility.js';
import { markdownTable, num, table } from '../format.js';
import { seedOption } from '../parse.js';
import { ProgressBars } from '../progress.js';

export function zooCommand(): Command {
  return new Command('zoo')
    .description('build (or finish) a model zoo for `lineage bench`: a victim, models derived from it, independent models')
    // The presets are not listed here: loading them pulls in TF.js and ONNX Runtime, which `lineage --help` does not need.
    .requiredOption('--preset <name>', 'zoo to build, e.g. faces-builtin (training-free copies of a face model), cifar10-small (trained on CIFAR-10), fer-real (thefts of the real expression model builtin:emotion), faces-real / faces-real-ft (thefts of a real face model, and of the fine-tune of a public model its owner made, with sibling fine-tunes); an unknown name lists every preset')
    .requiredOption('--out <dir>', 'zoo folder; models already built there are kept')
    .option('--data <dir>', "images for fingerprints instead of the preset's default")
    .option('--only <ids>', 'build only these models (comma-separated ids; the victim always comes along)')
    .option('--seed <n>', 'seed of every random choice the preset makes', '1')
    .option('--queue <redis-url>', 'trained presets: enqueue the training jobs for `lineage worker` processes through Redis (e.g. redis://127.0.0.1:6379) instead of local processes; goes on past failed models')
    .option('--store <url>', 'with --queue: where workers put the models — a folder they share (default: --out) or s3://bucket/prefix?endpoint=http://host:port (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)')
    .option('--json', 'print the manifest as JSON')
    .option('--markdown', 'print the tables as Markdown')
    .action(async (flags) => {
      const tabulate = flags.markdown ? markdownTable : table;
      const { zooPreset } = await import('../../zoo/presets/index.js');
      const preset = zooPreset(flags.preset);
      const log = flags.json ? undefined : (line: string) => console.error(line);
      if (flags.store && !flags.queue) throw new LineageError('--store needs --queue', 'add --queue redis://host:port, or drop --store');
      const jobRunner = flags.queue
        ? await (await import('../../queue/zoo-jobs.js')).queueJobRunner({ queue: flags.queue, zoo: resolve(flags.out), ...(flags.store ? { store: flags.store } : {}), ...(log ? { log } : {}) })
        : undefined;
      const bars = new ProgressBars();
      let manifest;
      try {
        manifest = await buildZoo(flags.out, preset, {
          seed: seedOption(flags.seed),
          ...(flags.data ? { data: flags.data } : {}),
          ...(flags.only ? { only: (flags.only as string).split(',').map((s) => s.trim()) } : {}),
          onProgress: bars.report,
          ...(log ? { log } : {}),
          ...(jobRunner ? { jobRunner, keepGoing: true } : {}),
        });
      } finally {
        bars.stop();
        await jobRunner?.close();
      }
      if (flags.json) return console.log(JSON.stringify(manifest, null, 2));
      const utility = zooUtility(manifest);
      const { metric } = UTILITY_FLOOR[manifest.task];
      console.log(tabulate(['model', 'role', 'group', 'architecture', 'path', metric, 'fidelity', 'train s'],
        manifest.models.map((m) => [m.id, m.role, utility.get(m.id)!.broken ? `${m.group} (${BROKEN_COPY})` : m.group, m.architecture ?? '—', m.path, num(utility.get(m.id)!.value), num(m.fidelity), num(m.trainSeconds)])));
      console.log('');
      console.log(tabulate(['group', 'models', 'architectures (broken copies: attacks)', `${metric} mean (min–max)`, 'fidelity mean (min–max)', 'train s per model'],
        summariseZoo(manifest).map((g) => [g.group, String(g.models), (g.attacks ?? g.architectures).join(', ') || '—', spreadText(g.utility), spreadText(g.fidelity), num(g.trainSeconds)])));
      console.log(`\n${floorText(manifest)}; zoo '${manifest.name}' in ${flags.out}: ${manifest.models.length} models; data ${manifest.data.path}`);
    });
}

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const spreadText = (s: Spread | undefined) => (s ? `${percent(s.mean)} (${percent(s.min)}–${percent(s.max)})` : '—');
