/**
 * NetState: the kernel's links, IPv6 addresses and IPv6 routes (all tables), from a full
 * rtnetlink dump kept current by rtnetlink events. It keeps the IPv4 addresses too (for
 * VRRP over IPv4), apart: addresses() and the NetEvents stay IPv6 only, ipv4Addresses() and
 * onIpv4() give the IPv4 ones. One address dump (AF_UNSPEC) returns both families.
 *
 * Ordering. One socket carries both the dumps and the events. The kernel appends event
 * notifications and dump parts to that socket's queue in the order it produces them, and
 * produces each dump part only when it is read, so applying every message in arrival order
 * gives the kernel's state: an event queued before a dump part is already reflected in it,
 * one queued after it follows it. While a (re)synchronisation runs, every message, dump part
 * or event, goes to a staging copy; the staging copy replaces the live one when the last
 * dump (routes) is done. Nothing is emitted from staging: the swap emits one 'resync'.
 *
 * Loss. ENOBUFS (the kernel dropped notifications) or NLM_F_DUMP_INTR (the dump raced a
 * change) marks the state dirty: a dump in progress is read to its end (the kernel allows
 * one per socket), then the whole sequence starts again. The live view keeps its last
 * consistent state meanwhile (`synced` is false) and is never patched with a guess.
 */
import type { RawNetlinkSocket, SystemBackend } from '../sys/types';
import type { AddressInfo, Ipv4AddressInfo, Ipv4Event, LinkInfo, NetEvent, NetStateView4, RouteInfo } from './types';
import {
  addressDumpRequest,
  linkDumpRequest,
  parseAddressMessage,
  parseDone,
  parseError,
  parseLinkMessage,
  parseMessages,
  parseRouteMessage,
  routeDumpRequest,
  type NetlinkMessage,
  type NextHop,
} from './codec';
import { AF_UNSPEC, errnoName, NLM_F, NLMSG, RTM, RTM_F_CLONED, RTNLGRP } from './constants';

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  /** The errno's name: 'EEXIST', 'ENODEV', ... */
  readonly code: string;
  constructor(message: string, readonly errno: number) {
    super(message);
    this.code = errnoName(errno);
  }
}

export interface NetStateOptions {
  /** Delay before retrying a re-synchronisation that failed (NLMSG_ERROR). Default 1000 ms. */
  readonly retryMs?: number;
  /**
   * Called with what an event handler threw. Default: rethrown from a microtask, so it is an
   * uncaught exception, but only after the state and the other handlers are up to date.
   */
  readonly onHandlerError?: (error: unknown) => void;
}

export interface NetStateStats {
  /** Dump sequences started (links + addresses + routes), including the first one. */
  syncs: number;
  /** Overflows (ENOBUFS) reported by the socket. */
  overflows: number;
  /** Dumps that came back with NLM_F_DUMP_INTR. */
  interrupted: number;
  /** Milliseconds the last completed synchronisation took. */
  lastSyncMs: number;
  /** Datagrams that failed to parse (each forces a resync). */
  parseErrors: number;
  /** Route replaces whose victim could not be known (each forces a resync). */
  ambiguousReplaces: number;
}

interface StoredRoute {
  /** The route; its `nexthops` when the kernel reported it with RTA_MULTIPATH. */
  readonly info: RouteInfo;
  /** Key without the next hop: table, destination, source, metric, type. */
  readonly base: string;
}

/** One consistent copy of the kernel's state. */
class Tables {
  readonly links = new Map<number, LinkInfo>();
  readonly addresses = new Map<string, AddressInfo>();
  /** IPv4 addresses, in the order the kernel reported them. */
  readonly ipv4 = new Map<string, Ipv4AddressInfo>();
  readonly routes = new Map<string, StoredRoute>();
  /**
   * The keys of `routes` by the kernel's identity of a route (table, destination, source,
   * metric: a base key without its type), so that a replace finds what it replaces without a
   * scan of every route (a BGP full table, replaced route by route).
   */
  readonly routeIds = new Map<string, Set<string>>();

