import { Command, Option } from 'commander';
import { scoreOf, STATISTICS } from '../../fingerprints/types.js';
import { BUILTIN_PANELS } from '../../models/builtin.js';
import type { BuiltinPanel } from '../../models/builtin.js';
import type { AnyFingerprint, Scores, Statistic } from '../../fingerprints/types.js';
import { share as shareBetween } from '../../stats/share.js';
import { NEAR_COPY_FRACTION } from '../../fingerprints/decision.js';
import { parseThresholdRule, THRESHOLD_RULE_CHOICES } from '../../stats/threshold.js';
import { num, table } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';

export function calibrateCommand(): Command {
  return addModelOptions(
    new Command('calibrate')
      .description('measure models known to be independent and store the decision threshold in the bundle')
      .argument('<bundle>', 'fingerprint bundle')
      .argument('[independent...]', 'models trained without the victim (at least 2 with the panel\'s; 5+ recommended)')
      .addOption(new Option('--panel <task>', 'also calibrate on every built-in model of this task that is independent of the victim '
        + '(faces: face embedders; emotion: expression classifiers; the victim and built-ins from its upstream are left out)').choices(BUILTIN_PANELS))
      .addOption(new Option('--statistic <name>', 'SAC bundles: decide on pearson (1 − Pearson r of the matrices, scale-free; the default) or distance '
        + '(mean |ΔC|, the papers\' statistic). Peer bundles decide on their method\'s own statistic').choices(STATISTICS))
      .option('--rule <rule>', `threshold rule: ${THRESHOLD_RULE_CHOICES}. Bundles record the rule and its version; verify re-derives old ones by theirs`, 'default')
      .option('--allow-near-copy', 'keep (with a warning, recorded in the bundle) a model that scores like a near-copy of the victim: '
        + `below ${NEAR_COPY_FRACTION} × the median of the other calibration models (normally refused: it lowers the threshold until copies pass)`)
      .option('--out <bundle>', 'write the calibrated bundle here instead of updating <bundle> in place')
      .option('--json', 'print JSON'),
  ).action(async (bundle: string, independent: string[], flags) => {
    const [{ loadFingerprint, saveFingerprint }, { calibrate }, { ProgressBars }] = await Promise.all([
      import('../../fingerprints/bundle.js'),
      import('../../fingerprints/calibrate.js'),
      import('../progress.js'),
    ]);
    const rule = parseThresholdRule(flags.rule);
    const bars = new ProgressBars();
    const fp = await calibrate(await loadFingerprint(bundle), independent, {
      rule,
      ...(flags.statistic ? { statistic: flags.statistic as Statistic } : {}),
      ...(flags.panel ? { panel: flags.panel as BuiltinPanel } : {}),
      ...(flags.allowNearCopy ? { allowNearCopy: true } : {}),
      model: modelOptionsFrom(flags),
      onProgress: bars.report,
    });
    bars.stop();
    const out: string = flags.out ?? bundle;
    await saveFingerprint(out, fp);
    const cal = fp.calibration!;
    if (cal.nearCopies) {
      console.error(`warning: kept near-copies of the victim as independent (--allow-near-copy): ${cal.nearCopies.join(', ')}; `
        + 'the threshold is lower than independent models justify, so real copies may pass as independent (verify repeats this warning)');
    }
    if (flags.json) {
      console.log(JSON.stringify({ bundle: out, ...cal }, null, 2));
      return;
    }
    console.log(calibrationTable(fp));
    console.log(`\nthreshold on ${cal.statistic}: ${num(cal.fit.threshold)} (${cal.fit.rule}; n = ${cal.fit.n}, mean ${num(cal.fit.mean)}, sd ${num(cal.fit.sd)}) stored in ${out}`);
    if ('share' in cal && cal.share) {
      const s = cal.share;
      console.log(`share threshold (base-aware): ${num(s.threshold)} = ${s.rule} (n = ${s.n}, smallest ${num(s.min)})`);
    }
  });
}

/** One row per independent model: its scores (SAC: both statistics; peers: every score of the method). */
export function calibrationTable(fp: AnyFingerprint): string {
  if (fp.kind === 'peer') {
    const models = fp.calibration?.models ?? [];
    const names = models[0]?.scores.map((s) => s.name) ?? [];
    return table(['independent model', ...names], models.map((m) => [m.source, ...m.scores.map((s) => num(s.value))]));
  }
  const cal = fp.calibration;
  const share = (m: Scores) => (cal && m.base ? [num(shareBetween(scoreOf(m, cal.statistic), scoreOf(m.base, cal.statistic)))] : []);
  return table(['independent model', 'distance', 'pearson', ...(cal?.share ? [`share (${cal.statistic})`] : [])], (cal?.models ?? []).map((m) => [m.source, num(m.distance), num(m.pearsonDistance), ...share(m)]));
}
