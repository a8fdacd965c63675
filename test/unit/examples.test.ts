/** Every shipped example config parses without errors (and without warnings but the expected). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig } from '../../src/config';
import { formatDiagnostic } from '../../src/config/types';

const dir = resolve(__dirname, '..', '..', '..', 'examples');

for (const f of readdirSync(dir).filter((n) => n.endsWith('.conf'))) {
  test(`examples/${f} parses`, () => {
    const r = parseConfig(readFileSync(join(dir, f), 'utf8'), `examples/${f}`);
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatDiagnostic).join('\n'));
    assert.ok(r.config.interfaces.length > 0);
  });
}