  setRoute(key: string, r: StoredRoute): void {
    this.routes.set(key, r);
    const id = routeId(r.base);
    let keys = this.routeIds.get(id);
    if (keys === undefined) {
      keys = new Set();
      this.routeIds.set(id, keys);
    }
    keys.add(key);
  }

  deleteRoute(key: string): StoredRoute | undefined {
    const r = this.routes.get(key);
    if (r === undefined) return undefined;
    this.routes.delete(key);
    const id = routeId(r.base);
    const keys = this.routeIds.get(id);
    keys?.delete(key);
    if (keys?.size === 0) this.routeIds.delete(id);
    return r;
  }
}

/**
 * Whether the kernel would make this route a sibling of others of the same metric
 * (rt6_qualify_for_ecmp: a gateway, and not RTF_ADDRCONF, which marks routes learned from RAs:
 * their protocol is ra).
 */
const RTPROT_RA = 9;

function ecmpCapable(r: RouteInfo): boolean {
  return (r.gateway !== undefined || (r.nexthops?.length ?? 0) > 1) && r.protocol !== RTPROT_RA;
}

/** A base key without its route type: what `ip route replace` replaces. */
function routeId(base: string): string {
  return base.slice(0, base.lastIndexOf('|'));
}

/** Links, then the addresses of every family (AF_UNSPEC: IPv6 and IPv4 in one dump), then IPv6 routes. */
const PHASES = [linkDumpRequest, (seq: number): Buffer => addressDumpRequest(seq, AF_UNSPEC), routeDumpRequest] as const;

interface Sync {
  phase: number;
  seq: number;
  readonly staging: Tables;
  dirty: boolean;
  readonly started: number;
}

function addressKey(a: { ifindex: number; address: string }): string {
  return `${a.ifindex}|${a.address}`;
}

function sameLink(a: LinkInfo, b: LinkInfo): boolean {
  return (
    a.ifindex === b.ifindex &&
    a.name === b.name &&
    a.up === b.up &&
    a.carrier === b.carrier &&
    a.operState === b.operState &&
    a.mtu === b.mtu &&
    a.mac === b.mac &&
    a.flags === b.flags &&
    a.kind === b.kind &&
    a.parentIfindex === b.parentIfindex &&
    a.macvlanMode === b.macvlanMode
  );
}

function sameRecord<T extends object>(a: T, b: T): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

/** The kernel's order of a link's IPv4 addresses: primaries by scope (widest first), then secondaries; else as reported. */
function ipv4Order(a: Ipv4AddressInfo, b: Ipv4AddressInfo): number {
  return Number(a.secondary) - Number(b.secondary) || a.scope - b.scope;
}

export class NetState implements NetStateView4 {
  private live = new Tables();
  private sync: Sync | undefined;
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private readonly handlers = new Set<(event: NetEvent) => void>();
  private readonly ipv4Handlers = new Set<(event: Ipv4Event) => void>();
  private opening: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly retryMs: number;
  private readonly onHandlerError: (error: unknown) => void;
  readonly stats: NetStateStats = { syncs: 0, overflows: 0, interrupted: 0, lastSyncMs: 0, parseErrors: 0, ambiguousReplaces: 0 };

  private constructor(private readonly socket: RawNetlinkSocket, options: NetStateOptions) {
    this.retryMs = options.retryMs ?? 1000;
    this.onHandlerError =
      options.onHandlerError ??
      ((e) =>
        queueMicrotask(() => {
          throw e;
        }));
    socket.onDatagram((d) => this.onDatagram(d));
    socket.onOverflow(() => this.onOverflow());
  }

  /**
   * Subscribe to link, IPv6 and IPv4 address and IPv6 route events, dump them and resolve
   * when the state is complete. Rejects (and closes the socket) when the kernel refuses a
   * dump. Works on any SystemBackend: linuxBackend() or the in-memory MemoryBackend.
   */
  static async open(backend: Pick<SystemBackend, 'openRouteNetlink'>, options: NetStateOptions = {}): Promise<NetState> {
    const socket = backend.openRouteNetlink({ groups: [RTNLGRP.LINK, RTNLGRP.IPV6_IFADDR, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_ROUTE] });
    const state = new NetState(socket, options);
    try {
      await new Promise<void>((resolve, reject) => {
        state.opening = { resolve, reject };
        state.startSync();
      });
    } catch (e) {
      state.close();
      throw e;
    }
    return state;
  }

