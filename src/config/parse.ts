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
 *
 * firsthop's conditional-RA extension (RFC 8475) adds two statements, recognised by context so
 * that none of their words becomes a keyword (an interface may still be called `up` or `if`):
 *  - at the top level, `condition NAME { KIND ARGS...; [damping ...;] };`
 *  - inside interface, prefix, route, RDNSS and DNSSL blocks,
 *    `if [not] NAME { OPTION VALUE; ... } [else { OPTION VALUE; ... }];`
 * Their meaning is checked in resolve.ts and conditions.ts.
 *
 * firsthop's VRRPv3 extension (RFC 9568) adds, recognised by context in the same way:
 *  - at the top level, `vrrp NAME { STATEMENT; ... };` and `vrrp_sync_group NAME { group A B; };`,
 *    each statement a word, its arguments and optionally a `{ ENTRY; ... }` list, up to `;`;
 *  - inside an interface block, `vrrp NAME;` (RAs follow that virtual router).
 * Their meaning is checked in vrrp.ts.
 *
 * The HTTP endpoint adds, at the top level, `http { address ADDR; port N; };` (checked in http.ts).
 */
import type { Diagnostic } from './types';
import { describeToken, lex, type Token } from './lexer';
import { blocksWithOption, findBlock, findOption, keywordLike, OPTIONS, type BlockKind, type BlockSpec, type OptionSpec } from './schema';
import { VRRP_STATEMENT_WORDS } from './vrrp-tables';

/** A MAC address as AllowedRouters takes it. */
export const MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;

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
  /** `if` statements in the block (firsthop extension). */
  readonly policies: readonly RawPolicy[];
}

/** One branch of an `if`: the options it sets, in file order. */
export interface RawPolicyBranch {
  readonly open: Token;
  readonly options: readonly RawOption[];
}

/** `if [not] NAME { ... } [else { ... }];` (firsthop extension, RFC 8475). */
export interface RawPolicy {
  readonly kind: 'if';
  readonly ifTok: Token;
  readonly notTok?: Token;
  readonly nameTok: Token;
  readonly then: RawPolicyBranch;
  readonly elseTok?: Token;
  readonly otherwise?: RawPolicyBranch;
}

/** A statement inside a condition block: its first word and the tokens up to the `;`. */
export interface RawConditionStatement {
  readonly head: Token;
  readonly args: readonly Token[];
}

/** `damping on|off;` or `damping { NAME VALUE; ... };` inside a condition block. */
export interface RawDamping {
  readonly head: Token;
  readonly switchTok?: Token;
  readonly params: ReadonlyArray<{ readonly nameTok: Token; readonly valueTok: Token }>;
}

/** `condition NAME { ... };` at the top level (firsthop extension, RFC 8475). */
export interface RawCondition {
  readonly keywordTok: Token;
  readonly nameTok: Token;
  readonly statements: readonly RawConditionStatement[];
  readonly damping: readonly RawDamping[];
}

/** One entry of a `{ ... }` list in a vrrp statement: its tokens, and the `;` that ends it (absent before the closing `}`). */
export interface RawVrrpEntry {
  readonly tokens: readonly Token[];
  readonly semicolon?: Token;
}

/** A statement inside a vrrp or vrrp_sync_group block: `HEAD ARGS... [{ ENTRY; ... }];`. */
export interface RawVrrpStatement {
  readonly head: Token;
  readonly args: readonly Token[];
  readonly list?: { readonly open: Token; readonly entries: readonly RawVrrpEntry[] };
}

/** `vrrp NAME { ... };` or `vrrp_sync_group NAME { ... };` at the top level (firsthop extension, RFC 9568). */
export interface RawVrrpBlock {
  readonly kind: 'vrrp' | 'vrrp_sync_group';
  readonly keywordTok: Token;
  readonly nameTok: Token;
  readonly statements: readonly RawVrrpStatement[];
}

/** `vrrp NAME;` inside an interface block (firsthop extension): RAs follow that virtual router. */
export interface RawVrrpTie {
  readonly kind: 'vrrp';
  readonly keywordTok: Token;
  readonly nameTok: Token;
}

