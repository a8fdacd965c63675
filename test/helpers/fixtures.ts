/**
 * Locating and reading files in test/helpers/fixtures from compiled tests (dist/test/...).
 * Side-effect free (node --test also runs this file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Repository root: the nearest ancestor of this file holding package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
}

export function fixturePath(name: string): string {
  return join(repoRoot(), 'test', 'helpers', 'fixtures', name);
}

export function readFixture(name: string): Buffer {
  return readFileSync(fixturePath(name));
}

export function readFixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}