  /** False while a re-synchronisation after an overflow is in progress. */
  get synced(): boolean {
    return this.sync === undefined && this.opening === undefined;
  }

  links(): readonly LinkInfo[] {
    return [...this.live.links.values()].sort((a, b) => a.ifindex - b.ifindex);
  }

  link(ifindex: number): LinkInfo | undefined {
    return this.live.links.get(ifindex);
  }

  linkByName(name: string): LinkInfo | undefined {
    for (const l of this.live.links.values()) if (l.name === name) return l;
    return undefined;
  }

  addresses(ifindex?: number): readonly AddressInfo[] {
    const all = [...this.live.addresses.values()];
    return ifindex === undefined ? all : all.filter((a) => a.ifindex === ifindex);
  }

  routes(): readonly RouteInfo[] {
    return [...this.live.routes.values()].map((r) => r.info);
  }

  /**
   * IPv4 addresses (of `ifindex`, or of every link ordered by ifindex), each link's in the
   * kernel's order: primaries (the first address of each subnet) by scope, then secondaries.
   */
  ipv4Addresses(ifindex?: number): readonly Ipv4AddressInfo[] {
    const all = [...this.live.ipv4.values()];
    if (ifindex !== undefined) return all.filter((a) => a.ifindex === ifindex).sort(ipv4Order);
    return all.sort((a, b) => a.ifindex - b.ifindex || ipv4Order(a, b));
  }

  /** The primary IPv4 address of `ifindex`: its first non-secondary address of the widest scope. */
  primaryIpv4(ifindex: number): Ipv4AddressInfo | undefined {
    return this.ipv4Addresses(ifindex).find((a) => !a.secondary);
  }

  /**
   * IPv4 address events: 'ipv4Address' (new or changed, with the previous record),
   * 'ipv4AddressRemoved', and 'resync' after every full dump (also emitted to on()).
   */
  onIpv4(handler: (event: Ipv4Event) => void): () => void {
    const h = (e: Ipv4Event): void => handler(e);
    this.ipv4Handlers.add(h);
    return () => {
      this.ipv4Handlers.delete(h);
    };
  }

  on(handler: (event: NetEvent) => void): () => void {
    const h = (e: NetEvent): void => handler(e); // a distinct entry even when subscribed twice
    this.handlers.add(h);
    return () => {
      this.handlers.delete(h);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket.close();
    this.handlers.clear();
    this.ipv4Handlers.clear();
  }

  // -------------------------------------------------------------------------------------

  private emit(event: NetEvent): void {
    this.emitTo(this.handlers, event);
  }

  private emitIpv4(event: Ipv4Event): void {
    this.emitTo(this.ipv4Handlers, event);
  }

  private emitTo<E>(handlers: ReadonlySet<(event: E) => void>, event: E): void {
    for (const h of [...handlers]) {
      try {
        h(event);
      } catch (e) {
        // A failing consumer must not leave the state half-applied: surface it separately.
        this.onHandlerError(e);
      }
    }
  }

  private nextSeq(): number {
    this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
    return this.seq;
  }

  private startSync(): void {
    if (this.closed) return;
    this.stats.syncs++;
    this.sync = { phase: 0, seq: this.nextSeq(), staging: new Tables(), dirty: false, started: Date.now() };
    this.request();
  }

  private request(): void {
    const s = this.sync;
    if (!s) return;
    const build = PHASES[s.phase];
    if (!build) return;
    try {
      this.socket.send(build(s.seq));
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private fail(error: Error): void {
    this.sync = undefined;
    if (this.opening) {
      const o = this.opening;
      this.opening = undefined;
      o.reject(error);
      return;
    }
    if (this.closed) return;
    // Keep the last consistent state and try again later. `synced` stays false until then.
    this.sync = { phase: -1, seq: -1, staging: new Tables(), dirty: true, started: Date.now() };
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startSync();
    }, this.retryMs);
  }

  private onOverflow(): void {
    if (this.closed) return;
    this.stats.overflows++;
    this.resync();
  }

  /** Read the kernel's tables again: after the running dump, if there is one. */
  private resync(): void {
    if (this.closed) return;
    if (this.sync) this.sync.dirty = true; // finish the running dump, then start over
    else this.startSync();
  }

  private onDatagram(datagram: Buffer): void {
    if (this.closed) return;
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(datagram);
    } catch {
      this.stats.parseErrors++;
      this.onOverflow();
      return;
    }
    for (const m of messages) {
      if (this.closed) return;
      try {
        this.onMessage(m);
      } catch {
        // An undecodable message is as bad as a lost one.
        this.stats.parseErrors++;
        this.onOverflow();
      }
    }
  }

