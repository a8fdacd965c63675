/**
 * The conditional-RA extension of radvd.conf (RFC 8475): named conditions at the top level and
 * `if` policies inside blocks. This file turns raw `condition` blocks into ConditionConfig,
 * checks the references between conditions and from policies, and holds the tables the
 * resolver and the reference document share (policy fields per block, damping defaults,
 * iproute2 protocol and table names).
 *
 * Syntax (firsthop only; radvd rejects any file that uses it):
 *
 *   condition NAME {
 *       link IFNAME up|down|carrier|present;
 *       # or: route PREFIX/LEN|default [via ADDR] [dev IFNAME] [proto P] [table T] [metric N];
 *       # or: address ADDR[/LEN] [dev IFNAME];
 *       # or: probe ADDR [source ADDR] [dev IFNAME] [interval S] [timeout S] [loss N] [rise N];
 *       # or: manual up|down;   vrrp INSTANCE;   all [not] NAME...;   any [not] NAME...;   not NAME;
 *       damping on|off;  or  damping { HoldDown S; Penalty N; Suppress N; Reuse N; HalfLife S; MaxSuppress S; };
 *   };
 *
 * Times are seconds in the file (N or N.N) and milliseconds in the types.
 */
import { DEFAULT_DAMPING } from '../conditions/engine';
import type { ConditionConfig, ConditionRef, ConditionSpec, DampingConfig, PolicyField } from '../conditions/types';
import { canonicalIPv6, hasHostBits, isIPv6, isLinkLocal, isMulticast, maskBytes, formatIPv6, parseIPv6 } from '../net/ipv6';
import type { Token } from './lexer';
import type { RawCondition, RawConditionStatement, RawDamping } from './parse';
import { IFNAMSIZ, type BlockKind } from './schema';
import type { SourcePos } from './types';

/**
 * Damping defaults (`damping on;`, and every parameter a `damping { }` block leaves out): the
 * engine's DEFAULT_DAMPING (src/conditions/damping.ts, re-exported by engine.ts), so the grammar,
 * the engine and docs/config-reference.md cannot disagree.
 */
export const DAMPING_DEFAULTS: DampingConfig = DEFAULT_DAMPING;

/** Damping parameters as written in the file; times are seconds there. */
export const DAMPING_PARAMS: ReadonlyArray<{ readonly name: string; readonly key: keyof DampingConfig; readonly seconds: boolean; readonly meaning: string }> = [
  { name: 'HoldDown', key: 'holdDownMs', seconds: true, meaning: 'A change to true is announced only after the condition has been true this long without a break (a change to false is announced at once).' },
  { name: 'Penalty', key: 'penalty', seconds: false, meaning: 'Added to the penalty at every flap (a true -> false change).' },
  { name: 'Suppress', key: 'suppress', seconds: false, meaning: 'A flap that takes the penalty above this suppresses the condition: it stays false.' },
  { name: 'Reuse', key: 'reuse', seconds: false, meaning: 'Suppression ends when the decaying penalty falls below this. Must be less than Suppress.' },
  { name: 'HalfLife', key: 'halfLifeMs', seconds: true, meaning: 'The penalty halves every HalfLife. Must be more than 0.' },
  { name: 'MaxSuppress', key: 'maxSuppressMs', seconds: true, meaning: 'Suppression never lasts longer than this.' },
];

/** The fields a policy may set, by block (PolicyField's contract). */
export const POLICY_FIELDS: Readonly<Partial<Record<BlockKind, readonly PolicyField[]>>> = {
  interface: ['AdvDefaultLifetime', 'AdvDefaultPreference'],
  prefix: ['AdvPreferredLifetime'],
  route: ['AdvRouteLifetime', 'AdvRoutePreference'],
  RDNSS: ['AdvRDNSSLifetime'],
  DNSSL: ['AdvDNSSLLifetime'],
};

