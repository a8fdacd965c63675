/**
 * The option schema: one entry per radvd.conf option and one per block. The parser reads value
 * kinds and block membership from here, the resolver reads defaults from here, and
 * describeOptions() (docs/config-reference.md) is this table.
 *
 * Defaults and ranges are radvd 2.19's (defaults.h, interface.c check_iface, gram.y), checked
 * against the radvd 2.19 binary; where radvd's manual page says otherwise, the binary wins
 * (for example AdvRDNSSLifetime defaults to MaxRtrAdvInterval, not 2 * MaxRtrAdvInterval).
 */
import type { OptionBlock, OptionDescription, OptionOrigin, OptionValueKind } from './types';

/** Blocks that hold options. */
export type BlockKind = 'interface' | 'prefix' | 'route' | 'RDNSS' | 'DNSSL' | 'nat64prefix' | 'abro' | 'lowpanco';

/** How the parser reads an option's value. */
export type ValueKind =
  | 'switch' // on | off
  | 'uint' // unsigned 32-bit integer
  | 'seconds' // unsigned integer or decimal (N.N)
  | 'lifetime' // unsigned integer or infinity
  | 'preference' // low | medium | high (or a negative number, as radvd's scanner allows)
  | 'ifname' // bare or quoted string
  | 'uri'; // bare or quoted string, quotes trimmed

/** What a default may depend on: the MaxRtrAdvInterval in effect where the block starts, and the final values. */
export interface DefaultContext {
  /** MaxRtrAdvInterval as set by the statements before this block (radvd computes block defaults there). */
  readonly maxAtBlock: number;
  /** The interface's final MaxRtrAdvInterval. */
  readonly max: number;
  /** The interface's resolved AdvDefaultLifetime. */
  readonly advDefaultLifetime: number;
}

export type DefaultValue = number | boolean | string | undefined;

export interface OptionSpec {
  readonly name: string;
  readonly block: BlockKind;
  readonly value: ValueKind;
  readonly origin: OptionOrigin;
  /** The default as radvd computes it; undefined means "not set". */
  readonly dflt: (ctx: DefaultContext) => DefaultValue;
  readonly defaultText: string;
  readonly range: string;
  readonly rfc: string;
  readonly meaning: string;
  /** Accepted but ignored, with this explanation. */
  readonly ignored?: string;
}

export const DEFAULT_MAX_RTR_ADV_INTERVAL = 600;
export const MIN_ADV_LINK_MTU = 1280;
export const MAX_ADV_LINK_MTU = 131072;
export const MAX_ADV_REACHABLE_TIME = 3_600_000;
export const MAX_ADV_DEFAULT_LIFETIME = 9000;
export const MIN_HOME_AGENT_LIFETIME = 1;
export const MAX_HOME_AGENT_LIFETIME = 65520;
export const NAT64_MAX_VALID_LIFETIME = 65528;
export const MAX_RDNSS_ADDRESSES = 3;
export const IFNAMSIZ = 16;

/** C's conversion of a non-negative double to an unsigned integer: truncation. */
export function truncU32(x: number): number {
  return Math.max(0, Math.trunc(x)) >>> 0;
}

const on = (): boolean => true;
const off = (): boolean => false;
const constant = (v: number) => (): number => v;
const unset = (): undefined => undefined;

function opt(
  name: string,
  block: BlockKind,
  value: ValueKind,
  dflt: OptionSpec['dflt'],
  defaultText: string,
  range: string,
  rfc: string,
  meaning: string,
  extra: { origin?: OptionOrigin; ignored?: string } = {},
): OptionSpec {
  return { name, block, value, dflt, defaultText, range, rfc, meaning, origin: extra.origin ?? 'radvd-2.19', ...(extra.ignored ? { ignored: extra.ignored } : {}) };
}