  private onMessage(m: NetlinkMessage): void {
    const s = this.sync;
    // Only our dump requests use s.seq with NLM_F_MULTI / DONE / ERROR; events carry the
    // sequence number of whoever caused them, never a multi-part flag.
    const isDumpReply = s !== undefined && m.seq === s.seq && (m.flags & NLM_F.MULTI || m.type === NLMSG.ERROR || m.type === NLMSG.DONE);
    if (isDumpReply) {
      if (m.type === NLMSG.DONE) {
        const errno = parseDone(m.payload);
        if (errno !== 0) this.fail(new NetlinkError(`rtnetlink dump failed: errno ${errno}`, errno));
        else this.nextPhase();
        return;
      }
      if (m.type === NLMSG.ERROR) {
        const { errno } = parseError(m.payload);
        if (errno !== 0) this.fail(new NetlinkError(`rtnetlink dump refused: errno ${errno}`, errno));
        return;
      }
      if (m.flags & NLM_F.DUMP_INTR) {
        this.stats.interrupted++;
        s.dirty = true;
      }
      this.apply(s.staging, m, false);
      return;
    }
    if (m.type === NLMSG.OVERRUN) {
      this.onOverflow();
      return;
    }
    if (m.type < RTM.NEWLINK) return; // NOOP, ERROR, DONE of nobody we know
    this.apply(s ? s.staging : this.live, m, s === undefined);
  }

  private nextPhase(): void {
    const s = this.sync;
    if (!s) return;
    s.phase++;
    if (s.phase < PHASES.length) {
      this.request();
      return;
    }
    if (s.dirty) {
      this.startSync();
      return;
    }
    this.live = s.staging;
    this.sync = undefined;
    this.stats.lastSyncMs = Date.now() - s.started;
    if (this.opening) {
      const o = this.opening;
      this.opening = undefined;
      o.resolve();
    }
    this.emit({ kind: 'resync' });
    this.emitIpv4({ kind: 'resync' });
  }

  private apply(t: Tables, m: NetlinkMessage, emit: boolean): void {
    switch (m.type) {
      case RTM.NEWLINK:
      case RTM.DELLINK: {
        const { family, link } = parseLinkMessage(m.payload);
        if (family !== AF_UNSPEC) return; // AF_BRIDGE port and AF_INET6 ifinfo messages
        if (m.type === RTM.NEWLINK) this.putLink(t, link, emit);
        else this.removeLink(t, link, emit);
        return;
      }
      case RTM.NEWADDR:
      case RTM.DELADDR: {
        const { address, ipv4 } = parseAddressMessage(m.payload);
        if (ipv4) {
          this.applyIpv4(t, m.type === RTM.NEWADDR, ipv4, emit);
          return;
        }
        if (!address) return;
        const key = addressKey(address);
        const previous = t.addresses.get(key);
        if (m.type === RTM.NEWADDR) {
          t.addresses.set(key, address);
          if (emit && !(previous && sameRecord(previous, address))) this.emit({ kind: 'address', address });
        } else if (previous) {
          t.addresses.delete(key);
          if (emit) this.emit({ kind: 'addressRemoved', address });
        }
        return;
      }
      case RTM.NEWROUTE:
      case RTM.DELROUTE: {
        const msg = parseRouteMessage(m.payload);
        if (!msg.route || msg.flags & RTM_F_CLONED) return;
        if (m.type === RTM.NEWROUTE) this.putRoute(t, msg.route, msg.source, msg.sourceLength, msg.multipath, emit, (m.flags & NLM_F.REPLACE) !== 0);
        else this.removeRoute(t, msg.route, msg.source, msg.sourceLength, msg.multipath, emit);
        return;
      }
      default:
        return;
    }
  }