/** iproute2's /etc/iproute2/rt_protos names (RTPROT_*). */
export const RT_PROTOS: Readonly<Record<string, number>> = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13, xorp: 14, ntk: 15,
  dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
};

/** iproute2's /etc/iproute2/rt_tables names. */
export const RT_TABLES: Readonly<Record<string, number>> = { default: 253, main: 254, local: 255 };

export const LINK_STATES = ['up', 'down', 'carrier', 'present'] as const;

/** Kind statements of a condition block, with how they are written (for messages and the doc). */
export const CONDITION_KINDS: ReadonlyArray<{ readonly kind: ConditionSpec['kind']; readonly syntax: string; readonly meaning: string }> = [
  { kind: 'link', syntax: 'link IFNAME up|down|carrier|present', meaning: "An interface's state: up = administratively up with carrier; down = not up or no carrier; carrier = has carrier; present = exists." },
  { kind: 'route', syntax: 'route PREFIX/LEN|default [via ADDR] [dev IFNAME] [proto P] [table T] [metric N]', meaning: 'A route with all the given attributes is in the kernel. proto takes an iproute2 name (kernel, boot, static, ra, dhcp, zebra, bird, babel, bgp, isis, ospf, rip, eigrp, ...) or a number; table takes main, local, default or a number. ::/0 (or default) is a default route. For a multipath (ECMP) route, via and dev match when one of its next hops has them; routes installed by BIRD have proto bird, not the protocol BIRD learned them by.' },
  { kind: 'address', syntax: 'address ADDR|PREFIX/LEN [dev IFNAME]', meaning: 'The address (or any address inside the prefix) is configured, and not tentative, on IFNAME (any interface without dev).' },
  { kind: 'probe', syntax: 'probe ADDR [source ADDR] [dev IFNAME] [interval S] [timeout S] [loss N] [rise N]', meaning: 'ICMPv6 echo to ADDR every interval (default 1 s) with a timeout (default 1 s): false after loss (default 3) consecutive losses, true after rise (default 1) consecutive answers. A link-local target needs dev.' },
  { kind: 'manual', syntax: 'manual up|down', meaning: 'Set at run time with `firsthop condition set NAME up|down`; starts up or down.' },
  { kind: 'vrrp', syntax: 'vrrp INSTANCE', meaning: 'True while this router is the Active (keepalived: master) of the VRRP instance, which must be defined by a vrrp block.' },
  { kind: 'all', syntax: 'all [not] NAME [[not] NAME ...]', meaning: 'True when every listed condition is true (`not NAME` inverts one).' },
  { kind: 'any', syntax: 'any [not] NAME [[not] NAME ...]', meaning: 'True when at least one listed condition is true.' },
  { kind: 'not', syntax: 'not NAME', meaning: 'True when NAME is false.' },
];

const RESERVED_NAMES = new Set(['not', 'all', 'any', 'if', 'else', 'condition', 'damping']);
/** Condition names, and VRRP instance and sync group names: letters, digits, '-' and '_', starting with a letter. */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

export interface Reporter {
  error(t: Token, code: string, message: string): void;
  warn(t: Token, code: string, message: string): void;
  pos(t: Token): SourcePos;
}

/** A reference to a named condition in the file, for the checks after every block is read. */
export interface NameUse {
  readonly tok: Token;
  /** The condition that refers (undefined: a policy). */
  readonly from?: string;
  /** How an unknown name is introduced in the error, e.g. 'track in vrrp VI_1 names an' (default: 'if names an'). */
  readonly what?: string;
}

export interface ResolvedConditions {
  readonly conditions: ConditionConfig[];
  /** Every defined name (also of conditions with errors), with its name token. */
  readonly defined: Map<string, Token>;
  /** References from all/any/not, by the referring condition. */
  readonly edges: Map<string, NameUse[]>;
  /** References in conditions whose statement has errors: they count as uses, but are not checked. */
  readonly unchecked: Map<string, NameUse[]>;
}

