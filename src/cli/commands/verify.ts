import { Command } from 'commander';
import { loadFingerprint } from '../../fingerprints/bundle.js';
import { verify } from '../../fingerprints/verify.js';
import { writeVerifyReport } from '../../report/from-verification.js';
import { num, table } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';
import { ProgressBars } from '../progress.js';

export function verifyCommand(): Command {
  return addModelOptions(
    new Command('verify')
      .description('query suspects on the fingerprint samples and decide: stolen, independent or inconclusive')
      .argument('<bundle>', 'fingerprint bundle (calibrated for verdicts)')
      .argument('<suspects...>', 'suspect models: files, directories, builtin:<name> or http(s) URLs')
      .option('--report <file.html>', 'also write an HTML report')
      .option('--json', 'print JSON'),
  ).action(async (bundle: string, suspects: string[], flags) => {
    const fp = await loadFingerprint(bundle);
    const bars = new ProgressBars();
    const results = await verify(fp, suspects, { model: modelOptionsFrom(flags), onProgress: bars.report });
    bars.stop();
    if (flags.report) await writeVerifyReport(flags.report, fp, results);
    if (flags.json) {
      console.log(JSON.stringify(results.map(({ matrix: _matrix, ...r }) => r), null, 2));
      return;
    }
    console.log(table(
      ['suspect', 'distance', 'pearson', `threshold (${fp.calibration?.statistic ?? 'none'})`, 'p (t-test)', 'p (rank)', 'verdict', 'queries'],
      results.map((r) => [r.source, num(r.distance), num(r.pearsonDistance), num(r.threshold), num(r.pValue?.t), num(r.pValue?.rank), r.verdict, String(r.queries)]),
    ));
    if (!fp.calibration) console.error('\nnote: the bundle is not calibrated, so no verdict can be given; run `lineage calibrate` with independent models first');
    if (flags.report) console.log(`\nreport written to ${flags.report}`);
  });
}