  private applyIpv4(t: Tables, added: boolean, address: Ipv4AddressInfo, emit: boolean): void {
    // The same IPv4 address may be on one link twice, with different prefix lengths.
    const key = `${addressKey(address)}/${address.prefixLength}`;
    const previous = t.ipv4.get(key);
    if (added) {
      t.ipv4.set(key, address);
      if (emit && !(previous && sameRecord(previous, address))) this.emitIpv4(previous ? { kind: 'ipv4Address', address, previous } : { kind: 'ipv4Address', address });
    } else if (previous) {
      t.ipv4.delete(key);
      if (emit) this.emitIpv4({ kind: 'ipv4AddressRemoved', address: previous });
    }
  }

  private putLink(t: Tables, link: LinkInfo, emit: boolean): void {
    const previous = t.links.get(link.ifindex);
    t.links.set(link.ifindex, link);
    if (!emit || (previous && sameLink(previous, link))) return;
    this.emit(previous ? { kind: 'link', link, previous } : { kind: 'link', link });
  }

  /** The kernel reports the addresses and routes of a vanishing link first; drop any it did not. */
  private removeLink(t: Tables, link: LinkInfo, emit: boolean): void {
    if (!t.links.has(link.ifindex)) return;
    for (const [key, a] of t.addresses) {
      if (a.ifindex !== link.ifindex) continue;
      t.addresses.delete(key);
      if (emit) this.emit({ kind: 'addressRemoved', address: a });
    }
    for (const [key, a] of t.ipv4) {
      if (a.ifindex !== link.ifindex) continue;
      t.ipv4.delete(key);
      if (emit) this.emitIpv4({ kind: 'ipv4AddressRemoved', address: a });
    }
    for (const [key, r] of t.routes) {
      if (r.info.oif !== link.ifindex) continue;
      t.deleteRoute(key);
      if (emit) this.emit({ kind: 'routeRemoved', route: r.info });
    }
    t.links.delete(link.ifindex);
    if (emit) this.emit({ kind: 'linkRemoved', link });
  }

  // Routes. The kernel's identity of an IPv6 route is (table, destination, source, metric)
  // plus, for routes that are not ECMP siblings, the device and gateway (one connected
  // fe80::/64 per interface share everything else). ECMP routes arrive either as one
  // RTA_MULTIPATH message (dumps, appends, whole-route deletes) or as single-hop messages
  // for one sibling (deleting one next hop), so both shapes are reconciled here.

  private static baseKey(r: RouteInfo, source: string, sourceLength: number): string {
    return `${r.table}|${r.destination}/${r.prefixLength}|${source}/${sourceLength}|${r.metric}|${r.type}`;
  }

  private static hopKey(base: string, oif: number | undefined, gateway: string | undefined): string {
    return `${base}|${oif ?? ''}|${gateway ?? ''}`;
  }

  private setRoute(t: Tables, key: string, stored: StoredRoute, emit: boolean): void {
    const previous = t.routes.get(key);
    t.setRoute(key, stored);
    if (emit && !(previous && sameRoute(previous.info, stored.info))) {
      this.emit({ kind: 'route', route: stored.info });
    }
  }

  private deleteRoute(t: Tables, key: string, emit: boolean): void {
    const previous = t.deleteRoute(key);
    if (!previous) return;
    if (emit) this.emit({ kind: 'routeRemoved', route: previous.info });
  }

  private putRoute(t: Tables, route: RouteInfo, source: string, sourceLength: number, hops: readonly NextHop[] | undefined, emit: boolean, replace = false): void {
    const base = NetState.baseKey(route, source, sourceLength);
    if (replace && !this.replaceRoutes(t, route, base)) {
      // Which route the kernel replaced cannot be told from here: read its tables again
      // rather than guess (the state is never patched with a guess).
      this.stats.ambiguousReplaces++;
      this.resync();
    }
    if (hops && hops.length > 1) {
      // The multipath route supersedes single-hop entries for any of its hops.
      for (const h of hops) this.deleteRoute(t, NetState.hopKey(base, h.oif, h.gateway), emit);
      this.setRoute(t, `${base}|mp`, { info: { ...route, nexthops: hops }, base }, emit);
      return;
    }
    this.setRoute(t, NetState.hopKey(base, route.oif, route.gateway), { info: route, base }, emit);
  }

