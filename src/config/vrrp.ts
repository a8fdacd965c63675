/**
 * The VRRPv3 extension of radvd.conf (RFC 9568): raw `vrrp` and `vrrp_sync_group` blocks ->
 * VrrpInstanceConfig and VrrpSyncGroupConfig (src/vrrp/types.ts), with every check, and the checks
 * that link them to the rest of the file: `vrrp NAME;` in interfaces, `vrrp NAME` conditions, and
 * the conditions that `track` lines name. The grammar and the tables are in vrrp-tables.ts.
 *
 * Times are seconds in the file and milliseconds (advert_int: centiseconds) in the types.
 */
import { isIPv4 } from 'node:net';
import type { ConditionConfig } from '../conditions/types';
import { canonicalIPv6, isIPv6, isLinkLocal, isMulticast, parseIPv6 } from '../net/ipv6';
import type { VrrpAddress, VrrpFamily, VrrpInstanceConfig, VrrpSyncGroupConfig, VrrpTrack } from '../vrrp/types';
import { NAME_RE, suggest, type NameUse, type Reporter, type ResolvedConditions } from './conditions';
import type { Token } from './lexer';
import type { RawCondition, RawVrrpBlock, RawVrrpStatement } from './parse';
import { IFNAMSIZ, findBlock, keywordLike } from './schema';
import { KEEPALIVED_KEYWORDS, VRRP_DEFAULTS, VRRP_LIMITS, VRRP_RESERVED_NAMES, VRRP_STATEMENTS, defaultVmacName } from './vrrp-tables';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface TrackInfo {
  readonly head: Token;
  readonly nameTok: Token;
  readonly weight: number;
  readonly weightTok?: Token;
}

/** What is known about one vrrp block, also when it has errors (for the checks across blocks). */
export interface InstanceInfo {
  readonly keywordTok: Token;
  readonly nameTok: Token;
  iface?: string;
  ifaceTok?: Token;
  family?: VrrpFamily;
  vrid?: number;
  vridTok?: Token;
  priority: number;
  priorityTok?: Token;
  vmacName?: string;
  vmacTok?: Token;
  readonly tracks: TrackInfo[];
  /** Set when the block resolved without errors. */
  config?: Mutable<VrrpInstanceConfig>;
}

export interface ResolvedVrrp {
  /** Instances without errors, in file order; frozen with the rest of Config. */
  readonly instances: VrrpInstanceConfig[];
  readonly groups: VrrpSyncGroupConfig[];
  /** Every instance with a valid name (also with errors), by name: for references. */
  readonly defined: Map<string, InstanceInfo>;
  /** The conditions named by track lines, for the condition reference checks. */
  readonly trackUses: NameUse[];
}

/** An interface's `vrrp NAME;` (collected by the resolver while it reads the interface). */
export interface VrrpTie {
  readonly iface: string;
  readonly ifaceLine: number;
  readonly keywordTok: Token;
  readonly nameTok: Token;
  readonly advSendAdvert: boolean;
}

/** Per-address options of keepalived's virtual_ipaddress lines. */
const KEEPALIVED_ADDRESS_OPTIONS = new Set(['dev', 'scope', 'label', 'brd', 'broadcast', 'no_track', 'preferred_lft', 'home', '-']);

// ---- instances and sync groups -------------------------------------------------------------------

/** Raw vrrp and vrrp_sync_group blocks -> configs, with every check that needs only those blocks. */
export function resolveVrrp(r: Reporter, blocks: readonly RawVrrpBlock[], groupBlocks: readonly RawVrrpBlock[]): ResolvedVrrp {
  const defined = new Map<string, InstanceInfo>();
  const infos: InstanceInfo[] = [];
  const trackUses: NameUse[] = [];
  for (const raw of blocks) {
    const nameOk = checkName(r, raw);
    const first = defined.get(raw.nameTok.text);
    if (first) {
      r.error(raw.nameTok, 'E_VRRP_DUPLICATE', `vrrp ${raw.nameTok.text} is already defined at line ${first.nameTok.line}: instance names must be unique (conditions, interfaces and sync groups refer to instances by name)`);
    }
    const info = resolveInstance(r, raw, trackUses, nameOk && !first);
    infos.push(info);
    if (nameOk && !first) defined.set(raw.nameTok.text, info);
  }
  checkVrids(r, infos);
  checkVmacNames(r, infos);
  const groups = resolveGroups(r, groupBlocks, defined);
  const instances: VrrpInstanceConfig[] = [];
  for (const info of infos) if (info.config) instances.push(info.config);
  return { instances, groups, defined, trackUses };
}

function checkName(r: Reporter, raw: RawVrrpBlock): boolean {
  const t = raw.nameTok;
  if (t.kind === 'string' && NAME_RE.test(t.text) && !VRRP_RESERVED_NAMES.has(t.text)) return true;
  const why = VRRP_RESERVED_NAMES.has(t.text)
    ? `'${t.text}' is a reserved word of the condition and VRRP syntax`
    : t.kind === 'keyword'
      ? `'${t.text}' is a radvd.conf keyword`
      : `a name is letters, digits, '-' and '_', starting with a letter`;
  r.error(t, 'E_VRRP_NAME', `invalid ${raw.kind} name ${t.text}: ${why}`);
  return false;
}

/** Reads the arguments of one statement, counting errors. */
class Stmt {
  constructor(
    private readonly r: Reporter,
    readonly st: RawVrrpStatement,
  ) {}

  get name(): string {
    return this.st.head.text;
  }

