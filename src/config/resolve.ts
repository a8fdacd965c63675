/**
 * Stage 3 of the config pipeline: raw tree -> frozen Config, with radvd 2.19's defaults and
 * checks, and firsthop's operator warnings.
 *
 * radvd checks a config in two places, and firsthop reports both as errors:
 *  - while parsing (gram.y): prefix lengths, AdvPreferredLifetime <= AdvValidLifetime, Base6Interface
 *    needs /64, at most 3 RDNSS servers, DNSSL characters, duplicate interfaces. `radvd -c` sees these.
 *  - when it brings an interface up (interface.c check_iface): interval ranges with the Mobile IPv6
 *    exceptions, AdvLinkMTU >= 1280, AdvReachableTime, AdvDefaultLifetime, HomeAgentLifetime and the
 *    Mobile IPv6 flag dependencies. `radvd -c` does NOT check these; radvd refuses the interface at
 *    start-up (and exits, unless IgnoreIfMissing is on, which is the default).
 * ERROR_PHASE (codes.ts) says which is which.
 *
 * radvd quirks reproduced on purpose (each one gets a warning):
 *  - route, RDNSS, DNSSL and nat64prefix defaults use the MaxRtrAdvInterval set ABOVE the block,
 *    not the interface's final one;
 *  - AdvRDNSSLifetime below MaxRtrAdvInterval is logged but kept; AdvDNSSLLifetime below it is
 *    raised to MaxRtrAdvInterval;
 *  - AdvCurHopLimit and HomeAgentPreference keep only their low 8/16 bits; AdvDefaultLifetime and
 *    HomeAgentLifetime of 2^31 or more count as unset; AdvRAMTU is clamped to 1280..131072.
 */
import type { ConditionRef, PolicyConfig, PolicyField } from '../conditions/types';
import { canonicalIPv6, isLinkLocal, parseIPv6 } from '../net/ipv6';
import type { RouterPreference } from '../wire/types';
import { checkReferences, POLICY_FIELDS, resolveConditions, type NameUse } from './conditions';
import type { Token } from './lexer';
import { blockName, MAC, type RawBlock, type RawConfig, type RawInterface, type RawOption, type RawPolicy, type RawVrrpTie } from './parse';
import {
  DEFAULT_MAX_RTR_ADV_INTERVAL,
  IFNAMSIZ,
  MAX_ADV_DEFAULT_LIFETIME,
  MAX_ADV_LINK_MTU,
  MAX_ADV_REACHABLE_TIME,
  MAX_HOME_AGENT_LIFETIME,
  MAX_RDNSS_ADDRESSES,
  MIN_ADV_LINK_MTU,
  MIN_HOME_AGENT_LIFETIME,
  NAT64_MAX_VALID_LIFETIME,
  findOption,
  type BlockKind,
  type DefaultContext,
  type DefaultValue,
} from './schema';
import { checkTies, checkTrackLoops, checkVrrpConditions, resolveVrrp, type VrrpTie } from './vrrp';
import { resolveHttp } from './http';
import type {
  AbroConfig,
  Config,
  Diagnostic,
  DnsslConfig,
  InterfaceConfig,
  LowpanContextConfig,
  Nat64PrefixConfig,
  PrefixConfig,
  RdnssConfig,
  RouteConfig,
  SourcePos,
} from './types';

/** Lifetimes under this many seconds are dropped by Android and some other hosts. */
export const SHORT_LIFETIME = 180;

export interface ResolveOutput {
  readonly config?: Config;
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}

const INT32_MAX = 0x7fffffff;
/** radvd's scanner copies words into a 256-byte buffer. */
const MAX_WORD = 255;

export function resolve(raw: RawConfig): ResolveOutput {
  const r = new Resolver(raw.file);
  if (raw.extensionTok) {
    r.warn(raw.extensionTok, 'W_NOT_RADVD', 'conditions and policies (conditional RAs, RFC 8475) are a firsthop extension: radvd rejects this file');
  }
  if (raw.vrrpTok) {
    r.warn(raw.vrrpTok, 'W_NOT_RADVD', 'VRRP (vrrp and vrrp_sync_group blocks, vrrp NAME; in interfaces; RFC 9568) is a firsthop extension: radvd rejects this file');
  }
  const conditions = resolveConditions(r, raw.conditions);
  const vrrp = resolveVrrp(r, raw.vrrp, raw.vrrpSyncGroups);
  const http = resolveHttp(r, raw.http);
  // Conditional RAs exist to put a change on the wire at once: with conditions (or VRRP, whose
  // new Active must be heard at once), triggered RAs
  // may follow each other as closely as Mobile IPv6 allows (0.03 s, RFC 6275 7.5).
  r.conditional = raw.conditions.length > 0 || raw.vrrp.length > 0;
  const interfaces: InterfaceConfig[] = [];
  const seen: Array<{ name: string; line: number }> = [];
  for (const iface of raw.interfaces) {
    const full = iface.nameTok.text;
    // radvd compares the new (full) name with the stored, truncated names.
    const dup = seen.find((s) => s.name === full);
    if (dup) r.error(iface.nameTok, 'E_DUPLICATE_INTERFACE', `duplicate interface definition for ${full} (first defined at line ${dup.line})`);
    const resolved = r.iface(iface);
    seen.push({ name: resolved.name, line: iface.keywordTok.line });
    interfaces.push(resolved);
  }
  for (let i = 0; i < interfaces.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = interfaces[j] as InterfaceConfig;
      const b = interfaces[i] as InterfaceConfig;
      if (a.name === b.name && b.name !== raw.interfaces[i]?.nameTok.text) {
        r.warn(raw.interfaces[i]?.nameTok as Token, 'W_IFNAME_TRUNCATED', `interface names ${raw.interfaces[j]?.nameTok.text} and ${raw.interfaces[i]?.nameTok.text} both shorten to ${b.name}; radvd 2.19 does not notice and configures ${b.name} twice`);
      }
    }
  }
  checkTies(r, vrrp, r.vrrpTies, raw.interfaces.map((i, k) => ({ name: (interfaces[k] as InterfaceConfig).name, tok: i.nameTok })));
  checkVrrpConditions(r, raw.conditions, conditions.conditions, vrrp);
  checkTrackLoops(r, vrrp, conditions);
  checkReferences(r, conditions, [...r.policyUses, ...vrrp.trackUses], raw.vrrp.length > 0 ? 'if policy or vrrp track' : 'if policy');
  if (r.errors.length > 0) return { errors: r.errors, warnings: r.warnings };
  const config: Config = { file: raw.file, conditions: conditions.conditions, interfaces, vrrp: vrrp.instances, vrrpSyncGroups: vrrp.groups, ...(http !== undefined ? { http } : {}) };
  return { config: deepFreeze(config), errors: r.errors, warnings: r.warnings };
}

