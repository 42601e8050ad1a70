import { Command } from 'commander';
import { loadFingerprint } from '../../fingerprints/bundle.js';
import { num } from '../format.js';

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('show what a fingerprint bundle holds (its hashes are checked on reading)')
    .argument('<bundle>', 'fingerprint bundle')
    .option('--json', 'print JSON')
    .action(async (bundle: string, flags) => {
      const { manifest: m, calibration } = await loadFingerprint(bundle);
      if (flags.json) {
        const { names: _names, labels: _labels, ...samples } = m.samples;
        console.log(JSON.stringify({ ...m, samples, calibration }, null, 2));
        return;
      }
      const s = m.victim.spec;
      console.log(`bundle     ${bundle} (all part hashes verified)`);
      console.log(`created    ${m.createdAt} by lineage ${m.lineageVersion}`);
      console.log(`method     ${m.params.method}, kernel ${m.params.kernel}, outputs ${m.params.outputMode}, seed ${m.params.seed}` +
        (m.params.method === 'sac-jc' ? `, JPEG severity ${m.params.jpegSeverity}` : ''));
      console.log(`samples    ${m.samples.count} × ${m.samples.width}×${m.samples.height}×${m.samples.channels} from ${m.samples.origin}`);
      console.log(`victim     ${m.victim.source}: ${s.width}×${s.height} ${s.channels} ${s.layout}, scale ${num(s.scale)} mean [${s.mean.join(',')}] std [${s.std.join(',')}], output ${s.output} (${s.outputKind}, ${m.victim.outputDim}-d)`);
      console.log(`quality    off-diagonal mean ${num(m.quality.spread.mean)} sd ${num(m.quality.spread.sd)}` +
        (m.quality.sameDifferentAuc !== undefined ? `, same/different AUC ${num(m.quality.sameDifferentAuc)}` : ''));
      for (const w of m.quality.warnings) console.log(`           warning: ${w}`);
      if (calibration) {
        console.log(`calibrated threshold on ${calibration.statistic} ${num(calibration.fit.threshold)} (${calibration.fit.rule}) from ${calibration.models.length} independent models (distance, pearson):`);
        for (const model of calibration.models) console.log(`           ${num(model.distance)}  ${num(model.pearsonDistance)}  ${model.source}`);
      } else {
        console.log('calibrated no (verify will answer inconclusive)');
      }
    });
}
