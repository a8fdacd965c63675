/**
 * In-memory SystemBackend for unit tests.
 *
 *  - MemoryBackend is one simulated host. Its ICMPv6 sockets send onto MemoryLinks (one
 *    simulated segment each) that the host's interfaces are attached to with attach(); every
 *    other host on the link receives the packet (hop limit 255, its own ifindex) on sockets
 *    whose type filter passes, when the destination is ff02::1, a group some socket of that
 *    host joined on that interface, a solicited-node group of one of its addresses, or one of
 *    its addresses (unicast). `sent` records everything the host sent; inject() delivers a
 *    packet to the host as if it had arrived.
 *  - MemoryKernel (backend.kernel) is a fake rtnetlink: links, IPv6 addresses and routes
 *    that tests add and remove; it answers dump requests in multi-part replies (dumpChunk
 *    messages per datagram) and sends RTM_NEW / RTM_DEL notifications to subscribed
 *    sockets, in bytes, through the real codec, so NetState runs unchanged on it.
 *
 * Delivery is asynchronous (microtasks, so fake timers do not stall it): `await settle()`
 * after an action lets every resulting delivery, and what handlers sent in response, land.
 */
import { formatIPv6, isMulticast, parseIPv6 } from '../net/ipv6';
import {
  encodeAddressMessage,
  encodeDone,
  encodeError,
  encodeLinkMessage,
  encodeMessage,
  encodeRouteMessage,
  parseMessages,
  requestFamily,
  type NetlinkMessage,
} from '../netlink/codec';
import { AF_INET6, AF_UNSPEC, IFF, NLM_F, RTM, RTNLGRP } from '../netlink/constants';
import type { AddressInfo, LinkInfo, RouteInfo } from '../netlink/types';
import { SysError, type Icmp6Socket, type IcmpPacket, type RawNetlinkSocket, type SystemBackend } from './types';

const ERRNO: Record<string, number> = { EBADF: 9, ENODEV: 19, EINVAL: 22, ENETDOWN: 100, ENETUNREACH: 101, EACCES: 13, EPERM: 1, EOPNOTSUPP: 95, EBUSY: 16, EMSGSIZE: 90 };

function sysError(code: string, what: string): SysError {
  return new SysError(`${what}: ${code}`, code, ERRNO[code] ?? 0);
}

// ---------------------------------------------------------------------------------------
// Scheduling

let pending = 0;

function later(fn: () => void): void {
  pending++;
  queueMicrotask(() => {
    pending--;
    fn();
  });
}

/** Resolves once no simulated delivery is pending (including those caused by handlers). */
export async function settle(): Promise<void> {
  for (let spins = 0; pending > 0; spins++) {
    if (spins > 100000) throw new Error('memory backend: deliveries keep coming (a handler loop?)');
    await new Promise<void>((r) => queueMicrotask(r));
  }
  // A few more turns so that promise continuations of the last handlers run too (no
  // setImmediate: tests may mock timers).
  for (let i = 0; i < 20; i++) await Promise.resolve();
  if (pending > 0) return settle();
}

// ---------------------------------------------------------------------------------------
// Links (segments)

export interface SentPacket {
  readonly data: Buffer;
  readonly destination: string;
  readonly ifindex: number;
  /** The source given to send(), else the host's link-local address on ifindex, else '::'. */
  readonly source: string;
  readonly hopLimit: number;
}

export interface LinkPacket extends SentPacket {
  readonly from: MemoryBackend;
}

/** One simulated layer-2 segment joining interfaces of MemoryBackend hosts. */
export class MemoryLink {
  /** Every packet sent onto this link, in order. */
  readonly packets: LinkPacket[] = [];
  private readonly ports: { host: MemoryBackend; ifindex: number }[] = [];

  constructor(readonly name = 'link') {}

  /** @internal used by MemoryBackend.attach / detach. */
  connect(host: MemoryBackend, ifindex: number): void {
    if (!this.ports.some((p) => p.host === host && p.ifindex === ifindex)) this.ports.push({ host, ifindex });
  }

