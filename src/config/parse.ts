/**
 * Stage 2 of the config pipeline: tokens -> raw tree.
 *
 * The raw tree keeps every statement in file order with its tokens, so the resolver can tell an
 * unset option from an explicit one, point diagnostics at the right place, and reproduce radvd's
 * order-dependent defaults. Only syntax is checked here; meaning is checked in resolve.ts.
 *
 * The grammar is radvd 2.19's gram.y (plus the radvd 2.20 options nat64prefix, RemoveAdvOnExit and
 * AdvCaptivePortalAPI, and firsthop's AdvPrefixPD). Unlike radvd, which stops at the first error,
 * the parser recovers at the next `;` or `}` and reports every error it finds.
 */
import type { Diagnostic } from './types';
import { describeToken, lex, type Token } from './lexer';
import { blocksWithOption, findBlock, findOption, keywordLike, type BlockKind, type BlockSpec, type OptionSpec } from './schema';

export interface RawOption {
  readonly kind: 'option';
  readonly spec: OptionSpec;
  readonly nameTok: Token;
  readonly valueTok: Token;
  /** switch: boolean; numbers: number (infinity = 0xffffffff); names and URIs: the token text. */
  readonly value: number | boolean | string;
}

export interface RawAddress {
  readonly tok: Token;
  readonly address: string;
}

export interface RawPrefixHead {
  readonly addrTok: Token;
  readonly address: string;
  readonly lenTok: Token;
  readonly length: number;
}

export interface RawBlock {
  readonly kind: 'block';
  readonly spec: BlockSpec;
  readonly keywordTok: Token;
  /** prefix, route, nat64prefix. */
  readonly prefix?: RawPrefixHead;
  /** RDNSS servers, clients, AdvRASrcAddress entries, the abro address. */
  readonly addresses: readonly RawAddress[];
  /** DNSSL suffixes. */
  readonly suffixes: readonly Token[];
  /** abro ADDR/LEN: the deprecated length. */
  readonly abroLenTok?: Token;
  readonly options: readonly RawOption[];
}

export type RawItem = RawOption | RawBlock;

export interface RawInterface {
  readonly keywordTok: Token;
  readonly nameTok: Token;
  readonly items: readonly RawItem[];
}

export interface RawConfig {
  readonly file: string;
  readonly interfaces: readonly RawInterface[];
}

export interface ParseOutput {
  readonly raw: RawConfig;
  readonly errors: Diagnostic[];
}

/** Thrown inside a statement to abandon it; the caller recovers. */
class StatementError extends Error {}

const STATEMENT_STARTERS = new Set(['interface']);

export function parseRaw(text: string, file: string): ParseOutput {
  return new Parser(lex(text).tokens, file).parseFile();
}

class Parser {
  private pos = 0;
  private readonly errors: Diagnostic[] = [];

  constructor(
    private readonly tokens: readonly Token[],
    private readonly file: string,
  ) {}

