/**
 * The conditions read from the kernel's state (link, route, address): their canonical form,
 * their value over a NetStateView, which NetEvents can change that value, and the words that
 * describe a condition in `firsthop status`.
 */
import { formatIPv6, maskBytes, parseIPv6, prefixContains, type Prefix } from '../net/ipv6';
import type { AddressInfo, NetEvent, NetStateView, RouteInfo } from '../netlink/types';
import { ConditionError } from './errors';
import type { ConditionRef, ConditionSpec } from './types';

export type LinkCondition = Extract<ConditionSpec, { kind: 'link' }>;
export type RouteCondition = Extract<ConditionSpec, { kind: 'route' }>;
export type AddressCondition = Extract<ConditionSpec, { kind: 'address' }>;

/** A netlink-driven condition in canonical form, ready to be matched. */
export type NetLeaf =
  | { readonly kind: 'link'; readonly spec: LinkCondition }
  | {
      readonly kind: 'route';
      readonly spec: RouteCondition;
      /** Canonical destination with host bits cleared. */
      readonly destination: string;
      readonly prefixLength: number;
      readonly via?: string;
    }
  | {
      readonly kind: 'address';
      readonly spec: AddressCondition;
      readonly match: { readonly kind: 'exact'; readonly address: string } | { readonly kind: 'prefix'; readonly prefix: Prefix } | { readonly kind: 'global' };
    };

/** RTN_UNICAST: the only route type that carries traffic somewhere. */
const RTN_UNICAST = 1;

function invalid(what: string, e?: unknown): ConditionError {
  return new ConditionError(what, 'E_CONDITION_INVALID', e === undefined ? undefined : { cause: e });
}

function canonical(address: string, what: string): string {
  try {
    return formatIPv6(parseIPv6(address));
  } catch (e) {
    throw invalid(`${what}: invalid address '${address}'`, e);
  }
}

function prefixOf(address: string, length: number, what: string): Prefix {
  if (!Number.isInteger(length) || length < 0 || length > 128) throw invalid(`${what}: invalid prefix length ${length}`);
  try {
    return { address: formatIPv6(maskBytes(parseIPv6(address), length)), length };
  } catch (e) {
    throw invalid(`${what}: invalid prefix '${address}/${length}'`, e);
  }
}

/** Canonical form of a link, route or address condition; throws E_CONDITION_INVALID. */
export function compileNetLeaf(spec: LinkCondition | RouteCondition | AddressCondition, what: string): NetLeaf {
  switch (spec.kind) {
    case 'link':
      return { kind: 'link', spec };
    case 'route': {
      const p = prefixOf(spec.prefix, spec.prefixLength, what);
      return {
        kind: 'route',
        spec,
        destination: p.address,
        prefixLength: p.length,
        ...(spec.via !== undefined ? { via: canonical(spec.via, what) } : {}),
      };
    }
    case 'address': {
      if (spec.address !== undefined) return { kind: 'address', spec, match: { kind: 'exact', address: canonical(spec.address, what) } };
      if (spec.prefix !== undefined) return { kind: 'address', spec, match: { kind: 'prefix', prefix: prefixOf(spec.prefix, spec.prefixLength ?? 128, what) } };
      return { kind: 'address', spec, match: { kind: 'global' } };
    }
  }
}

// ---------------------------------------------------------------------------------------
// Values

/** The link's state as the condition asks: 'up' = IFF_UP with carrier (IFF_LOWER_UP). */
export function linkValue(spec: LinkCondition, net: NetStateView): boolean {
  const l = net.linkByName(spec.interface);
  const up = l !== undefined && l.up && l.carrier;
  switch (spec.state) {
    case 'present':
      return l !== undefined;
    case 'carrier':
      return l?.carrier ?? false;
    case 'up':
      return up;
    case 'down':
      return !up; // a missing interface is down
  }
}

function routeMatches(leaf: Extract<NetLeaf, { kind: 'route' }>, r: RouteInfo, net: NetStateView): boolean {
  const s = leaf.spec;
  return (
    r.type === RTN_UNICAST &&
    r.destination === leaf.destination &&
    r.prefixLength === leaf.prefixLength &&
    // A multipath route matches when one of its next hops has the gateway and device asked for.
    (r.nexthops ?? [r]).some((h) => (leaf.via === undefined || h.gateway === leaf.via) && (s.dev === undefined || (h.oif !== undefined && net.link(h.oif)?.name === s.dev))) &&
    (s.protocol === undefined || r.protocol === s.protocol) &&
    (s.table === undefined || r.table === s.table) &&
    (s.metric === undefined || r.metric === s.metric)
  );
}

/**
 * Some unicast route with every attribute the condition gives. `routes` defaults to the whole
 * table; the engine passes the routes of one destination when it has them indexed.
 */
export function routeValue(leaf: Extract<NetLeaf, { kind: 'route' }>, net: NetStateView, routes: Iterable<RouteInfo> = net.routes()): boolean {
  for (const r of routes) if (routeMatches(leaf, r, net)) return true;
  return false;
}

function addressMatches(leaf: Extract<NetLeaf, { kind: 'address' }>, a: AddressInfo): boolean {
  switch (leaf.match.kind) {
    case 'exact':
      return a.address === leaf.match.address;
    case 'prefix':
      return prefixContains(leaf.match.prefix, a.address);
    case 'global':
      return a.scope === 0;
  }
}