/** Raw condition blocks -> ConditionConfig, with every check that needs only the block itself. */
export function resolveConditions(r: Reporter, raws: readonly RawCondition[]): ResolvedConditions {
  const conditions: ConditionConfig[] = [];
  const defined = new Map<string, Token>();
  const edges = new Map<string, NameUse[]>();
  const unchecked = new Map<string, NameUse[]>();
  for (const raw of raws) {
    const nameTok = raw.nameTok;
    const name = nameTok.text;
    const nameOk = checkName(r, nameTok);
    const first = defined.get(name);
    if (first) r.error(nameTok, 'E_CONDITION_DUPLICATE', `condition ${name} is already defined at line ${first.line}: condition names must be unique`);
    else if (nameOk) defined.set(name, nameTok);

    const uses: NameUse[] = [];
    const spec = kindStatement(r, raw, uses);
    if (nameOk && !first) (spec ? edges : unchecked).set(name, uses);
    const damping = resolveDamping(r, raw.damping);
    if (spec && nameOk) conditions.push({ name, spec, ...(damping ? { damping } : {}), pos: r.pos(raw.keywordTok) });
  }
  return { conditions, defined, edges, unchecked };
}

function checkName(r: Reporter, t: Token): boolean {
  if (t.kind === 'string' && NAME_RE.test(t.text) && !RESERVED_NAMES.has(t.text)) return true;
  const why = RESERVED_NAMES.has(t.text)
    ? `'${t.text}' is a reserved word of the condition syntax`
    : t.kind === 'keyword'
      ? `'${t.text}' is a radvd.conf keyword`
      : `a condition name is letters, digits, '-' and '_', starting with a letter`;
  r.error(t, 'E_CONDITION_NAME', `invalid condition name ${t.text}: ${why}`);
  return false;
}

function kindStatement(r: Reporter, raw: RawCondition, uses: NameUse[]): ConditionSpec | undefined {
  const kinds = CONDITION_KINDS.map((k) => k.kind).join(', ');
  const [stmt, second] = raw.statements;
  if (!stmt) {
    r.error(raw.nameTok, 'E_CONDITION_KIND', `condition ${raw.nameTok.text} says nothing to test: write one of ${kinds}`);
    return undefined;
  }
  if (second) {
    r.error(second.head, 'E_CONDITION_KIND', `condition ${raw.nameTok.text} already has a ${stmt.head.text} statement (line ${stmt.head.line}): one kind statement per condition; combine conditions with all or any`);
  }
  return kindSpec(r, stmt, uses);
}

/** Reads the arguments of one kind statement. */
class Args {
  private i = 0;
  constructor(
    private readonly r: Reporter,
    readonly stmt: RawConditionStatement,
  ) {}

  peek(): Token | undefined {
    return this.stmt.args[this.i];
  }

  next(): Token | undefined {
    return this.stmt.args[this.i++];
  }

  done(): boolean {
    return this.i >= this.stmt.args.length;
  }

  /** Where a missing argument is reported: the last token of the statement. */
  end(): Token {
    return this.stmt.args[this.stmt.args.length - 1] ?? this.stmt.head;
  }

  /** An IPv6 address (radvd's scanner forms, or any form Node reads, like ::1). */
  address(what: string): string | undefined {
    const t = this.next();
    if (!t) {
      this.r.error(this.end(), 'E_CONDITION_ADDRESS', `${this.stmt.head.text} needs ${what}: an IPv6 address`);
      return undefined;
    }
    if ((t.kind === 'address' || t.kind === 'string') && isIPv6(t.text) && !t.text.includes('%')) return canonicalIPv6(t.text);
    const zone = t.text.includes('%') ? ' (zone indices are not allowed: use dev)' : '';
    this.r.error(t, 'E_CONDITION_ADDRESS', `${t.kind === 'bad' && t.problem ? t.problem : `'${t.text}' is not an IPv6 address`}${zone}; ${this.stmt.head.text} expects ${what}`);
    return undefined;
  }