  /** @internal */
  disconnect(host: MemoryBackend, ifindex: number): void {
    const i = this.ports.findIndex((p) => p.host === host && p.ifindex === ifindex);
    if (i >= 0) this.ports.splice(i, 1);
  }

  /** @internal */
  transmit(from: MemoryBackend, ifindex: number, packet: SentPacket): void {
    this.packets.push({ ...packet, from });
    for (const p of this.ports) {
      if (p.host === from && p.ifindex === ifindex) continue; // no multicast loopback
      p.host.receiveFromLink(p.ifindex, packet);
    }
  }
}

function solicitedNode(address: string): string {
  const b = parseIPv6(address);
  return formatIPv6(Uint8Array.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, b[13] ?? 0, b[14] ?? 0, b[15] ?? 0]));
}

// ---------------------------------------------------------------------------------------
// The fake rtnetlink kernel

export interface LinkSpec {
  readonly ifindex?: number;
  readonly name: string;
  /** Default true. */
  readonly up?: boolean;
  /** Default true. */
  readonly carrier?: boolean;
  readonly mtu?: number;
  readonly mac?: string;
  readonly kind?: string;
  /** Default derived: 'up' when up with carrier, 'lowerlayerdown' when up without, else 'down'. */
  readonly operState?: string;
  /** Extra IFF_* bits beyond IFF_UP / IFF_RUNNING / IFF_LOWER_UP. Default BROADCAST|MULTICAST. */
  readonly extraFlags?: number;
}

export interface AddressSpec {
  readonly ifindex: number;
  readonly address: string;
  /** Default 64. */
  readonly prefixLength?: number;
  /** Default 253 (link) for fe80::/10, else 0. */
  readonly scope?: number;
  readonly tentative?: boolean;
  readonly deprecated?: boolean;
  readonly dadFailed?: boolean;
  readonly preferredLifetime?: number;
  readonly validLifetime?: number;
}

export interface RouteSpec {
  /** Default 254 (main). */
  readonly table?: number;
  readonly destination: string;
  readonly prefixLength: number;
  readonly gateway?: string;
  readonly oif?: number;
  /** Default 4 (static). */
  readonly protocol?: number;
  /** Default 1024. */
  readonly metric?: number;
  /** Default 1 (unicast). */
  readonly type?: number;
  readonly preference?: number;
  readonly expires?: number;
}

type QueueItem = { readonly kind: 'datagram'; readonly data: Buffer } | { readonly kind: 'overflow' };

class MemoryNetlinkSocket implements RawNetlinkSocket {
  readonly portId: number;
  private readonly datagramHandlers: ((d: Buffer) => void)[] = [];
  private readonly overflowHandlers: (() => void)[] = [];
  private readonly queue: QueueItem[] = [];
  private scheduled = false;
  closed = false;

  constructor(private readonly kernel: MemoryKernel, readonly groups: ReadonlySet<number>, portId: number) {
    this.portId = portId;
  }

  send(datagram: Uint8Array): void {
    if (this.closed) throw sysError('EBADF', 'netlink send');
    this.kernel.request(this, Buffer.from(datagram));
  }

  onDatagram(handler: (datagram: Buffer) => void): void {
    this.datagramHandlers.push(handler);
  }

  onOverflow(handler: () => void): void {
    this.overflowHandlers.push(handler);
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.kernel.forget(this);
  }

