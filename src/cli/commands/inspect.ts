import { Command } from 'commander';
import { costOf } from '../../fingerprints/types.js';
import type { AnyFingerprint, VictimInfo } from '../../fingerprints/types.js';
import { num } from '../format.js';
import { calibrationTable } from './calibrate.js';

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('show what a fingerprint bundle holds (its hashes are checked on reading)')
    .argument('<bundle>', 'fingerprint bundle')
    .option('--json', 'print JSON')
    .action(async (bundle: string, flags) => {
      const { loadFingerprint } = await import('../../fingerprints/bundle.js');
      const fp = await loadFingerprint(bundle);
      if (flags.json) {
        console.log(JSON.stringify(inspectJson(fp), null, 2));
        return;
      }
      console.log(`bundle     ${bundle} (all part hashes verified)`);
      console.log(`created    ${fp.manifest.createdAt} by lineage ${fp.manifest.lineageVersion}`);
      if (fp.kind === 'peer') {
        const { pool } = fp.manifest;
        const params = Object.entries(fp.meta.params).map(([k, v]) => `${k} ${v}`).join(', ');
        console.log(`method     ${fp.method} (peer)${params ? `, ${params}` : ''}`);
        console.log(`inputs     ${fp.inputs.count} × ${fp.inputs.width}×${fp.inputs.height}×${fp.inputs.channels}, from ${pool.samples} seed images of ${pool.origin} (seed ${pool.seed})`);
      } else {
        const m = fp.manifest;
        console.log(`method     ${m.params.method}, kernel ${m.params.kernel}, outputs ${m.params.outputMode}, seed ${m.params.seed}` +
          (m.params.method === 'sac-jc' ? `, JPEG severity ${m.params.jpegSeverity}` : ''));
        console.log(`samples    ${m.samples.count} × ${m.samples.width}×${m.samples.height}×${m.samples.channels} from ${m.samples.origin}`);
      }
      console.log(`victim     ${describeVictim(fp.manifest.victim)}`);
      if (fp.kind === 'sac') {
        const q = fp.manifest.quality;
        console.log(`quality    off-diagonal mean ${num(q.spread.mean)} sd ${num(q.spread.sd)}` +
          (q.sameDifferentAuc !== undefined ? `, same/different AUC ${num(q.sameDifferentAuc)}` : ''));
        for (const w of q.warnings) console.log(`           warning: ${w}`);
        const base = fp.manifest.base;
        if (base) console.log(`base       ${describeVictim(base)}; victim–base pearson ${num(base.victimScores.pearsonDistance)}, distance ${num(base.victimScores.distance)}; outputs sha256 ${base.outputsSha256}`);
      }
      const cost = costOf(fp);
      console.log(`cost       ${cost ? `${num(cost.seconds)} s, ${cost.victimQueries} victim queries` : 'not recorded (bundle made by an older Lineage)'}`);
      if (fp.calibration) {
        const { statistic, fit, models } = fp.calibration;
        console.log(`calibrated threshold on ${statistic} ${num(fit.threshold)} (${fit.rule}) from ${models.length} independent models:`);
        console.log(calibrationTable(fp).replace(/^/gm, '           '));
        const share = fp.kind === 'sac' ? fp.calibration.share : undefined;
        if (share) console.log(`share      threshold ${num(share.threshold)} (${share.rule}; smallest ${num(share.min)} of ${share.n})`);
      } else {
        console.log('calibrated no (verify will answer inconclusive)');
      }
    });
}

function describeVictim({ source, spec: s, outputDim }: VictimInfo): string {
  return `${source}: ${s.width}×${s.height} ${s.channels} ${s.layout}, scale ${num(s.scale)} mean [${s.mean.join(',')}] std [${s.std.join(',')}], output ${s.output} (${s.outputKind}, ${outputDim}-d)`;
}

/** The bundle as JSON, without the bulky arrays (samples, outputs, matrix; SAC sample names and labels). */
function inspectJson(fp: AnyFingerprint): object {
  const cost = costOf(fp);
  if (fp.kind === 'peer') {
    const { count, height, width, channels } = fp.inputs;
    return { kind: fp.kind, method: fp.method, ...fp.manifest, inputs: { count, height, width, channels }, meta: fp.meta, cost, calibration: fp.calibration };
  }
  const { names: _names, labels: _labels, ...samples } = fp.manifest.samples;
  return { kind: fp.kind, ...fp.manifest, samples, cost, calibration: fp.calibration };
}
