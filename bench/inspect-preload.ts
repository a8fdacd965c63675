/**
 * Preload for looking inside a daemon under a benchmark, since NODE_OPTIONS does not allow
 * --cpu-prof: `NODE_OPTIONS='--require /abs/dist/bench/inspect-preload.js'` plus
 *  - FH_PROF=<file>: a CPU profile of the whole process lifetime (inspector Profiler),
 *    written as <file> (.cpuprofile, for Chrome DevTools / speedscope) at exit;
 *  - FH_MEMLOG=<file>: process.memoryUsage() and V8 heap spaces every 250 ms, one JSON
 *    line each (rss, heapTotal, heapUsed, external, arrayBuffers, new/old space sizes).
 * bench/rogue-flood.ts passes it with --fh-node-options. Not used by default.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics } from 'node:v8';

const prof = process.env.FH_PROF;
const memlog = process.env.FH_MEMLOG;
delete process.env.FH_PROF;
delete process.env.FH_MEMLOG;

if (prof !== undefined && prof !== '') {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // A session connected to this thread dispatches synchronously: the callback runs before post() returns.
    session.post('Profiler.stop', (err, res) => {
      if (err === null && res !== undefined) writeFileSync(prof, JSON.stringify(res.profile));
    });
  });
}

if (memlog !== undefined && memlog !== '') {
  const t = setInterval(() => {
    const m = process.memoryUsage();
    const spaces: Record<string, number> = {};
    for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.physical_space_size;
    appendFileSync(memlog, `${JSON.stringify({ at: Date.now(), ...m, spaces })}\n`);
  }, 250);
  t.unref();
}