export const OPTIONS: readonly OptionSpec[] = [
  // ---- interface ----------------------------------------------------------------------------
  opt('IgnoreIfMissing', 'interface', 'switch', on, 'on', 'on|off', '-', 'Start anyway when the interface is missing or not ready, and pick it up when it appears.'),
  opt('AdvSendAdvert', 'interface', 'switch', off, 'off', 'on|off', 'RFC 4861 6.2.1', 'Send periodic Router Advertisements and answer Router Solicitations.'),
  opt('UnicastOnly', 'interface', 'switch', off, 'off', 'on|off', 'RFC 4861 6.2.4', 'Link is unicast-only (e.g. ISATAP): no multicast RAs, solicited RAs go by unicast.'),
  opt('AdvRASolicitedUnicast', 'interface', 'switch', on, 'on', 'on|off', 'RFC 7772 5.1', 'Answer Router Solicitations with unicast RAs.'),
  opt('MaxRtrAdvInterval', 'interface', 'seconds', constant(DEFAULT_MAX_RTR_ADV_INTERVAL), '600', '4..1800 (0.07..1800 with Mobile IPv6)', 'RFC 4861 6.2.1', 'Longest time between unsolicited multicast RAs, in seconds.'),
  opt('MinRtrAdvInterval', 'interface', 'seconds', (c) => 0.33 * c.max, '0.33 * MaxRtrAdvInterval', '3..0.75 * MaxRtrAdvInterval (0.03.. with Mobile IPv6)', 'RFC 4861 6.2.1', 'Shortest time between unsolicited multicast RAs, in seconds.'),
  opt('MinDelayBetweenRAs', 'interface', 'seconds', constant(3), '3', '>= 3 (>= 0.03 with Mobile IPv6 options, conditions or VRRP)', 'RFC 4861 10 (MIN_DELAY_BETWEEN_RAS), RFC 6275 7.5', 'Shortest time between two multicast RAs (solicited ones included), in seconds.'),
  opt('AdvManagedFlag', 'interface', 'switch', off, 'off', 'on|off', 'RFC 4861 4.2 (M flag)', 'Addresses are available via DHCPv6.'),
  opt('AdvOtherConfigFlag', 'interface', 'switch', off, 'off', 'on|off', 'RFC 4861 4.2 (O flag)', 'Other configuration (DNS etc.) is available via DHCPv6.'),
  opt('AdvLinkMTU', 'interface', 'uint', constant(0), '0 (no MTU option)', '0 or 1280..interface MTU (above it: no MTU option, see meaning)', 'RFC 4861 4.6.4, 6.3.4', 'MTU advertised in the MTU option; 0 sends none. While it is above the interface\'s current MTU, hosts would ignore the option (RFC 4861 6.3.4), so firsthop sends none: it logs a warning once per MTU change and `firsthop status` gives the reason (radvd refuses to advertise on the interface at all). The MTU is followed over netlink: when it rises to AdvLinkMTU or more, the option is back in an RA sent at once.'),
  opt('AdvRAMTU', 'interface', 'uint', constant(MIN_ADV_LINK_MTU), '1280', 'clamped to 1280..131072', '-', 'Largest RA firsthop/radvd builds before splitting options over several RAs (bytes).'),
  opt('AdvReachableTime', 'interface', 'uint', constant(0), '0 (unspecified)', '0..3600000 ms', 'RFC 4861 6.2.1', 'Reachable Time advertised to hosts, in milliseconds.'),
  opt('AdvRetransTimer', 'interface', 'uint', constant(0), '0 (unspecified)', '0..4294967295 ms', 'RFC 4861 6.2.1', 'Retrans Timer advertised to hosts, in milliseconds.'),
  opt('AdvCurHopLimit', 'interface', 'uint', constant(64), '64', '0..255 (0 = unspecified; radvd 2.19 keeps only the low 8 bits)', 'RFC 4861 6.2.1', 'Cur Hop Limit advertised to hosts.'),
  opt('AdvDefaultLifetime', 'interface', 'uint', (c) => Math.max(1, Math.trunc(3 * c.max)), '3 * MaxRtrAdvInterval (at least 1)', '0 or MaxRtrAdvInterval..9000', 'RFC 4861 6.2.1', 'Router Lifetime: how long hosts may use this router as a default router; 0 = not a default router.'),
  opt('AdvDefaultPreference', 'interface', 'preference', constant(0), 'medium', 'low|medium|high', 'RFC 4191 2.2', 'Default Router Preference.'),
  opt('AdvSourceLLAddress', 'interface', 'switch', on, 'on', 'on|off', 'RFC 4861 4.6.1', 'Include the Source Link-Layer Address option.'),
  opt('AdvHomeAgentFlag', 'interface', 'switch', off, 'off', 'on|off', 'RFC 6275 7.1', 'H flag: this router is a Mobile IPv6 Home Agent (enables the Mobile IPv6 interval minimums).'),
  opt('AdvHomeAgentInfo', 'interface', 'switch', off, 'off', 'on|off (needs AdvHomeAgentFlag)', 'RFC 6275 7.4', 'Include the Home Agent Information option.'),
  opt('HomeAgentLifetime', 'interface', 'uint', (c) => c.advDefaultLifetime, 'AdvDefaultLifetime', '1..65520 when AdvHomeAgentInfo is on', 'RFC 6275 7.4', 'Home Agent Lifetime in the Home Agent Information option, in seconds.'),
  opt('HomeAgentPreference', 'interface', 'uint', constant(0), '0', '0..65535', 'RFC 6275 7.4', 'Home Agent Preference in the Home Agent Information option.'),
  opt('AdvMobRtrSupportFlag', 'interface', 'switch', off, 'off', 'on|off (needs AdvHomeAgentInfo)', 'RFC 3963 5.1', 'R flag in the Home Agent Information option: mobile router support (NEMO).'),
  opt('AdvIntervalOpt', 'interface', 'switch', off, 'off', 'on|off', 'RFC 6275 7.3', 'Include the Advertisement Interval option (enables the Mobile IPv6 interval minimums).'),
  opt('RemoveAdvOnExit', 'interface', 'switch', on, 'on', 'on|off', 'RFC 4861 6.2.5', 'On shutdown send a final RA with Router Lifetime 0.', { origin: 'radvd-2.20' }),
  opt('RogueRAWithdraw', 'interface', 'switch', off, 'off', 'on|off', 'RFC 4861 6.3.4, RFC 4862 5.5.3', 'Answer each rogue RA at once with an RA from the rogue\'s address that withdraws what it announced: router lifetime 0, routes, on-link prefixes and DNS lifetime 0, addresses from its prefixes deprecated (valid lifetime cut to 2 hours, the most RFC 4862 5.5.3 allows). Warned without AllowedRouters. Risky: see docs/rogue-routers.md (firsthop extension).', { origin: 'firsthop' }),
  opt('AdvCaptivePortalAPI', 'interface', 'uri', unset, '(none)', 'non-empty URI, quoted', 'RFC 8910 2.3', 'Captive Portal API URI option.', { origin: 'radvd-2.20' }),
  // ---- prefix -------------------------------------------------------------------------------
  opt('AdvOnLink', 'prefix', 'switch', on, 'on', 'on|off', 'RFC 4861 4.6.2 (L flag)', 'The prefix is on-link.'),
  opt('AdvAutonomous', 'prefix', 'switch', on, 'on', 'on|off', 'RFC 4862 5.5.3 (A flag)', 'Hosts may form addresses from the prefix with SLAAC.'),
  opt('AdvRouterAddr', 'prefix', 'switch', off, 'off', 'on|off', 'RFC 6275 7.2 (R flag)', 'The prefix field carries the router\'s full address (enables the Mobile IPv6 interval minimums).'),
  opt('AdvValidLifetime', 'prefix', 'lifetime', constant(86400), '86400', '0..4294967295 or infinity', 'RFC 4861 4.6.2', 'Valid Lifetime of the prefix, in seconds.'),
  opt('AdvPreferredLifetime', 'prefix', 'lifetime', constant(14400), '14400', '0..AdvValidLifetime or infinity', 'RFC 4862 5.5.3', 'Preferred Lifetime of addresses formed from the prefix, in seconds.'),
  opt('DeprecatePrefix', 'prefix', 'switch', off, 'off', 'on|off', 'RFC 4862 5.5.3 (e)', 'On shutdown advertise the prefix with preferred lifetime 0 and valid lifetime at most 2 hours.'),
  opt('DecrementLifetimes', 'prefix', 'switch', off, 'off', 'on|off', 'RFC 3633 / RFC 8415 (IA_PD)', 'Count the lifetimes down in real time (for delegated prefixes); SIGUSR1 resets them.'),
  opt('Base6Interface', 'prefix', 'ifname', unset, '(none)', 'interface name; prefix must be /64', '-', 'Take the prefix\'s leading bits from this interface\'s global address.'),
  opt('Base6to4Interface', 'prefix', 'ifname', unset, '(none)', 'interface name', 'RFC 3056 2', '6to4, as radvd: the first 16 bits of the prefix become 2002 and the next 32 this interface\'s primary IPv4 address; the rest (the SLA ID) is the configured prefix\'s, so `prefix 0:0:0:5678::/64` with 192.0.2.10 is advertised as 2002:c000:20a:5678::/64. The address is followed over netlink (a new one deprecates the old prefix); while the interface has none (or does not exist) the prefix is not advertised and `firsthop status` says why.'),
  opt('AdvPrefixPD', 'prefix', 'switch', off, 'off', 'on|off', 'RFC 9762', 'P flag: hosts should ask for a prefix with DHCPv6-PD instead of using SLAAC on it (firsthop extension).', { origin: 'firsthop' }),
  // ---- route --------------------------------------------------------------------------------
  opt('AdvRoutePreference', 'route', 'preference', constant(0), 'medium', 'low|medium|high', 'RFC 4191 2.3', 'Route Preference of the more-specific route.'),
  opt('AdvRouteLifetime', 'route', 'lifetime', (c) => truncU32(3 * c.maxAtBlock), '3 * MaxRtrAdvInterval (as set above the block)', '0..4294967295 or infinity', 'RFC 4191 2.3', 'Route Lifetime, in seconds.'),
  opt('RemoveRoute', 'route', 'switch', on, 'on', 'on|off', 'RFC 4191 2.3', 'On shutdown advertise the route with lifetime 0.'),
  // ---- RDNSS --------------------------------------------------------------------------------
  opt('AdvRDNSSLifetime', 'RDNSS', 'lifetime', (c) => truncU32(c.maxAtBlock), 'MaxRtrAdvInterval (as set above the block)', '0, or MaxRtrAdvInterval..4294967295, or infinity', 'RFC 8106 5.1', 'How long hosts may use the DNS servers, in seconds.'),
  opt('FlushRDNSS', 'RDNSS', 'switch', on, 'on', 'on|off', 'RFC 8106 5.1', 'On shutdown advertise the servers with lifetime 0.'),
  opt('AdvRDNSSPreference', 'RDNSS', 'uint', unset, '(ignored)', 'integer', '-', 'Deprecated draft option; accepted and ignored.', { ignored: 'ignored by radvd 2.19 (deprecated RDNSS preference)' }),
  opt('AdvRDNSSOpen', 'RDNSS', 'switch', unset, '(ignored)', 'on|off', '-', 'Deprecated draft option; accepted and ignored.', { ignored: 'ignored by radvd 2.19 (deprecated RDNSS open flag)' }),
  // ---- DNSSL --------------------------------------------------------------------------------
  opt('AdvDNSSLLifetime', 'DNSSL', 'lifetime', (c) => truncU32(c.maxAtBlock), 'MaxRtrAdvInterval (as set above the block)', '0, or MaxRtrAdvInterval..4294967295 (smaller values are raised to MaxRtrAdvInterval), or infinity', 'RFC 8106 5.2', 'How long hosts may use the search domains, in seconds.'),
  opt('FlushDNSSL', 'DNSSL', 'switch', on, 'on', 'on|off', 'RFC 8106 5.2', 'On shutdown advertise the domains with lifetime 0.'),
  // ---- nat64prefix (radvd 2.20) -------------------------------------------------------------
  opt('AdvValidLifetime', 'nat64prefix', 'uint', (c) => Math.min(NAT64_MAX_VALID_LIFETIME, truncU32(3 * c.maxAtBlock)), 'min(65528, 3 * MaxRtrAdvInterval)', '0..65528', 'RFC 8781 4', 'Lifetime of the PREF64 option, in seconds (sent in units of 8 s).', { origin: 'radvd-2.20' }),
  // ---- abro ---------------------------------------------------------------------------------
  opt('AdvVersionLow', 'abro', 'uint', constant(0), '0', '0..65535 (radvd keeps the low 16 bits)', 'RFC 6775 4.3', 'Low 16 bits of the ABRO version number.'),
  opt('AdvVersionHigh', 'abro', 'uint', constant(0), '0', '0..65535 (radvd keeps the low 16 bits)', 'RFC 6775 4.3', 'High 16 bits of the ABRO version number.'),
  opt('AdvValidLifeTime', 'abro', 'uint', constant(0), '0 (hosts use 10000 minutes)', '0..65535', 'RFC 6775 4.3', 'ABRO Valid Lifetime, in minutes (note the capital T, unlike the prefix option).'),
  // ---- lowpanco -----------------------------------------------------------------------------
  opt('AdvContextLength', 'lowpanco', 'uint', constant(0), '0', '0..128', 'RFC 6775 4.2', 'Context Length of the 6LoWPAN Context option, in bits.'),
  opt('AdvContextCompressionFlag', 'lowpanco', 'switch', off, 'off', 'on|off', 'RFC 6775 4.2 (C flag)', 'The context may be used for compression.'),
  opt('AdvContextID', 'lowpanco', 'uint', constant(0), '0', '0..15', 'RFC 6775 4.2', 'Context Identifier (CID).'),
  opt('AdvLifeTime', 'lowpanco', 'uint', constant(0), '0', '0..65535', 'RFC 6775 4.2', 'Valid Lifetime of the context, in minutes.'),
];