  /** @internal */
  enqueue(item: QueueItem): void {
    if (this.closed) return;
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    later(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    // One item per turn, so that a handler's reaction interleaves as with a real socket.
    const item = this.queue.shift();
    if (!item || this.closed) return;
    if (this.queue.length > 0) {
      this.scheduled = true;
      later(() => this.flush());
    }
    if (item.kind === 'overflow') for (const h of this.overflowHandlers) h();
    else for (const h of this.datagramHandlers) h(item.data);
  }
}

function routeKey(r: RouteInfo): string {
  return `${r.table}|${r.destination}/${r.prefixLength}|${r.metric}|${r.type}|${r.oif ?? ''}|${r.gateway ?? ''}`;
}

/** A fake rtnetlink kernel for one MemoryBackend host. */
export class MemoryKernel {
  private readonly linkTable = new Map<number, LinkInfo>();
  private readonly addressTable = new Map<string, AddressInfo>();
  private readonly routeTable = new Map<string, RouteInfo>();
  private readonly sockets = new Set<MemoryNetlinkSocket>();
  private nextIfindex = 1;
  private nextPort = 1000;
  private quiet = 0;
  /** Messages per dump datagram (small, so that tests exercise multi-part dumps). */
  dumpChunk = 2;
  /** When set, dump requests are answered with NLMSG_ERROR carrying this errno. */
  refuseDumps: number | undefined;
  /** Dump requests received, by message type (RTM_GETLINK, ...), for assertions. */
  readonly dumpRequests: number[] = [];

  links(): LinkInfo[] {
    return [...this.linkTable.values()];
  }
  link(ifindex: number): LinkInfo | undefined {
    return this.linkTable.get(ifindex);
  }
  addresses(ifindex?: number): AddressInfo[] {
    const all = [...this.addressTable.values()];
    return ifindex === undefined ? all : all.filter((a) => a.ifindex === ifindex);
  }
  routes(): RouteInfo[] {
    return [...this.routeTable.values()];
  }
  /** Netlink sockets currently open on this kernel. */
  get openSockets(): number {
    return this.sockets.size;
  }

  addLink(spec: LinkSpec): LinkInfo {
    const ifindex = spec.ifindex ?? this.nextIfindex;
    this.nextIfindex = Math.max(this.nextIfindex, ifindex + 1);
    return this.putLink(ifindex, spec);
  }

  /** Change a link; unspecified fields keep their values. */
  setLink(ifindex: number, changes: Partial<Omit<LinkSpec, 'ifindex'>>): LinkInfo {
    const old = this.linkTable.get(ifindex);
    if (!old) throw new Error(`memory kernel: no link ${ifindex}`);
    const spec: LinkSpec = {
      name: old.name,
      up: old.up,
      carrier: old.carrier,
      mtu: old.mtu,
      ...(old.mac !== undefined ? { mac: old.mac } : {}),
      ...(old.kind !== undefined ? { kind: old.kind } : {}),
      extraFlags: old.flags & ~(IFF.UP | IFF.RUNNING | IFF.LOWER_UP),
      ...changes,
    };
    return this.putLink(ifindex, spec);
  }

  private putLink(ifindex: number, spec: LinkSpec): LinkInfo {
    const up = spec.up ?? true;
    const carrier = spec.carrier ?? true;
    const flags = (spec.extraFlags ?? IFF.BROADCAST | IFF.MULTICAST) | (up ? IFF.UP : 0) | (up && carrier ? IFF.RUNNING | IFF.LOWER_UP : 0);
    const link: LinkInfo = {
      ifindex,
      name: spec.name,
      up,
      carrier: up && carrier,
      operState: spec.operState ?? (up ? (carrier ? 'up' : 'lowerlayerdown') : 'down'),
      mtu: spec.mtu ?? 1500,
      ...(spec.mac !== undefined ? { mac: spec.mac.toLowerCase() } : {}),
      flags,
      ...(spec.kind !== undefined ? { kind: spec.kind } : {}),
    };
    this.linkTable.set(ifindex, link);
    this.notify(RTNLGRP.LINK, RTM.NEWLINK, encodeLinkMessage(link));
    return link;
  }

  /** Remove a link the way the kernel does: its addresses, then its routes, then the link. */
  removeLink(ifindex: number): void {
    const link = this.linkTable.get(ifindex);
    if (!link) throw new Error(`memory kernel: no link ${ifindex}`);
    for (const a of this.addresses(ifindex)) this.removeAddress(a.ifindex, a.address);
    for (const r of this.routes()) if (r.oif === ifindex) this.removeRoute(r);
    this.linkTable.delete(ifindex);
    this.notify(RTNLGRP.LINK, RTM.DELLINK, encodeLinkMessage(link));
  }