  /** The arguments, when there are min..max of them and no `{ }` list. */
  args(min: number, max: number, want: string): readonly Token[] | undefined {
    const { st } = this;
    if (st.list) {
      this.r.error(st.list.open, 'E_VRRP_VALUE', `${this.name} takes no { } list; write ${this.name}${want ? ` ${want}` : ''};`);
      return undefined;
    }
    if (st.args.length < min) {
      this.r.error(st.head, 'E_VRRP_VALUE', `${this.name} needs ${want}`);
      return undefined;
    }
    const extra = st.args[max];
    if (extra) {
      const before = [st.head, ...st.args.slice(0, max)].map((a) => a.text).join(' ');
      this.r.error(extra, 'E_SYNTAX', `syntax error: unexpected '${extra.text}' after ${before}; expected ';'`);
      return undefined;
    }
    return st.args;
  }

  /** One integer; `range` says what is accepted, `check` returns why a value is not (undefined: fine). */
  int(range: string, check: (v: number) => string | undefined): { value: number; tok: Token } | undefined {
    const [t] = this.args(1, 1, `an integer ${range}`) ?? [];
    if (!t) return undefined;
    if (t.kind !== 'number') {
      this.r.error(t, t.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_VRRP_VALUE', `${t.kind === 'bad' && t.problem ? `${t.problem}; ` : ''}${this.name} expects an integer ${range}, found '${t.text}'`);
      return undefined;
    }
    const v = t.num as number;
    const why = check(v);
    if (why !== undefined) {
      this.r.error(t, 'E_VRRP_VALUE', why);
      return undefined;
    }
    return { value: v, tok: t };
  }

  /** One number of seconds lo..hi (N or N.N), as milliseconds. */
  seconds(lo: number, hi: number): number | undefined {
    const [t] = this.args(1, 1, `a number of seconds ${lo}..${hi}`) ?? [];
    if (!t) return undefined;
    if (t.kind !== 'number' && t.kind !== 'decimal') {
      this.r.error(t, t.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_VRRP_VALUE', `${this.name} expects a number of seconds (N or N.N), found '${t.text}'`);
      return undefined;
    }
    const v = t.num as number;
    if (v < lo || v > hi) {
      this.r.error(t, 'E_VRRP_VALUE', `${this.name} ${t.text} is out of range: ${lo}..${hi} seconds`);
      return undefined;
    }
    return Math.round(v * 1000);
  }

  /** No argument (= on) or on|off. */
  switch(): boolean | undefined {
    const a = this.args(0, 1, 'on or off');
    if (!a) return undefined;
    const [t] = a;
    if (!t) return true;
    if (t.kind !== 'switch') {
      this.r.error(t, 'E_VRRP_VALUE', `${this.name} expects on or off (or nothing, for on), found '${t.text}'`);
      return undefined;
    }
    return t.num === 1;
  }

  /** No argument at all. */
  bare(): boolean {
    return this.args(0, 0, '') !== undefined;
  }

  /** An interface name (the kernel's rules: 1..15 characters, no '/', ':' or blank, not '.' or '..'). */
  ifname(t: Token): string | undefined {
    const problem =
      t.kind === 'quoted'
        ? 'write it without quotes'
        : t.kind !== 'string' && t.kind !== 'number'
          ? `${this.name} expects one`
          : t.text.length > IFNAMSIZ - 1
            ? `Linux allows at most ${IFNAMSIZ - 1} characters`
            : t.text.includes(':')
              ? "Linux interface names cannot contain ':'"
              : t.text === '.' || t.text === '..'
                ? "Linux interface names cannot be '.' or '..'"
                : undefined;
    if (problem === undefined) return t.text;
    this.r.error(t, 'E_VRRP_VALUE', `'${t.text}' is not an interface name: ${problem}`);
    return undefined;
  }
}

/** The statements of a vrrp block, by what they set; several spellings may set one thing. */
const INSTANCE_SETTINGS: Readonly<Record<string, string>> = {
  interface: 'interface',
  virtual_router_id: 'virtual_router_id',
  priority: 'priority',
  advert_int: 'advert_int',
  virtual_ipaddress: 'virtual_ipaddress',
  nopreempt: 'Preempt_Mode',
  preempt: 'Preempt_Mode',
  preempt_delay: 'preempt_delay',
  accept: 'Accept_Mode',
  no_accept: 'Accept_Mode',
  track: 'track',
  garp_master_repeat: 'garp_master_repeat',
  garp_interval: 'garp_interval',
  gna_interval: 'garp_interval',
  use_vmac: 'use_vmac',
  state: 'state',
  version: 'version',
};

function resolveInstance(r0: Reporter, raw: RawVrrpBlock, trackUses: NameUse[], named: boolean): InstanceInfo {
  let errors = 0;
  const r: Reporter = {
    error: (t, code, message) => {
      errors++;
      r0.error(t, code, message);
    },
    warn: (t, code, message) => r0.warn(t, code, message),
    pos: (t) => r0.pos(t),
  };
  const name = raw.nameTok.text;
  const info: InstanceInfo = { keywordTok: raw.keywordTok, nameTok: raw.nameTok, priority: VRRP_DEFAULTS.priority, tracks: [] };
  let advertIntervalCs: number = VRRP_DEFAULTS.advertIntervalCs;
  let addresses: VrrpAddress[] | undefined;
  let preempt: boolean = VRRP_DEFAULTS.preempt;
  let preemptDelayMs: number = VRRP_DEFAULTS.preemptDelayMs;
  let acceptMode: boolean = VRRP_DEFAULTS.acceptMode;
  let garpRepeat: number = VRRP_DEFAULTS.garpRepeat;
  let garpIntervalMs: number = VRRP_DEFAULTS.garpIntervalMs;
  const seen = new Map<string, Token>();

  for (const st of raw.statements) {
    const s = new Stmt(r, st);
    const setting = st.head.kind === 'string' || (st.head.kind === 'keyword' && st.head.text === 'interface') ? INSTANCE_SETTINGS[st.head.text] : undefined;
    if (setting === undefined) {
      unknownStatement(r, st, 'vrrp');
      continue;
    }
    if (setting !== 'track') {
      const prev = seen.get(setting);
      if (prev) {
        const what = prev.text === st.head.text ? `${st.head.text} is set again; the value at line ${prev.line} is overridden` : `${st.head.text} sets ${setting}, already set by ${prev.text} at line ${prev.line}; that value is overridden`;
        r.warn(st.head, 'W_DUPLICATE_OPTION', what);
      }
      seen.set(setting, st.head);
    }
    switch (st.head.text) {
      case 'interface': {
        const [t] = s.args(1, 1, 'an interface name') ?? [];
        const v = t && s.ifname(t);
        if (v !== undefined) {
          info.iface = v;
          info.ifaceTok = t;
        }
        break;
      }
      case 'virtual_router_id': {
        const v = s.int('1..255', (n) =>
          n < VRRP_LIMITS.vrid[0] || n > VRRP_LIMITS.vrid[1] ? `virtual_router_id ${n} is out of range: a VRID is 1..255 (RFC 9568 5.2.3: an 8-bit field; 0 is not a VRID)` : undefined,
        );
        if (v === undefined) break;
        info.vrid = v.value;
        info.vridTok = v.tok;
        break;
      }
      case 'priority': {
        const v = s.int('1..255', (n) =>
          n === 0
            ? 'priority 0 is reserved: an Active sends it when it stops, so that a Backup takes over at once (RFC 9568 5.2.4); use 1..254, or 255 for the address owner'
            : n > 255
              ? `priority ${n} is out of range: 1..254, or 255 for the address owner (RFC 9568 5.2.4: an 8-bit field)`
              : undefined,
        );
        if (v === undefined) break;
        info.priority = v.value;
        info.priorityTok = v.tok;
        break;
      }
      case 'advert_int': {
        const [t] = s.args(1, 1, 'a number of seconds 0.01..40.95') ?? [];
        if (!t) break;
        const cs = centiseconds(r, t);
        if (cs !== undefined) advertIntervalCs = cs;
        break;
      }
      case 'virtual_ipaddress': {
        const got = virtualAddresses(r, st, name);
        if (got) {
          addresses = got.addresses;
          info.family = got.family;
        }
        break;
      }
      case 'nopreempt':
        if (s.bare()) preempt = false;
        break;
      case 'preempt': {
        const v = s.switch();
        if (v !== undefined) preempt = v;
        break;
      }
      case 'preempt_delay': {
        const v = s.seconds(VRRP_LIMITS.preemptDelaySeconds[0], VRRP_LIMITS.preemptDelaySeconds[1]);
        if (v !== undefined) preemptDelayMs = v;
        break;
      }
      case 'accept': {
        const v = s.switch();
        if (v !== undefined) acceptMode = v;
        break;
      }
      case 'no_accept':
        if (s.bare()) acceptMode = false;
        break;
      case 'track': {
        const t = track(r, st, name, info.tracks);
        if (t) {
          info.tracks.push(t);
          if (named) trackUses.push({ tok: t.nameTok, what: `track in vrrp ${name} names an` });
        }
        break;
      }
      case 'garp_master_repeat': {
        const [lo, hi] = VRRP_LIMITS.garpRepeat;
        const v = s.int(`${lo}..${hi}`, (n) => (n < lo || n > hi ? `garp_master_repeat ${n} is out of range: ${lo}..${hi} unsolicited NAs / gratuitous ARPs per address` : undefined));
        if (v !== undefined) garpRepeat = v.value;
        break;
      }
      case 'garp_interval':
      case 'gna_interval': {
        const v = s.seconds(VRRP_LIMITS.garpIntervalSeconds[0], VRRP_LIMITS.garpIntervalSeconds[1]);
        if (v !== undefined) garpIntervalMs = v;
        break;
      }
      case 'use_vmac': {
        const a = s.args(0, 1, 'an interface name');
        if (!a) break;
        const [t] = a;
        if (!t) {
          info.vmacName = undefined;
          info.vmacTok = undefined;
          break;
        }
        const v = s.ifname(t);
        if (v !== undefined) {
          info.vmacName = v;
          info.vmacTok = t;
        }
        break;
      }
      case 'state': {
        const [t] = s.args(1, 1, 'MASTER or BACKUP') ?? [];
        if (!t) break;
        if (t.text !== 'MASTER' && t.text !== 'BACKUP') {
          r.error(t, 'E_VRRP_VALUE', `state expects MASTER or BACKUP, found '${t.text}'`);
          break;
        }
        r.warn(st.head, 'W_VRRP_IGNORED', `state ${t.text} is ignored: VRRPv3 elects the Active from priority, and a router starts as Backup unless its priority is 255 (RFC 9568 6.4.1); set priority instead`);
        break;
      }
      case 'version': {
        const [t] = s.args(1, 1, '3') ?? [];
        if (!t) break;
        if (t.text === '3') r.warn(st.head, 'W_VRRP_IGNORED', 'version 3 is ignored: firsthop speaks VRRPv3 (RFC 9568) only');
        else if (t.text === '2') r.error(t, 'E_VRRP_UNSUPPORTED', 'VRRPv2 (RFC 3768) is not supported: firsthop speaks VRRPv3 (RFC 9568) only, so every router of the virtual router must run version 3');
        else r.error(t, 'E_VRRP_VALUE', `version expects 3, found '${t.text}'`);
        break;
      }
    }
  }

  const missing = (what: string, why: string): void => {
    r.error(raw.nameTok, 'E_VRRP_MISSING', `vrrp ${name} has no ${what}: ${why}`);
  };
  if (!seen.has('interface')) missing('interface', 'say which LAN interface the virtual router lives on (interface IFNAME;)');
  if (!seen.has('virtual_router_id')) missing('virtual_router_id', 'every virtual router needs a VRID 1..255, the same on all its routers (RFC 9568 5.2.3)');
  if (!seen.has('virtual_ipaddress')) missing('virtual_ipaddress', 'a virtual router needs at least one virtual address (for IPv6, its link-local first: RFC 9568 5.2.9)');

  // Track weights: none at the address owner; the rest is kept within 1..254 (keepalived's rule).
  let tracks = info.tracks;
  if (info.priority === 255) {
    for (const t of tracks) r.warn(t.head, 'W_VRRP_TRACK_OWNER', `track ${t.nameTok.text} has no effect: vrrp ${name} has priority 255, the address owner, whose priority is always 255 (RFC 9568 6.1); it is ignored`);
    tracks = [];
  } else {
    priorityRange(r, name, info.priority, tracks);
  }

  if (info.iface !== undefined && info.family !== undefined && info.vrid !== undefined && info.vmacName === undefined) {
    info.vmacName = defaultVmacName(info.iface, info.family, info.vrid);
  }
  if (errors === 0 && named && info.iface !== undefined && info.vrid !== undefined && info.family !== undefined && addresses && info.vmacName !== undefined) {
    info.config = {
      name,
      interface: info.iface,
      vrid: info.vrid,
      family: info.family,
      priority: info.priority,
      advertIntervalCs,
      addresses,
      preempt,
      preemptDelayMs,
      acceptMode,
      tracks: tracks.map((t): VrrpTrack => ({ condition: t.nameTok.text, weight: t.weight, pos: r.pos(t.head) })),
      garpRepeat,
      garpIntervalMs,
      vmacName: info.vmacName,
      pos: r.pos(raw.keywordTok),
    };
  }
  return info;
}

/** An unknown statement: a keepalived keyword firsthop lacks, a misplaced one, or a misspelling. */
function unknownStatement(r: Reporter, st: RawVrrpStatement, block: 'vrrp' | 'vrrp_sync_group'): void {
  const word = st.head.text;
  const scope = block === 'vrrp' ? 'vrrp_instance' : 'vrrp_sync_group';
  if (word === 'weight') {
    r.error(st.head, 'E_VRRP_STATEMENT', `weight belongs to a track line of a vrrp block: track CONDITION weight N;`);
    return;
  }
  const unsupported = (k: { keyword: string; scope: string; firsthop?: string }): boolean => k.keyword === word && k.firsthop === undefined;
  const ka = KEEPALIVED_KEYWORDS.find((k) => unsupported(k) && k.scope === scope) ?? KEEPALIVED_KEYWORDS.find(unsupported);
  if (ka) {
    r.error(st.head, 'E_VRRP_UNSUPPORTED', `keepalived's ${word} is ${ka.note.replace(/^Not /, 'not ').replace(/\.$/, '')}`);
    return;
  }
  const other = block === 'vrrp' ? 'vrrp_sync_group' : 'vrrp';
  if (VRRP_STATEMENTS.some((s) => s.block === other && s.name === word)) {
    r.error(st.head, 'E_VRRP_STATEMENT', `${word} belongs in a ${other} block, not in a ${block} block`);
    return;
  }
  const candidates = VRRP_STATEMENTS.filter((s) => s.block === block).map((s) => s.name);
  const known = [...candidates, ...KEEPALIVED_KEYWORDS.filter((k) => k.scope === scope && k.keyword !== 'weight').map((k) => k.keyword)];
  const radvd = st.head.kind === 'keyword' || findBlock(word) !== undefined || keywordLike(word) !== undefined;
  const like = suggest(word, known);
  const hint = like ? ` (did you mean ${like}?)` : radvd ? ' (radvd.conf options go in interface blocks)' : '';
  r.error(st.head, 'E_VRRP_STATEMENT', `unknown statement '${word}' in a ${block} block${hint}: expected ${candidates.join(', ')}`);
}

/** advert_int: seconds, a whole number of centiseconds 1..4095 (RFC 9568 5.2.7). */
function centiseconds(r: Reporter, t: Token): number | undefined {
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(t.text);
  if ((t.kind !== 'number' && t.kind !== 'decimal') || !m) {
    r.error(t, t.kind === 'bad' ? 'E_BAD_TOKEN' : 'E_VRRP_VALUE', `advert_int expects a number of seconds (N or N.N), found '${t.text}'`);
    return undefined;
  }
  const frac = m[2] ?? '';
  const cs = Number(m[1]) * 100 + Number((frac + '00').slice(0, 2));
  const [lo, hi] = VRRP_LIMITS.advertIntervalCs;
  const whole = /^0*$/.test(frac.slice(2));
  if (!whole && cs >= lo && cs < hi) {
    r.error(t, 'E_VRRP_VALUE', `advert_int ${t.text} is not a whole number of centiseconds: the advertisement carries the interval in centiseconds (RFC 9568 5.2.7); write ${fmtCs(cs)} or ${fmtCs(cs + 1)}`);
    return undefined;
  }
  if (cs < lo || cs > hi || (cs === hi && !whole)) {
    r.error(t, 'E_VRRP_VALUE', `advert_int ${t.text} is out of range: 0.01..40.95 seconds (RFC 9568 5.2.7: a 12-bit count of centiseconds, 1..4095)`);
    return undefined;
  }
  return cs;
}

function fmtCs(cs: number): string {
  return String(cs / 100);
}

/** `track NAME [weight N];`. */
function track(r: Reporter, st: RawVrrpStatement, instance: string, earlier: readonly TrackInfo[]): TrackInfo | undefined {
  if (st.list) {
    r.error(st.list.open, 'E_VRRP_VALUE', "track takes no { } list: write one track line per condition, track NAME weight N; (keepalived's track_* blocks become conditions)");
    return undefined;
  }
  const [nameTok, ...rest] = st.args;
  if (!nameTok) {
    r.error(st.head, 'E_VRRP_VALUE', 'track needs a condition name: track NAME [weight N];');
    return undefined;
  }
  if (nameTok.kind !== 'string' || nameTok.text === 'weight') {
    r.error(nameTok, 'E_VRRP_VALUE', nameTok.text === 'weight' ? 'track needs a condition name before weight: track NAME weight N;' : `track expects a condition name, found '${nameTok.text}'`);
    return undefined;
  }
  let weight: number = VRRP_DEFAULTS.weight;
  let weightTok: Token | undefined;
  const [w, value, extra] = rest;
  if (w) {
    if (w.text !== 'weight') {
      r.error(w, 'E_SYNTAX', `syntax error: unexpected '${w.text}' after track ${nameTok.text}; expected weight N or ';'`);
      return undefined;
    }
    if (!value) {
      r.error(w, 'E_VRRP_VALUE', 'weight needs a number -254..254');
      return undefined;
    }
    const text = value.text;
    if (!/^[-+]?[0-9]+$/.test(text) || (value.kind !== 'number' && value.kind !== 'signed' && value.kind !== 'string')) {
      r.error(value, 'E_VRRP_VALUE', `weight expects an integer -254..254, found '${text}'`);
      return undefined;
    }
    const v = Number(text);
    const [lo, hi] = VRRP_LIMITS.weight;
    if (v < lo || v > hi) {
      r.error(value, 'E_VRRP_VALUE', `weight ${text} is out of range: -254..254`);
      return undefined;
    }
    weight = v === 0 ? 0 : v; // no -0
    weightTok = value;
    if (extra) {
      if (extra.text === 'reverse') r.error(extra, 'E_VRRP_UNSUPPORTED', "keepalived's weight ... reverse is not supported: track a condition that is the opposite (condition NAME { not OTHER; };)");
      else r.error(extra, 'E_SYNTAX', `syntax error: unexpected '${extra.text}' after track ${nameTok.text} weight ${text}; expected ';'`);
      return undefined;
    }
  }
  const dup = earlier.find((t) => t.nameTok.text === nameTok.text);
  if (dup) {
    r.error(nameTok, 'E_VRRP_TRACK', `vrrp ${instance} already tracks ${nameTok.text} (line ${dup.head.line}): track each condition once, with the sum of the weights`);
    return undefined;
  }
  return { head: st.head, nameTok, weight, ...(weightTok ? { weightTok } : {}) };
}

/** W_VRRP_PRIORITY_CLAMPED: track weights that take the priority out of 1..254. */
function priorityRange(r: Reporter, name: string, priority: number, tracks: readonly TrackInfo[]): void {
  const down = tracks.filter((t) => t.weight < 0);
  const up = tracks.filter((t) => t.weight > 0);
  const low = priority + down.reduce((n, t) => n + t.weight, 0);
  const high = priority + up.reduce((n, t) => n + t.weight, 0);
  const last = (low < 1 ? down : up).at(-1);
  if ((low >= 1 && high <= 254) || !last) return;
  const clamped = `${Math.max(1, low)}..${Math.min(254, high)}`;
  const side = low < 1 && high > 254 ? `${low} and ${high}` : low < 1 ? String(low) : String(high);
  r.warn(last.weightTok ?? last.head, 'W_VRRP_PRIORITY_CLAMPED', `with its track weights the priority of vrrp ${name} (${priority}) can reach ${side}: it is kept within 1..254 (0 would be a release, RFC 9568 5.2.4; 255 is for the address owner), so it ranges over ${clamped}`);
}

/** virtual_ipaddress { ADDR[/LEN]; ... }: one family, IPv6 link-local first, no duplicates, at most 255. */
function virtualAddresses(r: Reporter, st: RawVrrpStatement, instance: string): { family: VrrpFamily; addresses: VrrpAddress[] } | undefined {
  if (!st.list) {
    r.error(st.args[0] ?? st.head, 'E_VRRP_VALUE', 'virtual_ipaddress takes a list: virtual_ipaddress { ADDR[/LEN]; ... };');
    return undefined;
  }
  const extra = st.args[0];
  if (extra) {
    r.error(extra, 'E_SYNTAX', `syntax error: unexpected '${extra.text}' after virtual_ipaddress; expected '{'`);
    return undefined;
  }
  if (st.list.entries.length === 0) {
    r.error(st.list.open, 'E_VRRP_ADDRESS', 'virtual_ipaddress { } needs at least one address');
    return undefined;
  }
  let ok = true;
  let family: { family: VrrpFamily; tok: Token } | undefined;
  const out: Array<VrrpAddress & { tok: Token }> = [];
  for (const entry of st.list.entries) {
    const got = virtualAddress(r, entry.tokens, entry.semicolon);
    if (!got) {
      ok = false;
      continue;
    }
    const { tok, fam } = got;
    if (!family) family = { family: fam, tok };
    else if (fam !== family.family) {
      r.error(tok, 'E_VRRP_ADDRESS', `${tok.text} is IPv${fam}, but vrrp ${instance} is an IPv${family.family} virtual router (from ${family.tok.text} at line ${family.tok.line}): a virtual router carries one address family (RFC 9568 5.2.9); put the IPv${fam} addresses in a vrrp block of their own`);
      ok = false;
      continue;
    }
    const dup = out.find((a) => a.address === got.address);
    if (dup) {
      r.error(tok, 'E_VRRP_ADDRESS', `${tok.text} is already a virtual address of vrrp ${instance} (line ${dup.tok.line}): list each address once`);
      ok = false;
      continue;
    }
    if (out.length === VRRP_LIMITS.addresses) {
      r.error(tok, 'E_VRRP_ADDRESS', `vrrp ${instance} has more than ${VRRP_LIMITS.addresses} virtual addresses: the advertisement's Count IPvX Addr field is 8 bits (RFC 9568 5.2.5); split them over two virtual routers`);
      ok = false;
      break;
    }
    out.push({ address: got.address, prefixLength: got.prefixLength, tok });
  }
  const first = out[0];
  if (family?.family === 6 && first && !isLinkLocal(first.address)) {
    const ll = out.find((a) => isLinkLocal(a.address));
    const hint = ll ? `move ${ll.tok.text} (line ${ll.tok.line}) first` : 'add the virtual link-local address (e.g. fe80::1) as the first entry';
    r.error(first.tok, 'E_VRRP_ADDRESS', `the first virtual address of an IPv6 virtual router must be its link-local address (RFC 9568 5.2.9; receivers drop advertisements that break this), not ${first.tok.text}: ${hint}`);
    ok = false;
  }
  if (!ok || !family) return undefined;
  return { family: family.family, addresses: out.map(({ address, prefixLength }) => ({ address, prefixLength })) };
}

function virtualAddress(r: Reporter, tokens: readonly Token[], semicolon: Token | undefined): { tok: Token; fam: VrrpFamily; address: string; prefixLength: number } | undefined {
  const [tok, ...rest] = tokens as [Token, ...Token[]];
  const text = tok.text;
  if (tok.kind === 'bad') {
    r.error(tok, 'E_VRRP_ADDRESS', `${tok.problem ?? 'bad token'}; expected an IPv4 or IPv6 address`);
    return undefined;
  }
  let fam: VrrpFamily;
  if (text.includes('%') && isIPv6(text.slice(0, text.indexOf('%')))) {
    r.error(tok, 'E_VRRP_ADDRESS', `${text}: zone indices are not allowed (the address is on the virtual router's interface)`);
    return undefined;
  } else if (tok.kind !== 'quoted' && isIPv4(text)) fam = 4;
  else if (tok.kind !== 'quoted' && isIPv6(text)) fam = 6;
  else {
    r.error(tok, 'E_VRRP_ADDRESS', `'${text}' is not an IPv4 or IPv6 address; virtual_ipaddress expects ADDR[/LEN];`);
    return undefined;
  }
  const address = fam === 6 ? canonicalIPv6(text) : text;
  const problem = fam === 6 ? ipv6Problem(address) : ipv4Problem(address);
  if (problem) {
    r.error(tok, 'E_VRRP_ADDRESS', `${text} cannot be a virtual address: ${problem}`);
    return undefined;
  }
  const max = fam === 6 ? 128 : 32;
  let prefixLength = fam === 4 ? 32 : isLinkLocal(address) ? 64 : 128;
  let i = 0;
  let last = tok;
  if (rest[0]?.kind === '/') {
    const len = rest[1];
    if (!len || len.kind !== 'number') {
      r.error(len ?? rest[0], 'E_VRRP_ADDRESS', `expected a prefix length after ${text}/${len ? `, found '${len.text}'` : ''}`);
      return undefined;
    }
    const v = len.num as number;
    if (v < 1 || v > max) {
      r.error(len, 'E_PREFIX_LENGTH', `invalid prefix length ${len.text} for ${text}: 1..${max}`);
      return undefined;
    }
    prefixLength = v;
    last = len;
    i = 2;
  }
  const more = rest[i];
  if (more) {
    if (more.line > last.line) r.error(more, 'E_SYNTAX', `missing ';' after ${text}${i ? `/${prefixLength}` : ''}: every virtual_ipaddress entry ends with ';' (keepalived.conf has none)`);
    else if (KEEPALIVED_ADDRESS_OPTIONS.has(more.text)) r.error(more, 'E_VRRP_UNSUPPORTED', `keepalived's per-address option ${more.text} is not supported: a virtual address is written ADDR[/LEN];`);
    else r.error(more, 'E_SYNTAX', `syntax error: unexpected '${more.text}' after ${text}${i ? `/${prefixLength}` : ''}; expected ';'`);
    return undefined;
  }
  if (!semicolon) {
    r.error(last, 'E_SYNTAX', `missing ';' after ${text}${i ? `/${prefixLength}` : ''} (every virtual_ipaddress entry ends with ';')`);
    return undefined;
  }
  return { tok, fam, address, prefixLength };
}

function ipv6Problem(address: string): string | undefined {
  if (isMulticast(address)) return 'it is multicast';
  const b = parseIPv6(address);
  if (b.every((x) => x === 0)) return 'it is the unspecified address';
  if (address === '::1') return 'it is the loopback address';
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return 'it is IPv4-mapped; write the IPv4 address in an IPv4 virtual router';
  return undefined;
}

function ipv4Problem(address: string): string | undefined {
  const [a] = address.split('.').map(Number) as [number];
  if (address === '0.0.0.0') return 'it is the unspecified address';
  if (a === 127) return 'it is a loopback address';
  if (a >= 224 && a <= 239) return 'it is multicast';
  if (address === '255.255.255.255') return 'it is the limited broadcast address';
  return undefined;
}

/** The same VRID twice on one interface and family: both would own one virtual MAC. */
function checkVrids(r: Reporter, infos: readonly InstanceInfo[]): void {
  const seen = new Map<string, InstanceInfo>();
  for (const info of infos) {
    if (info.iface === undefined || info.family === undefined || info.vrid === undefined) continue;
    const key = `${info.iface}\u0000${info.family}\u0000${info.vrid}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, info);
      continue;
    }
    const mac = `00-00-5E-00-0${info.family === 4 ? 1 : 2}-${info.vrid.toString(16).toUpperCase().padStart(2, '0')}`;
    r.error(info.vridTok as Token, 'E_VRRP_VRID', `VRID ${info.vrid} is already used by vrrp ${first.nameTok.text} (line ${first.nameTok.line}) for IPv${info.family} on ${info.iface}: a VRID names one virtual router per interface and family, and both would own the virtual MAC ${mac} (RFC 9568 7.3)`);
  }
}

/** use_vmac names (given or default): unique, and not the name of the interface they sit on or of another instance's. */
function checkVmacNames(r: Reporter, infos: readonly InstanceInfo[]): void {
  const seen = new Map<string, InstanceInfo>();
  const lans = new Map<string, InstanceInfo>();
  for (const info of infos) if (info.iface !== undefined && !lans.has(info.iface)) lans.set(info.iface, info);
  for (const info of infos) {
    const name = info.vmacName;
    if (name === undefined) continue;
    const at = info.vmacTok ?? info.nameTok;
    const given = info.vmacTok ? '' : ' (the default name)';
    const lan = lans.get(name);
    if (lan) {
      r.error(at, 'E_VRRP_VMAC', `use_vmac ${name}${given} is the interface of vrrp ${lan.nameTok.text} (line ${lan.nameTok.line}): the macvlan needs a name of its own`);
      continue;
    }
    const first = seen.get(name);
    // Two default names meet only for the same interface, family and VRID: checkVrids reports that.
    if (first && !info.vmacTok && !first.vmacTok && first.iface === info.iface && first.family === info.family && first.vrid === info.vrid) continue;
    if (first) {
      r.error(at, 'E_VRRP_VMAC', `use_vmac ${name}${given} is already the macvlan of vrrp ${first.nameTok.text} (line ${first.nameTok.line}): each instance needs its own`);
      continue;
    }
    seen.set(name, info);
  }
}

function resolveGroups(r: Reporter, blocks: readonly RawVrrpBlock[], defined: ReadonlyMap<string, InstanceInfo>): VrrpSyncGroupConfig[] {
  const out: VrrpSyncGroupConfig[] = [];
  const names = new Map<string, Token>();
  const memberOf = new Map<string, { group: string; tok: Token }>();
  for (const raw of blocks) {
    const group = raw.nameTok.text;
    let ok = checkName(r, raw);
    const first = names.get(group);
    if (first) {
      r.error(raw.nameTok, 'E_VRRP_DUPLICATE', `vrrp_sync_group ${group} is already defined at line ${first.line}: sync group names must be unique`);
      ok = false;
    } else names.set(group, raw.nameTok);
    const members: string[] = [];
    let groupSeen: Token | undefined;
    for (const st of raw.statements) {
      if (st.head.kind !== 'string' || st.head.text !== 'group') {
        ok = false;
        unknownStatement(r, st, 'vrrp_sync_group');
        continue;
      }
      if (groupSeen) r.warn(st.head, 'W_DUPLICATE_OPTION', `group is set again; the list at line ${groupSeen.line} is overridden`);
      groupSeen = st.head;
      members.length = 0;
      const toks: Token[] = [...st.args];
      for (const e of st.list?.entries ?? []) {
        toks.push(...e.tokens);
        if (!e.semicolon && e.tokens.length > 0) {
          r.error(e.tokens[e.tokens.length - 1] as Token, 'E_SYNTAX', `missing ';' after ${e.tokens.map((t) => t.text).join(' ')} (every entry of group { } ends with ';')`);
          ok = false;
        }
      }
      for (const t of toks) {
        if (t.kind !== 'string') {
          r.error(t, 'E_VRRP_VALUE', `group expects vrrp instance names, found '${t.text}'`);
          ok = false;
          continue;
        }
        if (!defined.has(t.text)) {
          unknownInstance(r, t, `vrrp_sync_group ${group} names`, defined);
          ok = false;
          continue;
        }
        if (members.includes(t.text)) {
          r.error(t, 'E_VRRP_SYNC_GROUP', `${t.text} is listed twice in vrrp_sync_group ${group}`);
          ok = false;
          continue;
        }
        const other = memberOf.get(t.text);
        if (other) {
          r.error(t, 'E_VRRP_SYNC_GROUP', `vrrp ${t.text} is already in vrrp_sync_group ${other.group} (line ${other.tok.line}): an instance belongs to at most one sync group`);
          ok = false;
          continue;
        }
        members.push(t.text);
      }
    }
    if (!groupSeen) {
      r.error(raw.nameTok, 'E_VRRP_SYNC_GROUP', `vrrp_sync_group ${group} has no group statement: list its instances with group NAME NAME ...;`);
      continue;
    }
    for (const m of members) memberOf.set(m, { group, tok: groupSeen });
    if (members.length === 1 && ok) {
      r.warn(groupSeen, 'W_VRRP_SYNC_GROUP_SINGLE', `vrrp_sync_group ${group} has only one instance (${members[0]}): a sync group moves several instances together, so this one does nothing`);
    }
    if (members.length === 0 && ok) {
      r.error(groupSeen, 'E_VRRP_SYNC_GROUP', `vrrp_sync_group ${group} lists no instance`);
      continue;
    }
    if (!ok) continue;
    for (const m of members) {
      const cfg = defined.get(m)?.config;
      if (cfg) cfg.syncGroup = group;
    }
    out.push({ name: group, members: [...members], pos: r.pos(raw.keywordTok) });
  }
  return out;
}

function unknownInstance(r: Reporter, t: Token, what: string, defined: ReadonlyMap<string, InstanceInfo>): void {
  const like = suggest(t.text, [...defined.keys()]);
  r.error(t, 'E_VRRP_UNKNOWN', `${what} an unknown VRRP instance ${t.text}${like ? ` (did you mean ${like}?)` : ''}: no vrrp ${t.text} { ... }; is defined`);
}

// ---- links to the rest of the file ---------------------------------------------------------------

/**
 * `vrrp NAME;` in interfaces: the instance exists, is IPv6, lives on this interface, and no other
 * interface follows it; an interface that sends no RAs gains nothing from it. Also: no use_vmac
 * name is the name of an interface block.
 */
export function checkTies(r: Reporter, vrrp: ResolvedVrrp, ties: readonly VrrpTie[], interfaces: ReadonlyArray<{ readonly name: string; readonly tok: Token }>): void {
  const followedBy = new Map<string, VrrpTie>();
  const perInterface = new Map<string, VrrpTie>();
  for (const tie of ties) {
    const name = tie.nameTok.text;
    const already = perInterface.get(`${tie.ifaceLine}\u0000${tie.iface}`);
    if (already) {
      r.error(tie.keywordTok, 'E_VRRP_INTERFACE', `interface ${tie.iface} already follows vrrp ${already.nameTok.text} (line ${already.keywordTok.line}): RAs follow at most one virtual router`);
      continue;
    }
    perInterface.set(`${tie.ifaceLine}\u0000${tie.iface}`, tie);
    const info = vrrp.defined.get(name);
    if (!info) {
      unknownInstance(r, tie.nameTok, `interface ${tie.iface} names`, vrrp.defined);
      continue;
    }
    if (info.family === 4) {
      r.error(tie.nameTok, 'E_VRRP_INTERFACE', `vrrp ${name} is an IPv4 virtual router: RAs are IPv6 and can follow only an IPv6 one (they are sent from its virtual link-local address)`);
      continue;
    }
    if (info.iface !== undefined && info.iface !== tie.iface) {
      r.error(tie.nameTok, 'E_VRRP_INTERFACE', `vrrp ${name} lives on ${info.iface} (line ${info.ifaceTok?.line ?? info.nameTok.line}), not on ${tie.iface}: RAs on ${tie.iface} cannot follow it`);
      continue;
    }
    const other = followedBy.get(name);
    if (other) {
      r.error(tie.nameTok, 'E_VRRP_INTERFACE', `vrrp ${name} is already followed by the interface ${other.iface} block at line ${other.ifaceLine}: RAs can follow a virtual router from one interface block only`);
      continue;
    }
    followedBy.set(name, tie);
    if (!tie.advSendAdvert) {
      r.warn(tie.keywordTok, 'W_VRRP_NO_ADVERT', `interface ${tie.iface} follows vrrp ${name} but AdvSendAdvert is off: it sends no RAs, so following the virtual router changes nothing`);
    }
  }
  const names = new Map(interfaces.map((i) => [i.name, i.tok]));
  const lans = new Set([...vrrp.defined.values()].map((i) => i.iface));
  for (const info of vrrp.defined.values()) {
    const at = names.get(info.vmacName ?? '');
    // A use_vmac name that is an instance's interface is reported by resolveVrrp already.
    if (info.vmacName === undefined || !at || lans.has(info.vmacName)) continue;
    r.error(info.vmacTok ?? info.nameTok, 'E_VRRP_VMAC', `use_vmac ${info.vmacName}${info.vmacTok ? '' : ' (the default name)'} is the name of interface ${info.vmacName} (line ${at.line}): the macvlan needs a name of its own`);
  }
}

/** `vrrp NAME` conditions name a defined instance. */
export function checkVrrpConditions(r: Reporter, raws: readonly RawCondition[], resolved: readonly ConditionConfig[], vrrp: ResolvedVrrp): void {
  for (const c of resolved) {
    if (c.spec.kind !== 'vrrp' || vrrp.defined.has(c.spec.instance)) continue;
    const raw = raws.find((x) => x.keywordTok.line === c.pos.line && x.keywordTok.column === c.pos.column);
    const tok = raw?.statements[0]?.args[0] ?? raw?.nameTok;
    if (tok) unknownInstance(r, { ...tok, text: c.spec.instance }, `condition ${c.name} names`, vrrp.defined);
  }
}

/**
 * A track line whose condition depends on the instance's own election (`vrrp SELF`, directly or
 * through all/any/not) would make the priority follow the state it decides; with weight 0 the
 * instance could never become Active. Reported as an error.
 */
export function checkTrackLoops(r: Reporter, vrrp: ResolvedVrrp, conditions: ResolvedConditions): void {
  const specOf = new Map(conditions.conditions.map((c) => [c.name, c.spec]));
  const path = (from: string, instance: string, seen: Set<string>): string[] | undefined => {
    if (seen.has(from)) return undefined;
    seen.add(from);
    const spec = specOf.get(from);
    if (!spec) return undefined;
    if (spec.kind === 'vrrp') return spec.instance === instance ? [from] : undefined;
    for (const u of conditions.edges.get(from) ?? []) {
      const rest = path(u.tok.text, instance, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  };
  // Members of a sync group share their tracked conditions at run time (src/vrrp/coordinator.ts),
  // so a track in one member that depends on another member's state is the same loop.
  const groupOf = new Map<string, readonly string[]>();
  for (const g of vrrp.groups) for (const m of g.members) groupOf.set(m, g.members);
  for (const [name, info] of vrrp.defined) {
    if (info.priority === 255) continue;
    for (const t of info.tracks) {
      for (const target of groupOf.get(name) ?? [name]) {
        const p = path(t.nameTok.text, target, new Set());
        if (!p) continue;
        const via = target === name ? '' : ` (a member of its sync group, which shares its tracks)`;
        r.error(t.nameTok, 'E_VRRP_TRACK', `track ${t.nameTok.text} depends on the state of vrrp ${target}${via === '' ? ' itself' : via} (${[...p, `vrrp ${target}`].join(' -> ')}): its priority cannot follow its own election${t.weight === 0 ? ', and with weight 0 it could never become Active' : ''}; use nopreempt or preempt_delay to keep an Active in place`);
        break;
      }
    }
  }
}