/** `http { STATEMENT; ... };` at the top level (firsthop extension): the HTTP endpoint. */
export interface RawHttpBlock {
  readonly keywordTok: Token;
  readonly statements: readonly RawConditionStatement[];
}

export type RawItem = RawOption | RawBlock | RawPolicy | RawVrrpTie;

export interface RawInterface {
  readonly keywordTok: Token;
  readonly nameTok: Token;
  readonly items: readonly RawItem[];
}

export interface RawConfig {
  readonly file: string;
  readonly interfaces: readonly RawInterface[];
  /** Condition blocks, in file order (firsthop extension). */
  readonly conditions: readonly RawCondition[];
  /** The first `condition` or `if` of the file, when it uses the conditional-RA extension. */
  readonly extensionTok?: Token;
  /** vrrp blocks, in file order (firsthop extension). */
  readonly vrrp: readonly RawVrrpBlock[];
  /** vrrp_sync_group blocks, in file order (firsthop extension). */
  readonly vrrpSyncGroups: readonly RawVrrpBlock[];
  /** The first vrrp block, vrrp_sync_group block or interface `vrrp NAME;`, when the file uses the VRRP extension. */
  readonly vrrpTok?: Token;
  /** http blocks (firsthop extension; more than one is an error). */
  readonly http?: readonly RawHttpBlock[];
}

export interface ParseOutput {
  readonly raw: RawConfig;
  readonly errors: Diagnostic[];
}

/** Thrown inside a statement to abandon it; the caller recovers. */
class StatementError extends Error {}

const STATEMENT_STARTERS = new Set(['interface']);

/** Words that start a top-level block when a `{` follows (after an optional name). */
const TOP_LEVEL_WORDS = new Set(['condition', 'vrrp', 'vrrp_sync_group', 'http']);

/** keepalived.conf blocks that may be pasted into a firsthop file: what to write instead. */
const KEEPALIVED_TOP_LEVEL: Readonly<Record<string, string>> = {
  vrrp_instance: "keepalived's vrrp_instance NAME { ... } is written vrrp NAME { ... }; in firsthop, with ';' after every statement",
  vrrp_script: "keepalived's vrrp_script is not supported: firsthop runs no scripts; define a condition (probe, or manual set with `firsthop condition set`) and track it in the vrrp block",
  global_defs: "keepalived's global_defs is not supported: firsthop has no global VRRP settings; everything goes in the vrrp blocks",
};

export function parseRaw(text: string, file: string): ParseOutput {
  return new Parser(lex(text).tokens, file).parseFile();
}