  /** Add or update an IPv6 address. */
  addAddress(spec: AddressSpec): AddressInfo {
    const address = formatIPv6(parseIPv6(spec.address));
    const a: AddressInfo = {
      ifindex: spec.ifindex,
      address,
      prefixLength: spec.prefixLength ?? 64,
      scope: spec.scope ?? (address.startsWith('fe8') || address.startsWith('fe9') || address.startsWith('fea') || address.startsWith('feb') ? 253 : 0),
      tentative: spec.tentative ?? false,
      deprecated: spec.deprecated ?? false,
      dadFailed: spec.dadFailed ?? false,
      preferredLifetime: spec.preferredLifetime ?? 0xffffffff,
      validLifetime: spec.validLifetime ?? 0xffffffff,
    };
    this.addressTable.set(`${a.ifindex}|${address}`, a);
    this.notify(RTNLGRP.IPV6_IFADDR, RTM.NEWADDR, encodeAddressMessage(a));
    return a;
  }

  removeAddress(ifindex: number, address: string): void {
    const key = `${ifindex}|${formatIPv6(parseIPv6(address))}`;
    const a = this.addressTable.get(key);
    if (!a) throw new Error(`memory kernel: no address ${address} on ${ifindex}`);
    this.addressTable.delete(key);
    this.notify(RTNLGRP.IPV6_IFADDR, RTM.DELADDR, encodeAddressMessage(a));
  }

  /** Add or replace a route (identity: table, destination, metric, type, oif, gateway). */
  addRoute(spec: RouteSpec): RouteInfo {
    const r = this.route(spec);
    this.routeTable.set(routeKey(r), r);
    this.notify(RTNLGRP.IPV6_ROUTE, RTM.NEWROUTE, encodeRouteMessage(r));
    return r;
  }

  removeRoute(spec: RouteSpec): void {
    const key = routeKey(this.route(spec));
    const r = this.routeTable.get(key);
    if (!r) throw new Error(`memory kernel: no route ${key}`);
    this.routeTable.delete(key);
    this.notify(RTNLGRP.IPV6_ROUTE, RTM.DELROUTE, encodeRouteMessage(r));
  }

  private route(spec: RouteSpec): RouteInfo {
    const p = parseIPv6(spec.destination);
    return {
      table: spec.table ?? 254,
      destination: formatIPv6(p),
      prefixLength: spec.prefixLength,
      ...(spec.gateway !== undefined ? { gateway: formatIPv6(parseIPv6(spec.gateway)) } : {}),
      ...(spec.oif !== undefined ? { oif: spec.oif } : {}),
      protocol: spec.protocol ?? 4,
      metric: spec.metric ?? 1024,
      type: spec.type ?? 1,
      ...(spec.preference !== undefined ? { preference: spec.preference } : {}),
      ...(spec.expires !== undefined ? { expires: spec.expires } : {}),
    };
  }

  /** Make changes without any notification (what a receive-queue overflow loses). */
  silently<T>(change: () => T): T {
    this.quiet++;
    try {
      return change();
    } finally {
      this.quiet--;
    }
  }

  /** Report ENOBUFS on every open netlink socket, after what is already queued. */
  overflow(): void {
    for (const s of this.sockets) s.enqueue({ kind: 'overflow' });
  }

  /** Send a raw notification datagram to sockets in `group` (for malformed-input tests). */
  inject(group: number, datagram: Uint8Array): void {
    for (const s of this.sockets) if (s.groups.has(group)) s.enqueue({ kind: 'datagram', data: Buffer.from(datagram) });
  }

  /** @internal */
  open(groups: readonly number[]): MemoryNetlinkSocket {
    const s = new MemoryNetlinkSocket(this, new Set(groups), this.nextPort++);
    this.sockets.add(s);
    return s;
  }

  /** @internal */
  forget(s: MemoryNetlinkSocket): void {
    this.sockets.delete(s);
  }

  private notify(group: number, type: number, payload: Buffer): void {
    if (this.quiet > 0) return;
    const datagram = encodeMessage({ type, flags: 0, seq: 0, pid: 0 }, payload);
    for (const s of this.sockets) if (s.groups.has(group)) s.enqueue({ kind: 'datagram', data: datagram });
  }