/** How a block is written: what follows its keyword, and whether the braces are optional. */
export interface BlockSpec {
  readonly keyword: string;
  readonly block: OptionBlock;
  readonly head: 'prefix' | 'addresses' | 'suffixes' | 'abro' | 'none';
  /** 'optional': `prefix X/N;` is allowed; 'list': braces hold `address;` lines. */
  readonly body: 'required' | 'optional' | 'list';
  readonly origin: OptionOrigin;
  readonly rfc: string;
  readonly meaning: string;
  readonly syntax: string;
}

export const BLOCKS: readonly BlockSpec[] = [
  { keyword: 'interface', block: 'file', head: 'none', body: 'required', origin: 'radvd-2.19', rfc: 'RFC 4861 6.2', meaning: 'Advertise on this interface; holds every other option and block.', syntax: 'interface NAME { ... };' },
  { keyword: 'prefix', block: 'interface', head: 'prefix', body: 'optional', origin: 'radvd-2.19', rfc: 'RFC 4861 4.6.2', meaning: 'A Prefix Information option. ::/N (all-zero prefix) means every non-link-local prefix on the interface.', syntax: 'prefix ADDR/LEN { ... };  or  prefix ADDR/LEN;' },
  { keyword: 'route', block: 'interface', head: 'prefix', body: 'required', origin: 'radvd-2.19', rfc: 'RFC 4191 2.3', meaning: 'A Route Information option (more-specific route).', syntax: 'route ADDR/LEN { ... };' },
  { keyword: 'RDNSS', block: 'interface', head: 'addresses', body: 'required', origin: 'radvd-2.19', rfc: 'RFC 8106 5.1', meaning: 'A Recursive DNS Server option with one to three server addresses.', syntax: 'RDNSS ADDR [ADDR [ADDR]] { ... };' },
  { keyword: 'DNSSL', block: 'interface', head: 'suffixes', body: 'required', origin: 'radvd-2.19', rfc: 'RFC 8106 5.2', meaning: 'A DNS Search List option.', syntax: 'DNSSL SUFFIX [SUFFIX ...] { ... };' },
  { keyword: 'clients', block: 'interface', head: 'none', body: 'list', origin: 'radvd-2.19', rfc: 'RFC 4861 6.2.4', meaning: 'Send RAs only by unicast to these addresses, and answer only their solicitations.', syntax: 'clients { ADDR; ... };' },
  { keyword: 'AdvRASrcAddress', block: 'interface', head: 'none', body: 'list', origin: 'radvd-2.19', rfc: 'RFC 4861 4.2', meaning: 'Source addresses RAs may be sent from: the first of the interface\'s addresses found in this list is used; with none present, the interface does not advertise.', syntax: 'AdvRASrcAddress { ADDR; ... };' },
  { keyword: 'AllowedRouters', block: 'interface', head: 'none', body: 'list', origin: 'firsthop', rfc: 'RFC 8475 5', meaning: 'The other routers expected on this link, by link-local address or MAC (source link-layer option). An RA from anyone else that offers a default route, a prefix, a route or DNS is reported as a rogue (log, status, metrics, page). The router itself and its VRRP peers need not be listed.', syntax: 'AllowedRouters { fe80::2; 02:00:00:00:00:02; ... };' },
  { keyword: 'nat64prefix', block: 'interface', head: 'prefix', body: 'optional', origin: 'radvd-2.20', rfc: 'RFC 8781', meaning: 'A PREF64 option: the NAT64 prefix (/32, /40, /48, /56, /64 or /96).', syntax: 'nat64prefix ADDR/LEN { ... };  or  nat64prefix ADDR/LEN;' },
  { keyword: 'abro', block: 'interface', head: 'abro', body: 'required', origin: 'radvd-2.19', rfc: 'RFC 6775 4.3', meaning: 'An Authoritative Border Router option (6LoWPAN).', syntax: 'abro ADDR { ... };' },
  { keyword: 'lowpanco', block: 'interface', head: 'none', body: 'required', origin: 'radvd-2.19', rfc: 'RFC 6775 4.2', meaning: 'A 6LoWPAN Context option. radvd 2.19 cannot set the context prefix (it is sent as ::).', syntax: 'lowpanco { ... };' },
];

