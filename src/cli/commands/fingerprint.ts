import { Command, Option } from 'commander';
import { costOf, FINGERPRINT_METHODS, METHOD_SUMMARIES } from '../../fingerprints/types.js';
import type { AnyFingerprint, MethodName } from '../../fingerprints/types.js';
import type { Kernel } from '../../stats/correlation.js';
import { num } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';
import { intOption, seedOption } from '../parse.js';

/** Commander options that apply to the SAC methods only; passed on only when given, so that a peer method can refuse them. */
const SAC_ONLY = ['kernel', 'severity', 'jpegScale', 'transpose', 'labelOnly', 'allowDegenerate', 'base'] as const;

export function fingerprintCommand(): Command {
  const command = addModelOptions(
    new Command('fingerprint')
      .description("make a fingerprint bundle of the victim model from the owner's own images")
      .argument('<victim>', 'victim model: .onnx file, TF.js model directory or model.json, builtin:<name>, or http(s) URL')
      .requiredOption('--data <dir>', 'images to draw samples from: class folders, a flat folder, an images.u8 dataset or LFW')
      .requiredOption('--out <bundle>', 'fingerprint bundle file to write')
      .option('--face-crop [side]', 'LFW folders: crop the centred face box first (default 128 px of the 250 px photos)')
      .addOption(new Option('--method <method>', `fingerprinting method:\n${FINGERPRINT_METHODS.map((m) => `  ${m}: ${METHOD_SUMMARIES[m]}`).join('\n')}\n`)
        .choices(FINGERPRINT_METHODS).default('sac-jc'))
      .option('-n, --samples <n>', 'number of samples N (peer methods: seed images drawn from --data)', '100')
      .option('--seed <n>', 'seed for every random choice', '1')
      .addOption(new Option('--kernel <kernel>', 'SAC: correlation kernel, 1−cos (default), (1−cos)/2 or RBF').choices(['cosine', 'half-cosine', 'rbf']))
      .option('--severity <1-5>', 'SAC-JC: JPEG severity, quality 25/18/15/10/7 (default 1)')
      .option('--jpeg-scale <1-4>', 'SAC-JC: compress at this many times the sample size and shrink back; 2 hides the 8×8 JPEG blocks a thief can detect (default 1)')
      .option('--transpose', 'SAC-m: store samples transposed (H↔W) like the reference code')
      .option('--label-only', 'SAC: compare predicted labels only (for suspects whose API returns a class)')
      .option('--allow-degenerate', "SAC: keep a fingerprint even if the victim's outputs barely differ between samples, or many samples carry no image content")
      .option('--base <model>', 'SAC: the public model the victim was fine-tuned from (any model source, loaded with its own preprocessing); the bundle keeps its matrix and verdicts become base-aware: '
        + 'a suspect closer to the base than to the victim is not called stolen (other fine-tunes of the same public model)')
      .option('--json', 'print a JSON summary'),
  );
  return command.action(async (victim: string, flags) => {
    const [{ fingerprint }, { saveFingerprint }, { ProgressBars }] = await Promise.all([
      import('../../fingerprints/fingerprint.js'),
      import('../../fingerprints/bundle.js'),
      import('../progress.js'),
    ]);
    const given = (key: (typeof SAC_ONLY)[number]) => command.getOptionValueSource(key) === 'cli';
    const bars = new ProgressBars();
    const fp = await fingerprint(victim, {
      data: flags.data,
      ...(flags.faceCrop !== undefined ? { faceCrop: flags.faceCrop === true ? true : intOption(flags.faceCrop, '--face-crop') } : {}),
      method: flags.method as MethodName,
      samples: intOption(flags.samples, '--samples'),
      seed: seedOption(flags.seed),
      ...(given('kernel') ? { kernel: flags.kernel as Kernel } : {}),
      ...(given('severity') ? { jpegSeverity: intOption(flags.severity, '--severity') } : {}),
      ...(given('jpegScale') ? { jpegScale: intOption(flags.jpegScale, '--jpeg-scale') } : {}),
      ...(given('transpose') ? { transpose: true } : {}),
      ...(given('labelOnly') ? { outputMode: 'label' as const } : {}),
      ...(given('allowDegenerate') ? { allowDegenerate: true } : {}),
      ...(given('base') ? { base: flags.base as string } : {}),
      model: modelOptionsFrom(flags),
      onProgress: bars.report,
    });
    bars.stop();
    await saveFingerprint(flags.out, fp);
    printSummary(victim, flags.out, fp, Boolean(flags.json));
  });
}

function printSummary(victim: string, out: string, fp: AnyFingerprint, json: boolean): void {
  const cost = costOf(fp);
  if (fp.kind === 'peer') {
    const { pool, victim: info } = fp.manifest;
    if (json) {
      console.log(JSON.stringify({ bundle: out, kind: fp.kind, method: fp.method, inputs: fp.inputs.count, params: fp.meta.params, pool, victim: info, cost }, null, 2));
      return;
    }
    console.log(`fingerprint of ${victim} written to ${out}`);
    console.log(`  ${fp.method}, ${fp.inputs.count} query inputs (${fp.inputs.width}×${fp.inputs.height}) from ${pool.samples} seed images, ${info.outputDim}-d outputs`);
  } else {
    const { manifest: m } = fp;
    const q = m.quality;
    if (json) {
      console.log(JSON.stringify({ bundle: out, kind: fp.kind, params: m.params, victim: m.victim, ...(m.base ? { base: m.base } : {}), quality: q, cost }, null, 2));
      q.warnings.forEach((w) => console.error(`warning: ${w}`));
      return;
    }
    console.log(`fingerprint of ${victim} written to ${out}`);
    console.log(`  ${m.params.method}, N = ${m.samples.count} samples (${m.samples.width}×${m.samples.height}), ${m.victim.outputDim}-d outputs, kernel ${m.params.kernel}`);
    console.log(`  victim matrix off-diagonal: mean ${num(q.spread.mean)}, sd ${num(q.spread.sd)}` +
      (q.sameDifferentAuc !== undefined ? `; same/different-label AUC ${num(q.sameDifferentAuc)}` : ''));
    if (m.base) console.log(`  base ${m.base.source}: victim–base pearson ${num(m.base.victimScores.pearsonDistance)}, distance ${num(m.base.victimScores.distance)} (how far the victim moved from its base)`);
    q.warnings.forEach((w) => console.error(`warning: ${w}`));
  }
  if (cost) console.log(`  cost: ${num(cost.seconds)} s, ${cost.victimQueries} victim queries`);
  console.log('  next: `lineage calibrate` it with independent models, then `lineage verify` suspects');
}
