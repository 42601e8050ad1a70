import { Command, Option } from 'commander';
import { saveFingerprint } from '../../fingerprints/bundle.js';
import { fingerprint } from '../../fingerprints/fingerprint.js';
import { SAC_METHODS } from '../../fingerprints/types.js';
import type { SacMethodName } from '../../fingerprints/types.js';
import type { Kernel } from '../../stats/correlation.js';
import { num } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';
import { ProgressBars } from '../progress.js';
import { intOption } from '../parse.js';

export function fingerprintCommand(): Command {
  return addModelOptions(
    new Command('fingerprint')
      .description("make a fingerprint bundle of the victim model from the owner's own images")
      .argument('<victim>', 'victim model: .onnx file, TF.js model directory or model.json, builtin:<name>, or http(s) URL')
      .requiredOption('--data <dir>', 'images to draw samples from: class folders, a flat folder, an images.u8 dataset or LFW')
      .requiredOption('--out <bundle>', 'fingerprint bundle file to write')
      .option('--face-crop [side]', 'LFW folders: crop the centred face box first (default 128 px of the 250 px photos)')
      .addOption(new Option('--method <method>', 'sample set').choices(SAC_METHODS).default('sac-jc'))
      .option('--samples <n>', 'number of samples N', '100')
      .option('--seed <n>', 'seed for every random choice', '1')
      .addOption(new Option('--kernel <kernel>', 'correlation kernel: 1−cos, (1−cos)/2 or RBF').choices(['cosine', 'half-cosine', 'rbf']).default('cosine'))
      .option('--severity <1-5>', 'SAC-JC JPEG severity (quality 25/18/15/10/7)', '1')
      .option('--transpose', 'SAC-m: store samples transposed (H↔W) like the reference code')
      .option('--label-only', 'compare predicted labels only (for suspects whose API returns a class)')
      .option('--allow-degenerate', "keep a fingerprint even if the victim's outputs barely differ between samples")
      .option('--json', 'print a JSON summary'),
  ).action(async (victim: string, flags) => {
    const bars = new ProgressBars();
    const fp = await fingerprint(victim, {
      data: flags.data,
      ...(flags.faceCrop !== undefined ? { faceCrop: flags.faceCrop === true ? true : intOption(flags.faceCrop, '--face-crop') } : {}),
      method: flags.method as SacMethodName,
      samples: intOption(flags.samples, '--samples'),
      seed: intOption(flags.seed, '--seed'),
      kernel: flags.kernel as Kernel,
      jpegSeverity: intOption(flags.severity, '--severity'),
      transpose: Boolean(flags.transpose),
      outputMode: flags.labelOnly ? 'label' : 'raw',
      allowDegenerate: Boolean(flags.allowDegenerate),
      model: modelOptionsFrom(flags),
      onProgress: bars.report,
    });
    bars.stop();
    await saveFingerprint(flags.out, fp);
    const { manifest } = fp;
    const q = manifest.quality;
    if (flags.json) {
      console.log(JSON.stringify({ bundle: flags.out, params: manifest.params, victim: manifest.victim, quality: q }, null, 2));
    } else {
      console.log(`fingerprint of ${victim} written to ${flags.out}`);
      console.log(`  ${manifest.params.method}, N = ${manifest.samples.count} samples (${manifest.samples.width}×${manifest.samples.height}), ${manifest.victim.outputDim}-d outputs, kernel ${manifest.params.kernel}`);
      console.log(`  victim matrix off-diagonal: mean ${num(q.spread.mean)}, sd ${num(q.spread.sd)}` +
        (q.sameDifferentAuc !== undefined ? `; same/different-label AUC ${num(q.sameDifferentAuc)}` : ''));
      console.log('  next: `lineage calibrate` it with independent models, then `lineage verify` suspects');
    }
    for (const w of q.warnings) console.error(`warning: ${w}`);
  });
}
