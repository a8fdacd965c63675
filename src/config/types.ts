/**
 * The resolved, validated configuration: what parseConfig (src/config/index.ts) returns once
 * radvd's defaults are applied and every check has passed. Option names follow radvd.conf(5)
 * of radvd 2.19; each field names its radvd option. Times are seconds unless the name says ms.
 * The RA builder (src/ra/) reads only this.
 */
import type { RouterPreference } from '../wire/types';
import type { ConditionConfig, PolicyConfig } from '../conditions/types';
import type { VrrpInstanceConfig, VrrpSyncGroupConfig } from '../vrrp/types';

/** Where a value came from in the file, for explanations and warnings. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface PrefixConfig {
  /** Canonical prefix address (not masked: AdvRouterAddr sends the full address); '::' with length 64 means
   *  "every prefix on the interface" (radvd ::/64; any all-zero prefix is read as ::/64). */
  readonly prefix: string;
  readonly prefixLength: number;
  readonly advOnLink: boolean; // AdvOnLink, default on
  readonly advAutonomous: boolean; // AdvAutonomous, default on
  readonly advRouterAddr: boolean; // AdvRouterAddr, default off
  /** RFC 9762 P flag: firsthop extension AdvPrefixPD / radvd-compatible spelling, default off. */
  readonly advDhcpv6Pd: boolean;
  readonly advValidLifetime: number; // AdvValidLifetime, default 86400, 0xffffffff = infinity
  readonly advPreferredLifetime: number; // AdvPreferredLifetime, default 14400
  readonly deprecatePrefix: boolean; // DeprecatePrefix, default off
  readonly decrementLifetimes: boolean; // DecrementLifetimes, default off
  readonly base6Interface?: string; // Base6Interface
  readonly base6to4Interface?: string; // Base6to4Interface
  /** Conditional RA policies (RFC 8475) in this block; firsthop extension. */
  readonly policies?: readonly PolicyConfig[];
  readonly pos: SourcePos;
}

export interface RouteConfig {
  readonly prefix: string;
  readonly prefixLength: number;
  readonly advRoutePreference: RouterPreference; // AdvRoutePreference, default medium
  readonly advRouteLifetime: number; // AdvRouteLifetime, default 3 * MaxRtrAdvInterval
  readonly removeRoute: boolean; // RemoveRoute, default on
  /** Conditional RA policies (RFC 8475) in this block; firsthop extension. */
  readonly policies?: readonly PolicyConfig[];
  readonly pos: SourcePos;
}

export interface RdnssConfig {
  readonly servers: readonly string[];
  readonly advRdnssLifetime: number; // AdvRDNSSLifetime, default MaxRtrAdvInterval (radvd 2.19 binary; its man page says 2 *)
  readonly flushRdnss: boolean; // FlushRDNSS, default on
  /** Conditional RA policies (RFC 8475) in this block; firsthop extension. */
  readonly policies?: readonly PolicyConfig[];
  readonly pos: SourcePos;
}

export interface DnsslConfig {
  readonly domains: readonly string[];
  readonly advDnsslLifetime: number; // AdvDNSSLLifetime, default MaxRtrAdvInterval
  readonly flushDnssl: boolean; // FlushDNSSL, default on
  /** Conditional RA policies (RFC 8475) in this block; firsthop extension. */
  readonly policies?: readonly PolicyConfig[];
  readonly pos: SourcePos;
}

export interface Nat64PrefixConfig {
  readonly prefix: string;
  readonly prefixLength: 32 | 40 | 48 | 56 | 64 | 96;
  readonly advValidLifetime: number; // AdvValidLifetime inside nat64prefix
  readonly pos: SourcePos;
}

export interface AbroConfig {
  readonly address: string;
  readonly advVersionLow: number;
  readonly advVersionHigh: number;
  readonly advValidLifetime: number;
  readonly pos: SourcePos;
}

export interface LowpanContextConfig {
  readonly prefix: string;
  readonly prefixLength: number;
  readonly advContextLength: number;
  readonly advContextCompressionFlag: boolean;
  readonly advContextId: number;
  readonly advLifeTime: number;
  readonly pos: SourcePos;
}