  /** `/LEN` after an address, if present; undefined when absent, null when bad. */
  length(): number | undefined | null {
    if (this.peek()?.kind !== '/') return undefined;
    this.next();
    const t = this.next();
    if (!t || t.kind !== 'number') {
      this.r.error(t ?? this.end(), 'E_CONDITION_ADDRESS', `expected a prefix length after '/'${t ? `, found '${t.text}'` : ''}`);
      return null;
    }
    if ((t.num as number) > 128) {
      this.r.error(t, 'E_PREFIX_LENGTH', `invalid prefix length ${t.text}: at most 128`);
      return null;
    }
    return t.num as number;
  }

  ifname(attr: string): string | undefined {
    const t = this.next();
    if (!t) {
      this.r.error(this.end(), 'E_CONDITION_VALUE', `${attr} needs an interface name`);
      return undefined;
    }
    if (t.kind !== 'string' || t.text.length > IFNAMSIZ - 1 || /[/:]/.test(t.text) || t.text === '.' || t.text === '..') {
      const why = t.kind === 'string' && t.text.length > IFNAMSIZ - 1 ? ` (at most ${IFNAMSIZ - 1} characters)` : '';
      this.r.error(t, 'E_CONDITION_VALUE', `'${t.text}' is not an interface name${why}; ${attr} expects one`);
      return undefined;
    }
    return t.text;
  }

  /** A number of seconds (N or N.N) as milliseconds. */
  seconds(attr: string): { ms: number; tok: Token } | undefined {
    const t = this.next();
    if (!t || (t.kind !== 'number' && t.kind !== 'decimal')) {
      this.r.error(t ?? this.end(), 'E_CONDITION_VALUE', `${attr} expects a number of seconds (N or N.N)${t ? `, found '${t.text}'` : ''}`);
      return undefined;
    }
    return { ms: Math.round((t.num as number) * 1000), tok: t };
  }

  uint(attr: string): { value: number; tok: Token } | undefined {
    const t = this.next();
    if (!t || t.kind !== 'number') {
      this.r.error(t ?? this.end(), 'E_CONDITION_VALUE', `${attr} expects a non-negative integer${t ? `, found '${t.text}'` : ''}`);
      return undefined;
    }
    return { value: t.num as number, tok: t };
  }

  /** Report whatever is left as unexpected. */
  finish(): void {
    const t = this.peek();
    if (t) this.r.error(t, 'E_SYNTAX', `syntax error: unexpected '${t.text}' at the end of the ${this.stmt.head.text} statement; expected ';'`);
  }
}