  /**
   * NLM_F_REPLACE (`ip route replace`, BIRD moving a route to another next hop): drop what the
   * kernel replaced. Among the routes of this identity (table, destination, source, metric),
   * the kernel (fib6_add_rt2) replaces the first of the new route's kind: ECMP-capable (a
   * gateway, not learned from an RA), which are all one group of siblings, or not, each a
   * route of its own; with none of that kind, the first route of the other kind. No
   * routeRemoved for what goes: the 'route' event that follows makes consumers look again,
   * where a removal first would show them a moment without the route. Returns false when
   * the kernel's choice cannot be known (two or more single routes it could have taken).
   */
  private replaceRoutes(t: Tables, route: RouteInfo, base: string): boolean {
    const keys = [...(t.routeIds.get(routeId(base)) ?? [])];
    if (keys.length === 0) return true;
    const ecmp = ecmpCapable(route);
    const same = keys.filter((k) => ecmpCapable((t.routes.get(k) as StoredRoute).info) === ecmp);
    const victims = same.length > 0 ? same : keys;
    const victimsEcmp = same.length > 0 ? ecmp : !ecmp;
    // ECMP-capable routes of one identity are one group of siblings: replaced together. Other
    // routes stand alone: the kernel takes the first, which we know only when there is one.
    if (!victimsEcmp && victims.length > 1) return false;
    for (const k of victims) t.deleteRoute(k);
    return true;
  }

  private removeRoute(t: Tables, route: RouteInfo, source: string, sourceLength: number, hops: readonly NextHop[] | undefined, emit: boolean): void {
    const base = NetState.baseKey(route, source, sourceLength);
    const mpKey = `${base}|mp`;
    if (hops && hops.length > 1) {
      this.deleteRoute(t, mpKey, emit);
      for (const h of hops) this.deleteRoute(t, NetState.hopKey(base, h.oif, h.gateway), emit);
      return;
    }
    const key = NetState.hopKey(base, route.oif, route.gateway);
    if (t.routes.has(key)) {
      this.deleteRoute(t, key, emit);
      return;
    }
    // One sibling of a multipath route went away.
    const mp = t.routes.get(mpKey);
    const siblings = mp?.info.nexthops;
    if (mp === undefined || siblings === undefined) return;
    const rest = siblings.filter((h) => !(h.oif === route.oif && h.gateway === route.gateway));
    if (rest.length === siblings.length) return;
    const first = rest[0];
    if (rest.length > 1 || !first) {
      const info: RouteInfo = { ...withHop(mp.info, first), nexthops: rest };
      this.setRoute(t, mpKey, { info, base }, emit);
      return;
    }
    this.deleteRoute(t, mpKey, emit);
    this.setRoute(t, NetState.hopKey(base, first.oif, first.gateway), { info: withHop(mp.info, first), base }, emit);
  }
}

function withHop(r: RouteInfo, hop: NextHop | undefined): RouteInfo {
  const { gateway: _g, oif: _o, nexthops: _n, ...rest } = r;
  return {
    ...rest,
    ...(hop?.gateway !== undefined ? { gateway: hop.gateway } : {}),
    ...(hop?.oif !== undefined ? { oif: hop.oif } : {}),
  };
}

/** The same route record, next hops compared hop by hop. */
function sameRoute(a: RouteInfo, b: RouteInfo): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => (k === 'nexthops' ? sameHops(a.nexthops, b.nexthops) : (a as unknown as Record<string, unknown>)[k] === (b as unknown as Record<string, unknown>)[k]));
}

function sameHops(a: readonly NextHop[] | undefined, b: readonly NextHop[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((h, i) => b[i] !== undefined && sameRecord(h, b[i] as NextHop));
}
