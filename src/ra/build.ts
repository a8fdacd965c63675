/**
 * The RA builder: a pure projection of (interface config, system snapshot, run-time context)
 * onto the Router Advertisement to send, with the reason behind every value that is not
 * simply the configured one. The advertiser sends what this returns; `firsthop status`
 * renders the same function, so what is explained is what is on the wire.
 */
import type { InterfaceConfig, PrefixConfig } from '../config/types';
import type { AddressInfo } from '../netlink/types';
import {
  INFINITY,
  type NdOption,
  type PrefixInformationOption,
  type RouterAdvertisement,
} from '../wire/types';
import { pref64Lifetime } from '../wire';
import { formatIPv6, isLinkLocal, maskBytes, parseIPv6, parseMac } from '../net/ipv6';
import { parseIPv4 } from '../net/ipv4';
import type { Withdrawal } from './withdrawals';

/** What the builder needs to know about the interface from the kernel. */
export interface InterfaceSnapshot {
  readonly ifindex: number;
  readonly mtu: number;
  /** Link-layer address, absent on interfaces without one (tun, WireGuard). */
  readonly mac?: string;
  readonly addresses: readonly AddressInfo[];
  /** Addresses of another interface, by name (Base6Interface). */
  addressesOf(name: string): readonly AddressInfo[];
  /**
   * The primary IPv4 address (dotted quad) of another interface, by name (Base6to4Interface);
   * undefined when it has none or does not exist. Absent: no IPv4 view, as if none had one.
   */
  ipv4Of?(name: string): string | undefined;
}

/** A value the builder changed from the configured one, and why. */
export interface Reason {
  /** e.g. 'routerLifetime', 'prefix 2001:db8::/64 preferredLifetime'. */
  readonly field: string;
  readonly value: number | string | boolean;
  readonly configured?: number | string | boolean;
  readonly why: string;
  /** Epoch ms since when this reason holds, when known. */
  readonly since?: number;
}

/**
 * Lifetime overrides decided outside the builder (the condition engine). Keys are the
 * same `field` strings the builder uses in reasons.
 */
export interface Override {
  readonly value: number | string;
  readonly why: string;
  readonly since?: number;
}

export interface BuildContext {
  /** Epoch ms. */
  readonly now: number;
  /** Epoch ms from which DecrementLifetimes counts (start, or the last SIGUSR1). */
  readonly decrementBase: number;
  /** A final RA (RFC 4861 6.2.5): router lifetime 0 and radvd's DeprecatePrefix/RemoveRoute/Flush* rules. */
  readonly ceasing: boolean;
  readonly withdrawals: readonly Withdrawal[];
  readonly overrides?: ReadonlyMap<string, Override>;
}

export interface BuiltRa {
  readonly ra: RouterAdvertisement;
  readonly reasons: readonly Reason[];
  /**
   * The items the config puts in this RA (prefixes, routes, RDNSS, DNSSL) by key, as sent;
   * lingering withdrawn items are not among them. The withdrawal ledger compares these.
   */
  readonly items: ReadonlyMap<string, NdOption>;
}

/** RFC 4862 5.5.3 (e): hosts never cut a valid lifetime below two hours on an unauthenticated RA. */
export const TWO_HOURS = 7200;

/** Linux and the RFC 4861 option field: router lifetime is 16 bits, at most 9000 s (RFC 4861 6.2.1). */
const MAX_ROUTER_LIFETIME = 0xffff;

export function prefixKey(prefix: string, length: number): string {
  return `${prefix}/${length}`;
}

/**
 * The prefixes one prefix block stands for on this interface right now:
 * - `::/64` (radvd): every global /64 configured on the interface;
 * - Base6Interface: the configured prefix with its leading bits taken from that interface's
 *   global address, as many bits as that address's own prefix length;
 * - Base6to4Interface: the 6to4 prefix of that interface's IPv4 address (below); none while
 *   it has no IPv4 address;
 * - anything else: itself.
 */