class Parser {
  private pos = 0;
  private readonly errors: Diagnostic[] = [];
  private extensionTok: Token | undefined;
  private vrrpTok: Token | undefined;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly file: string,
  ) {}

  parseFile(): ParseOutput {
    const interfaces: RawInterface[] = [];
    const conditions: RawCondition[] = [];
    const vrrp: RawVrrpBlock[] = [];
    const vrrpSyncGroups: RawVrrpBlock[] = [];
    const http: RawHttpBlock[] = [];
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (t.kind === 'keyword' && t.text === 'interface') {
        const iface = this.parseInterface();
        if (iface) interfaces.push(iface);
        continue;
      }
      if (t.kind === 'string' && t.text === 'condition') {
        this.statement(() => conditions.push(this.parseCondition()));
        continue;
      }
      if (t.kind === 'string' && (t.text === 'vrrp' || t.text === 'vrrp_sync_group')) {
        const kind = t.text;
        try {
          (kind === 'vrrp' ? vrrp : vrrpSyncGroups).push(this.parseVrrpBlock(kind));
        } catch (e) {
          if (!(e instanceof StatementError)) throw e;
          this.skipVrrpHead();
        }
        continue;
      }
      if (t.kind === 'string' && t.text === 'http' && this.at(1)?.kind === '{') {
        this.statement(() => http.push(this.parseHttpBlock()));
        continue;
      }
      const keepalived = t.kind === 'string' ? KEEPALIVED_TOP_LEVEL[t.text] : undefined;
      if (keepalived !== undefined && (this.at(1)?.kind === '{' || this.at(2)?.kind === '{')) {
        this.error(t, keepalived, 'E_VRRP_UNSUPPORTED');
        this.skipBracedBlock();
        continue;
      }
      this.error(t, this.unexpectedMessage(t, "'interface'"), 'E_SYNTAX');
      // Skip to the next interface (or condition, or vrrp) definition.
      this.next();
      while (this.peek().kind !== 'eof' && !this.atTopLevelStart()) this.next();
    }
    // A file of vrrp blocks alone is valid: VRRP without Router Advertisements.
    if (interfaces.length === 0 && vrrp.length === 0 && this.errors.length === 0) {
      this.error(this.peek(), 'no interface definitions: radvd needs at least one "interface NAME { ... };"', 'E_NO_INTERFACES');
    }
    const raw: RawConfig = {
      file: this.file,
      interfaces,
      conditions,
      ...(this.extensionTok ? { extensionTok: this.extensionTok } : {}),
      vrrp,
      vrrpSyncGroups,
      ...(this.vrrpTok ? { vrrpTok: this.vrrpTok } : {}),
      ...(http.length > 0 ? { http } : {}),
    };
    return { raw, errors: this.errors };
  }

  private at(k: number): Token | undefined {
    return this.tokens[this.pos + k];
  }

  /**
   * `interface`, or `condition|vrrp|vrrp_sync_group NAME {` / `... {` (a bare word `condition`
   * or `vrrp` elsewhere is not one: `vrrp NAME;` is a statement of an interface or a condition).
   */
  private atTopLevelStart(): boolean {
    const t = this.peek();
    if (t.kind === 'keyword' && t.text === 'interface') return true;
    if (t.kind !== 'string' || !TOP_LEVEL_WORDS.has(t.text)) return false;
    return this.at(1)?.kind === '{' || this.at(2)?.kind === '{';
  }

  /** Like atTopLevelStart, but `interface NAME;` is the interface statement of a vrrp block, not a new interface. */
  private atTopLevelStartInVrrp(): boolean {
    const t = this.peek();
    if (t.kind === 'keyword' && t.text === 'interface') return this.at(2)?.kind === '{' || this.at(1)?.kind === '{';
    return this.atTopLevelStart();
  }

  /**
   * After a bad vrrp block head: skip to just after the next `;` outside braces, or to the next
   * top-level definition (`interface NAME;` is skipped: it is a vrrp statement, not a definition).
   */
  private skipVrrpHead(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || (depth === 0 && this.atTopLevelStartInVrrp())) return;
      this.next();
      if (t.kind === '{') depth++;
      else if (t.kind === '}') depth = Math.max(0, depth - 1);
      else if (t.kind === ';' && depth === 0) return;
    }
  }

  /** Skip WORD [NAME] { ... } [;] with nested braces (a keepalived block pasted into the file). */
  private skipBracedBlock(): void {
    while (this.peek().kind !== '{' && this.peek().kind !== 'eof') this.next();
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return;
      if (t.kind === '{') depth++;
      else if (t.kind === '}' && --depth === 0) break;
    }
    if (this.peek().kind === ';') this.next();
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
      if (t.kind === 'string' && t.text === 'condition' && this.atTopLevelStart()) {
        this.error(t, `interface ${nameTok.text} (line ${keywordTok.line}) is not closed: missing '};' before the next condition (condition blocks go at the top level, outside interfaces)`, 'E_SYNTAX');
        break;
      }
      if (t.kind === 'string' && (t.text === 'vrrp' || t.text === 'vrrp_sync_group' || t.text === 'http') && this.atTopLevelStart()) {
        this.error(t, `interface ${nameTok.text} (line ${keywordTok.line}) is not closed: missing '};' before the next ${t.text} block (${t.text} blocks go at the top level, outside interfaces)`, 'E_SYNTAX');
        break;
      }
      this.statement(() => {
        const item = this.parseItem('interface');
        if (item) items.push(item);
      });
    }
    return { keywordTok, nameTok, items };
  }

  /** After a failed interface head: skip its braces if any, up to the next interface (or condition). */
  private skipInterface(): void {
    while (this.peek().kind !== 'eof' && !this.atTopLevelStart()) this.next();
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
    if (t.kind === 'string' && t.text === 'if') return this.parsePolicy(block);
    if (t.kind === 'string' && t.text === 'vrrp') {
      if (block !== 'interface') this.fail(t, `vrrp NAME; goes directly inside an interface block, not inside ${blockName(block)}`, 'E_SYNTAX');
      return this.parseVrrpTie();
    }
    if (t.kind === 'string' && t.text === 'vrrp_sync_group') {
      this.fail(t, `vrrp_sync_group blocks go at the top level of the file, not inside ${blockName(block)}`, 'E_SYNTAX');
    }
    if (t.kind === 'string' && t.text === 'condition') {
      this.fail(t, `condition blocks go at the top level of the file, not inside ${blockName(block)}${block === 'interface' ? '' : ' (is a block above missing its \'};\'?)'}`, 'E_SYNTAX');
    }
    if (t.kind === 'string' && t.text === 'else') this.fail(t, "'else' must follow the '}' of an if branch: if NAME { ... } else { ... };", 'E_SYNTAX');
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
    const policies: RawPolicy[] = [];
    const open = this.peek();
    if (open.kind === '{') {
      this.next();
      if (spec.body === 'list') this.parseAddressList(spec.keyword, open, addresses);
      else this.parseBlockBody(spec, open, options, policies);
      this.expectSemicolonAfterBlock(`${spec.keyword} block`);
    } else if (spec.body === 'optional' && open.kind === ';') {
      this.next();
    } else {
      const want = spec.body === 'optional' ? "'{' or ';'" : "'{'";
      this.fail(open, this.unexpectedMessage(open, `${want} after the ${spec.keyword} head`), 'E_SYNTAX');
    }
    return { kind: 'block', spec, keywordTok, ...(prefix ? { prefix } : {}), addresses, suffixes, ...(abroLenTok ? { abroLenTok } : {}), options, policies };
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

  private parseBlockBody(spec: BlockSpec, open: Token, options: RawOption[], policies: RawPolicy[]): void {
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
        else if (item?.kind === 'if') policies.push(item);
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
        // AllowedRouters also takes MACs (aa:bb:cc:dd:ee:ff), which the scanner reads as words.
        const mac = keyword === 'AllowedRouters' && this.peek().kind === 'string' && MAC.test(this.peek().text);
        const tok = mac ? this.next() : this.expectAddress(`'${keyword} {'${keyword === 'AllowedRouters' ? ' (or a MAC address)' : ''}`);
        out.push({ tok, address: tok.text });
        this.expectSemicolon(tok.text);
      });
    }
  }


  // ---- conditional RAs (firsthop extension, RFC 8475) ---------------------------------------

  /** `if [not] NAME { OPTION VALUE; ... } [else { ... }];` in a block of kind `block`. */
  private parsePolicy(block: BlockKind): RawPolicy {
    const ifTok = this.next();
    this.extensionTok ??= ifTok;
    let notTok: Token | undefined;
    if (this.peek().kind === 'string' && this.peek().text === 'not') notTok = this.next();
    const nameTok = this.peek();
    if (nameTok.kind !== 'string') this.fail(nameTok, this.unexpectedMessage(nameTok, `a condition name after '${notTok ? 'if not' : 'if'}'`), 'E_SYNTAX');
    this.next();
    const head = `if ${notTok ? 'not ' : ''}${nameTok.text}`;
    const then = this.parsePolicyBranch(block, head);
    let elseTok: Token | undefined;
    let otherwise: RawPolicyBranch | undefined;
    if (this.peek().kind === 'string' && this.peek().text === 'else') {
      elseTok = this.next();
      otherwise = this.parsePolicyBranch(block, `${head} ... else`);
    }
    this.expectSemicolonAfterBlock(head);
    return { kind: 'if', ifTok, ...(notTok ? { notTok } : {}), nameTok, then, ...(elseTok ? { elseTok } : {}), ...(otherwise ? { otherwise } : {}) };
  }

  private parsePolicyBranch(block: BlockKind, head: string): RawPolicyBranch {
    const open = this.peek();
    if (open.kind !== '{') this.fail(open, this.unexpectedMessage(open, `'{' after ${head}`), 'E_SYNTAX');
    this.next();
    const options: RawOption[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.next();
        return { open, options };
      }
      if (t.kind === 'eof' || (t.kind === 'keyword' && t.text === 'interface')) {
        this.fail(t, `the branch of ${head} opened at line ${open.line} is not closed: missing '}'`, 'E_SYNTAX');
      }
      this.statement(() => {
        const o = this.parseBranchOption(block);
        if (o) options.push(o);
      });
    }
  }

  /**
   * An option inside an if branch. Options of other blocks are read with their own value kind,
   * so that the resolver can say which fields a policy may set here.
   */
  private parseBranchOption(block: BlockKind): RawOption | undefined {
    const t = this.peek();
    if (t.kind === 'keyword') {
      const spec = findOption(block, t.text) ?? (findBlock(t.text) ? undefined : OPTIONS.find((o) => o.name === t.text));
      if (spec) return this.parseOption(spec);
      if (findBlock(t.text)) this.fail(t, `a ${t.text} block cannot appear inside an if branch; a branch holds only options`, 'E_SYNTAX');
    }
    if (t.kind === 'string' && t.text === 'if') {
      this.fail(t, 'if statements cannot be nested: combine conditions with condition NAME { all A B; }; or { any A B; };', 'E_SYNTAX');
    }
    if (t.kind === 'string' && t.text === 'vrrp') {
      this.fail(t, 'vrrp NAME; cannot appear inside an if branch: a branch holds only options; write it directly in the interface block', 'E_SYNTAX');
    }
    return this.parseItem(block) as RawOption | undefined;
  }

  /** `condition NAME { STATEMENT; ... };` at the top level. */
  private parseCondition(): RawCondition {
    const keywordTok = this.next();
    this.extensionTok ??= keywordTok;
    const nameTok = this.peek();
    if (nameTok.kind === '{' || nameTok.kind === ';' || nameTok.kind === '}' || nameTok.kind === 'eof') {
      this.fail(nameTok, this.unexpectedMessage(nameTok, 'a condition name after condition'), 'E_SYNTAX');
    }
    this.next();
    const open = this.peek();
    if (open.kind !== '{') this.fail(open, this.unexpectedMessage(open, `'{' after condition ${nameTok.text}`), 'E_SYNTAX');
    this.next();
    const statements: RawConditionStatement[] = [];
    const damping: RawDamping[] = [];
    const closed = this.parseBlockStatements(`condition ${nameTok.text}`, keywordTok, () => {
      const t = this.peek();
      if (t.kind === 'string' && t.text === 'damping') damping.push(this.parseDamping());
      else statements.push(this.parseConditionStatement());
    });
    if (closed) this.expectSemicolonAfterBlock(`condition ${nameTok.text}`);
    return { keywordTok, nameTok, statements, damping };
  }

  /**
   * The statements of a top-level block up to its `}` (the `{` read already), one `each` a
   * statement. A block the file ends in, or that a new top-level block starts in, is reported
   * (`label (line N) is not closed`) and what was read is kept: returns false then.
   */
  private parseBlockStatements(label: string, keywordTok: Token, each: () => void, newBlock: () => boolean = () => this.atTopLevelStart()): boolean {
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.next();
        return true;
      }
      if (t.kind === 'eof' || newBlock()) {
        // Report and keep what was read; the next definition is parsed normally.
        this.error(t, `${label} (line ${keywordTok.line}) is not closed: missing '};'${t.kind === 'eof' ? '' : ` before the next ${t.text}`}`, 'E_SYNTAX');
        return false;
      }
      this.statement(each);
    }
  }

  /** A kind statement: its first word and every token up to the `;`. */
  private parseConditionStatement(): RawConditionStatement {
    return this.parseWordStatement('a condition statement (link, route, address, probe, manual, vrrp, all, any, not or damping)');
  }

  /** A statement of words: its first word (`expected` names what it may be) and every token up to the `;`. */
  private parseWordStatement(expected: string): RawConditionStatement {
    const head = this.peek();
    if (head.kind !== 'string' && head.kind !== 'keyword') {
      this.fail(head, this.unexpectedMessage(head, expected), head.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_SYNTAX');
    }
    this.next();
    const args: Token[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === ';') {
        this.next();
        break;
      }
      if (t.kind === '}' || t.kind === 'eof') {
        this.error(t, `missing ';' after ${[head, ...args].map((a) => a.text).join(' ')} (found ${describeToken(t)})`, 'E_SYNTAX');
        break;
      }
      if (t.kind === '{') this.fail(t, `syntax error: unexpected '{' in ${head.text} statement; expected ';'`, 'E_SYNTAX');
      args.push(this.next());
    }
    return { head, args };
  }

  /** `damping on|off;` or `damping { NAME VALUE; ... };`. */
  private parseDamping(): RawDamping {
    const head = this.next();
    const t = this.peek();
    if (t.kind === 'switch') {
      this.next();
      this.expectSemicolon(`damping ${t.text}`);
      return { head, switchTok: t, params: [] };
    }
    if (t.kind !== '{') this.fail(t, this.unexpectedMessage(t, "on, off or '{' after damping"), 'E_SYNTAX');
    this.next();
    const params: Array<{ nameTok: Token; valueTok: Token }> = [];
    for (;;) {
      const n = this.peek();
      if (n.kind === '}') {
        this.next();
        break;
      }
      if (n.kind === 'eof' || (n.kind === 'keyword' && n.text === 'interface')) {
        this.fail(n, `damping block opened at line ${t.line} is not closed: missing '};'`, 'E_SYNTAX');
      }
      this.statement(() => {
        const nameTok = this.peek();
        if (nameTok.kind !== 'string') this.fail(nameTok, this.unexpectedMessage(nameTok, 'a damping parameter (HoldDown, Penalty, Suppress, Reuse, HalfLife, MaxSuppress)'), 'E_SYNTAX');
        this.next();
        const valueTok = this.peek();
        if (valueTok.kind !== 'number' && valueTok.kind !== 'decimal') {
          if (valueTok.kind === ';' || valueTok.kind === '}' || valueTok.kind === 'eof') this.fail(valueTok, `${nameTok.text} needs a value: a number`, 'E_SYNTAX');
          this.fail(valueTok, `${nameTok.text} expects a number (integer or N.N), found ${describeToken(valueTok)}`, valueTok.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_BAD_VALUE');
        }
        this.next();
        this.expectSemicolon(`${nameTok.text} ${valueTok.text}`);
        params.push({ nameTok, valueTok });
      });
    }
    this.expectSemicolonAfterBlock('damping block');
    return { head, params };
  }

  // ---- VRRPv3 (firsthop extension, RFC 9568) -------------------------------------------------

  /** `vrrp NAME;` inside an interface block. */
  private parseVrrpTie(): RawVrrpTie {
    const keywordTok = this.next();
    this.vrrpTok ??= keywordTok;
    const nameTok = this.peek();
    if (nameTok.kind !== 'string') this.fail(nameTok, this.unexpectedMessage(nameTok, 'a VRRP instance name after vrrp'), nameTok.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_SYNTAX');
    this.next();
    this.expectSemicolon(`vrrp ${nameTok.text}`);
    return { kind: 'vrrp', keywordTok, nameTok };
  }

  /** `vrrp NAME { STATEMENT; ... };` or `vrrp_sync_group NAME { ... };` at the top level. */
  private parseVrrpBlock(kind: 'vrrp' | 'vrrp_sync_group'): RawVrrpBlock {
    const keywordTok = this.next();
    this.vrrpTok ??= keywordTok;
    const nameTok = this.peek();
    if ((nameTok.kind !== 'string' && nameTok.kind !== 'keyword' && nameTok.kind !== 'number' && nameTok.kind !== 'quoted') || (nameTok.kind === 'keyword' && nameTok.text === 'interface')) {
      this.fail(nameTok, this.unexpectedMessage(nameTok, `a name after ${kind}`), nameTok.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_SYNTAX');
    }
    this.next();
    const open = this.peek();
    if (open.kind === ';' && kind === 'vrrp') {
      this.fail(open, `vrrp ${nameTok.text}; goes inside an interface block (its RAs then follow that virtual router); a virtual router is defined with vrrp ${nameTok.text} { ... };`, 'E_SYNTAX');
    }
    if (open.kind !== '{') this.fail(open, this.unexpectedMessage(open, `'{' after ${kind} ${nameTok.text}`), 'E_SYNTAX');
    this.next();
    const statements: RawVrrpStatement[] = [];
    const label = `${kind} ${nameTok.text}`;
    const closed = this.parseBlockStatements(label, keywordTok, () => statements.push(this.parseVrrpStatement()), () => this.atTopLevelStartInVrrp());
    if (closed) this.expectSemicolonAfterBlock(label);
    return { kind, keywordTok, nameTok, statements };
  }

  /**
   * A statement of a vrrp or vrrp_sync_group block: its first word, the tokens up to the `;`, and
   * an optional `{ ENTRY; ... }` list (virtual_ipaddress), which must be followed by `;`. A known
   * statement word at the start of a new line ends a statement that lacks its `;` (keepalived.conf
   * has none), so one missing `;` is one error.
   */
  private parseVrrpStatement(): RawVrrpStatement {
    const head = this.peek();
    if (head.kind !== 'string' && head.kind !== 'keyword') {
      this.fail(head, this.unexpectedMessage(head, 'a vrrp statement name'), head.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_SYNTAX');
    }
    this.next();
    const args: Token[] = [];
    let last = head;
    const shown = (): string => [head, ...args].map((a) => a.text).join(' ');
    for (;;) {
      const t = this.peek();
      if (t.kind === ';') {
        this.next();
        return { head, args };
      }
      if (t.kind === '{') {
        const list = this.parseVrrpList();
        const after = this.peek();
        if (after.kind === ';') this.next();
        else this.error(after, `missing ';' after the '}' closing ${shown()} { ... } (found ${describeToken(after)})`, 'E_SYNTAX');
        return { head, args, list };
      }
      if (t.kind === '}' || t.kind === 'eof' || this.atTopLevelStartInVrrp() || (t.line > last.line && VRRP_STATEMENT_WORDS.has(t.text))) {
        this.error(t, `missing ';' after ${shown()} (found ${describeToken(t)})`, 'E_SYNTAX');
        return { head, args };
      }
      last = this.next();
      args.push(last);
    }
  }

  /** `{ ENTRY; ENTRY; ... }` after a vrrp statement; a nested `{ }` stays inside its entry. */
  private parseVrrpList(): { open: Token; entries: RawVrrpEntry[] } {
    const open = this.next();
    const entries: RawVrrpEntry[] = [];
    let cur: Token[] = [];
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || (depth === 0 && this.atTopLevelStartInVrrp())) {
        // The enclosing block reports the missing '};'.
        if (cur.length > 0) entries.push({ tokens: cur });
        return { open, entries };
      }
      this.next();
      if (t.kind === '}' && depth === 0) {
        if (cur.length > 0) entries.push({ tokens: cur });
        return { open, entries };
      }
      if (t.kind === ';' && depth === 0) {
        if (cur.length > 0) entries.push({ tokens: cur, semicolon: t });
        cur = [];
        continue;
      }
      if (t.kind === '{') depth++;
      else if (t.kind === '}') depth--;
      cur.push(t);
    }
  }

  // ---- the HTTP endpoint (firsthop extension) -----------------------------------------------

  /** `http { STATEMENT; ... };` at the top level: each statement a word and its arguments up to `;`. */
  private parseHttpBlock(): RawHttpBlock {
    const keywordTok = this.next();
    this.next(); // '{'
    const statements: RawConditionStatement[] = [];
    const closed = this.parseBlockStatements('http', keywordTok, () => {
      statements.push(this.parseWordStatement('an http statement (address or port)'));
    });
    if (closed) this.expectSemicolonAfterBlock('http');
    return { keywordTok, statements };
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
