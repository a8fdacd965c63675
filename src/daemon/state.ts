/**
 * The state file: what each interface advertised last and what it is still withdrawing, so
 * that a restart keeps deprecating a removed prefix for the rest of its lifetime (RFC 9096;
 * users.md item 1: sleeping phones miss a single RA). Written atomically (temp file, rename);
 * a missing or corrupt file is reported and started over, never fatal.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { NdOption } from '../wire/types';
import type { Withdrawal } from '../ra/withdrawals';

export const STATE_VERSION = 1;

export interface InterfaceState {
  /** The withdrawable items of the last RA built, by key. */
  readonly advertised: ReadonlyArray<readonly [string, NdOption]>;
  readonly withdrawn: readonly Withdrawal[];
}

export interface StateFile {
  readonly version: number;
  readonly savedAt: number;
  readonly interfaces: Readonly<Record<string, InterfaceState>>;
}

export type LoadResult = { readonly ok: true; readonly state: StateFile } | { readonly ok: false; readonly missing: boolean; readonly error: string };

export const DEFAULT_STATE_DIR = '/var/lib/firsthop';

/** Default path: one per config file, so several instances never share a ledger. */
export function defaultStatePath(configPath: string): string {
  const h = createHash('sha256').update(resolve(configPath)).digest('hex').slice(0, 12);
  return `${DEFAULT_STATE_DIR}/state-${h}.json`;
}

function isOption(x: unknown): x is NdOption {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

function validate(raw: unknown): StateFile {
  if (typeof raw !== 'object' || raw === null) throw new Error('not a JSON object');
  const r = raw as { version?: unknown; savedAt?: unknown; interfaces?: unknown };
  if (r.version !== STATE_VERSION) throw new Error(`unknown version ${String(r.version)}`);
  if (typeof r.savedAt !== 'number') throw new Error('savedAt missing');
  if (typeof r.interfaces !== 'object' || r.interfaces === null) throw new Error('interfaces missing');
  const interfaces: Record<string, InterfaceState> = {};
  for (const [name, v] of Object.entries(r.interfaces as Record<string, unknown>)) {
    const s = v as { advertised?: unknown; withdrawn?: unknown };
    if (!Array.isArray(s.advertised) || !Array.isArray(s.withdrawn)) throw new Error(`interface ${name}: advertised/withdrawn missing`);
    const advertised = s.advertised.map((e: unknown) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !isOption(e[1])) throw new Error(`interface ${name}: bad advertised entry`);
      return [e[0], e[1]] as const;
    });
    const withdrawn = s.withdrawn.map((w: unknown) => {
      const x = w as Partial<Withdrawal>;
      if (typeof x.key !== 'string' || !isOption(x.option) || typeof x.withdrawnAt !== 'number' || typeof x.expiresAt !== 'number' || typeof x.why !== 'string') {
        throw new Error(`interface ${name}: bad withdrawn entry`);
      }
      return x as Withdrawal;
    });
    interfaces[name] = { advertised, withdrawn };
  }
  return { version: STATE_VERSION, savedAt: r.savedAt, interfaces };
}

export function loadState(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', error: `${path}: ${(e as Error).message}` };
  }
  try {
    return { ok: true, state: validate(JSON.parse(text)) };
  } catch (e) {
    return { ok: false, missing: false, error: `${path}: corrupt state file (${(e as Error).message})` };
  }
}

export function saveState(path: string, state: StateFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}