/** The options of one block (or of the interface itself), last one winning, as radvd does. */
class Settings {
  private readonly byName = new Map<string, RawOption>();

  constructor(
    r: Resolver,
    options: Iterable<RawOption>,
    /** Warn about options radvd 2.19 lacks (off inside blocks that are themselves newer). */
    compat = true,
  ) {
    for (const o of options) {
      const prev = this.byName.get(o.spec.name);
      if (prev) r.warn(o.nameTok, 'W_DUPLICATE_OPTION', `${o.spec.name} is set again; the value at line ${prev.nameTok.line} is overridden`);
      this.byName.set(o.spec.name, o);
      if (o.spec.ignored) r.warn(o.nameTok, 'W_IGNORED_OPTION', `${o.spec.name} is ${o.spec.ignored}`);
      if (compat && o.spec.origin !== 'radvd-2.19') r.compat(o.nameTok, o.spec.name, o.spec.origin);
    }
  }

  opt(name: string): RawOption | undefined {
    return this.byName.get(name);
  }

  /** The option's value, or its schema default in this context. */
  get(block: BlockKind, name: string, ctx: DefaultContext): DefaultValue {
    const o = this.byName.get(name);
    if (o) return o.value;
    const spec = findOption(block, name);
    if (!spec) throw new Error(`no option ${name} in ${block}`);
    return spec.dflt(ctx);
  }

  num(block: BlockKind, name: string, ctx: DefaultContext): number {
    return this.get(block, name, ctx) as number;
  }

  bool(block: BlockKind, name: string, ctx: DefaultContext): boolean {
    return this.get(block, name, ctx) as boolean;
  }
}

class Resolver {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** The file declares conditions (firsthop extension): MinDelayBetweenRAs may go down to 0.03. */
  conditional = false;
  /** Condition names used by `if` policies, checked once every condition is known. */
  readonly policyUses: NameUse[] = [];
  /** Interfaces' `vrrp NAME;` statements, checked once every block is read. */
  readonly vrrpTies: VrrpTie[] = [];

  constructor(private readonly file: string) {}

  error(t: Token, code: string, message: string): void {
    this.errors.push({ severity: 'error', file: this.file, line: t.line, column: t.column, message, code });
  }

  warn(t: Token, code: string, message: string): void {
    this.warnings.push({ severity: 'warning', file: this.file, line: t.line, column: t.column, message, code });
  }

  compat(t: Token, what: string, origin: string): void {
    if (origin === 'firsthop') this.warn(t, 'W_NOT_RADVD', `${what} is a firsthop extension: radvd rejects this file`);
    else this.warn(t, 'W_NOT_RADVD_2_19', `${what} needs radvd 2.20 or later: radvd 2.19 rejects this file`);
  }

  pos(t: Token): SourcePos {
    return { file: this.file, line: t.line, column: t.column };
  }

  // ---- interface ----------------------------------------------------------------------------

