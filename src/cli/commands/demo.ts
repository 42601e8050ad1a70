import { Command } from 'commander';
import { num, table } from '../format.js';
import { intOption, seedOption } from '../parse.js';
import { ProgressBars } from '../progress.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('the whole job on real models with no setup: fingerprint a real face model, catch its stolen copies')
    .option('--data <dir>', 'face images to use instead of the photos shipped in npm packages (e.g. the LFW folder)')
    .option('--samples <n>', 'number of fingerprint samples (at most the number of faces)', '100')
    .option('--seed <n>', 'seed', '1')
    .option('--out <dir>', 'where the bundle, derived copies and report.html go', 'lineage-demo')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      // Loaded here, not at the top: the demo pulls in TF.js, ONNX Runtime and sharp, which `lineage --help` does not need.
      const { DEMO_VICTIM, runDemo } = await import('../../demo/demo.js');
      const bars = new ProgressBars();
      const result = await runDemo({
        outDir: flags.out,
        data: flags.data,
        samples: intOption(flags.samples, '--samples'),
        seed: seedOption(flags.seed),
        onProgress: bars.report,
        log: flags.json ? undefined : (line) => console.log(line),
      });
      bars.stop();
      const wrong = result.rows.filter((r) => !r.correct);
      if (flags.json) {
        console.log(JSON.stringify({ ...result, fingerprint: undefined, rows: result.rows.map(({ matrix: _m, ...r }) => r) }, null, 2));
      } else {
        console.log('');
        console.log(table(
          ['suspect', 'truth', 'distance', 'pearson', 'threshold', 'p (t-test)', 'p (rank)', 'verdict', 'how it was made'],
          result.rows.map((r) => [r.source, r.derived ? 'derived' : 'independent', num(r.distance), num(r.pearsonDistance), num(r.threshold), num(r.pValue?.t), num(r.pValue?.rank), r.verdict + (r.correct ? '' : '  ✗'), r.how]),
        ));
        console.log(`\nverdicts on the ${result.fingerprint.calibration!.statistic} statistic; thresholds: derived copies are judged against all independent models; each independent model against the others (leave-one-out).`);
        console.log(`${result.rows.length - wrong.length}/${result.rows.length} verdicts correct for victim builtin:${DEMO_VICTIM}`);
        console.log(`report: ${result.reportPath}   bundle: ${result.bundlePath}`);
      }
      if (wrong.length > 0) process.exitCode = 3;
    });
}