export function expandPrefix(cfg: PrefixConfig, snap: InterfaceSnapshot): Array<{ prefix: string; length: number }> {
  if (cfg.base6Interface !== undefined) {
    const out: Array<{ prefix: string; length: number }> = [];
    for (const a of snap.addressesOf(cfg.base6Interface)) {
      if (a.scope !== 0 || isLinkLocal(a.address)) continue;
      // Leading bits from the base interface's address, the rest from the configured prefix.
      const bits = Math.min(a.prefixLength, cfg.prefixLength);
      const mask = maskBytes(new Uint8Array(16).fill(0xff), bits);
      const base = parseIPv6(a.address);
      const merged = parseIPv6(cfg.prefix).map((b, i) => ((base[i] ?? 0) & (mask[i] ?? 0)) | (b & ~(mask[i] ?? 0) & 0xff));
      out.push({ prefix: formatIPv6(maskBytes(merged, cfg.prefixLength)), length: cfg.prefixLength });
    }
    return dedupe(out);
  }
  if (cfg.base6to4Interface !== undefined) {
    const v4 = snap.ipv4Of?.(cfg.base6to4Interface);
    return v4 === undefined ? [] : [{ prefix: sixToFourPrefix(cfg.prefix, v4, cfg.prefixLength), length: cfg.prefixLength }];
  }
  if (cfg.prefix === '::' && cfg.prefixLength === 64) {
    const out: Array<{ prefix: string; length: number }> = [];
    for (const a of snap.addresses) {
      if (a.scope !== 0 || isLinkLocal(a.address) || a.prefixLength !== 64) continue;
      out.push({ prefix: formatIPv6(maskBytes(parseIPv6(a.address), 64)), length: 64 });
    }
    return dedupe(out);
  }
  return [{ prefix: cfg.prefix, length: cfg.prefixLength }];
}

/**
 * 6to4 (RFC 3056 2): the site prefix is 2002:V4ADDR::/48. As radvd's Base6to4Interface does,
 * the first 16 bits of the configured prefix become 2002, the next 32 the IPv4 address, and the
 * rest (the SLA ID: `0:0:0:5678::/64` gives 2002:V4ADDR:5678::/64) stays as configured.
 * (6to4 relays are deprecated by RFC 7526; the prefix is what radvd.conf asks for.)
 */
export function sixToFourPrefix(configured: string, ipv4: string, prefixLength: number): string {
  const bytes = parseIPv6(configured);
  bytes[0] = 0x20;
  bytes[1] = 0x02;
  bytes.set(parseIPv4(ipv4), 2);
  return formatIPv6(maskBytes(bytes, prefixLength));
}