export interface InterfaceConfig {
  readonly name: string;
  /**
   * `vrrp NAME;` inside the interface (firsthop extension): RAs follow that IPv6 virtual router:
   * sent from its virtual link-local through its virtual MAC while Active, none while Backup.
   */
  readonly vrrp?: string;
  /** Conditional RA policies (RFC 8475) in this block; firsthop extension. */
  readonly policies?: readonly PolicyConfig[];
  readonly pos: SourcePos;
  readonly ignoreIfMissing: boolean; // IgnoreIfMissing
  readonly advSendAdvert: boolean; // AdvSendAdvert, default off
  readonly unicastOnly: boolean; // UnicastOnly
  readonly advRaSolicitedUnicast: boolean; // AdvRASolicitedUnicast, default on
  readonly maxRtrAdvInterval: number; // MaxRtrAdvInterval, default 600
  readonly minRtrAdvInterval: number; // MinRtrAdvInterval, default 0.33 * Max
  readonly minDelayBetweenRas: number; // MinDelayBetweenRAs, default 3
  readonly advManagedFlag: boolean;
  readonly advOtherConfigFlag: boolean;
  readonly advLinkMtu: number; // AdvLinkMTU, 0 = no MTU option
  readonly advRaMtu: number; // AdvRAMTU, largest RA packet before splitting, default 1280
  readonly advReachableTime: number; // ms
  readonly advRetransTimer: number; // ms
  readonly advCurHopLimit: number;
  readonly advDefaultLifetime: number; // default 3 * MaxRtrAdvInterval
  readonly advDefaultPreference: RouterPreference;
  readonly advSourceLlAddress: boolean; // AdvSourceLLAddress, default on
  readonly advHomeAgentFlag: boolean;
  readonly advIntervalOpt: boolean;
  readonly advHomeAgentInfo: boolean;
  readonly homeAgentLifetime: number; // default AdvDefaultLifetime
  readonly homeAgentPreference: number;
  readonly advMobRtrSupportFlag: boolean;
  readonly advCaptivePortalApi?: string; // AdvCaptivePortalAPI "uri"
  readonly removeAdvOnExit: boolean; // RemoveAdvOnExit, default on
  /** AdvRASrcAddress { ... }: the source addresses RAs may be sent from, in order of choice. */
  readonly advRaSrcAddress: readonly string[];
  /** clients { ... }: when set, RAs go only by unicast to these addresses. */
  readonly clients: readonly string[];
  /**
   * AllowedRouters { ... }: the other routers expected on the link, by link-local address or
   * MAC (canonical address, lower-case aa:bb:cc:dd:ee:ff); firsthop extension.
   */
  readonly allowedRouters?: readonly string[];
  /** RogueRAWithdraw: answer a rogue RA with one withdrawing what it announced; firsthop extension. */
  readonly rogueRaWithdraw?: boolean;
  readonly prefixes: readonly PrefixConfig[];
  readonly routes: readonly RouteConfig[];
  readonly rdnss: readonly RdnssConfig[];
  readonly dnssl: readonly DnsslConfig[];
  readonly nat64Prefixes: readonly Nat64PrefixConfig[];
  readonly abros: readonly AbroConfig[];
  readonly lowpanContexts: readonly LowpanContextConfig[];
}

export interface Config {
  readonly file: string;
  /** Named conditions (RFC 8475); firsthop extension. */
  readonly conditions?: readonly ConditionConfig[];
  readonly interfaces: readonly InterfaceConfig[];
  /** VRRPv3 virtual routers (`vrrp NAME { ... };`); firsthop extension. */
  readonly vrrp?: readonly VrrpInstanceConfig[];
  /** `vrrp_sync_group NAME { group A B; };`; firsthop extension. */
  readonly vrrpSyncGroups?: readonly VrrpSyncGroupConfig[];
  /** `http { address A; port N; };`: the HTTP endpoint (metrics, API, page); absent: off. firsthop extension. */
  readonly http?: HttpConfig;
}

/** Where the HTTP endpoint listens (src/http/). */
export interface HttpConfig {
  readonly address: string;
  readonly port: number;
  readonly pos: SourcePos;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** Stable code, e.g. 'E_UNKNOWN_OPTION', 'W_SHORT_LIFETIME'. */
  readonly code: string;
}

export type ParseResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly Diagnostic[] }
  | { readonly ok: false; readonly errors: readonly Diagnostic[]; readonly warnings: readonly Diagnostic[] };

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}

/** Lines named after the first in a grouped diagnostic. */
const GROUP_LINES_SHOWN = 5;

/**
 * One line per distinct diagnostic: the same message at several places (a warning repeated on
 * each of 1,000 interfaces) is said once, at its first place, with how many more places have
 * it and the first few of their lines. Order: by first appearance.
 */
export function formatDiagnostics(list: readonly Diagnostic[]): string[] {
  const groups = new Map<string, Diagnostic[]>();
  for (const d of list) {
    const key = `${d.file}\u0000${d.severity}\u0000${d.code}\u0000${d.message}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [d]);
    else g.push(d);
  }
  return [...groups.values()].map(([first, ...more]) => {
    const line = formatDiagnostic(first!);
    if (more.length === 0) return line;
    const shown = more.slice(0, GROUP_LINES_SHOWN).map((d) => d.line).join(', ');
    return `${line} (the same at ${more.length} more place${more.length === 1 ? '' : 's'}: line${more.length === 1 ? '' : 's'} ${shown}${more.length > GROUP_LINES_SHOWN ? ', ...' : ''})`;
  });
}

/* ------------------------------------------------------------------------------------------
 * Added by the config pipeline (src/config/): the option reference table that
 * describeOptions() returns and docs/config-reference.md is generated from.
 * ------------------------------------------------------------------------------------------ */

/** The block an option is written in. */
export type OptionBlock =
  | 'interface'
  | 'prefix'
  | 'route'
  | 'RDNSS'
  | 'DNSSL'
  | 'clients'
  | 'AdvRASrcAddress'
  | 'AllowedRouters'
  | 'nat64prefix'
  | 'abro'
  | 'lowpanco'
  | 'file';

/** What a value looks like in the file. */
export type OptionValueKind =
  | 'on|off'
  | 'integer'
  | 'seconds (integer or decimal)'
  | 'seconds|infinity'
  | 'low|medium|high'
  | 'interface name'
  | 'quoted string'
  | 'block';

/** Which software first understood the option: radvd 2.19 (the drop-in target), radvd 2.20, or firsthop only. */
export type OptionOrigin = 'radvd-2.19' | 'radvd-2.20' | 'firsthop';

export interface OptionDescription {
  readonly name: string;
  readonly block: OptionBlock;
  readonly type: OptionValueKind;
  /** Default as text, e.g. '600', '0.33 * MaxRtrAdvInterval', 'off', '(none)'. */
  readonly default: string;
  /** Accepted values beyond the type, as text, e.g. '4..1800 (0.07..1800 with Mobile IPv6)'. */
  readonly range: string;
  /** RFC (and section) the option's meaning comes from, e.g. 'RFC 4861 6.2.1'. */
  readonly rfc: string;
  readonly meaning: string;
  readonly origin: OptionOrigin;
}