function kindSpec(r: Reporter, stmt: RawConditionStatement, uses: NameUse[]): ConditionSpec | undefined {
  const head = stmt.head;
  let errors = 0;
  const rep: Reporter = {
    error: (t, code, message) => {
      errors++;
      r.error(t, code, message);
    },
    warn: (t, code, message) => r.warn(t, code, message),
    pos: (t) => r.pos(t),
  };
  const args = new Args(rep, stmt);
  const spec = ((): ConditionSpec | undefined => {
    switch (head.text) {
      case 'link':
        return link(rep, args);
      case 'route':
        return route(rep, args);
      case 'address':
        return address(rep, args);
      case 'probe':
        return probe(rep, args);
      case 'manual': {
        const t = args.next();
        if (!t || (t.text !== 'up' && t.text !== 'down')) {
          rep.error(t ?? head, 'E_CONDITION_VALUE', `manual expects up or down (the initial value)${t ? `, found '${t.text}'` : ''}`);
          return undefined;
        }
        args.finish();
        return { kind: 'manual', initial: t.text === 'up' };
      }
      case 'vrrp': {
        const t = args.next();
        if (!t || !(t.kind === 'string' || t.kind === 'number' || t.kind === 'quoted')) {
          rep.error(t ?? head, 'E_CONDITION_VALUE', `vrrp expects a VRRP instance name${t ? `, found '${t.text}'` : ''}`);
          return undefined;
        }
        const instance = t.kind === 'quoted' ? t.text.replace(/^L?"|"$/g, '') : t.text;
        if (instance === '') {
          rep.error(t, 'E_CONDITION_VALUE', 'vrrp needs a non-empty instance name');
          return undefined;
        }
        args.finish();
        return { kind: 'vrrp', instance };
      }
      case 'all':
      case 'any': {
        const of: ConditionRef[] = [];
        while (!args.done()) {
          const ref = nameRef(rep, args, uses, head.text);
          if (ref) of.push(ref);
        }
        if (of.length === 0 && errors === 0) rep.error(head, 'E_CONDITION_VALUE', `${head.text} needs at least one condition name`);
        return { kind: head.text, of };
      }
      case 'not': {
        const t = args.next();
        if (!t) {
          rep.error(head, 'E_CONDITION_VALUE', 'not needs a condition name');
          return undefined;
        }
        if (!isNameTok(t)) {
          rep.error(t, 'E_CONDITION_VALUE', `not expects a condition name, found '${t.text}'`);
          return undefined;
        }
        uses.push({ tok: t });
        args.finish();
        return { kind: 'not', of: { ref: t.text } };
      }
      default: {
        const like = CONDITION_KINDS.find((k) => k.kind.toLowerCase() === head.text.toLowerCase());
        const hint = like ? ` (words are case-sensitive: write '${like.kind}')` : '';
        rep.error(head, 'E_CONDITION_KIND', `unknown condition kind '${head.text}'${hint}: expected one of ${CONDITION_KINDS.map((k) => k.kind).join(', ')}, or damping`);
        return undefined;
      }
    }
  })();
  return errors === 0 ? spec : undefined;
}

function isNameTok(t: Token): boolean {
  return t.kind === 'string' || t.kind === 'keyword';
}

/** `[not] NAME` inside all/any. */
function nameRef(r: Reporter, args: Args, uses: NameUse[], kind: string): ConditionRef | undefined {
  let t = args.next() as Token;
  let negated = false;
  if (t.text === 'not' && t.kind === 'string') {
    negated = true;
    const n = args.next();
    if (!n) {
      r.error(t, 'E_CONDITION_VALUE', `'not' in ${kind} needs a condition name after it`);
      return undefined;
    }
    t = n;
  }
  if (!isNameTok(t)) {
    r.error(t, 'E_CONDITION_VALUE', `${kind} expects condition names, found '${t.text}'`);
    return undefined;
  }
  uses.push({ tok: t });
  return negated ? { spec: { kind: 'not', of: { ref: t.text } } } : { ref: t.text };
}

function link(r: Reporter, a: Args): ConditionSpec | undefined {
  const iface = a.ifname('link');
  if (iface === undefined) return undefined;
  const t = a.next();
  if (!t || !(LINK_STATES as readonly string[]).includes(t.text)) {
    const like = t ? LINK_STATES.find((s) => s === t.text.toLowerCase()) : undefined;
    const hint = like ? ` (write '${like}': words are case-sensitive)` : '';
    r.error(t ?? a.end(), 'E_LINK_STATE', `${t ? `unknown link state '${t.text}'` : `link ${iface} needs a state`}${hint}: expected up, down, carrier or present`);
    return undefined;
  }
  a.finish();
  return { kind: 'link', interface: iface, state: t.text as (typeof LINK_STATES)[number] };
}

