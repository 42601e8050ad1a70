import { Command, Option } from 'commander';
import { loadFingerprint, saveFingerprint } from '../../fingerprints/bundle.js';
import { calibrate, DEFAULT_STATISTIC } from '../../fingerprints/calibrate.js';
import { STATISTICS } from '../../fingerprints/types.js';
import type { Statistic } from '../../fingerprints/types.js';
import { parseThresholdRule } from '../../stats/threshold.js';
import { num, table } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';
import { ProgressBars } from '../progress.js';

export function calibrateCommand(): Command {
  return addModelOptions(
    new Command('calibrate')
      .description('measure models known to be independent and store the decision threshold in the bundle')
      .argument('<bundle>', 'fingerprint bundle')
      .argument('<independent...>', 'models trained without the victim (at least 2; 5+ recommended)')
      .addOption(new Option('--statistic <name>', 'decide on pearson (1 − Pearson r of the matrices, scale-free) or distance (mean |ΔC|, the papers\' statistic)').choices(STATISTICS).default(DEFAULT_STATISTIC))
      .option('--rule <rule>', "threshold rule: 'default', 'quantile:0.01' or 'sigma:3'", 'default')
      .option('--out <bundle>', 'write the calibrated bundle here instead of updating <bundle> in place')
      .option('--json', 'print JSON'),
  ).action(async (bundle: string, independent: string[], flags) => {
    const bars = new ProgressBars();
    const fp = await calibrate(await loadFingerprint(bundle), independent, {
      rule: parseThresholdRule(flags.rule),
      statistic: flags.statistic as Statistic,
      model: modelOptionsFrom(flags),
      onProgress: bars.report,
    });
    bars.stop();
    const out: string = flags.out ?? bundle;
    await saveFingerprint(out, fp);
    const cal = fp.calibration!;
    if (flags.json) {
      console.log(JSON.stringify({ bundle: out, ...cal }, null, 2));
      return;
    }
    console.log(table(['independent model', 'distance', 'pearson'], cal.models.map((m) => [m.source, num(m.distance), num(m.pearsonDistance)])));
    console.log(`\nthreshold on ${cal.statistic}: ${num(cal.fit.threshold)} (${cal.fit.rule}; n = ${cal.fit.n}, mean ${num(cal.fit.mean)}, sd ${num(cal.fit.sd)}) stored in ${out}`);
  });
}
