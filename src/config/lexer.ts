/**
 * Stage 1 of the config pipeline: text -> tokens with line and column.
 *
 * The token rules follow radvd 2.19's flex scanner (scanner.l), because "what is a token" decides
 * which files radvd accepts:
 *
 *  - A word is a maximal run of the scanner's "string" characters (letters, digits and
 *    `~!@#$%^&*()_-+=:[]<>,.?\). flex takes the longest match and, on a tie, the earliest rule, so a
 *    word becomes a keyword only when it is exactly a keyword (keywords are case-sensitive in
 *    2.19: `interface` works, `Interface` does not), an address only when the whole word is one,
 *    a number only when it is all digits, and so on; anything else is a bare string.
 *  - IPv6 addresses use the scanner's three address patterns plus `::`. So `::1` or `::ffff:1.2.3.4`
 *    are NOT addresses for radvd (they lex as strings); `0::1` is.
 *  - Numbers are unsigned decimal up to 4294967295; `-N`, `low`, `medium`, `high` are the signed
 *    tokens used by the preference options; `N.N` is a decimal.
 *  - `#` starts a comment only at the start of a word and only when a newline follows somewhere
 *    on that line (flex's `#.*$`); inside a word (`eth0#x`) it is part of the word.
 *  - Double-quoted strings keep their quotes in the value, as radvd does.
 *  - Only space, tab and newline are whitespace: a carriage return (CRLF files) is a bad token.
 */
import { isIPv6 } from '../net/ipv6';

export type TokenKind =
  | 'keyword'
  | 'address'
  | 'number'
  | 'signed'
  | 'decimal'
  | 'infinity'
  | 'switch'
  | 'string'
  | 'quoted'
  | '{'
  | '}'
  | ';'
  | '/'
  | 'bad'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The exact source text of the token. */
  readonly text: string;
  /** 1-based line and column of the first character. */
  readonly line: number;
  readonly column: number;
  /** number/signed/decimal/infinity: numeric value (infinity = 0xffffffff); switch: 1 or 0. */
  readonly num?: number;
  /** bad tokens: why the text is not a token. */
  readonly problem?: string;
}

export const UINT32_MAX = 0xffffffff;

/** Every keyword of radvd 2.19's scanner, plus the radvd 2.20 and firsthop additions firsthop understands. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  // blocks
  'interface', 'prefix', 'route', 'RDNSS', 'DNSSL', 'clients', 'lowpanco', 'abro', 'AdvRASrcAddress',
  // interface options
  'IgnoreIfMissing', 'AdvSendAdvert', 'MaxRtrAdvInterval', 'MinRtrAdvInterval', 'MinDelayBetweenRAs',
  'AdvManagedFlag', 'AdvOtherConfigFlag', 'AdvLinkMTU', 'AdvRAMTU', 'AdvReachableTime', 'AdvRetransTimer',
  'AdvCurHopLimit', 'AdvDefaultLifetime', 'AdvDefaultPreference', 'AdvSourceLLAddress', 'AdvHomeAgentFlag',
  'AdvIntervalOpt', 'AdvHomeAgentInfo', 'UnicastOnly', 'AdvRASolicitedUnicast', 'HomeAgentPreference',
  'HomeAgentLifetime', 'AdvMobRtrSupportFlag',
  // prefix options
  'AdvOnLink', 'AdvAutonomous', 'AdvRouterAddr', 'AdvValidLifetime', 'AdvPreferredLifetime', 'DeprecatePrefix',
  'DecrementLifetimes', 'Base6Interface', 'Base6to4Interface',
  // route options
  'AdvRoutePreference', 'AdvRouteLifetime', 'RemoveRoute',
  // RDNSS / DNSSL options (AdvRDNSSPreference and AdvRDNSSOpen are deprecated and ignored)
  'AdvRDNSSPreference', 'AdvRDNSSOpen', 'AdvRDNSSLifetime', 'FlushRDNSS', 'AdvDNSSLLifetime', 'FlushDNSSL',
  // 6LoWPAN context and ABRO (AdvContextPrefix and Adv6LBRaddress are scanner keywords no rule uses)
  'AdvContextLength', 'AdvContextCompressionFlag', 'AdvContextID', 'AdvLifeTime', 'AdvContextPrefix',
  'AdvVersionLow', 'AdvVersionHigh', 'AdvValidLifeTime', 'Adv6LBRaddress',
  // radvd 2.20 additions
  'nat64prefix', 'RemoveAdvOnExit', 'AdvCaptivePortalAPI',
  // firsthop extension
  'AdvPrefixPD', 'AllowedRouters', 'RogueRAWithdraw',
]);

/** Characters of the scanner's unquoted string class. */
const WORD_CHAR = /[A-Za-z0-9`~!@#$%^&*()_\-+=:[\]<>,.?\\]/;

const HEX = '[0-9A-Fa-f]{1,4}';
const ADDRESS = new RegExp(
  `^(?:${HEX}:(?:${HEX}:)*(?::${HEX})+|${HEX}(?::${HEX})*::|(?:${HEX}:){7}${HEX}|::)$`,
);

export interface LexResult {
  readonly tokens: readonly Token[];
}

export function lex(text: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;

  const push = (kind: TokenKind, start: number, end: number, extra: { num?: number; problem?: string } = {}): void => {
    tokens.push({ kind, text: text.slice(start, end), line, column: start - lineStart + 1, ...extra });
  };

  while (i < n) {
    const c = text[i] as string;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '{' || c === '}' || c === ';' || c === '/') {
      push(c, i, i + 1);
      i++;
      continue;
    }
    // Comment: only when the rest of the line is followed by a newline (flex `#.*$`).
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl >= 0) {
        i = nl;
        continue;
      }
      // No newline after it: radvd reads '#...' as an unquoted string. Fall through to the word rule.
    }
    // Quoted string, optionally prefixed by L (scanner: L?"(\\.|[^\\"])*").
    if (c === '"' || (c === 'L' && text[i + 1] === '"')) {
      const end = scanQuoted(text, c === 'L' ? i + 1 : i);
      if (end > 0) {
        // Quoted strings may span lines; keep positions right for what follows.
        const start = i;
        push('quoted', start, end);
        for (let k = start; k < end; k++) {
          if (text[k] === '\n') {
            line++;
            lineStart = k + 1;
          }
        }
        i = end;
        continue;
      }
      if (c === '"') {
        push('bad', i, i + 1, { problem: 'unterminated double-quoted string' });
        i++;
        continue;
      }
    }
    if (WORD_CHAR.test(c)) {
      let j = i + 1;
      while (j < n && WORD_CHAR.test(text[j] as string)) j++;
      tokens.push(classifyWord(text.slice(i, j), line, i - lineStart + 1));
      i = j;
      continue;
    }
    // Any other character is a bad token in radvd (its `.` rule).
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const shown = c === '\r' ? 'carriage return (CRLF line ending)' : cp < 0x20 || cp === 0x7f ? `control character 0x${cp.toString(16).padStart(2, '0')}` : `character '${text.slice(i, i + width)}'`;
    push('bad', i, i + width, { problem: `unexpected ${shown}` });
    i += width;
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineStart + 1 });
  return { tokens };
}