/** PREFIX/LEN with the host bits clear (or `default` for ::/0 where allowed). */
function prefixArg(r: Reporter, a: Args, what: string, allowDefault: boolean): { prefix: string; length: number } | undefined {
  const first = a.peek();
  if (allowDefault && first?.kind === 'string' && first.text === 'default') {
    a.next();
    return { prefix: '::', length: 0 };
  }
  const addrTok = first;
  const addr = a.address(what);
  if (addr === undefined) return undefined;
  const length = a.length();
  if (length === null) return undefined;
  if (length === undefined) {
    r.error(a.peek() ?? a.end(), 'E_CONDITION_ADDRESS', `${a.stmt.head.text} needs a prefix: ${addr}/LEN`);
    return undefined;
  }
  if (hasHostBits(parseIPv6(addr), length)) {
    r.error(addrTok as Token, 'E_CONDITION_ADDRESS', `${addr}/${length} has bits set past /${length}: write ${formatIPv6(maskBytes(parseIPv6(addr), length))}/${length}`);
    return undefined;
  }
  return { prefix: addr, length };
}

/** Attributes `NAME VALUE` after the main argument; each may be given once. */
function attributes(r: Reporter, a: Args, allowed: Record<string, () => boolean>): boolean {
  const seen = new Set<string>();
  let ok = true;
  while (!a.done()) {
    const t = a.next() as Token;
    const read = allowed[t.text];
    if (!read) {
      r.error(t, 'E_SYNTAX', `syntax error: unexpected '${t.text}' in the ${a.stmt.head.text} statement; expected ${Object.keys(allowed).join(', ')} or ';'`);
      return false;
    }
    if (seen.has(t.text)) {
      r.error(t, 'E_CONDITION_VALUE', `${t.text} is given twice in the ${a.stmt.head.text} statement`);
      ok = false;
    }
    seen.add(t.text);
    if (!read()) ok = false;
  }
  return ok;
}