  iface(raw: RawInterface): InterfaceConfig {
    const ifaceOptions: RawOption[] = [];
    const ifacePolicies: RawPolicy[] = [];
    const ties: RawVrrpTie[] = [];
    const blocks: Array<{ block: RawBlock; maxAtBlock: number }> = [];
    let maxInEffect = DEFAULT_MAX_RTR_ADV_INTERVAL;
    for (const item of raw.items) {
      if (item.kind === 'option') {
        ifaceOptions.push(item);
        if (item.spec.name === 'MaxRtrAdvInterval') maxInEffect = item.value as number;
      } else if (item.kind === 'if') {
        ifacePolicies.push(item);
      } else if (item.kind === 'vrrp') {
        ties.push(item);
      } else {
        blocks.push({ block: item, maxAtBlock: maxInEffect });
        if (item.spec.origin !== 'radvd-2.19') this.compat(item.keywordTok, `the ${item.spec.keyword} block`, item.spec.origin);
      }
    }
    const s = new Settings(this, ifaceOptions);
    const name = this.ifname(raw.nameTok, 'interface');
    for (const tie of ties) {
      this.vrrpTies.push({ iface: name, ifaceLine: raw.keywordTok.line, keywordTok: tie.keywordTok, nameTok: tie.nameTok, advSendAdvert: s.bool('interface', 'AdvSendAdvert', { maxAtBlock: DEFAULT_MAX_RTR_ADV_INTERVAL, max: DEFAULT_MAX_RTR_ADV_INTERVAL, advDefaultLifetime: 0 }) });
    }

    const base: DefaultContext = { maxAtBlock: DEFAULT_MAX_RTR_ADV_INTERVAL, max: DEFAULT_MAX_RTR_ADV_INTERVAL, advDefaultLifetime: 0 };
    const max = s.num('interface', 'MaxRtrAdvInterval', base);
    const maxTok = s.opt('MaxRtrAdvInterval')?.valueTok;
    const derivedAt = maxTok ?? raw.nameTok; // where a value derived from MaxRtrAdvInterval is reported

    // AdvDefaultLifetime and HomeAgentLifetime are int32 in radvd with -1 meaning "unset".
    const advDefaultLifetime = this.int32OrDefault(s, 'AdvDefaultLifetime', { ...base, max, maxAtBlock: max });
    const ctx: DefaultContext = { maxAtBlock: max, max, advDefaultLifetime };
    const homeAgentLifetime = this.int32OrDefault(s, 'HomeAgentLifetime', ctx);

    const homeAgentFlag = s.bool('interface', 'AdvHomeAgentFlag', ctx);
    const homeAgentInfo = s.bool('interface', 'AdvHomeAgentInfo', ctx);
    const intervalOpt = s.bool('interface', 'AdvIntervalOpt', ctx);
    const routerAddrPrefix = blocks.some(({ block }) => block.spec.keyword === 'prefix' && block.options.some((o) => o.spec.name === 'AdvRouterAddr' && o.value === true));
    const mipv6 = homeAgentFlag || homeAgentInfo || intervalOpt || routerAddrPrefix;
    const mipNote = mipv6 ? ' (Mobile IPv6 minimum)' : '';

    // ---- check_iface: intervals
    const minRtr = s.num('interface', 'MinRtrAdvInterval', ctx);
    const minLower = mipv6 ? 0.03 : 3;
    const minUpper = 0.75 * max;
    if (minRtr < minLower || minRtr > minUpper) {
      const minOpt = s.opt('MinRtrAdvInterval');
      if (minOpt) {
        this.error(minOpt.valueTok, 'E_MIN_INTERVAL', `MinRtrAdvInterval ${fmt(minRtr)} must be at least ${fmt(minLower)}${mipNote} and at most 0.75 * MaxRtrAdvInterval = ${fmt(minUpper)}`);
      } else {
        this.error(derivedAt, 'E_MIN_INTERVAL', `MinRtrAdvInterval defaults to 0.33 * MaxRtrAdvInterval = ${fmt(minRtr)}, below the minimum ${fmt(minLower)}${mipNote}: set MinRtrAdvInterval or make MaxRtrAdvInterval at least ${fmt(Math.ceil((minLower / 0.33) * 100) / 100)}`);
      }
    }
    const maxLower = mipv6 ? 0.07 : 4;
    if (max < maxLower || max > 1800) {
      this.error(derivedAt, 'E_MAX_INTERVAL', `MaxRtrAdvInterval ${fmt(max)} must be between ${fmt(maxLower)}${mipNote} and 1800`);
    }
    const minDelay = s.num('interface', 'MinDelayBetweenRAs', ctx);
    const minDelayLower = mipv6 || this.conditional ? 0.03 : 3;
    if (minDelay < minDelayLower) {
      const note = mipNote !== '' ? mipNote : this.conditional ? ' (the minimum with conditions or VRRP)' : ' (0.03 with conditions, VRRP or Mobile IPv6 options)';
      this.error(s.opt('MinDelayBetweenRAs')?.valueTok ?? raw.nameTok, 'E_MIN_DELAY', `MinDelayBetweenRAs ${fmt(minDelay)} must be at least ${fmt(minDelayLower)}${note}`);
    }

    // ---- check_iface: header values
    const linkMtu = s.num('interface', 'AdvLinkMTU', ctx);
    if (linkMtu !== 0 && linkMtu < MIN_ADV_LINK_MTU) {
      this.error(s.opt('AdvLinkMTU')?.valueTok as Token, 'E_LINK_MTU', `AdvLinkMTU ${linkMtu} must be 0 (no MTU option) or at least ${MIN_ADV_LINK_MTU}`);
    }
    const reachable = s.num('interface', 'AdvReachableTime', ctx);
    if (reachable > MAX_ADV_REACHABLE_TIME) {
      this.error(s.opt('AdvReachableTime')?.valueTok as Token, 'E_REACHABLE_TIME', `AdvReachableTime ${reachable} ms must not be greater than ${MAX_ADV_REACHABLE_TIME} ms (1 hour)`);
    }
    const minDefaultLifetime = Math.max(1, max);
    if (advDefaultLifetime !== 0 && (advDefaultLifetime > MAX_ADV_DEFAULT_LIFETIME || advDefaultLifetime < minDefaultLifetime)) {
      this.error(s.opt('AdvDefaultLifetime')?.valueTok ?? derivedAt, 'E_DEFAULT_LIFETIME', `AdvDefaultLifetime ${advDefaultLifetime} must be 0 or between MaxRtrAdvInterval (${fmt(minDefaultLifetime)}) and ${MAX_ADV_DEFAULT_LIFETIME}`);
    }
    if (homeAgentInfo && (homeAgentLifetime > MAX_HOME_AGENT_LIFETIME || homeAgentLifetime < MIN_HOME_AGENT_LIFETIME)) {
      const explicit = s.opt('HomeAgentLifetime');
      const at = explicit?.valueTok ?? s.opt('AdvDefaultLifetime')?.valueTok ?? (s.opt('AdvHomeAgentInfo') as RawOption).nameTok;
      const what = explicit ? `HomeAgentLifetime ${homeAgentLifetime}` : `HomeAgentLifetime (default: AdvDefaultLifetime = ${homeAgentLifetime})`;
      this.error(at, 'E_HOME_AGENT_LIFETIME', `${what} must be between ${MIN_HOME_AGENT_LIFETIME} and ${MAX_HOME_AGENT_LIFETIME} when AdvHomeAgentInfo is on`);
    }
    if (homeAgentInfo && !homeAgentFlag) {
      this.error((s.opt('AdvHomeAgentInfo') as RawOption).nameTok, 'E_HOME_AGENT_FLAG', 'AdvHomeAgentInfo on needs AdvHomeAgentFlag on');
    }
    const mobRtr = s.bool('interface', 'AdvMobRtrSupportFlag', ctx);
    if (mobRtr && !homeAgentInfo) {
      this.error((s.opt('AdvMobRtrSupportFlag') as RawOption).nameTok, 'E_HOME_AGENT_INFO', 'AdvMobRtrSupportFlag on needs AdvHomeAgentInfo on');
    }

    // ---- values radvd stores in narrower fields
    const curHop = this.wrap(s, 'AdvCurHopLimit', 8, ctx);
    const haPref = this.wrap(s, 'HomeAgentPreference', 16, ctx);
    let raMtu = s.num('interface', 'AdvRAMTU', ctx);
    const raMtuOpt = s.opt('AdvRAMTU');
    if (raMtuOpt && (raMtu < MIN_ADV_LINK_MTU || raMtu > MAX_ADV_LINK_MTU)) {
      const clamped = Math.min(MAX_ADV_LINK_MTU, Math.max(MIN_ADV_LINK_MTU, raMtu));
      this.warn(raMtuOpt.valueTok, 'W_CLAMPED', `AdvRAMTU ${raMtu} is outside ${MIN_ADV_LINK_MTU}..${MAX_ADV_LINK_MTU}; it is used as ${clamped}, as radvd 2.19 does`);
      raMtu = clamped;
    }
    const defaultPref = this.preference(s.opt('AdvDefaultPreference'), 0);

    // ---- operator warnings on the router lifetime
    if (advDefaultLifetime !== 0 && advDefaultLifetime < SHORT_LIFETIME) {
      this.warn(s.opt('AdvDefaultLifetime')?.valueTok ?? derivedAt, 'W_SHORT_LIFETIME', `router lifetime (AdvDefaultLifetime) ${advDefaultLifetime} s is under ${SHORT_LIFETIME} s: Android and some other hosts ignore such short lifetimes`);
    }

    let captive: string | undefined;
    const captiveOpt = s.opt('AdvCaptivePortalAPI');
    if (captiveOpt) {
      let text = captiveOpt.value as string;
      if (text.length > MAX_WORD) {
        text = text.slice(0, MAX_WORD);
        this.warn(captiveOpt.valueTok, 'W_TRUNCATED', `radvd reads at most ${MAX_WORD} characters of a word: the URI is cut to its first ${MAX_WORD} characters`);
      }
      captive = trimQuotes(text);
      if (captive === '') this.error(captiveOpt.valueTok, 'E_CAPTIVE_PORTAL', 'AdvCaptivePortalAPI needs a non-empty URI');
    }

    // ---- blocks
    const prefixes: PrefixConfig[] = [];
    const routes: RouteConfig[] = [];
    const rdnss: RdnssConfig[] = [];
    const dnssl: DnsslConfig[] = [];
    const nat64: Nat64PrefixConfig[] = [];
    const abros: AbroConfig[] = [];
    const lowpan: LowpanContextConfig[] = [];
    const clients: string[] = [];
    const raSrc: string[] = [];
    const allowedRouters: string[] = [];
    for (const { block, maxAtBlock } of blocks) {
      const bctx: DefaultContext = { ...ctx, maxAtBlock };
      switch (block.spec.keyword) {
        case 'prefix':
          prefixes.push(this.prefix(block, bctx));
          break;
        case 'route':
          routes.push(this.route(block, bctx, maxTok));
          break;
        case 'RDNSS':
          rdnss.push(this.rdnss(block, bctx, maxTok));
          break;
        case 'DNSSL':
          dnssl.push(this.dnssl(block, bctx, maxTok));
          break;
        case 'nat64prefix':
          nat64.push(this.nat64(block, bctx, maxTok));
          this.policies(block.policies, 'nat64prefix', {}, () => 0);
          break;
        case 'abro':
          abros.push(this.abro(block, bctx));
          this.policies(block.policies, 'abro', {}, () => 0);
          break;
        case 'lowpanco':
          lowpan.push(this.lowpanco(block, bctx));
          this.policies(block.policies, 'lowpanco', {}, () => 0);
          break;
        case 'clients':
          for (const a of block.addresses) clients.push(canonicalIPv6(a.address));
          break;
        case 'AdvRASrcAddress':
          for (const a of block.addresses) raSrc.push(canonicalIPv6(a.address));
          break;
        case 'AllowedRouters':
          for (const a of block.addresses) {
            if (MAC.test(a.address)) {
              allowedRouters.push(a.address.toLowerCase());
              continue;
            }
            const addr = canonicalIPv6(a.address);
            // RFC 4861 6.1.2: hosts discard RAs whose source is not link-local.
            if (!isLinkLocal(addr)) this.warn(a.tok, 'W_ALLOWED_NOT_LINK_LOCAL', `${a.address} is not a link-local address: RAs come from link-local addresses (RFC 4861 6.1.2), so no RA will match it`);
            allowedRouters.push(addr);
          }
          break;
      }
    }
    const withdrawOpt = s.opt('RogueRAWithdraw');
    if (withdrawOpt !== undefined && withdrawOpt.value === true && allowedRouters.length === 0) {
      this.warn(withdrawOpt.valueTok, 'W_WITHDRAW_WITHOUT_ALLOWED', 'RogueRAWithdraw is on and AllowedRouters is empty: every other router sending RAs on this link (VRRP peers aside) will have its default route, routes and DNS withdrawn; list the routers expected here');
    }
    for (const [i, route] of routes.entries()) {
      if (route.prefix === '::' && route.prefixLength === 0 && (route.advRouteLifetime === 0) !== (advDefaultLifetime === 0)) {
        const at = blocks.filter((b) => b.block.spec.keyword === 'route')[i]?.block.keywordTok as Token;
        this.warn(at, 'W_DEFAULT_ROUTE_FLAP', `route ::/0 lifetime ${route.advRouteLifetime} conflicts with AdvDefaultLifetime ${advDefaultLifetime}: hosts' default route will flap (radvd 2.19 logs this as an error but carries on)`);
      }
    }

    // ---- policies (firsthop extension, RFC 8475)
    const policies = this.policies(
      ifacePolicies,
      'interface',
      { AdvDefaultLifetime: advDefaultLifetime, AdvDefaultPreference: defaultPref },
      (field, o) => {
        if (field === 'AdvDefaultPreference') return this.preference(o, 0);
        const v = o.value as number;
        if (v !== 0 && (v > MAX_ADV_DEFAULT_LIFETIME || v < minDefaultLifetime)) {
          this.error(o.valueTok, 'E_DEFAULT_LIFETIME', `AdvDefaultLifetime ${v} must be 0 or between MaxRtrAdvInterval (${fmt(minDefaultLifetime)}) and ${MAX_ADV_DEFAULT_LIFETIME}`);
        } else if (v !== 0 && v < SHORT_LIFETIME) {
          this.warn(o.valueTok, 'W_SHORT_LIFETIME', `router lifetime (AdvDefaultLifetime) ${v} s is under ${SHORT_LIFETIME} s: Android and some other hosts ignore such short lifetimes`);
        }
        return v;
      },
      (head, set) => {
        const lifetime = set.get('AdvDefaultLifetime');
        const pref = set.get('AdvDefaultPreference');
        const lt = lifetime ? lifetime.value : advDefaultLifetime;
        const pr = pref ? pref.value : defaultPref;
        if (lt === 0 && pr !== 'medium') {
          const at = (lifetime ?? pref) as { o: RawOption };
          this.warn(at.o.valueTok, 'W_ZERO_LIFETIME_PREFERENCE', `this branch of ${head} advertises router lifetime 0 with AdvDefaultPreference ${pr}: RFC 4191 2.2 says a router lifetime of 0 is sent with preference medium, so hosts see medium`);
        }
      },
    );

    return {
      name,
      ...(ties[0] ? { vrrp: ties[0].nameTok.text } : {}),
      policies,
      pos: this.pos(raw.keywordTok),
      ignoreIfMissing: s.bool('interface', 'IgnoreIfMissing', ctx),
      advSendAdvert: s.bool('interface', 'AdvSendAdvert', ctx),
      unicastOnly: s.bool('interface', 'UnicastOnly', ctx),
      advRaSolicitedUnicast: s.bool('interface', 'AdvRASolicitedUnicast', ctx),
      maxRtrAdvInterval: max,
      minRtrAdvInterval: minRtr,
      minDelayBetweenRas: minDelay,
      advManagedFlag: s.bool('interface', 'AdvManagedFlag', ctx),
      advOtherConfigFlag: s.bool('interface', 'AdvOtherConfigFlag', ctx),
      advLinkMtu: linkMtu,
      advRaMtu: raMtu,
      advReachableTime: reachable,
      advRetransTimer: s.num('interface', 'AdvRetransTimer', ctx),
      advCurHopLimit: curHop,
      advDefaultLifetime,
      advDefaultPreference: defaultPref,
      advSourceLlAddress: s.bool('interface', 'AdvSourceLLAddress', ctx),
      advHomeAgentFlag: homeAgentFlag,
      advIntervalOpt: intervalOpt,
      advHomeAgentInfo: homeAgentInfo,
      homeAgentLifetime,
      homeAgentPreference: haPref,
      advMobRtrSupportFlag: mobRtr,
      ...(captive !== undefined ? { advCaptivePortalApi: captive } : {}),
      removeAdvOnExit: s.bool('interface', 'RemoveAdvOnExit', ctx),
      advRaSrcAddress: raSrc,
      clients,
      ...(allowedRouters.length > 0 ? { allowedRouters } : {}),
      ...(s.bool('interface', 'RogueRAWithdraw', ctx) ? { rogueRaWithdraw: true } : {}),
      prefixes,
      routes,
      rdnss,
      dnssl,
      nat64Prefixes: nat64,
      abros,
      lowpanContexts: lowpan,
    };
  }

