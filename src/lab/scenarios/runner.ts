/**
 * Runs one scenario on a fresh lab: checks what it needs, builds, runs, stops the probes,
 * renders the result, and removes the lab (also on an error; Ctrl-C is the lab registry's:
 * src/lab/netns.ts removes every lab on SIGINT/SIGTERM and at exit). With `keep`, the lab and
 * its daemons are left up for exploring; `firsthop lab clean` removes them.
 */
import { execFileSync } from 'node:child_process';
import { Lab } from '../netns';
import { realtimeMicros } from '../pcap';
import { ScenarioContext, type Scenario } from './scenario';
import { Timeline, type ScenarioResult } from './timeline';

/** Lab prefix of `firsthop lab run` (namespaces fhrun-<pid>-<n>-<name>). */
export const RUN_PREFIX = 'fhrun';

export interface RunOptions {
  readonly fast: boolean;
  readonly keep?: boolean;
  /** Narrative output (default: stdout). */
  readonly out?: (line: string) => void;
  /** Lab prefix (default fhrun; the tests use fhlab). */
  readonly prefix?: string;
}

/** Commands every scenario needs, and the Debian package that has each. */
const BASE_TOOLS: ReadonlyArray<readonly [string, string]> = [['ip', 'iproute2'], ['tcpdump', 'tcpdump'], ['ping', 'iputils-ping']];
const PACKAGES: Readonly<Record<string, string>> = { bird: 'bird2', birdc: 'bird2', keepalived: 'keepalived', nft: 'nftables' };

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What is missing to run a scenario: 'not root', or commands with their packages. Empty: ready. */
export function missing(s: Scenario): string[] {
  const out: string[] = [];
  if (process.getuid?.() !== 0) out.push('root (it creates network namespaces)');
  for (const [cmd, pkg] of BASE_TOOLS) if (!have(cmd)) out.push(`${cmd} (Debian package ${pkg})`);
  for (const cmd of s.needs ?? []) if (!have(cmd)) out.push(`${cmd} (Debian package ${PACKAGES[cmd] ?? cmd})`);
  return out;
}

export async function runScenario(s: Scenario, opts: RunOptions): Promise<{ result: ScenarioResult; kept?: { namespaces: string[]; dir: string } }> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const lab = Lab.create(opts.prefix ?? RUN_PREFIX, { log: (m) => out(`[lab] ${m}`) });
  const tl = new Timeline(realtimeMicros());
  const ctx = new ScenarioContext(lab, tl, { fast: opts.fast, out });
  let error: string | undefined;
  let kept: { namespaces: string[]; dir: string } | undefined;
  out(`=== ${s.name}: ${s.title}${opts.fast ? ' (fast setting)' : ''}`);
  try {
    await s.run(ctx);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    out(`\n${s.name} stopped: ${error}`);
  } finally {
    await ctx.finish();
    if (opts.keep === true) {
      const dir = lab.dir();
      kept = { namespaces: lab.keep(), dir };
    } else {
      await lab.destroy();
    }
  }
  const result = tl.result(s.name, s.title, opts.fast, realtimeMicros(), error);
  return kept !== undefined ? { result, kept } : { result };
}