function route(r: Reporter, a: Args): ConditionSpec | undefined {
  const p = prefixArg(r, a, 'a prefix ADDR/LEN (or default)', true);
  if (!p) return undefined;
  let via: string | undefined;
  let dev: string | undefined;
  let protocol: number | undefined;
  let table: number | undefined;
  let metric: number | undefined;
  const named = (attr: string, names: Readonly<Record<string, number>>, max: number, set: (v: number) => void) => (): boolean => {
    const t = a.next();
    if (t?.kind === 'number' && (t.num as number) <= max) {
      set(t.num as number);
      return true;
    }
    if (t && t.kind !== 'number' && Object.prototype.hasOwnProperty.call(names, t.text)) {
      set(names[t.text] as number);
      return true;
    }
    const list = Object.keys(names).join(', ');
    r.error(t ?? a.end(), 'E_CONDITION_VALUE', `${attr} expects a number 0..${max} or one of ${list}${t ? `, found '${t.text}'` : ''}`);
    return false;
  };
  const ok = attributes(r, a, {
    via: () => {
      via = a.address('a next-hop address after via');
      return via !== undefined;
    },
    dev: () => {
      dev = a.ifname('dev');
      return dev !== undefined;
    },
    proto: named('proto', RT_PROTOS, 255, (v) => (protocol = v)),
    table: named('table', RT_TABLES, 0xffffffff, (v) => (table = v)),
    metric: () => {
      const m = a.uint('metric');
      metric = m?.value;
      return m !== undefined;
    },
  });
  if (!ok) return undefined;
  return {
    kind: 'route',
    prefix: p.prefix,
    prefixLength: p.length,
    ...(via !== undefined ? { via } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(table !== undefined ? { table } : {}),
    ...(metric !== undefined ? { metric } : {}),
  };
}

function address(r: Reporter, a: Args): ConditionSpec | undefined {
  const addrTok = a.peek();
  const addr = a.address('an address ADDR or a prefix ADDR/LEN');
  if (addr === undefined) return undefined;
  const length = a.length();
  if (length === null) return undefined;
  if (length !== undefined && hasHostBits(parseIPv6(addr), length)) {
    r.error(addrTok as Token, 'E_CONDITION_ADDRESS', `${addr}/${length} has bits set past /${length}: for any address inside the prefix write ${formatIPv6(maskBytes(parseIPv6(addr), length))}/${length}; for this address alone write ${addr} without a length`);
    return undefined;
  }
  let dev: string | undefined;
  const ok = attributes(r, a, {
    dev: () => {
      dev = a.ifname('dev');
      return dev !== undefined;
    },
  });
  if (!ok) return undefined;
  const where = dev !== undefined ? { dev } : {};
  return length === undefined ? { kind: 'address', address: addr, ...where } : { kind: 'address', prefix: addr, prefixLength: length, ...where };
}

function probe(r: Reporter, a: Args): ConditionSpec | undefined {
  const targetTok = a.peek();
  const target = a.address('a target address');
  if (target === undefined) return undefined;
  let source: string | undefined;
  let dev: string | undefined;
  let intervalMs = 1000;
  let timeoutMs = 1000;
  let lossThreshold = 3;
  let riseThreshold = 1;
  const positive = (attr: string, unit: 'seconds' | 'count', set: (v: number) => void) => (): boolean => {
    if (unit === 'seconds') {
      const s = a.seconds(attr);
      if (!s) return false;
      if (s.ms <= 0) {
        r.error(s.tok, 'E_PROBE', `probe ${attr} ${s.tok.text} must be more than 0 seconds${s.tok.num === 0 ? '' : ' (it rounds to 0 ms)'}`);
        return false;
      }
      set(s.ms);
      return true;
    }
    const n = a.uint(attr);
    if (!n) return false;
    if (n.value < 1) {
      r.error(n.tok, 'E_PROBE', `probe ${attr} must be at least 1`);
      return false;
    }
    set(n.value);
    return true;
  };
  const ok = attributes(r, a, {
    source: () => {
      source = a.address('a source address after source');
      return source !== undefined;
    },
    dev: () => {
      dev = a.ifname('dev');
      return dev !== undefined;
    },
    interval: positive('interval', 'seconds', (v) => (intervalMs = v)),
    timeout: positive('timeout', 'seconds', (v) => (timeoutMs = v)),
    loss: positive('loss', 'count', (v) => (lossThreshold = v)),
    rise: positive('rise', 'count', (v) => (riseThreshold = v)),
  });
  if (!ok) return undefined;
  if (isMulticast(target) || target === '::') {
    r.error(targetTok as Token, 'E_CONDITION_ADDRESS', `probe target ${target} must be a unicast address`);
    return undefined;
  }
  if (isLinkLocal(target) && dev === undefined) {
    r.error(targetTok as Token, 'E_PROBE', `probe target ${target} is link-local: say which interface with dev IFNAME`);
    return undefined;
  }
  return {
    kind: 'probe',
    target,
    ...(source !== undefined ? { source } : {}),
    ...(dev !== undefined ? { dev } : {}),
    intervalMs,
    timeoutMs,
    lossThreshold,
    riseThreshold,
  };
}

function resolveDamping(r: Reporter, raws: readonly RawDamping[]): DampingConfig | undefined {
  const [raw, again] = raws;
  if (again) r.error(again.head, 'E_DAMPING', `damping is given twice in this condition (first at line ${raw?.head.line})`);
  if (!raw) return undefined;
  if (raw.switchTok) return raw.switchTok.num === 1 ? DAMPING_DEFAULTS : undefined;
  const d: { -readonly [K in keyof DampingConfig]: DampingConfig[K] } = { ...DAMPING_DEFAULTS };
  const given = new Map<string, Token>();
  let ok = true;
  for (const { nameTok, valueTok } of raw.params) {
    const param = DAMPING_PARAMS.find((p) => p.name === nameTok.text);
    if (!param) {
      const like = DAMPING_PARAMS.find((p) => p.name.toLowerCase() === nameTok.text.toLowerCase());
      const hint = like ? ` (names are case-sensitive: write '${like.name}')` : '';
      r.error(nameTok, 'E_DAMPING', `unknown damping parameter '${nameTok.text}'${hint}: expected ${DAMPING_PARAMS.map((p) => p.name).join(', ')}`);
      ok = false;
      continue;
    }
    const prev = given.get(param.name);
    if (prev) r.warn(nameTok, 'W_DUPLICATE_OPTION', `${param.name} is set again; the value at line ${prev.line} is overridden`);
    given.set(param.name, valueTok);
    const v = valueTok.num as number;
    d[param.key] = param.seconds ? Math.round(v * 1000) : v;
  }
  const at = (name: string): Token => given.get(name) ?? raw.head;
  if (d.halfLifeMs <= 0) {
    r.error(at('HalfLife'), 'E_DAMPING', 'damping HalfLife must be more than 0 seconds: the penalty would never decay');
    ok = false;
  }
  if (d.reuse <= 0) {
    r.error(at('Reuse'), 'E_DAMPING', 'damping Reuse must be more than 0: a decaying penalty never reaches 0');
    ok = false;
  }
  if (d.reuse >= d.suppress) {
    const dflt = (name: string): string => (given.has(name) ? '' : ' (the default)');
    r.error(given.get('Reuse') ?? at('Suppress'), 'E_DAMPING', `damping Reuse ${d.reuse}${dflt('Reuse')} must be less than Suppress ${d.suppress}${dflt('Suppress')}`);
    ok = false;
  }
  return ok ? Object.freeze(d) : undefined;
}

/**
 * The checks that need every condition and every policy: unknown names, loops among all/any/not,
 * and conditions nothing uses (directly or through other conditions).
 */
export function checkReferences(r: Reporter, c: ResolvedConditions, policyUses: readonly NameUse[], usedBy = 'if policy'): void {
  const names = [...c.defined.keys()];
  const unknown = (u: NameUse, what: string): void => {
    const like = suggest(u.tok.text, names);
    r.error(u.tok, 'E_CONDITION_UNKNOWN', `${what} unknown condition ${u.tok.text}${like ? ` (did you mean ${like}?)` : ''}: no condition ${u.tok.text} { ... }; is defined`);
  };
  for (const u of policyUses) if (!c.defined.has(u.tok.text)) unknown(u, u.what ?? 'if names an');
  for (const [from, uses] of c.edges) for (const u of uses) if (!c.defined.has(u.tok.text)) unknown(u, `condition ${from} names an`);

  // Loops: depth-first search; each back edge is one loop.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    for (const u of c.edges.get(name) ?? []) {
      const to = u.tok.text;
      if (!c.defined.has(to)) continue;
      const s = state.get(to);
      if (s === 'open') {
        const loop = [...stack.slice(stack.indexOf(to)), to].join(' -> ');
        r.error(u.tok, 'E_CONDITION_CYCLE', `conditions refer to each other in a loop (${loop}): such a condition has no value`);
      } else if (s === undefined) visit(to);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of c.edges.keys()) if (!state.has(name)) visit(name);

  // Use: reachable from a policy.
  const used = new Set<string>();
  const mark = (name: string): void => {
    if (used.has(name) || !c.defined.has(name)) return;
    used.add(name);
    for (const u of [...(c.edges.get(name) ?? []), ...(c.unchecked.get(name) ?? [])]) mark(u.tok.text);
  };
  for (const u of policyUses) mark(u.tok.text);
  for (const [name, tok] of c.defined) {
    if (used.has(name)) continue;
    const via = [...c.edges, ...c.unchecked].filter(([, uses]) => uses.some((u) => u.tok.text === name)).map(([from]) => from);
    const note = via.length > 0 ? ` (only ${via.join(', ')}, which no ${usedBy === 'if policy' ? 'policy' : usedBy} uses, refers to it)` : '';
    r.warn(tok, 'W_CONDITION_UNUSED', `condition ${name} is defined but no ${usedBy} uses it${note}`);
  }
}

/** A defined name close to `text` (same letters in another case, or one or two edits away). */
export function suggest(text: string, names: readonly string[]): string | undefined {
  const lower = text.toLowerCase();
  const same = names.find((n) => n.toLowerCase() === lower);
  if (same) return same;
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = distance(lower, n.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}
