/** Shared helpers for the config tests: where the corpus lives and what radvd 2.19 should say about each file. */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_PHASE, parseConfig, type ParseResult } from '../../src/config/index';

/** test/fixtures/config, found from dist/test/unit or from test/unit. */
export const FIXTURES = ((): string => {
  for (const up of ['../../../test/fixtures/config', '../fixtures/config']) {
    const p = path.resolve(__dirname, up);
    try {
      readdirSync(p);
      return p;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`cannot find test/fixtures/config from ${__dirname}`);
})();

export function corpus(kind: 'good' | 'bad'): string[] {
  return readdirSync(path.join(FIXTURES, kind))
    .filter((f) => f.endsWith('.conf'))
    .sort();
}

export function fixturePath(kind: 'good' | 'bad', file: string): string {
  return path.join(FIXTURES, kind, file);
}

/** Parse a corpus file, naming it by its base name in diagnostics. */
export function parseFixture(kind: 'good' | 'bad', file: string): ParseResult {
  return parseConfig(readFileSync(fixturePath(kind, file), 'utf8'), file);
}

/** Uses syntax radvd 2.19 lacks (radvd 2.20 options or firsthop extensions). */
export function needsNewerThanRadvd219(r: ParseResult): boolean {
  return r.warnings.some((w) => w.code === 'W_NOT_RADVD_2_19' || w.code === 'W_NOT_RADVD');
}

/**
 * What radvd 2.19 does with a file firsthop parsed:
 *  'accept'  - `radvd -c` accepts it and radvd brings every interface up;
 *  'config'  - `radvd -c` rejects it;
 *  'runtime' - `radvd -c` accepts it, but radvd refuses an interface when it starts.
 */
export function radvdVerdict(r: ParseResult): 'accept' | 'config' | 'runtime' {
  if (needsNewerThanRadvd219(r)) return 'config';
  if (r.ok) return 'accept';
  const phases = new Set(r.errors.map((e) => ERROR_PHASE[e.code] ?? 'config'));
  if (phases.has('config') || phases.has('radvd-2.20') || phases.has('firsthop')) return 'config';
  return 'runtime';
}