  /** Interface names: radvd keeps quotes and truncates to IFNAMSIZ - 1 characters. */
  private ifname(t: Token, what: string): string {
    let name = t.text;
    if (t.kind === 'quoted') {
      this.warn(t, 'W_QUOTED_NAME', `radvd keeps the double quotes as part of the ${what} name (${name}), so it names an interface that cannot match ${trimQuotes(name)}; write it without quotes`);
    }
    if (name.length > IFNAMSIZ - 1) {
      const short = name.slice(0, IFNAMSIZ - 1);
      this.warn(t, 'W_IFNAME_TRUNCATED', `${what} name ${name} is longer than ${IFNAMSIZ - 1} characters; it is used as ${short}, as radvd 2.19 does`);
      name = short;
    }
    return name;
  }

  private int32OrDefault(s: Settings, name: 'AdvDefaultLifetime' | 'HomeAgentLifetime', ctx: DefaultContext): number {
    const o = s.opt(name);
    const dflt = findOption('interface', name)?.dflt(ctx) as number;
    if (!o) return dflt;
    const v = o.value as number;
    if (v > INT32_MAX) {
      this.warn(o.valueTok, 'W_WRAPPED', `${name} ${v} does not fit radvd's signed 32-bit field: radvd 2.19 reads it as negative, i.e. unset, and uses the default ${dflt}`);
      return dflt;
    }
    return v;
  }

