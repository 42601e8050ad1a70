#!/usr/bin/env node
import { Command } from 'commander';
import { isLineageError } from '../errors.js';
import { fileErrorHint } from '../util/atomic-write.js';
import { LINEAGE_VERSION } from '../version.js';
import { auditCommand } from './commands/audit.js';
import { benchCommand } from './commands/bench.js';
import { calibrateCommand } from './commands/calibrate.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { fingerprintCommand } from './commands/fingerprint.js';
import { inspectCommand } from './commands/inspect.js';
import { serveCommand } from './commands/serve.js';
import { scanCommand } from './commands/scan.js';
import { verifyCommand } from './commands/verify.js';
import { workerCommand } from './commands/worker.js';
import { zooCommand } from './commands/zoo.js';

const program = new Command('lineage')
  .description('Was this model stolen from mine? Model fingerprinting with sample correlation (SAC).')
  .version(LINEAGE_VERSION)
  .showHelpAfterError()
  .addCommand(fingerprintCommand())
  .addCommand(calibrateCommand())
  .addCommand(verifyCommand())
  .addCommand(auditCommand())
  .addCommand(inspectCommand())
  .addCommand(serveCommand())
  .addCommand(demoCommand())
  .addCommand(zooCommand())
  .addCommand(exportCommand())
  .addCommand(benchCommand())
  .addCommand(scanCommand())
  .addCommand(workerCommand());

/** One clear line (plus a fix) for expected failures; a stack trace only with LINEAGE_DEBUG=1. */
function fail(e: unknown): never {
  if (isLineageError(e)) {
    console.error(`error: ${e.message}`);
    if (e.hint) console.error(`fix: ${e.hint}`);
    process.exit(e.exitCode);
  }
  if (isFileError(e)) {
    // An OS error on a named path (a missing folder, a file where a folder should be, a full disk):
    // the environment, not a bug; Node's message names the call and the path.
    console.error(`error: ${e.message}`);
    console.error(`fix: ${fileErrorHint(e)}`);
    process.exit(2);
  }
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.LINEAGE_DEBUG) console.error(e);
  else console.error('(this is a bug or an unexpected environment problem; rerun with LINEAGE_DEBUG=1 for details)');
  process.exit(1);
}

function isFileError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).path === 'string';
}

program.parseAsync(process.argv).catch(fail);