const BY_BLOCK = new Map<string, OptionSpec>();
for (const o of OPTIONS) BY_BLOCK.set(`${o.block}\u0000${o.name}`, o);

export function findOption(block: BlockKind, name: string): OptionSpec | undefined {
  return BY_BLOCK.get(`${block}\u0000${name}`);
}

/** Blocks (other than `block`) that do have an option of this name. */
export function blocksWithOption(name: string): BlockKind[] {
  return OPTIONS.filter((o) => o.name === name).map((o) => o.block);
}

export function findBlock(keyword: string): BlockSpec | undefined {
  return BLOCKS.find((b) => b.keyword === keyword);
}

/** Case-insensitive lookup of a keyword, for "did you mean" hints. */
export function keywordLike(text: string): string | undefined {
  const lower = text.toLowerCase();
  for (const o of OPTIONS) if (o.name.toLowerCase() === lower) return o.name;
  for (const b of BLOCKS) if (b.keyword.toLowerCase() === lower) return b.keyword;
  for (const w of ['on', 'off', 'infinity', 'low', 'medium', 'high']) if (w === lower) return w;
  return undefined;
}

const VALUE_KIND_TEXT: Record<ValueKind, OptionValueKind> = {
  switch: 'on|off',
  uint: 'integer',
  seconds: 'seconds (integer or decimal)',
  lifetime: 'seconds|infinity',
  preference: 'low|medium|high',
  ifname: 'interface name',
  uri: 'quoted string',
};

/** The reference table: every block and every option. */
export function describeOptionTable(): OptionDescription[] {
  const rows: OptionDescription[] = [];
  for (const b of BLOCKS) {
    rows.push({ name: b.keyword, block: b.block, type: 'block', default: '(none)', range: b.syntax, rfc: b.rfc, meaning: b.meaning, origin: b.origin });
  }
  for (const o of OPTIONS) {
    rows.push({ name: o.name, block: o.block, type: VALUE_KIND_TEXT[o.value], default: o.defaultText, range: o.range, rfc: o.rfc, meaning: o.meaning, origin: o.origin });
  }
  return rows;
}