  parseFile(): ParseOutput {
    const interfaces: RawInterface[] = [];
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (t.kind === 'keyword' && t.text === 'interface') {
        const iface = this.parseInterface();
        if (iface) interfaces.push(iface);
        continue;
      }
      this.error(t, this.unexpectedMessage(t, "'interface'"), 'E_SYNTAX');
      // Skip to the next interface definition.
      this.next();
      while (this.peek().kind !== 'eof' && !(this.peek().kind === 'keyword' && this.peek().text === 'interface')) this.next();
    }
    if (interfaces.length === 0 && this.errors.length === 0) {
      this.error(this.peek(), 'no interface definitions: radvd needs at least one "interface NAME { ... };"', 'E_NO_INTERFACES');
    }
    return { raw: { file: this.file, interfaces }, errors: this.errors };
  }

  // ---- interface ----------------------------------------------------------------------------

  private parseInterface(): RawInterface | undefined {
    const keywordTok = this.next();
    const nameTok = this.peek();
    if (nameTok.kind !== 'string' && nameTok.kind !== 'quoted') {
      this.error(nameTok, this.unexpectedMessage(nameTok, 'an interface name'), 'E_SYNTAX');
      this.skipInterface();
      return undefined;
    }
    this.next();
    const open = this.peek();
    if (open.kind !== '{') {
      this.error(open, this.unexpectedMessage(open, `'{' after interface ${nameTok.text}`), 'E_SYNTAX');
      this.skipInterface();
      return undefined;
    }
    this.next();
    const items: RawItem[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.next();
        this.expectSemicolonAfterBlock(`interface ${nameTok.text}`);
        break;
      }
      if (t.kind === 'eof') {
        this.error(t, `end of file inside interface ${nameTok.text} (opened at line ${keywordTok.line}): missing '};'`, 'E_SYNTAX');
        break;
      }
      if (t.kind === 'keyword' && t.text === 'interface') {
        this.error(t, `interface ${nameTok.text} (line ${keywordTok.line}) is not closed: missing '};' before the next interface`, 'E_SYNTAX');
        break;
      }
      this.statement(() => {
        const item = this.parseItem('interface');
        if (item) items.push(item);
      });
    }
    return { keywordTok, nameTok, items };
  }

  /** After a failed interface head: skip its braces if any, up to the next interface. */
  private skipInterface(): void {
    while (this.peek().kind !== 'eof' && !(this.peek().kind === 'keyword' && this.peek().text === 'interface')) this.next();
  }

  private parseItem(block: BlockKind): RawItem | undefined {
    const t = this.peek();
    if (t.kind === 'keyword') {
      const spec = findOption(block, t.text);
      if (spec) return this.parseOption(spec);
      const blockSpec = findBlock(t.text);
      if (blockSpec && block === 'interface' && blockSpec.block === 'interface') return this.parseBlock(blockSpec);
      this.fail(t, this.misplacedMessage(t.text, block), 'E_UNKNOWN_OPTION');
    }
    if (t.kind === 'string') {
      const like = keywordLike(t.text);
      const hint = like && like !== t.text ? `; keywords are case-sensitive (radvd 2.19 too), did you mean '${like}'?` : '';
      if (t.text.startsWith('#')) this.fail(t, endOfFileCommentMessage(), 'E_SYNTAX');
      this.fail(t, `unknown option '${t.text}' in ${blockName(block)}${hint}`, 'E_UNKNOWN_OPTION');
    }
    this.fail(t, this.unexpectedMessage(t, `an option name in ${blockName(block)}`), 'E_SYNTAX');
  }

  private misplacedMessage(name: string, block: BlockKind): string {
    const blockSpec = findBlock(name);
    if (blockSpec) {
      if (blockSpec.keyword === 'interface') return `'interface' cannot appear inside ${blockName(block)}`;
      return `a ${name} block cannot appear inside ${blockName(block)}; blocks go directly inside an interface`;
    }
    if (block === 'abro' && name === 'AdvValidLifetime') return "abro blocks spell it 'AdvValidLifeTime' (capital T)";
    if (block === 'prefix' && name === 'AdvValidLifeTime') return "prefix blocks spell it 'AdvValidLifetime' (lower-case t); 'AdvValidLifeTime' is the abro option";
    const homes = blocksWithOption(name);
    if (homes.length > 0) return `'${name}' is not allowed in ${blockName(block)}; it belongs in ${homes.map(blockName).join(' or ')}`;
    return `'${name}' is not an option radvd 2.19 accepts in any block`;
  }

  private parseOption(spec: OptionSpec): RawOption {
    const nameTok = this.next();
    const valueTok = this.peek();
    const value = this.readValue(spec, valueTok);
    this.next();
    this.expectSemicolon(`${spec.name} ${valueTok.text}`);
    return { kind: 'option', spec, nameTok, valueTok, value };
  }

  private readValue(spec: OptionSpec, t: Token): number | boolean | string {
    const found = (want: string): never => {
      const like = t.kind === 'string' ? keywordLike(t.text) : undefined;
      const hint = like && like !== t.text ? ` (values are case-sensitive: write '${like}')` : '';
      if (t.kind === 'bad') this.fail(t, `${t.problem ?? 'bad token'}; ${spec.name} expects ${want}`, 'E_BAD_TOKEN');
      if (t.kind === 'eof' || t.kind === ';' || t.kind === '}') this.fail(t, `${spec.name} needs a value: ${want}`, 'E_SYNTAX');
      return this.fail(t, `${spec.name} expects ${want}, found ${describeToken(t)}${hint}`, 'E_BAD_VALUE');
    };
    switch (spec.value) {
      case 'switch':
        return t.kind === 'switch' ? t.num === 1 : found('on or off');
      case 'uint':
        return t.kind === 'number' ? (t.num as number) : found(t.kind === 'infinity' ? 'a number (infinity is not allowed here)' : 'a non-negative integer');
      case 'seconds':
        return t.kind === 'number' || t.kind === 'decimal' ? (t.num as number) : found('a number of seconds (integer or N.N)');
      case 'lifetime':
        return t.kind === 'number' || t.kind === 'infinity' ? (t.num as number) : found('a number of seconds or infinity');
      case 'preference':
        return t.kind === 'signed' ? (t.num as number) : found('low, medium or high');
      case 'ifname':
        return t.kind === 'string' || t.kind === 'quoted' ? t.text : found('an interface name');
      case 'uri':
        return t.kind === 'string' || t.kind === 'quoted' ? t.text : found('a quoted URI');
    }
  }

  // ---- blocks -------------------------------------------------------------------------------

  private parseBlock(spec: BlockSpec): RawBlock {
    const keywordTok = this.next();
    let prefix: RawPrefixHead | undefined;
    const addresses: RawAddress[] = [];
    const suffixes: Token[] = [];
    let abroLenTok: Token | undefined;

    switch (spec.head) {
      case 'prefix':
        prefix = this.parsePrefixHead(spec.keyword);
        break;
      case 'addresses': {
        while (this.peek().kind === 'address') {
          const tok = this.next();
          addresses.push({ tok, address: tok.text });
        }
        if (addresses.length === 0) this.fail(this.peek(), this.unexpectedMessage(this.peek(), `at least one server address after ${spec.keyword}`), 'E_SYNTAX');
        break;
      }
      case 'suffixes': {
        while (this.peek().kind === 'string' || this.peek().kind === 'quoted') suffixes.push(this.next());
        if (suffixes.length === 0) this.fail(this.peek(), this.unexpectedMessage(this.peek(), `at least one domain suffix after ${spec.keyword}`), 'E_SYNTAX');
        break;
      }
      case 'abro': {
        const tok = this.expectAddress('abro');
        addresses.push({ tok, address: tok.text });
        if (this.peek().kind === '/') {
          this.next();
          abroLenTok = this.peek();
          if (abroLenTok.kind !== 'number') this.fail(abroLenTok, this.unexpectedMessage(abroLenTok, 'a prefix length after /'), 'E_SYNTAX');
          this.next();
        }
        break;
      }
      case 'none':
        break;
    }

    const options: RawOption[] = [];
    const open = this.peek();
    if (open.kind === '{') {
      this.next();
      if (spec.body === 'list') this.parseAddressList(spec.keyword, open, addresses);
      else this.parseBlockBody(spec, open, options);
      this.expectSemicolonAfterBlock(`${spec.keyword} block`);
    } else if (spec.body === 'optional' && open.kind === ';') {
      this.next();
    } else {
      const want = spec.body === 'optional' ? "'{' or ';'" : "'{'";
      this.fail(open, this.unexpectedMessage(open, `${want} after the ${spec.keyword} head`), 'E_SYNTAX');
    }
    return { kind: 'block', spec, keywordTok, ...(prefix ? { prefix } : {}), addresses, suffixes, ...(abroLenTok ? { abroLenTok } : {}), options };
  }

  private parsePrefixHead(keyword: string): RawPrefixHead {
    const addrTok = this.expectAddress(keyword);
    const slash = this.peek();
    if (slash.kind !== '/') this.fail(slash, this.unexpectedMessage(slash, `'/' and a prefix length after ${keyword} ${addrTok.text}`), 'E_SYNTAX');
    this.next();
    const lenTok = this.peek();
    if (lenTok.kind !== 'number') this.fail(lenTok, this.unexpectedMessage(lenTok, 'a prefix length'), 'E_SYNTAX');
    this.next();
    return { addrTok, address: addrTok.text, lenTok, length: lenTok.num as number };
  }

  private expectAddress(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'address') this.fail(t, this.unexpectedMessage(t, `an IPv6 address after ${what}`), t.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_SYNTAX');
    return this.next();
  }

  private parseBlockBody(spec: BlockSpec, open: Token, options: RawOption[]): void {
    const kind = spec.keyword as BlockKind;
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.next();
        return;
      }
      if (t.kind === 'eof' || (t.kind === 'keyword' && t.text === 'interface')) {
        this.fail(t, `${spec.keyword} block opened at line ${open.line} is not closed: missing '};'`, 'E_SYNTAX');
      }
      this.statement(() => {
        const item = this.parseItem(kind);
        if (item?.kind === 'option') options.push(item);
      });
    }
  }

  private parseAddressList(keyword: string, open: Token, out: RawAddress[]): void {
    const errorsBefore = this.errors.length;
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.next();
        if (out.length === 0 && this.errors.length === errorsBefore) this.error(t, `${keyword} { } needs at least one address`, 'E_SYNTAX');
        return;
      }
      if (t.kind === 'eof' || (t.kind === 'keyword' && t.text === 'interface')) {
        this.fail(t, `${keyword} block opened at line ${open.line} is not closed: missing '};'`, 'E_SYNTAX');
      }
      this.statement(() => {
        const tok = this.expectAddress(`'${keyword} {'`);
        out.push({ tok, address: tok.text });
        this.expectSemicolon(tok.text);
      });
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Run one statement; on a StatementError skip to the end of the statement. */
  private statement(body: () => void): void {
    try {
      body();
    } catch (e) {
      if (!(e instanceof StatementError)) throw e;
      this.skipStatement();
    }
  }

  /**
   * Skip to just after the next `;` at this nesting level, stepping over `{ ... }` groups.
   * Stops before a `}` that closes the enclosing block, before `interface`, and at end of file.
   */
  private skipStatement(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (depth === 0 && t.kind === 'keyword' && STATEMENT_STARTERS.has(t.text)) return;
      if (t.kind === '{') depth++;
      else if (t.kind === '}') {
        if (depth === 0) return;
        depth--;
      } else if (t.kind === ';' && depth === 0) {
        this.next();
        return;
      }
      this.next();
    }
  }

  private expectSemicolon(after: string): void {
    const t = this.peek();
    if (t.kind === ';') {
      this.next();
      return;
    }
    if (t.kind === 'bad') this.fail(t, `${t.problem ?? 'bad token'}; expected ';' after ${after}`, 'E_BAD_TOKEN');
    const message = `missing ';' after ${after} (found ${describeToken(t)})`;
    // A closing brace, a new statement or the end: report and carry on without skipping.
    if (t.kind === '}' || t.kind === 'eof' || t.kind === 'keyword') {
      this.error(t, message, 'E_SYNTAX');
      return;
    }
    this.fail(t, message, 'E_SYNTAX');
  }

  private expectSemicolonAfterBlock(what: string): void {
    const t = this.peek();
    if (t.kind === ';') {
      this.next();
      return;
    }
    this.error(t, `missing ';' after the '}' closing ${what} (found ${describeToken(t)})`, 'E_SYNTAX');
  }

  private unexpectedMessage(t: Token, expected: string): string {
    if (t.kind === 'bad') return `${t.problem ?? 'bad token'}; expected ${expected}`;
    if (t.kind === 'string' && t.text.startsWith('#')) return endOfFileCommentMessage();
    if (t.kind === 'string' && /^[0-9A-Fa-f:.%]*:[0-9A-Fa-f:.%]*$/.test(t.text)) {
      return `'${t.text}' is not an IPv6 address radvd 2.19 can read${addressHint(t.text)}; expected ${expected}`;
    }
    if (t.kind === 'string' && t.text.includes('%') && t.text.includes(':')) {
      return `'${t.text}': zone indices (%iface) are not allowed; expected ${expected}`;
    }
    if (t.kind === 'string') {
      const like = keywordLike(t.text);
      if (like && like !== t.text) return `syntax error: unexpected '${t.text}', expected ${expected}; keywords and values are case-sensitive (radvd 2.19 too), did you mean '${like}'?`;
    }
    return `syntax error: unexpected ${describeToken(t)}, expected ${expected}`;
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private error(t: Token, message: string, code: string): void {
    this.errors.push({ severity: 'error', file: this.file, line: t.line, column: t.column, message, code });
  }

  private fail(t: Token, message: string, code: string): never {
    this.error(t, message, code);
    throw new StatementError(message);
  }
}

function addressHint(text: string): string {
  if (text.includes('.')) return ' (IPv4-embedded notation is not supported: write the last 32 bits in hex)';
  if (text.startsWith('::')) return ` (radvd's scanner only reads '::' alone at the start: write '0${text}')`;
  return '';
}

function endOfFileCommentMessage(): string {
  return "a '#' comment on the last line needs a newline after it: radvd 2.19 reads an unterminated final comment as text";
}

export function blockName(block: BlockKind): string {
  return block === 'interface' ? 'an interface block' : `a ${block} block`;
}