  /** @internal a datagram a socket sent to the kernel. */
  request(s: MemoryNetlinkSocket, datagram: Buffer): void {
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(datagram);
    } catch {
      throw sysError('EINVAL', 'netlink send');
    }
    for (const m of messages) {
      const isDump = (m.flags & NLM_F.DUMP) === NLM_F.DUMP;
      if (!isDump || this.refuseDumps !== undefined) {
        s.enqueue({ kind: 'datagram', data: encodeError(m.seq, s.portId, isDump ? (this.refuseDumps ?? 95) : 95, m) });
        continue;
      }
      this.dumpRequests.push(m.type);
      const family = requestFamily(m);
      let payloads: Buffer[];
      let type: number;
      if (m.type === RTM.GETLINK) {
        type = RTM.NEWLINK;
        payloads = this.links().sort((a, b) => a.ifindex - b.ifindex).map((l) => encodeLinkMessage(l));
      } else if (m.type === RTM.GETADDR && (family === AF_INET6 || family === AF_UNSPEC)) {
        type = RTM.NEWADDR;
        payloads = this.addresses().map((a) => encodeAddressMessage(a));
      } else if (m.type === RTM.GETROUTE && (family === AF_INET6 || family === AF_UNSPEC)) {
        type = RTM.NEWROUTE;
        payloads = this.routes().map((r) => encodeRouteMessage(r));
      } else {
        type = 0;
        payloads = [];
      }
      const chunk = Math.max(1, this.dumpChunk);
      for (let i = 0; i < payloads.length; i += chunk) {
        const parts = payloads.slice(i, i + chunk).map((p) => encodeMessage({ type, flags: NLM_F.MULTI, seq: m.seq, pid: s.portId }, p));
        s.enqueue({ kind: 'datagram', data: Buffer.concat(parts) });
      }
      s.enqueue({ kind: 'datagram', data: encodeDone(m.seq, s.portId) });
    }
  }
}

// ---------------------------------------------------------------------------------------
// ICMPv6 sockets and the host

class MemoryIcmp6Socket implements Icmp6Socket {
  private readonly handlers: ((p: IcmpPacket) => void)[] = [];
  /** `${ifindex}|${group}` */
  readonly groups = new Set<string>();
  closed = false;

  constructor(private readonly host: MemoryBackend, readonly types: ReadonlySet<number>) {}

  send(data: Uint8Array, destination: string, ifindex: number, source?: string): void {
    if (this.closed) throw sysError('EBADF', 'sendmsg');
    this.host.transmit(Buffer.from(data), formatIPv6(parseIPv6(destination)), ifindex, source === undefined ? undefined : formatIPv6(parseIPv6(source)));
  }

  joinGroup(group: string, ifindex: number): void {
    if (this.closed) throw sysError('EBADF', 'setsockopt');
    if (!isMulticast(group)) throw sysError('EINVAL', `join ${group}`);
    this.groups.add(`${ifindex}|${formatIPv6(parseIPv6(group))}`);
  }

  leaveGroup(group: string, ifindex: number): void {
    if (this.closed) throw sysError('EBADF', 'setsockopt');
    this.groups.delete(`${ifindex}|${formatIPv6(parseIPv6(group))}`);
  }

  onPacket(handler: (packet: IcmpPacket) => void): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.closed = true;
    this.host.forget(this);
  }

  /** @internal */
  deliver(packet: IcmpPacket): void {
    if (this.closed || !this.types.has(packet.data[0] ?? -1)) return;
    for (const h of this.handlers) h({ ...packet, data: Buffer.from(packet.data) });
  }
}

export interface InjectedPacket {
  readonly data: Uint8Array;
  readonly source: string;
  readonly ifindex: number;
  /** Default ff02::1. */
  readonly destination?: string;
  /** Default 255. */
  readonly hopLimit?: number;
}