  private wrap(s: Settings, name: string, bits: 8 | 16, ctx: DefaultContext, block: BlockKind = 'interface'): number {
    const v = s.num(block, name, ctx);
    const mask = bits === 8 ? 0xff : 0xffff;
    if (v > mask) {
      const kept = v & mask;
      this.warn((s.opt(name) as RawOption).valueTok, 'W_WRAPPED', `${name} ${v} does not fit in ${bits} bits: radvd 2.19 keeps only the low ${bits} bits and advertises ${kept}`);
      return kept;
    }
    return v;
  }

  /** radvd's preference is an int shifted into a 2-bit field: low = -1, medium = 0, high = 1, -2 = reserved. */
  private preference(o: RawOption | undefined, dflt: number): RouterPreference {
    const v = o ? (o.value as number) : dflt;
    const bits = v & 3;
    const pref: RouterPreference = bits === 0 ? 'medium' : bits === 1 ? 'high' : bits === 3 ? 'low' : 'reserved';
    if (o && !['low', 'medium', 'high'].includes(o.valueTok.text)) {
      this.warn(o.valueTok, 'W_NUMERIC_PREFERENCE', `${o.spec.name} ${o.valueTok.text} is read by radvd as the 2-bit value ${bits.toString(2).padStart(2, '0')} = ${pref}${pref === 'reserved' ? ' (hosts treat a reserved preference as medium, or ignore the route)' : ''}; write low, medium or high`);
    }
    return pref;
  }

  private orderWarning(block: RawBlock, what: string, maxAtBlock: number, ctx: DefaultContext, maxTok: Token | undefined, value: number): void {
    if (value === 0) {
      this.warn(block.keywordTok, 'W_ZERO_DEFAULT_LIFETIME', `${what} defaults to 0 (MaxRtrAdvInterval ${fmt(maxAtBlock)} is under a second and radvd truncates), which tells hosts to stop using it: set ${what} explicitly`);
      return;
    }
    if (maxAtBlock === ctx.max || !maxTok) return;
    this.warn(block.keywordTok, 'W_ORDER_DEPENDENT_DEFAULT', `${what} defaults to ${value} from the MaxRtrAdvInterval in effect here (${fmt(maxAtBlock)}), not the MaxRtrAdvInterval ${fmt(ctx.max)} set at line ${maxTok.line}: radvd 2.19 computes block defaults where the block starts; set it explicitly or move MaxRtrAdvInterval above this block`);
  }

  private shortLifetime(t: Token, what: string, v: number): void {
    if (v !== 0 && v < SHORT_LIFETIME) {
      this.warn(t, 'W_SHORT_LIFETIME', `${what} ${v} s is under ${SHORT_LIFETIME} s: Android and some other hosts ignore such short lifetimes`);
    }
  }

  private dnsLifetime(t: Token, what: string, v: number, max: number): void {
    if (v !== 0 && v < 3 * max) {
      this.warn(t, 'W_DNS_LIFETIME', `${what} ${v} s is less than 3 * MaxRtrAdvInterval (${fmt(3 * max)} s): hosts may drop the DNS information between two unsolicited RAs (RFC 8106 5.1 recommends at least 3 * MaxRtrAdvInterval)`);
    }
  }

  private prefixLength(block: RawBlock, what: string): number {
    const head = block.prefix;
    if (!head) return 0;
    if (head.length > 128) this.error(head.lenTok, 'E_PREFIX_LENGTH', `invalid ${what} length ${head.length}: at most 128`);
    return head.length;
  }

  // ---- policies (firsthop extension, RFC 8475) ----------------------------------------------