function dedupe(list: Array<{ prefix: string; length: number }>): Array<{ prefix: string; length: number }> {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = prefixKey(p.prefix, p.length);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Why the MTU option is left out: AdvLinkMTU above the interface's MTU (RFC 4861 6.3.4). */
export function mtuOmittedWhy(advLinkMtu: number, linkMtu: number): string {
  return `AdvLinkMTU ${advLinkMtu} is above the interface MTU ${linkMtu}; hosts ignore such an MTU option (RFC 4861 6.3.4), so none is sent until the interface MTU is ${advLinkMtu} or more`;
}

/** Seconds left of a lifetime that counts down from `base` (DecrementLifetimes). INFINITY never counts down. */
function decremented(lifetime: number, base: number, now: number): number {
  if (lifetime === INFINITY) return INFINITY;
  return Math.max(0, lifetime - Math.floor((now - base) / 1000));
}

export function buildRa(cfg: InterfaceConfig, snap: InterfaceSnapshot, ctx: BuildContext): BuiltRa {
  const reasons: Reason[] = [];
  const overrides = ctx.overrides ?? new Map<string, Override>();
  const options: NdOption[] = [];

  /** Apply an override for `field`, recording the reason; returns the value to send. */
  function decide<T extends number | string>(field: string, configured: T): T {
    const o = overrides.get(field);
    if (o === undefined || o.value === configured) return configured;
    reasons.push({ field, value: o.value, configured, why: o.why, ...(o.since !== undefined ? { since: o.since } : {}) });
    return o.value as T;
  }
  function ceased<T extends number>(field: string, value: T, configured: number, why: string): T {
    reasons.push({ field, value, configured, why });
    return value;
  }

  // RA header (RFC 4861 4.2).
  let routerLifetime = decide('routerLifetime', cfg.advDefaultLifetime);
  if (ctx.ceasing) routerLifetime = ceased('routerLifetime', 0, cfg.advDefaultLifetime, 'final RA: the router is leaving (RFC 4861 6.2.5)');
  let preference = decide('routerPreference', cfg.advDefaultPreference) as RouterAdvertisement['preference'];
  // RFC 4191 2.2: "If the Router Lifetime is zero, the preference value MUST be set to (00) by the sender".
  if (routerLifetime === 0 && preference !== 'medium') {
    reasons.push({ field: 'routerPreference', value: 'medium', configured: preference, why: 'router lifetime is 0 (RFC 4191 2.2)' });
    preference = 'medium';
  }

  // Source link-layer address (RFC 4861 4.2: SHOULD be included unless load balancing).
  if (cfg.advSourceLlAddress && snap.mac !== undefined) {
    options.push({ type: 'sourceLinkLayer', address: parseMac(snap.mac) });
  }
  // MTU option (RFC 4861 4.6.4). RFC 4861 6.3.4: a host copies the value into LinkMTU only if
  // it does not exceed the link's maximum (Linux compares it with the interface's MTU and logs
  // "RA: invalid mtu"), so AdvLinkMTU above the interface's MTU is left out, not sent for
  // nothing (radvd refuses to advertise on the interface at all); it is back as soon as the
  // interface's MTU rises to it (the runtime rebuilds on every netlink link change).
  if (cfg.advLinkMtu > 0) {
    if (cfg.advLinkMtu <= snap.mtu) options.push({ type: 'mtu', mtu: cfg.advLinkMtu });
    else reasons.push({ field: 'mtu', value: 'omitted', configured: cfg.advLinkMtu, why: mtuOmittedWhy(cfg.advLinkMtu, snap.mtu) });
  }
  // RFC 6275 7.3: Advertisement Interval, the MaxRtrAdvInterval in milliseconds.
  if (cfg.advIntervalOpt) options.push({ type: 'advertisementInterval', intervalMs: Math.round(cfg.maxRtrAdvInterval * 1000) });
  if (cfg.advHomeAgentInfo) {
    options.push({
      type: 'homeAgentInfo',
      mobileRouterSupport: cfg.advMobRtrSupportFlag,
      preference: cfg.homeAgentPreference,
      lifetime: cfg.homeAgentLifetime,
    });
  }

  // Prefixes (RFC 4861 4.6.2).
  const items = new Map<string, NdOption>();
  // Everything the config puts in the RA is live, whatever its lifetime right now (a policy
  // may have zeroed it): the ledger lingers only what left the config or the interface.
  const live = (key: string, o: NdOption): void => {
    options.push(o);
    items.set(key, o);
  };
  for (const p of cfg.prefixes) {
    if (p.base6to4Interface !== undefined && p.base6Interface === undefined && snap.ipv4Of?.(p.base6to4Interface) === undefined) {
      reasons.push({ field: `prefix ${prefixKey(p.prefix, p.prefixLength)}`, value: 'not advertised', why: `Base6to4Interface ${p.base6to4Interface} has no IPv4 address to make the 6to4 prefix 2002:V4ADDR::/48 from (RFC 3056 2)` });
    }
    for (const { prefix, length } of expandPrefix(p, snap)) {
      const key = prefixKey(prefix, length);
      let valid = p.advValidLifetime;
      let preferred = p.advPreferredLifetime;
      if (p.decrementLifetimes) {
        valid = decremented(valid, ctx.decrementBase, ctx.now);
        preferred = decremented(preferred, ctx.decrementBase, ctx.now);
        if (valid !== p.advValidLifetime) reasons.push({ field: `prefix ${key} validLifetime`, value: valid, configured: p.advValidLifetime, why: 'DecrementLifetimes' });
        if (preferred !== p.advPreferredLifetime) reasons.push({ field: `prefix ${key} preferredLifetime`, value: preferred, configured: p.advPreferredLifetime, why: 'DecrementLifetimes' });
        if (valid === 0) continue; // radvd stops advertising a prefix whose lifetimes ran out
      }
      // A policy on the block applies to every prefix it stands for (::/64, Base6Interface).
      const blockField = `prefix ${prefixKey(p.prefix, p.prefixLength)} preferredLifetime`;
      preferred = decide(overrides.has(`prefix ${key} preferredLifetime`) ? `prefix ${key} preferredLifetime` : blockField, preferred);
      if (ctx.ceasing && p.deprecatePrefix) {
        // radvd DeprecatePrefix: the final RA deprecates the prefix; the valid lifetime goes
        // to two hours, the least a host will accept (RFC 4862 5.5.3 e).
        preferred = ceased(`prefix ${key} preferredLifetime`, 0, p.advPreferredLifetime, 'final RA with DeprecatePrefix');
        valid = ceased(`prefix ${key} validLifetime`, Math.min(valid, TWO_HOURS), p.advValidLifetime, 'final RA with DeprecatePrefix');
      }
      const pio: PrefixInformationOption = {
        type: 'prefixInformation',
        prefixLength: length,
        onLink: p.advOnLink,
        autonomous: p.advAutonomous,
        routerAddress: p.advRouterAddr,
        dhcpv6Pd: p.advDhcpv6Pd,
        validLifetime: valid,
        preferredLifetime: Math.min(preferred, valid),
        prefix,
      };
      live(`prefix ${key}`, pio);
    }
  }

  // Routes (RFC 4191 2.3).
  for (const r of cfg.routes) {
    const key = prefixKey(r.prefix, r.prefixLength);
    let lifetime = decide(`route ${key} lifetime`, r.advRouteLifetime);
    const pref = decide(`route ${key} preference`, r.advRoutePreference) as RouterAdvertisement['preference'];
    if (ctx.ceasing && r.removeRoute) lifetime = ceased(`route ${key} lifetime`, 0, r.advRouteLifetime, 'final RA with RemoveRoute');
    live(`route ${key}`, { type: 'routeInformation', prefix: r.prefix, prefixLength: r.prefixLength, preference: pref, lifetime });
  }

  // DNS (RFC 8106).
  for (const d of cfg.rdnss) {
    const key = d.servers.join(',');
    let lifetime = decide(`rdnss ${key} lifetime`, d.advRdnssLifetime);
    if (ctx.ceasing && d.flushRdnss) lifetime = ceased(`rdnss ${key} lifetime`, 0, d.advRdnssLifetime, 'final RA with FlushRDNSS');
    live(`rdnss ${key}`, { type: 'rdnss', lifetime, servers: d.servers });
  }
  for (const d of cfg.dnssl) {
    const key = d.domains.join(',');
    let lifetime = decide(`dnssl ${key} lifetime`, d.advDnsslLifetime);
    if (ctx.ceasing && d.flushDnssl) lifetime = ceased(`dnssl ${key} lifetime`, 0, d.advDnsslLifetime, 'final RA with FlushDNSSL');
    live(`dnssl ${key}`, { type: 'dnssl', lifetime, domains: d.domains });
  }

  // Withdrawn items still lingering (removed by a reload or gone from the interface).
  for (const w of ctx.withdrawals) {
    if (items.has(w.key)) continue; // it came back
    const elapsed = Math.floor((ctx.now - w.withdrawnAt) / 1000);
    switch (w.option.type) {
      case 'prefixInformation': {
        const valid = Math.max(0, w.option.validLifetime - elapsed);
        options.push({ ...w.option, preferredLifetime: 0, validLifetime: valid });
        reasons.push({ field: `${w.key} preferredLifetime`, value: 0, why: `withdrawn (${w.why}); deprecated until its valid lifetime ends (RFC 9096)`, since: w.withdrawnAt });
        break;
      }
      case 'routeInformation':
        options.push({ ...w.option, lifetime: 0 });
        reasons.push({ field: `${w.key} lifetime`, value: 0, why: `withdrawn (${w.why})`, since: w.withdrawnAt });
        break;
      case 'rdnss':
      case 'dnssl':
        options.push({ ...w.option, lifetime: 0 });
        reasons.push({ field: `${w.key} lifetime`, value: 0, why: `withdrawn (${w.why})`, since: w.withdrawnAt });
        break;
      default:
        break;
    }
  }

  if (cfg.advCaptivePortalApi !== undefined) options.push({ type: 'captivePortal', uri: cfg.advCaptivePortalApi });
  for (const n of cfg.nat64Prefixes) {
    // RFC 8781 4: the lifetime travels in 8-second units; round up so it never falls short.
    options.push({ type: 'pref64', prefix: n.prefix, prefixLength: n.prefixLength, lifetime: pref64Lifetime(n.advValidLifetime) });
  }
  for (const c of cfg.lowpanContexts) {
    options.push({
      type: 'lowpanContext',
      contextLength: c.advContextLength,
      compression: c.advContextCompressionFlag,
      contextId: c.advContextId,
      lifetime: c.advLifeTime,
      prefix: c.prefix,
    });
  }
  for (const a of cfg.abros) {
    options.push({ type: 'abro', versionLow: a.advVersionLow, versionHigh: a.advVersionHigh, validLifetime: a.advValidLifetime, address: a.address });
  }

  const ra: RouterAdvertisement = {
    type: 'ra',
    curHopLimit: cfg.advCurHopLimit,
    managed: cfg.advManagedFlag,
    other: cfg.advOtherConfigFlag,
    homeAgent: cfg.advHomeAgentFlag,
    preference,
    proxy: false,
    routerLifetime: Math.min(routerLifetime, MAX_ROUTER_LIFETIME),
    reachableTime: cfg.advReachableTime,
    retransTimer: cfg.advRetransTimer,
    options,
  };
  return { ra, reasons, items };
}
