import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { errorMessage, LineageError } from '../../errors.js';
import { num, table } from '../format.js';

const readText = (file: string, what: string) => readFile(file, 'utf8').catch((e: unknown) => {
  throw new LineageError(`${what} ${file}: ${errorMessage(e)}`, 'give the path of an existing file');
});

export function auditCommand(): Command {
  return new Command('audit')
    .description('check an evidence log written by `verify --evidence`: every hash, every response, the signature, and each verdict recomputed from the log alone')
    .argument('<log>', 'evidence log (JSON lines)')
    .option('--verify-key <public.pem>', "the owner's public key (PEM): the log must carry a valid signature by it")
    .option('--json', 'print JSON')
    .action(async (log: string, flags) => {
      const { audit } = await import('../../evidence/audit.js');
      const result = audit(await readText(log, 'evidence log'), flags.verifyKey ? await readText(flags.verifyKey, '--verify-key') : undefined);
      if (flags.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(`log head ${result.head}; bundle sha256 ${result.bundleSha256}; written by lineage ${result.lineageVersion}; signature: ${result.signed}`);
        console.log(table(['suspect', 'queries', 'logged verdict', 'recomputed', 'pearson (recomputed)', 'agrees'],
          result.suspects.map((s) => [s.source, String(s.queries), s.logged.verdict, s.recomputed?.verdict ?? '—', num(s.recomputed?.pearsonDistance), s.agrees ? 'yes' : 'NO'])));
      }
      const disagree = result.suspects.filter((s) => !s.agrees);
      if (disagree.length > 0) {
        throw new LineageError(`the evidence log is refused: the verdicts of ${disagree.map((s) => s.source).join(', ')} do not follow from its own responses`, 'do not use this log as evidence');
      }
    });
}