  /**
   * The `if` statements of one block -> one PolicyConfig per field per statement, in file order
   * (fields in the order the branches first set them). A branch that leaves a field alone keeps
   * the block's own resolved value (`own`). `value` checks one branch value the way the block's
   * own option is checked and returns what is advertised; `branch` sees each branch's settings.
   */
  private policies(
    raws: readonly RawPolicy[],
    block: BlockKind,
    own: Partial<Record<PolicyField, number | string>>,
    value: (field: PolicyField, o: RawOption) => number | string,
    branch?: (head: string, set: ReadonlyMap<PolicyField, { readonly o: RawOption; readonly value: number | string }>) => void,
  ): PolicyConfig[] {
    const allowed = POLICY_FIELDS[block] ?? [];
    const out: PolicyConfig[] = [];
    for (const p of raws) {
      this.policyUses.push({ tok: p.nameTok });
      const head = `if ${p.notTok ? 'not ' : ''}${p.nameTok.text}`;
      if (allowed.length === 0) {
        const homes = Object.entries(POLICY_FIELDS).map(([b, f]) => `${b} (${(f ?? []).join(', ')})`).join(', ');
        this.error(p.ifTok, 'E_POLICY_FIELD', `a policy cannot change anything in ${blockName(block)}: policies go in ${homes} blocks`);
        continue;
      }
      const branches = [p.then, ...(p.otherwise ? [p.otherwise] : [])];
      if (branches.every((b) => b.options.length === 0)) {
        this.error(p.ifTok, 'E_POLICY_EMPTY', `${head} sets nothing: give a branch the value it sets, e.g. ${head} { ${allowed[0]} VALUE; } else { ${allowed[0]} VALUE; };`);
        continue;
      }
      const sets = branches.map((b) => {
        const set = new Map<PolicyField, { o: RawOption; value: number | string }>();
        for (const o of b.options) {
          const field = o.spec.name as PolicyField;
          if (o.spec.block !== block || !allowed.includes(field)) {
            this.error(o.nameTok, 'E_POLICY_FIELD', this.policyFieldMessage(o.spec.name, block, allowed));
            continue;
          }
          const prev = set.get(field);
          if (prev) this.warn(o.nameTok, 'W_DUPLICATE_OPTION', `${field} is set again in this branch; the value at line ${prev.o.nameTok.line} is overridden`);
          set.set(field, { o, value: value(field, o) });
        }
        branch?.(head, set);
        return set;
      });
      type Branch = ReadonlyMap<PolicyField, { readonly value: number | string }>;
      const whenTrue: Branch = sets[0] ?? new Map();
      const whenFalse: Branch = sets[1] ?? new Map();
      const condition: ConditionRef = p.notTok ? { spec: { kind: 'not', of: { ref: p.nameTok.text } } } : { ref: p.nameTok.text };
      const fields: PolicyField[] = [...new Set([...whenTrue.keys(), ...whenFalse.keys()])];
      for (const field of fields) {
        out.push({
          condition,
          field,
          whenTrue: whenTrue.get(field)?.value ?? (own[field] as number | string),
          whenFalse: whenFalse.get(field)?.value ?? (own[field] as number | string),
          pos: this.pos(p.ifTok),
        });
      }
    }
    return out;
  }

  private policyFieldMessage(name: string, block: BlockKind, allowed: readonly PolicyField[]): string {
    if (block === 'prefix' && name === 'AdvValidLifetime') {
      return 'a policy cannot change AdvValidLifetime: RFC 8475 3.1.2 changes only the preferred lifetime, and RFC 4862 5.5.3 (e) makes hosts ignore a shorter valid lifetime from an unauthenticated RA; deprecate the prefix with AdvPreferredLifetime 0 instead';
    }
    const other = Object.entries(POLICY_FIELDS).filter(([b, f]) => b !== block && (f ?? []).includes(name as PolicyField)).map(([b]) => blockName(b as BlockKind));
    const elsewhere = other.length > 0 ? ` (${name} is a policy field of ${other.join(' and ')})` : '';
    return `${name} cannot be set by a policy in ${blockName(block)}: a policy here may set only ${allowed.join(' and ')}${elsewhere}`;
  }

  // ---- prefix -------------------------------------------------------------------------------

  private prefix(block: RawBlock, ctx: DefaultContext): PrefixConfig {
    const head = block.prefix as NonNullable<RawBlock['prefix']>;
    const s = new Settings(this, block.options);
    let length = this.prefixLength(block, 'prefix');
    const address = canonicalIPv6(head.address);
    const auto = isAllZero(head.address);
    const valid = s.num('prefix', 'AdvValidLifetime', ctx);
    const preferred = s.num('prefix', 'AdvPreferredLifetime', ctx);
    const validOpt = s.opt('AdvValidLifetime');
    const prefOpt = s.opt('AdvPreferredLifetime');
    if (preferred > valid) {
      const at = prefOpt?.valueTok ?? (validOpt as RawOption).valueTok;
      this.error(at, 'E_PREFERRED_GT_VALID', `AdvPreferredLifetime ${lifetimeText(preferred)} is greater than AdvValidLifetime ${lifetimeText(valid)} for prefix ${head.address}/${head.length}`);
    }
    const base6 = s.opt('Base6Interface');
    if (base6 && head.length !== 64) {
      this.error(base6.nameTok, 'E_BASE6_LENGTH', `Base6Interface needs a /64 prefix, not /${head.length}`);
    }
    const base6to4 = s.opt('Base6to4Interface');
    const autonomous = s.bool('prefix', 'AdvAutonomous', ctx);
    if (auto && length !== 64 && length <= 128) {
      this.warn(head.lenTok, 'W_AUTO_PREFIX_LENGTH', `prefix ::/${length} means "every prefix on the interface" for radvd whatever the length; it is read as ::/64`);
      length = 64;
    } else if (autonomous && !auto && !base6to4 && length !== 64 && length <= 128) {
      this.warn(head.lenTok, 'W_SLAAC_NOT_64', `prefix ${head.address}/${length} has AdvAutonomous on, but SLAAC needs a /64: hosts will not form addresses from it (set AdvAutonomous off or use a /64)`);
    }
    this.shortLifetime(validOpt?.valueTok ?? head.addrTok, 'AdvValidLifetime', valid);
    this.shortLifetime(prefOpt?.valueTok ?? head.addrTok, 'AdvPreferredLifetime', preferred);
    const policies = this.policies(block.policies, 'prefix', { AdvPreferredLifetime: preferred }, (_field, o) => {
      const v = o.value as number;
      if (v > valid) {
        this.error(o.valueTok, 'E_PREFERRED_GT_VALID', `AdvPreferredLifetime ${lifetimeText(v)} is greater than AdvValidLifetime ${lifetimeText(valid)} for prefix ${head.address}/${head.length}`);
      }
      this.shortLifetime(o.valueTok, 'AdvPreferredLifetime', v);
      return v;
    });
    return {
      prefix: address,
      prefixLength: length,
      advOnLink: s.bool('prefix', 'AdvOnLink', ctx),
      advAutonomous: autonomous,
      advRouterAddr: s.bool('prefix', 'AdvRouterAddr', ctx),
      advDhcpv6Pd: s.bool('prefix', 'AdvPrefixPD', ctx),
      advValidLifetime: valid,
      advPreferredLifetime: preferred,
      deprecatePrefix: s.bool('prefix', 'DeprecatePrefix', ctx),
      decrementLifetimes: s.bool('prefix', 'DecrementLifetimes', ctx),
      ...(base6 ? { base6Interface: this.ifname(base6.valueTok, 'Base6Interface') } : {}),
      ...(base6to4 ? { base6to4Interface: this.ifname(base6to4.valueTok, 'Base6to4Interface') } : {}),
      policies,
      pos: this.pos(block.keywordTok),
    };
  }

