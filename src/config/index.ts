/**
 * firsthop's radvd.conf reader: text -> tokens (lexer.ts) -> raw tree (parse.ts) -> defaults,
 * checks and warnings (resolve.ts, with conditions.ts and vrrp.ts for the extensions) -> frozen
 * Config (types.ts).
 *
 * Every problem is collected (radvd stops at the first) and reported as `file:line:col: ...`.
 * Nothing here looks at the system: interface existence and MTUs are runtime matters.
 */
import { readFile } from 'node:fs/promises';
import { parseRaw } from './parse';
import { resolve } from './resolve';
import { describeOptionTable } from './schema';
import { formatDiagnostics, type Diagnostic, type OptionDescription, type ParseResult } from './types';

export * from './types';
export { SHORT_LIFETIME } from './resolve';
export { ERROR_CODES, ERROR_PHASE, WARNING_CODES, type ErrorPhase } from './codes';
export { lex, type Token, type TokenKind } from './lexer';
export { parseRaw, type RawConfig } from './parse';
export { renderConfigReference } from './reference';
export { defaultVmacName, KEEPALIVED_KEYWORDS, VRRP_DEFAULTS, VRRP_STATEMENTS } from './vrrp-tables';

/** Parse radvd.conf text. `file` is used in diagnostics and SourcePos. */
export function parseConfig(text: string, file: string): ParseResult {
  const parsed = parseRaw(text, file);
  const resolved = resolve(parsed.raw);
  const errors = sortDiagnostics([...parsed.errors, ...resolved.errors]);
  const warnings = sortDiagnostics(resolved.warnings);
  if (errors.length === 0 && resolved.config) return { ok: true, config: resolved.config, warnings };
  return { ok: false, errors, warnings };
}

/** Read and parse a file; a read error becomes a diagnostic at line 1, column 1 of that file. */
export async function loadConfig(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    return {
      ok: false,
      errors: [{ severity: 'error', file: path, line: 1, column: 1, message: `cannot read config file: ${why}`, code: 'E_READ' }],
      warnings: [],
    };
  }
  return parseConfig(text, path);
}

/**
 * `radvd -c` for firsthop: print every diagnostic to stderr and return the exit code
 * (0 when the file is usable, 1 when it has errors). Warnings alone do not fail the check.
 */
export async function checkConfigCli(path: string, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const result = await loadConfig(path);
  const all = sortDiagnostics([...(result.ok ? [] : result.errors), ...result.warnings]);
  for (const line of formatDiagnostics(all)) stderr.write(`${line}\n`);
  if (!result.ok) {
    stderr.write(`${path}: ${result.errors.length} error(s), ${result.warnings.length} warning(s)\n`);
    return 1;
  }
  const n = result.config.interfaces.length;
  const v = result.config.vrrp?.length ?? 0;
  const vrrp = v > 0 ? `, ${v} VRRP instance${v === 1 ? '' : 's'}` : '';
  stderr.write(`${path}: configuration ok, ${n} interface${n === 1 ? '' : 's'}${vrrp}, ${result.warnings.length} warning(s)\n`);
  return 0;
}

/** Every option and block: name, block, type, default, range, RFC, meaning, origin. */
export function describeOptions(): OptionDescription[] {
  return describeOptionTable();
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.line - b.d.line || a.d.column - b.d.column || (a.d.severity === b.d.severity ? 0 : a.d.severity === 'error' ? -1 : 1) || a.i - b.i)
    .map(({ d }) => d);
}