/** One simulated host: a SystemBackend whose sockets live in memory. */
export class MemoryBackend implements SystemBackend {
  readonly kernel = new MemoryKernel();
  /** Every packet this host's ICMPv6 sockets sent, in order. */
  readonly sent: SentPacket[] = [];
  /**
   * Fault injection: return an errno code ('ENETDOWN', ...) to make a send throw SysError
   * (the packet is then neither recorded nor transmitted).
   */
  sendFault: ((packet: SentPacket) => string | undefined) | undefined;
  private readonly icmpSockets = new Set<MemoryIcmp6Socket>();
  private readonly attachments = new Map<number, MemoryLink>();

  constructor(readonly name = 'host') {}

  /** Connect interface `ifindex` of this host to `link`. */
  attach(link: MemoryLink, ifindex: number): this {
    this.detach(ifindex);
    this.attachments.set(ifindex, link);
    link.connect(this, ifindex);
    return this;
  }

  detach(ifindex: number): void {
    this.attachments.get(ifindex)?.disconnect(this, ifindex);
    this.attachments.delete(ifindex);
  }

  /** Groups joined on `ifindex` by any open ICMPv6 socket of this host. */
  memberships(ifindex: number): string[] {
    const out = new Set<string>();
    for (const s of this.icmpSockets) {
      for (const g of s.groups) {
        const [i, group] = g.split('|') as [string, string];
        if (Number(i) === ifindex) out.add(group);
      }
    }
    return [...out];
  }

  /** ICMPv6 sockets currently open. */
  get openIcmpSockets(): number {
    return this.icmpSockets.size;
  }

  /** Deliver a packet to this host's sockets as if it had arrived on `ifindex`. */
  inject(packet: InjectedPacket): void {
    const p: IcmpPacket = {
      data: Buffer.from(packet.data),
      source: formatIPv6(parseIPv6(packet.source)),
      destination: formatIPv6(parseIPv6(packet.destination ?? 'ff02::1')),
      hopLimit: packet.hopLimit ?? 255,
      ifindex: packet.ifindex,
    };
    later(() => {
      for (const s of [...this.icmpSockets]) s.deliver(p);
    });
  }

  openIcmp6(options: { readonly types: readonly number[] }): Icmp6Socket {
    const s = new MemoryIcmp6Socket(this, new Set(options.types));
    this.icmpSockets.add(s);
    return s;
  }

  openRouteNetlink(options: { readonly groups: readonly number[] }): RawNetlinkSocket {
    return this.kernel.open(options.groups);
  }

  /** @internal */
  forget(s: MemoryIcmp6Socket): void {
    this.icmpSockets.delete(s);
  }

  /** @internal */
  transmit(data: Buffer, destination: string, ifindex: number, source: string | undefined): void {
    const link = this.attachments.get(ifindex);
    if (!link && !this.kernel.link(ifindex)) throw sysError('ENODEV', `sendmsg on ifindex ${ifindex}`);
    const linkLocal = this.kernel.addresses(ifindex).find((a) => a.scope === 253 && !a.tentative)?.address;
    const packet: SentPacket = { data, destination, ifindex, source: source ?? linkLocal ?? '::', hopLimit: 255 };
    const fault = this.sendFault?.(packet);
    if (fault) throw sysError(fault, 'sendmsg');
    this.sent.push(packet);
    if (link) later(() => link.transmit(this, ifindex, packet));
  }

  /** @internal a packet from a link arriving on our interface `ifindex`. */
  receiveFromLink(ifindex: number, packet: SentPacket): void {
    if (!this.accepts(ifindex, packet.destination)) return;
    const p: IcmpPacket = { data: packet.data, source: packet.source, destination: packet.destination, hopLimit: packet.hopLimit, ifindex };
    for (const s of [...this.icmpSockets]) s.deliver(p);
  }

  private accepts(ifindex: number, destination: string): boolean {
    const own = this.kernel.addresses(ifindex).map((a) => a.address);
    if (!isMulticast(destination)) return own.includes(destination);
    if (destination === 'ff02::1') return true;
    if (this.memberships(ifindex).includes(destination)) return true;
    return own.some((a) => solicitedNode(a) === destination);
  }
}