  // ---- route --------------------------------------------------------------------------------

  private route(block: RawBlock, ctx: DefaultContext, maxTok: Token | undefined): RouteConfig {
    const head = block.prefix as NonNullable<RawBlock['prefix']>;
    const s = new Settings(this, block.options);
    const length = this.prefixLength(block, 'route prefix');
    const lifetimeOpt = s.opt('AdvRouteLifetime');
    const lifetime = s.num('route', 'AdvRouteLifetime', ctx);
    if (!lifetimeOpt) this.orderWarning(block, 'AdvRouteLifetime', ctx.maxAtBlock, ctx, maxTok, lifetime);
    this.shortLifetime(lifetimeOpt?.valueTok ?? block.keywordTok, 'AdvRouteLifetime', lifetime);
    const preference = this.preference(s.opt('AdvRoutePreference'), 0);
    const policies = this.policies(block.policies, 'route', { AdvRouteLifetime: lifetime, AdvRoutePreference: preference }, (field, o) => {
      if (field === 'AdvRoutePreference') return this.preference(o, 0);
      this.shortLifetime(o.valueTok, 'AdvRouteLifetime', o.value as number);
      return o.value as number;
    });
    return {
      prefix: canonicalIPv6(head.address),
      prefixLength: length,
      advRoutePreference: preference,
      advRouteLifetime: lifetime,
      removeRoute: s.bool('route', 'RemoveRoute', ctx),
      policies,
      pos: this.pos(block.keywordTok),
    };
  }

  // ---- RDNSS / DNSSL ------------------------------------------------------------------------

  private rdnss(block: RawBlock, ctx: DefaultContext, maxTok: Token | undefined): RdnssConfig {
    const s = new Settings(this, block.options);
    const extra = block.addresses[MAX_RDNSS_ADDRESSES];
    if (extra) this.error(extra.tok, 'E_RDNSS_TOO_MANY', `too many addresses in RDNSS: radvd allows at most ${MAX_RDNSS_ADDRESSES} per RDNSS block (add another RDNSS block)`);
    const o = s.opt('AdvRDNSSLifetime');
    const lifetime = s.num('RDNSS', 'AdvRDNSSLifetime', ctx);
    if (o && lifetime !== 0 && lifetime < ctx.maxAtBlock) {
      this.warn(o.valueTok, 'W_DNS_LIFETIME_BELOW_MAX', `AdvRDNSSLifetime ${lifetime} is below MaxRtrAdvInterval (${fmt(ctx.maxAtBlock)}): radvd 2.19 logs an error but advertises ${lifetime} anyway`);
    }
    if (!o) this.orderWarning(block, 'AdvRDNSSLifetime', ctx.maxAtBlock, ctx, maxTok, lifetime);
    const at = o?.valueTok ?? block.keywordTok;
    this.dnsLifetime(at, 'AdvRDNSSLifetime', lifetime, ctx.max);
    this.shortLifetime(at, 'AdvRDNSSLifetime', lifetime);
    const policies = this.policies(block.policies, 'RDNSS', { AdvRDNSSLifetime: lifetime }, (_field, p) => {
      const v = p.value as number;
      if (v !== 0 && v < ctx.maxAtBlock) {
        this.warn(p.valueTok, 'W_DNS_LIFETIME_BELOW_MAX', `AdvRDNSSLifetime ${v} is below MaxRtrAdvInterval (${fmt(ctx.maxAtBlock)}): radvd 2.19 logs an error but advertises ${v} anyway`);
      }
      this.dnsLifetime(p.valueTok, 'AdvRDNSSLifetime', v, ctx.max);
      this.shortLifetime(p.valueTok, 'AdvRDNSSLifetime', v);
      return v;
    });
    return {
      servers: block.addresses.map((a) => canonicalIPv6(a.address)),
      advRdnssLifetime: lifetime,
      flushRdnss: s.bool('RDNSS', 'FlushRDNSS', ctx),
      policies,
      pos: this.pos(block.keywordTok),
    };
  }

