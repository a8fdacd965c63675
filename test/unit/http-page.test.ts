/**
 * The live page's assets: the generated module matches the files, and the page is built so that
 * nothing from the daemon can become markup or script (the browser test in
 * test/integration/http.test.ts checks the same with a rogue's RA in Chromium).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { ASSETS } from '../../src/http/assets';

const ROOT = join(__dirname, '..', '..', '..');

test('src/http/assets.ts is what scripts/gen-http-assets.js makes of src/http/assets/', () => {
  const gen = require(join(ROOT, 'scripts', 'gen-http-assets.js')) as { render(): string };
  const committed = readFileSync(join(ROOT, 'src', 'http', 'assets.ts'), 'utf8');
  assert.ok(committed === gen.render(), 'src/http/assets.ts is stale: run node scripts/gen-http-assets.js');
});

test('app.js parses, and never turns data into markup or code', () => {
  const js = ASSETS.get('/app.js')?.body ?? '';
  assert.doesNotThrow(() => new Script(js));
  for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setTimeout(\'', 'createContextualFragment', 'srcdoc', 'javascript:']) {
    assert.ok(!js.includes(sink), `app.js uses ${sink}`);
  }
  // Attributes are only set from the fixed names in the code (el(tag, {name: value})).
  assert.ok(!/setAttribute\((?!k,)/.test(js), 'setAttribute with a computed name');
});

test('index.html has no inline script or style (the CSP forbids them) and is semantic', () => {
  const html = ASSETS.get('/')?.body ?? '';
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
  for (const tag of ['<header>', '<main', '<footer>', '<h1>', 'lang="en"', 'name="viewport"']) assert.ok(html.includes(tag), tag);
});