/** End index (exclusive) of a quoted string starting at `q` (the opening quote), or -1. */
function scanQuoted(text: string, q: number): number {
  let k = q + 1;
  while (k < text.length) {
    const ch = text[k];
    if (ch === '\\') {
      // `\\.`: a backslash and any character except newline; a backslash before a newline
      // cannot match either alternative, so the string does not close here.
      if (k + 1 >= text.length || text[k + 1] === '\n') return -1;
      k += 2;
      continue;
    }
    if (ch === '"') return k + 1;
    k++;
  }
  return -1;
}

function classifyWord(word: string, line: number, column: number): Token {
  const at = { text: word, line, column };
  if (KEYWORDS.has(word)) return { kind: 'keyword', ...at };
  if (ADDRESS.test(word)) {
    if (isIPv6(word)) return { kind: 'address', ...at };
    return { kind: 'bad', ...at, problem: `'${word}' is not a valid IPv6 address` };
  }
  if (/^[0-9]+$/.test(word)) {
    const v = Number(word);
    if (v > UINT32_MAX) return { kind: 'bad', ...at, problem: `number ${word} is too large (at most 4294967295)` };
    return { kind: 'number', ...at, num: v };
  }
  if (/^-[0-9]+$/.test(word)) return { kind: 'signed', ...at, num: atoi(word) };
  if (/^[0-9]+\.[0-9]+$/.test(word)) return { kind: 'decimal', ...at, num: Number(word) };
  switch (word) {
    case 'infinity':
      return { kind: 'infinity', ...at, num: UINT32_MAX };
    case 'on':
      return { kind: 'switch', ...at, num: 1 };
    case 'off':
      return { kind: 'switch', ...at, num: 0 };
    case 'low':
      return { kind: 'signed', ...at, num: -1 };
    case 'medium':
      return { kind: 'signed', ...at, num: 0 };
    case 'high':
      return { kind: 'signed', ...at, num: 1 };
    default:
      return { kind: 'string', ...at };
  }
}

/** C atoi on a -digits string: the value wrapped to a 32-bit int. */
function atoi(word: string): number {
  const big = BigInt(word);
  return Number(BigInt.asIntN(32, big));
}

/** How a token reads in a message. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'keyword':
      return `keyword '${t.text}'`;
    case 'address':
      return `address ${t.text}`;
    case 'number':
    case 'decimal':
    case 'signed':
      return `'${t.text}'`;
    case 'quoted':
      return `string ${t.text}`;
    case 'bad':
      return `'${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}