  private dnssl(block: RawBlock, ctx: DefaultContext, maxTok: Token | undefined): DnsslConfig {
    const s = new Settings(this, block.options);
    const domains: string[] = [];
    let wire = 0;
    for (const t of block.suffixes) {
      let text = t.text;
      if (text.length > MAX_WORD) {
        text = text.slice(0, MAX_WORD);
        this.warn(t, 'W_TRUNCATED', `radvd 2.19 reads at most ${MAX_WORD} characters of a word: this suffix is cut to its first ${MAX_WORD} characters`);
      }
      const bad = /[^A-Za-z0-9.-]/.exec(text);
      if (bad) {
        const hint = t.kind === 'quoted' ? '; write it without quotes' : '';
        this.error(t, 'E_DNSSL_SUFFIX', `invalid domain suffix ${t.text}: only letters, digits, '-' and '.' are allowed (found '${bad[0]}')${hint}`);
        continue;
      }
      const labels = text.replace(/\.$/, '').split('.');
      if (labels.some((l) => l === '')) this.warn(t, 'W_DNSSL_LABEL', `domain suffix ${text} has an empty label: radvd sends it as a truncated name`);
      else if (labels.some((l) => l.length > 63)) this.warn(t, 'W_DNSSL_LABEL', `domain suffix ${text} has a label longer than 63 characters: radvd sends a malformed name`);
      wire += labels.reduce((n, l) => n + 1 + l.length, 0) + 1;
      domains.push(text);
    }
    if (8 + wire > 2048) {
      this.error(block.keywordTok, 'E_DNSSL_TOO_LONG', `DNSSL option would be ${8 + wire} bytes; radvd allows at most 2048 and exits when it builds the RA (split the suffixes over several DNSSL blocks)`);
    }
    const o = s.opt('AdvDNSSLLifetime');
    let lifetime = s.num('DNSSL', 'AdvDNSSLLifetime', ctx);
    if (o && lifetime !== 0 && lifetime < ctx.maxAtBlock) {
      const raised = Math.trunc(ctx.maxAtBlock) >>> 0;
      this.warn(o.valueTok, 'W_DNS_LIFETIME_BELOW_MAX', `AdvDNSSLLifetime ${lifetime} is below MaxRtrAdvInterval (${fmt(ctx.maxAtBlock)}): radvd 2.19 raises it to ${raised}`);
      lifetime = raised;
    }
    if (!o) this.orderWarning(block, 'AdvDNSSLLifetime', ctx.maxAtBlock, ctx, maxTok, lifetime);
    const at = o?.valueTok ?? block.keywordTok;
    this.dnsLifetime(at, 'AdvDNSSLLifetime', lifetime, ctx.max);
    this.shortLifetime(at, 'AdvDNSSLLifetime', lifetime);
    const policies = this.policies(block.policies, 'DNSSL', { AdvDNSSLLifetime: lifetime }, (_field, p) => {
      let v = p.value as number;
      if (v !== 0 && v < ctx.maxAtBlock) {
        const raised = Math.trunc(ctx.maxAtBlock) >>> 0;
        this.warn(p.valueTok, 'W_DNS_LIFETIME_BELOW_MAX', `AdvDNSSLLifetime ${v} is below MaxRtrAdvInterval (${fmt(ctx.maxAtBlock)}): radvd 2.19 raises it to ${raised}`);
        v = raised;
      }
      this.dnsLifetime(p.valueTok, 'AdvDNSSLLifetime', v, ctx.max);
      this.shortLifetime(p.valueTok, 'AdvDNSSLLifetime', v);
      return v;
    });
    return { domains, advDnsslLifetime: lifetime, flushDnssl: s.bool('DNSSL', 'FlushDNSSL', ctx), policies, pos: this.pos(block.keywordTok) };
  }

  // ---- nat64prefix (radvd 2.20) -------------------------------------------------------------

  private nat64(block: RawBlock, ctx: DefaultContext, maxTok: Token | undefined): Nat64PrefixConfig {
    const head = block.prefix as NonNullable<RawBlock['prefix']>;
    const s = new Settings(this, block.options, false);
    if (isAllZero(head.address)) this.error(head.addrTok, 'E_NAT64_PREFIX', 'nat64prefix cannot be all zeros');
    const length = this.prefixLength(block, 'nat64prefix');
    if (length <= 128 && ![32, 40, 48, 56, 64, 96].includes(length)) {
      this.error(head.lenTok, 'E_NAT64_PREFIX', `nat64prefix length must be /32, /40, /48, /56, /64 or /96 (RFC 8781), not /${length}`);
    }
    const o = s.opt('AdvValidLifetime');
    const lifetime = s.num('nat64prefix', 'AdvValidLifetime', ctx);
    if (o && lifetime > NAT64_MAX_VALID_LIFETIME) {
      this.error(o.valueTok, 'E_NAT64_LIFETIME', `nat64prefix AdvValidLifetime ${lifetime} must be at most ${NAT64_MAX_VALID_LIFETIME}`);
    }
    if (!o) this.orderWarning(block, 'nat64prefix AdvValidLifetime', ctx.maxAtBlock, ctx, maxTok, lifetime);
    return {
      prefix: canonicalIPv6(head.address),
      prefixLength: length as Nat64PrefixConfig['prefixLength'],
      advValidLifetime: lifetime,
      pos: this.pos(block.keywordTok),
    };
  }

  // ---- 6LoWPAN: abro, lowpanco --------------------------------------------------------------

  private abro(block: RawBlock, ctx: DefaultContext): AbroConfig {
    const s = new Settings(this, block.options);
    if (block.abroLenTok) {
      this.warn(block.abroLenTok, 'W_DEPRECATED', `the abro prefix length is deprecated and ignored: remove '/${block.abroLenTok.text}'`);
    }
    const address = block.addresses[0] as NonNullable<RawBlock['addresses'][0]>;
    return {
      address: canonicalIPv6(address.address),
      advVersionLow: this.wrap(s, 'AdvVersionLow', 16, ctx, 'abro'),
      advVersionHigh: this.wrap(s, 'AdvVersionHigh', 16, ctx, 'abro'),
      advValidLifetime: this.wrap(s, 'AdvValidLifeTime', 16, ctx, 'abro'),
      pos: this.pos(block.keywordTok),
    };
  }

  private lowpanco(block: RawBlock, ctx: DefaultContext): LowpanContextConfig {
    const s = new Settings(this, block.options);
    const length = this.wrap(s, 'AdvContextLength', 8, ctx, 'lowpanco');
    const lenOpt = s.opt('AdvContextLength');
    if (lenOpt && length > 128) this.warn(lenOpt.valueTok, 'W_RANGE', `AdvContextLength ${length} is more than 128 bits`);
    const id = this.wrap(s, 'AdvContextID', 8, ctx, 'lowpanco');
    const idOpt = s.opt('AdvContextID');
    if (idOpt && id > 15) this.warn(idOpt.valueTok, 'W_RANGE', `AdvContextID ${id} does not fit the 4-bit CID field: radvd sends ${id & 0x0f}`);
    return {
      // radvd 2.19 has no way to set the context prefix: the option carries ::.
      prefix: '::',
      prefixLength: length,
      advContextLength: length,
      advContextCompressionFlag: s.bool('lowpanco', 'AdvContextCompressionFlag', ctx),
      advContextId: id,
      advLifeTime: this.wrap(s, 'AdvLifeTime', 16, ctx, 'lowpanco'),
      pos: this.pos(block.keywordTok),
    };
  }
}

function isAllZero(address: string): boolean {
  return parseIPv6(address).every((b) => b === 0);
}

/** Strip one leading and one trailing double quote, as radvd 2.20 does for AdvCaptivePortalAPI. */
function trimQuotes(text: string): string {
  let t = text;
  if (t.startsWith('"')) t = t.slice(1);
  if (t.endsWith('"')) t = t.slice(0, -1);
  return t;
}

function lifetimeText(v: number): string {
  return v === 0xffffffff ? 'infinity' : String(v);
}

/** Numbers in messages: integers as is, others with up to 3 decimals (radvd prints %.2f). */
export function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

