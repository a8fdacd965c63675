#!/usr/bin/env node
// The shipped build of the firsthop command: run after `tsc -p .` (npm run build does both).
// tsc type-checks and writes dist/src (the tests use it); esbuild bundles the same sources:
//
//   dist/firsthop.js        the `firsthop` command: CLI + daemon in one file (the start path)
//   dist/firsthop-http.js   the HTTP endpoint, its page and prom-client's metrics, loaded
//                           only when --http or an http block asks for it
//   dist/firsthop-lab.js    `firsthop lab` (the scenarios), loaded only by that subcommand
//
// The native addon stays build/Release/firsthop_sys.node, loaded at run time (src/sys/linux.ts
// finds it from the package root). prom-client stays a dependency in node_modules.
// See docs/benchmarks.md, first-ra, for what this is worth.
'use strict';
const { build } = require('esbuild');
const { join } = require('node:path');
const { chmodSync } = require('node:fs');

const root = join(__dirname, '..');
const dist = join(root, 'dist');

/** Modules the daemon loads with import() that become their own file. */
const CHUNKS = { '../http/server': './firsthop-http.js', '../lab/cli': './firsthop-lab.js' };

const chunkPlugin = {
  name: 'firsthop-chunks',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/(http\/server|lab\/cli)$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: CHUNKS[args.path], external: true } : undefined,
    );
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // import() becomes require(): no ESM loader on the start path.
  supported: { 'dynamic-import': false },
  external: ['prom-client'],
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
};

async function main() {
  const results = await Promise.all([
    build({ ...common, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: join(dist, 'firsthop.js'), plugins: [chunkPlugin] }),
    build({ ...common, entryPoints: [join(root, 'src', 'http', 'server.ts')], outfile: join(dist, 'firsthop-http.js') }),
    build({ ...common, entryPoints: [join(root, 'src', 'lab', 'cli.ts')], outfile: join(dist, 'firsthop-lab.js') }),
  ]);
  chmodSync(join(dist, 'firsthop.js'), 0o755);
  const out = results.flatMap((r) => Object.entries(r.metafile.outputs).map(([f, o]) => `${f.replace(/^.*dist\//, 'dist/')} ${(o.bytes / 1024).toFixed(0)} KiB`));
  process.stdout.write(`bundle: ${out.join(', ')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bundle: ${e.message}\n`);
  process.exit(1);
});
