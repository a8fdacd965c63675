/**
 * `firsthop lab list | run NAME... | clean`: the scenarios of docs/scenarios.md on network
 * namespaces of this machine. Loaded only by that subcommand (dist/firsthop-lab.js).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cleanupStale } from './netns';
import { SCENARIOS, findScenario } from './scenarios/index';
import { missing, runScenario, RUN_PREFIX } from './scenarios/runner';
import { renderSvg, renderText } from './scenarios/render';
import type { ScenarioResult } from './scenarios/timeline';

const USAGE = `Usage:
  firsthop lab list                    every scenario, with what it shows
  firsthop lab run NAME... [options]   build the lab, inject the failures, measure, remove the lab
  firsthop lab run all [options]       every scenario in turn
  firsthop lab clean                   remove labs left by --keep (or a killed run)

Options of run:
  --fast           the test setting: short lifetimes and hold-downs (what the test suite runs)
  --json           print the result as JSON on stdout (the narrative goes to stderr)
  --svg FILE       write the timeline as an SVG picture (NAME.svg per scenario with several)
  --keep           leave the lab and its daemons up for exploring (then: firsthop lab clean)
`;

export async function runLab(argv: readonly string[]): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    process.stdout.write(USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (sub === 'list') {
    const w = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(w)}  ${s.title}  (about ${s.seconds.full} s; --fast ${s.seconds.fast} s${s.needs !== undefined ? `; needs ${s.needs.join(', ')}` : ''})\n`);
    return 0;
  }
  if (sub === 'clean') {
    if (process.getuid?.() !== 0) {
      process.stderr.write('firsthop lab clean needs root.\n');
      return 1;
    }
    const removed = await cleanupStale(RUN_PREFIX, { log: (m) => process.stderr.write(`${m}\n`) });
    process.stdout.write(removed.length === 0 ? 'no lab to remove\n' : `removed ${removed.length} namespaces: ${removed.join(' ')}\n`);
    return 0;
  }
  if (sub !== 'run') {
    process.stderr.write(`firsthop lab: unknown subcommand '${sub}'\n${USAGE}`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv.slice(1)], allowPositionals: true, options: { fast: { type: 'boolean' }, json: { type: 'boolean' }, svg: { type: 'string' }, keep: { type: 'boolean' } } });
  } catch (e) {
    process.stderr.write(`firsthop lab run: ${(e as Error).message}\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  const names = positionals.length === 1 && positionals[0]?.toLowerCase() === 'all' ? SCENARIOS.map((s) => s.name) : positionals;
  if (names.length === 0) {
    process.stderr.write(`firsthop lab run: which scenario? (firsthop lab list)\n`);
    return 1;
  }
  const scenarios = [];
  for (const n of names) {
    const s = findScenario(n);
    if (s === undefined) {
      process.stderr.write(`firsthop lab run: no scenario '${n}' (firsthop lab list names them)\n`);
      return 1;
    }
    const miss = missing(s);
    if (miss.length > 0) {
      process.stderr.write(`firsthop lab run ${s.name}: needs ${miss.join(', ')}\n`);
      return 1;
    }
    scenarios.push(s);
  }
  if (values.keep === true && scenarios.length > 1) {
    process.stderr.write('firsthop lab run: --keep takes one scenario\n');
    return 1;
  }
  const json = values.json === true;
  const out = json ? (l: string) => process.stderr.write(`${l}\n`) : (l: string) => process.stdout.write(`${l}\n`);
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const { result, kept } = await runScenario(s, { fast: values.fast === true, keep: values.keep === true, out });
    results.push(result);
    if (!json) process.stdout.write(renderText(result));
    if (values.svg !== undefined) {
      const file = scenarios.length === 1 ? values.svg : values.svg.replace(/(\.svg)?$/, `-${s.name}.svg`);
      writeFileSync(file, renderSvg(result));
      out(`timeline written to ${file}`);
    }
    if (kept !== undefined) {
      out(`\nThe lab is left up (--keep). Its namespaces:\n  ${kept.namespaces.join('\n  ')}\nConfigs and logs: ${kept.dir}\nExplore with e.g. ip netns exec ${kept.namespaces.find((n) => n.endsWith('-host')) ?? kept.namespaces[0]} ip -6 route; remove it with: firsthop lab clean`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
  return results.every((r) => r.verdict === 'pass') ? 0 : 1;
}
