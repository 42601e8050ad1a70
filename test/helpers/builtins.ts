import { existsSync } from 'node:fs';
import { resolveBuiltin } from '../../src/models/builtin.js';

/** Why tests that need these built-in models cannot run here, or false when their files are all installed. */
export function missingBuiltins(names: readonly string[]): string | false {
  try {
    const missing = names.filter((name) => !existsSync(resolveBuiltin(name).path));
    return missing.length > 0 ? `built-in model files missing: ${missing.join(', ')}` : false;
  } catch (e) {
    return `built-in models unavailable: ${(e as Error).message}`;
  }
}
