/**
 * `http { address ADDR; port N; };` (firsthop extension): where the HTTP endpoint listens
 * (metrics, status API, live page; src/http/). Without the block the endpoint is off; the
 * command line's `--http [ADDRESS:]PORT` overrides it. The statements are in HTTP_STATEMENTS,
 * which docs/config-reference.md documents.
 */
import { isIP } from 'node:net';
import type { HttpConfig } from './types';
import type { RawHttpBlock } from './parse';
import type { Reporter } from './conditions';
import { suggest } from './conditions';

export const HTTP_DEFAULT_ADDRESS = '127.0.0.1';
export const HTTP_DEFAULT_PORT = 9475;

export const HTTP_STATEMENTS: ReadonlyArray<{ readonly name: string; readonly syntax: string; readonly default: string; readonly meaning: string }> = [
  { name: 'address', syntax: 'address ADDR;', default: HTTP_DEFAULT_ADDRESS, meaning: 'The IPv4 or IPv6 address to listen on (no zone index). The default is the loopback: only the router itself can connect. `0.0.0.0` or `::` listens on every address; the endpoint has no authentication, so open it only to a management network.' },
  { name: 'port', syntax: 'port N;', default: String(HTTP_DEFAULT_PORT), meaning: 'The TCP port, 0 to 65535 (0: any free port, for tests; `firsthop status` shows the port chosen).' },
];

export function resolveHttp(r: Reporter, blocks: readonly RawHttpBlock[] | undefined): HttpConfig | undefined {
  if (blocks === undefined || blocks.length === 0) return undefined;
  const first = blocks[0] as RawHttpBlock;
  for (const b of blocks.slice(1)) r.error(b.keywordTok, 'E_SYNTAX', `a second http block: the endpoint is configured once (first at line ${first.keywordTok.line})`);
  r.warn(first.keywordTok, 'W_NOT_RADVD', 'the http block (HTTP endpoint) is a firsthop extension: radvd rejects this file');
  let address = HTTP_DEFAULT_ADDRESS;
  let port = HTTP_DEFAULT_PORT;
  const seen = new Map<string, number>();
  for (const st of first.statements) {
    const word = st.head.text;
    const known = HTTP_STATEMENTS.find((s) => s.name === word);
    if (known === undefined) {
      const like = suggest(word, HTTP_STATEMENTS.map((s) => s.name));
      r.error(st.head, 'E_UNKNOWN_OPTION', `unknown statement '${word}' in the http block${like !== undefined ? ` (did you mean ${like}?)` : ''}: expected address or port`);
      continue;
    }
    const prev = seen.get(word);
    if (prev !== undefined) r.warn(st.head, 'W_DUPLICATE_OPTION', `${word} is set again; the value at line ${prev} is overridden`);
    seen.set(word, st.head.line);
    const [value, extra] = st.args;
    if (value === undefined) {
      r.error(st.head, 'E_BAD_VALUE', `${word} needs a value: ${known.syntax}`);
      continue;
    }
    if (extra !== undefined) {
      r.error(extra, 'E_SYNTAX', `syntax error: unexpected '${extra.text}' after ${word} ${value.text}; expected ';'`);
      continue;
    }
    if (word === 'address') {
      const text = value.kind === 'quoted' ? value.text.slice(1, -1) : value.text;
      if (isIP(text) === 0 || text.includes('%')) {
        r.error(value, 'E_BAD_VALUE', `'${text}' is not an IPv4 or IPv6 address${text.includes('%') ? ' (zone indices are not allowed)' : ''}: ${known.syntax}`);
        continue;
      }
      address = text;
    } else {
      if (value.kind !== 'number' || (value.num ?? Infinity) > 65535) {
        r.error(value, 'E_BAD_VALUE', `'${value.text}' is not a TCP port (0 to 65535)`);
        continue;
      }
      port = value.num as number;
    }
  }
  return { address, port, pos: r.pos(first.keywordTok) };
}