/** A matching address that is usable: neither tentative (DAD running) nor failed DAD. */
export function addressValue(leaf: Extract<NetLeaf, { kind: 'address' }>, net: NetStateView): boolean {
  let ifindex: number | undefined;
  if (leaf.spec.dev !== undefined) {
    const l = net.linkByName(leaf.spec.dev);
    if (!l) return false;
    ifindex = l.ifindex;
  }
  return net.addresses(ifindex).some((a) => !a.tentative && !a.dadFailed && addressMatches(leaf, a));
}

export function netLeafValue(leaf: NetLeaf, net: NetStateView): boolean {
  switch (leaf.kind) {
    case 'link':
      return linkValue(leaf.spec, net);
    case 'route':
      return routeValue(leaf, net);
    case 'address':
      return addressValue(leaf, net);
  }
}

/** The key under which routes are indexed for route conditions: destination/length. */
export function routeIndexKey(destination: string, prefixLength: number): string {
  return `${destination}/${prefixLength}`;
}

// ---------------------------------------------------------------------------------------
// Which events matter

function namesOf(event: Extract<NetEvent, { kind: 'link' | 'linkRemoved' }>): string[] {
  return event.kind === 'link' && event.previous && event.previous.name !== event.link.name ? [event.link.name, event.previous.name] : [event.link.name];
}

/**
 * Whether `event` can change the value of `leaf`. Conservative: when in doubt, yes. A
 * 'resync' can change anything.
 */
export function affects(leaf: NetLeaf, event: NetEvent, net: NetStateView): boolean {
  if (event.kind === 'resync') return true;
  switch (leaf.kind) {
    case 'link':
      return (event.kind === 'link' || event.kind === 'linkRemoved') && namesOf(event).includes(leaf.spec.interface);
    case 'route':
      switch (event.kind) {
        case 'route':
        case 'routeRemoved':
          return event.route.destination === leaf.destination && event.route.prefixLength === leaf.prefixLength;
        case 'link':
        case 'linkRemoved':
          // `dev` is matched by name: a link that appears, goes or is renamed.
          return leaf.spec.dev !== undefined && namesOf(event).includes(leaf.spec.dev);
        case 'address':
        case 'addressRemoved':
          return false;
      }
      return false;
    case 'address':
      switch (event.kind) {
        case 'address':
        case 'addressRemoved': {
          if (leaf.spec.dev !== undefined) {
            const name = net.link(event.address.ifindex)?.name;
            if (name !== undefined && name !== leaf.spec.dev) return false; // unknown link: re-evaluate
          }
          return addressMatches(leaf, event.address);
        }
        case 'link':
        case 'linkRemoved':
          return leaf.spec.dev !== undefined && namesOf(event).includes(leaf.spec.dev);
        case 'route':
        case 'routeRemoved':
          return false;
      }
      return false;
  }
}

// ---------------------------------------------------------------------------------------
// Words

/** RTPROT_* names as iproute2 prints them (/etc/iproute2/rt_protos). */
const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  17: 'mrouted',
  18: 'keepalived',
  42: 'babel',
  99: 'openr',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? String(protocol);
}

function refWords(ref: ConditionRef): string {
  return 'ref' in ref ? ref.ref : `[${describe(ref.spec)}]`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** What a condition looks at, in a few words: 'link wan0 up', 'route 2001:db8::/48 proto bgp table 100'. */
export function describe(spec: ConditionSpec): string {
  switch (spec.kind) {
    case 'link':
      return `link ${spec.interface} ${spec.state}`;
    case 'route': {
      const parts = [`route ${spec.prefix}/${spec.prefixLength}`];
      if (spec.via !== undefined) parts.push(`via ${spec.via}`);
      if (spec.dev !== undefined) parts.push(`dev ${spec.dev}`);
      if (spec.protocol !== undefined) parts.push(`proto ${protocolName(spec.protocol)}`);
      if (spec.table !== undefined) parts.push(`table ${spec.table}`);
      if (spec.metric !== undefined) parts.push(`metric ${spec.metric}`);
      return parts.join(' ');
    }
    case 'address': {
      const what =
        spec.address !== undefined ? `address ${spec.address}` : spec.prefix !== undefined ? `address in ${spec.prefix}/${spec.prefixLength ?? 128}` : 'global address';
      return spec.dev !== undefined ? `${what} dev ${spec.dev}` : what;
    }
    case 'probe': {
      const parts = [`probe ${spec.target}`];
      if (spec.dev !== undefined) parts.push(`dev ${spec.dev}`);
      if (spec.source !== undefined) parts.push(`from ${spec.source}`);
      parts.push(`every ${seconds(spec.intervalMs)}`);
      return parts.join(' ');
    }
    case 'manual':
      return `manual (initially ${spec.initial ? 'up' : 'down'})`;
    case 'vrrp':
      return `vrrp ${spec.instance} master`;
    case 'all':
    case 'any':
      return `${spec.kind}(${spec.of.map(refWords).join(', ')})`;
    case 'not':
      return `not ${refWords(spec.of)}`;
  }
}
