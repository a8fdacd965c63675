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
 *  - MemoryKernel (backend.kernel) is a fake rtnetlink: links, IPv6 and IPv4 addresses and
 *    routes that tests add and remove; it answers dump requests in multi-part replies
 *    (dumpChunk messages per datagram), applies the change requests of NetlinkRequester
 *    (macvlans, IFF_UP, addr_gen_mode, addresses) with an ack or errno, and sends RTM_NEW /
 *    RTM_DEL notifications to subscribed sockets, in bytes, through the real codec, so
 *    NetState and NetlinkRequester run unchanged on it.
 *
 * Delivery is asynchronous (microtasks, so fake timers do not stall it): `await settle()`
 * after an action lets every resulting delivery, and what handlers sent in response, land.
 */
import { formatIPv6, formatMac, isMulticast, isUnspecified, parseIPv6, parseMac } from '../net/ipv6';
import { formatIPv4, isMulticast4, parseIPv4 } from '../net/ipv4';
import {
  encodeAddressMessage,
  encodeDone,
  encodeError,
  encodeIpv4AddressMessage,
  encodeLinkMessage,
  encodeMessage,
  encodeRouteMessage,
  macvlanModeName,
  parseAttributes,
  parseMessages,
  readHostI32,
  readHostU32,
  requestFamily,
  type NetlinkMessage,
} from '../netlink/codec';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFA,
  IFA_F,
  IFADDRMSG_LEN,
  IFF,
  IFINFOMSG_LEN,
  IFLA,
  IFLA_INET6,
  IFLA_INFO,
  IFLA_MACVLAN,
  IN6_ADDR_GEN_MODE,
  MACVLAN_MODE,
  NLM_F,
  RTM,
  RTNLGRP,
  type AddrGenMode,
} from '../netlink/constants';
import type { AddressInfo, Ipv4AddressInfo, LinkInfo, RouteInfo } from '../netlink/types';
import { SysError, type Icmp6Socket, type IcmpPacket, type IpPacket, type PacketSocket, type RawIpSocket, type RawNetlinkSocket, type SystemBackend } from './types';

const ERRNO: Record<string, number> = { EBADF: 9, ENODEV: 19, EINVAL: 22, ENETDOWN: 100, ENETUNREACH: 101, EACCES: 13, EPERM: 1, EOPNOTSUPP: 95, EBUSY: 16, EMSGSIZE: 90, EAFNOSUPPORT: 97 };

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

/** A packet a raw IP socket (openRawIp) sent. `ifindex` is the interface given to send(). */
export interface SentIpPacket extends SentPacket {
  readonly family: 4 | 6;
  readonly protocol: number;
}

export interface LinkIpPacket extends SentIpPacket {
  readonly from: MemoryBackend;
}

/** An Ethernet frame a packet socket (openPacket) sent out of `ifindex`. */
export interface SentFrame {
  readonly frame: Buffer;
  readonly ifindex: number;
}

export interface LinkFrame extends SentFrame {
  readonly from: MemoryBackend;
}

/** One simulated layer-2 segment joining interfaces of MemoryBackend hosts. */
export class MemoryLink {
  /** Every packet sent onto this link, in order. */
  readonly packets: LinkPacket[] = [];
  /** Every raw IP packet (openRawIp: VRRP) sent onto this link, in order. */
  readonly ipPackets: LinkIpPacket[] = [];
  /** Every Ethernet frame (openPacket: gratuitous ARP) sent onto this link, in order. */
  readonly frames: LinkFrame[] = [];
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

  /** @internal `port` is the sender's attached interface (the parent when sent on a macvlan). */
  transmitIp(from: MemoryBackend, port: number, packet: SentIpPacket): void {
    this.ipPackets.push({ ...packet, from });
    for (const p of this.ports) {
      if (p.host === from && p.ifindex === port) continue; // no multicast loopback
      p.host.receiveIpFromLink(p.ifindex, packet);
    }
  }

  /** @internal frames are only recorded (no host receives them). */
  transmitFrame(from: MemoryBackend, frame: SentFrame): void {
    this.frames.push({ ...frame, from });
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
  /** The lower device (IFLA_LINK) of a macvlan; a macvlan's carrier follows it. */
  readonly parentIfindex?: number;
  /** 'bridge', 'vepa', ... of a macvlan. */
  readonly macvlanMode?: string;
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

export interface Ipv4AddressSpec {
  readonly ifindex: number;
  readonly address: string;
  /** Default 24. */
  readonly prefixLength?: number;
  /** Default 0 (universe), 254 (host) for 127/8. */
  readonly scope?: number;
  /** Default: secondary when the link has a primary in the same subnet. */
  readonly secondary?: boolean;
  /** Default: the link's name. */
  readonly label?: string;
  readonly broadcast?: string;
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

/**
 * A fake rtnetlink kernel for one MemoryBackend host.
 *
 * Tests change it directly (addLink, setLink, addAddress, addIpv4Address, addRoute, ...), and
 * it answers rtnetlink requests as Linux does (see request()): dumps, RTM_GETLINK of one
 * link, and the changes NetlinkRequester makes (RTM_NEWLINK creating a macvlan or setting
 * IFF_UP / addr_gen_mode, RTM_DELLINK, RTM_NEWADDR / RTM_DELADDR of IPv6 and IPv4
 * addresses), each applied synchronously inside the socket's send(), answered with an ack
 * or an errno (NLMSG_ERROR) and announced to subscribed sockets. Request-driven changes
 * follow the kernel where VRRP cares: a macvlan's carrier follows its parent's; a link set
 * up through a request gets an EUI-64 link-local address unless its addr_gen_mode is none
 * (and when IFF_UP and addr_gen_mode come in one message, the flags are applied first, as
 * Linux does); a link set down through a request loses its IPv6 addresses
 * (keep_addr_on_down 0), not its IPv4 ones; deleting an IPv4 primary deletes its
 * secondaries (promote_secondaries 0); an IPv6 address added without IFA_F_NODAD stays
 * tentative until completeDad(). The direct helpers do none of that, except that a
 * macvlan's carrier follows its parent and removeLink() takes the link's macvlans along.
 */
export class MemoryKernel {
  private readonly linkTable = new Map<number, LinkInfo>();
  private readonly addressTable = new Map<string, AddressInfo>();
  /** `${ifindex}|${address}/${prefixLength}`, in insertion order. */
  private readonly ipv4Table = new Map<string, Ipv4AddressInfo>();
  private readonly routeTable = new Map<string, RouteInfo>();
  /** IN6_ADDR_GEN_MODE_* set through requests (absent: the default, eui64). */
  private readonly genModes = new Map<number, number>();
  /** The carrier each link had when last up: what it gets back when a request sets it up. */
  private readonly lastCarrier = new Map<number, boolean>();
  private readonly sockets = new Set<MemoryNetlinkSocket>();
  private nextIfindex = 1;
  private nextPort = 1000;
  private quiet = 0;
  /** Messages per dump datagram (small, so that tests exercise multi-part dumps). */
  dumpChunk = 2;
  /** When set, dump requests are answered with NLMSG_ERROR carrying this errno. */
  refuseDumps: number | undefined;
  /**
   * Fault injection for change requests (not dumps): return an errno to refuse the message
   * without applying it (it is answered with NLMSG_ERROR carrying that errno).
   */
  requestFault: ((message: NetlinkMessage) => number | undefined) | undefined;
  /** Dump requests received, by message type (RTM_GETLINK, ...), for assertions. */
  readonly dumpRequests: number[] = [];
  /** Other requests received (RTM_NEWLINK, RTM_NEWADDR, ...), in order, for assertions. */
  readonly changeRequests: NetlinkMessage[] = [];

  links(): LinkInfo[] {
    return [...this.linkTable.values()];
  }
  link(ifindex: number): LinkInfo | undefined {
    return this.linkTable.get(ifindex);
  }
  linkByName(name: string): LinkInfo | undefined {
    for (const l of this.linkTable.values()) if (l.name === name) return l;
    return undefined;
  }
  /** IPv6 addresses. */
  addresses(ifindex?: number): AddressInfo[] {
    const all = [...this.addressTable.values()];
    return ifindex === undefined ? all : all.filter((a) => a.ifindex === ifindex);
  }
  /** IPv4 addresses, per link in the kernel's order (primaries, then secondaries). */
  ipv4Addresses(ifindex?: number): Ipv4AddressInfo[] {
    const all = [...this.ipv4Table.values()].filter((a) => ifindex === undefined || a.ifindex === ifindex);
    return all.sort((a, b) => a.ifindex - b.ifindex || Number(a.secondary) - Number(b.secondary) || a.scope - b.scope);
  }
  routes(): RouteInfo[] {
    return [...this.routeTable.values()];
  }
  /** The addr_gen_mode of a link ('eui64' unless a request changed it); undefined for no such link. */
  addrGenMode(ifindex: number): AddrGenMode | undefined {
    if (!this.linkTable.has(ifindex)) return undefined;
    const n = this.genModes.get(ifindex) ?? IN6_ADDR_GEN_MODE.eui64;
    return (Object.keys(IN6_ADDR_GEN_MODE) as AddrGenMode[]).find((k) => IN6_ADDR_GEN_MODE[k] === n);
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
      ...(old.parentIfindex !== undefined ? { parentIfindex: old.parentIfindex } : {}),
      ...(old.macvlanMode !== undefined ? { macvlanMode: old.macvlanMode } : {}),
      extraFlags: old.flags & ~(IFF.UP | IFF.RUNNING | IFF.LOWER_UP),
      ...changes,
    };
    return this.putLink(ifindex, spec);
  }

  private putLink(ifindex: number, spec: LinkSpec): LinkInfo {
    const up = spec.up ?? true;
    // A macvlan has carrier when its lower device has (netif_stacked_transfer_operstate).
    const carrier = spec.kind === 'macvlan' && spec.parentIfindex !== undefined ? (this.linkTable.get(spec.parentIfindex)?.carrier ?? false) : (spec.carrier ?? true);
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
      ...(spec.parentIfindex !== undefined ? { parentIfindex: spec.parentIfindex } : {}),
      ...(spec.macvlanMode !== undefined ? { macvlanMode: spec.macvlanMode } : {}),
    };
    const previous = this.linkTable.get(ifindex);
    this.linkTable.set(ifindex, link);
    if (up) this.lastCarrier.set(ifindex, link.carrier);
    this.notify(RTNLGRP.LINK, RTM.NEWLINK, encodeLinkMessage(link));
    if (previous?.carrier !== link.carrier) {
      for (const child of this.links()) {
        if (child.kind !== 'macvlan' || child.parentIfindex !== ifindex) continue;
        const childCarrier = child.up && link.carrier;
        if (child.carrier !== childCarrier) this.setLink(child.ifindex, {});
      }
    }
    return link;
  }

  /**
   * Remove a link the way the kernel does: the macvlans on it first, then its addresses,
   * then its routes, then the link.
   */
  removeLink(ifindex: number): void {
    const link = this.linkTable.get(ifindex);
    if (!link) throw new Error(`memory kernel: no link ${ifindex}`);
    for (const child of this.links()) if (child.kind === 'macvlan' && child.parentIfindex === ifindex) this.removeLink(child.ifindex);
    for (const a of this.addresses(ifindex)) this.removeAddress(a.ifindex, a.address);
    for (const a of [...this.ipv4Addresses(ifindex)].reverse()) this.dropIpv4(a);
    for (const r of this.routes()) if (r.oif === ifindex) this.removeRoute(r);
    this.linkTable.delete(ifindex);
    this.genModes.delete(ifindex);
    this.lastCarrier.delete(ifindex);
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

  /** IPv6 DAD succeeds for the tentative addresses (of `ifindex`, or all): they become usable. */
  completeDad(ifindex?: number): void {
    for (const a of this.addresses(ifindex)) if (a.tentative && !a.dadFailed) this.addAddress({ ...a, tentative: false });
  }

  /**
   * Add or update an IPv4 address. Secondary when the link has a primary address in the same
   * subnet already (unless `secondary` says otherwise).
   */
  addIpv4Address(spec: Ipv4AddressSpec): Ipv4AddressInfo {
    const address = canonicalIpv4(spec.address);
    const prefixLength = spec.prefixLength ?? 24;
    const key = `${spec.ifindex}|${address}/${prefixLength}`;
    const existing = this.ipv4Table.get(key);
    const secondary =
      spec.secondary ??
      existing?.secondary ??
      [...this.ipv4Table.values()].some((o) => o.ifindex === spec.ifindex && !o.secondary && o.prefixLength === prefixLength && sameSubnet4(o.address, address, prefixLength));
    const label = spec.label ?? this.linkTable.get(spec.ifindex)?.name;
    const a: Ipv4AddressInfo = {
      ifindex: spec.ifindex,
      address,
      prefixLength,
      scope: spec.scope ?? (address.startsWith('127.') ? 254 : 0),
      tentative: false,
      deprecated: spec.preferredLifetime === 0,
      dadFailed: false,
      secondary,
      ...(label !== undefined ? { label } : {}),
      ...(spec.broadcast !== undefined ? { broadcast: canonicalIpv4(spec.broadcast) } : {}),
      preferredLifetime: spec.preferredLifetime ?? 0xffffffff,
      validLifetime: spec.validLifetime ?? 0xffffffff,
    };
    this.ipv4Table.set(key, a);
    this.notify(RTNLGRP.IPV4_IFADDR, RTM.NEWADDR, encodeIpv4AddressMessage(a));
    return a;
  }

  /**
   * Remove an IPv4 address (of any prefix length when none is given). Removing a primary
   * removes the secondaries of its subnet first, as Linux does with promote_secondaries 0.
   */
  removeIpv4Address(ifindex: number, address: string, prefixLength?: number): void {
    const text = canonicalIpv4(address);
    const a = [...this.ipv4Table.values()].find((o) => o.ifindex === ifindex && o.address === text && (prefixLength === undefined || o.prefixLength === prefixLength));
    if (!a) throw new Error(`memory kernel: no IPv4 address ${address} on ${ifindex}`);
    if (!a.secondary) {
      for (const o of this.ipv4Addresses(ifindex)) {
        if (o.secondary && o.prefixLength === a.prefixLength && sameSubnet4(o.address, a.address, a.prefixLength)) this.dropIpv4(o);
      }
    }
    this.dropIpv4(a);
  }

  private dropIpv4(a: Ipv4AddressInfo): void {
    this.ipv4Table.delete(`${a.ifindex}|${a.address}/${a.prefixLength}`);
    this.notify(RTNLGRP.IPV4_IFADDR, RTM.DELADDR, encodeIpv4AddressMessage(a));
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

  /**
   * @internal a datagram a socket sent to the kernel. Like Linux, every message is applied
   * here, synchronously, before send() returns; the answers (and notifications) are queued.
   */
  request(s: MemoryNetlinkSocket, datagram: Buffer): void {
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(datagram);
    } catch {
      throw sysError('EINVAL', 'netlink send');
    }
    for (const m of messages) {
      // Only RTM_GET* can be dumps (NLM_F_EXCL of a NEW request is NLM_F_MATCH's bit).
      const isDump = (m.type & 3) === 2 && (m.flags & NLM_F.DUMP) === NLM_F.DUMP;
      if (!isDump) {
        this.changeRequests.push(m);
        this.change(s, m);
        continue;
      }
      if (this.refuseDumps !== undefined) {
        s.enqueue({ kind: 'datagram', data: encodeError(m.seq, s.portId, this.refuseDumps, m) });
        continue;
      }
      this.dumpRequests.push(m.type);
      const family = requestFamily(m);
      let payloads: Buffer[];
      let type: number;
      if (m.type === RTM.GETLINK) {
        type = RTM.NEWLINK;
        payloads = this.links().sort((a, b) => a.ifindex - b.ifindex).map((l) => encodeLinkMessage(l));
      } else if (m.type === RTM.GETADDR && (family === AF_INET6 || family === AF_INET || family === AF_UNSPEC)) {
        // AF_UNSPEC: every family in turn, AF_INET first (rtnl_dump_all).
        type = RTM.NEWADDR;
        payloads = [
          ...(family !== AF_INET6 ? this.ipv4Addresses().map((a) => encodeIpv4AddressMessage(a)) : []),
          ...(family !== AF_INET ? this.addresses().map((a) => encodeAddressMessage(a)) : []),
        ];
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

  // --- change requests --------------------------------------------------------------------

  /** Apply one non-dump request and answer it: replies, then NLMSG_ERROR (errno, or 0 when NLM_F_ACK). */
  private change(s: MemoryNetlinkSocket, m: NetlinkMessage): void {
    const replies: Buffer[] = [];
    let errno: number;
    try {
      errno = this.requestFault?.(m) ?? this.apply(m, replies);
    } catch {
      errno = E.EINVAL; // a request the codec cannot read
    }
    for (const p of replies) s.enqueue({ kind: 'datagram', data: encodeMessage({ type: RTM.NEWLINK, flags: 0, seq: m.seq, pid: s.portId }, p) });
    if (errno !== 0 || m.flags & NLM_F.ACK) s.enqueue({ kind: 'datagram', data: encodeError(m.seq, s.portId, errno, m) });
  }

  /** The errno of `m` (0: done). */
  private apply(m: NetlinkMessage, replies: Buffer[]): number {
    switch (m.type) {
      case RTM.NEWLINK:
        return this.newLink(m);
      case RTM.DELLINK: {
        const link = this.requestedLink(m);
        if (!link) return E.ENODEV;
        this.removeLink(link.ifindex);
        return 0;
      }
      case RTM.GETLINK: {
        const link = this.requestedLink(m);
        if (!link) return E.ENODEV;
        replies.push(encodeLinkMessage(link));
        return 0;
      }
      case RTM.NEWADDR:
        return this.newAddress(m);
      case RTM.DELADDR:
        return this.deleteAddress(m);
      default:
        return E.EOPNOTSUPP;
    }
  }

  private linkRequest(m: NetlinkMessage): { ifindex: number; flags: number; change: number; attrs: Map<number, Buffer> } {
    if (m.payload.length < IFINFOMSG_LEN) throw new Error('short ifinfomsg');
    const attrs = new Map<number, Buffer>();
    for (const a of parseAttributes(m.payload, IFINFOMSG_LEN)) attrs.set(a.type, a.data);
    return { ifindex: readHostI32(m.payload, 4), flags: readHostU32(m.payload, 8), change: readHostU32(m.payload, 12), attrs };
  }

  /** The link a GETLINK / DELLINK / NEWLINK names: by ifi_index when > 0, else by IFLA_IFNAME. */
  private requestedLink(m: NetlinkMessage): LinkInfo | undefined {
    const { ifindex, attrs } = this.linkRequest(m);
    if (ifindex > 0) return this.linkTable.get(ifindex);
    const name = attrs.get(IFLA.IFNAME);
    return name ? this.linkByName(cString(name)) : undefined;
  }

  private newLink(m: NetlinkMessage): number {
    const { ifindex, flags, change, attrs } = this.linkRequest(m);
    const existing = this.requestedLink(m);
    if (ifindex > 0 && !existing) return E.ENODEV;
    // IFLA_AF_SPEC is validated against the device before anything changes: there is none
    // yet for a link being created (Linux answers EAFNOSUPPORT).
    let genMode: number | undefined;
    const afSpec = attrs.get(IFLA.AF_SPEC);
    if (afSpec) {
      if (!existing) return E.EAFNOSUPPORT;
      for (const fam of parseAttributes(afSpec)) {
        if (fam.type !== AF_INET6) continue;
        const mode = parseAttributes(fam.data).find((a) => a.type === IFLA_INET6.ADDR_GEN_MODE);
        if (mode) {
          genMode = mode.data[0] ?? 0;
          if (genMode > IN6_ADDR_GEN_MODE.random) return E.EINVAL;
        }
      }
    }
    if (existing) {
      if (m.flags & NLM_F.EXCL) return E.EEXIST;
      if (m.flags & NLM_F.REPLACE) return E.EOPNOTSUPP;
      // do_setlink: the flags first, IFLA_AF_SPEC after (keepalived #2026).
      if (change & IFF.UP) this.requestedUpDown(existing.ifindex, (flags & IFF.UP) !== 0);
      if (genMode !== undefined) this.genModes.set(existing.ifindex, genMode);
      if (genMode !== undefined || change & IFF.UP) {
        const now = this.linkTable.get(existing.ifindex);
        if (now) this.notify(RTNLGRP.LINK, RTM.NEWLINK, encodeLinkMessage(now));
      }
      return 0;
    }
    if (!(m.flags & NLM_F.CREATE)) return E.ENODEV;
    return this.createLink(attrs);
  }

  private createLink(attrs: Map<number, Buffer>): number {
    const nameAttr = attrs.get(IFLA.IFNAME);
    if (!nameAttr) return E.EINVAL;
    const name = cString(nameAttr);
    if (name === '' || Buffer.byteLength(name) > 15) return E.EINVAL;
    const info = attrs.get(IFLA.LINKINFO);
    const infoAttrs = info ? parseAttributes(info) : [];
    const kindAttr = infoAttrs.find((a) => a.type === IFLA_INFO.KIND);
    if (!kindAttr) return E.EINVAL;
    if (cString(kindAttr.data) !== 'macvlan') return E.EOPNOTSUPP; // the only kind this kernel can make
    const linkAttr = attrs.get(IFLA.LINK);
    if (!linkAttr || linkAttr.length < 4) return E.EINVAL;
    let parent = this.linkTable.get(readHostU32(linkAttr, 0));
    if (!parent) return E.ENODEV;
    if (parent.kind === 'macvlan' && parent.parentIfindex !== undefined) parent = this.linkTable.get(parent.parentIfindex) ?? parent; // stacks on the real lower device
    let mode = MACVLAN_MODE.vepa; // the kernel's default
    const data = infoAttrs.find((a) => a.type === IFLA_INFO.DATA);
    const modeAttr = data ? parseAttributes(data.data).find((a) => a.type === IFLA_MACVLAN.MODE) : undefined;
    if (modeAttr) {
      if (modeAttr.data.length < 4) return E.EINVAL;
      mode = readHostU32(modeAttr.data, 0) as typeof mode;
      if (!Object.values(MACVLAN_MODE).includes(mode)) return E.EINVAL;
    }
    const macAttr = attrs.get(IFLA.ADDRESS);
    if (macAttr && macAttr.length !== 6) return E.EINVAL;
    const mac = macAttr ? formatMac(macAttr) : randomMac();
    this.addLink({ name, up: false, mtu: parent.mtu, mac, kind: 'macvlan', parentIfindex: parent.ifindex, macvlanMode: macvlanModeName(mode) });
    return 0;
  }

  /** IFF_UP through a request: a link-local when it comes up (unless addr_gen_mode none), IPv6 addresses go when it goes down. */
  private requestedUpDown(ifindex: number, up: boolean): void {
    const before = this.linkTable.get(ifindex);
    if (!before || before.up === up) return;
    const link = this.setLink(ifindex, { up, carrier: this.lastCarrier.get(ifindex) ?? true });
    if (!up) {
      for (const a of this.addresses(ifindex)) this.removeAddress(ifindex, a.address);
      return;
    }
    const mode = this.genModes.get(ifindex) ?? IN6_ADDR_GEN_MODE.eui64;
    if (mode !== IN6_ADDR_GEN_MODE.none && link.mac !== undefined && !this.addresses(ifindex).some((a) => a.scope === 253)) {
      this.addAddress({ ifindex, address: eui64LinkLocal(link.mac), prefixLength: 64 });
    }
  }

  private addressRequest(m: NetlinkMessage): { family: number; prefixLength: number; flags: number; scope: number; ifindex: number; address?: string } {
    if (m.payload.length < IFADDRMSG_LEN) throw new Error('short ifaddrmsg');
    const attrs = new Map<number, Buffer>();
    for (const a of parseAttributes(m.payload, IFADDRMSG_LEN)) attrs.set(a.type, a.data);
    const family = m.payload[0] ?? 0;
    const flagsAttr = attrs.get(IFA.FLAGS);
    const flags = flagsAttr && flagsAttr.length >= 4 ? readHostU32(flagsAttr, 0) : (m.payload[2] ?? 0);
    const raw = attrs.get(IFA.LOCAL) ?? attrs.get(IFA.ADDRESS);
    let address: string | undefined;
    if (raw && family === AF_INET6 && raw.length === 16) address = formatIPv6(raw);
    if (raw && family === AF_INET && raw.length === 4) address = formatIPv4(raw);
    return { family, prefixLength: m.payload[1] ?? 0, flags, scope: m.payload[3] ?? 0, ifindex: readHostU32(m.payload, 4), ...(address !== undefined ? { address } : {}) };
  }

  private newAddress(m: NetlinkMessage): number {
    const r = this.addressRequest(m);
    if (r.family !== AF_INET6 && r.family !== AF_INET) return E.EAFNOSUPPORT;
    if (r.address === undefined) return E.EINVAL;
    if (r.prefixLength > (r.family === AF_INET6 ? 128 : 32)) return E.EINVAL;
    const link = this.linkTable.get(r.ifindex);
    if (!link) return E.ENODEV;
    if (r.family === AF_INET6) {
      const existing = this.addressTable.get(`${r.ifindex}|${r.address}`);
      if (existing && m.flags & NLM_F.EXCL) return E.EEXIST;
      const nodad = (r.flags & IFA_F.NODAD) !== 0;
      this.addAddress({ ifindex: r.ifindex, address: r.address, prefixLength: existing?.prefixLength ?? r.prefixLength, tentative: existing ? existing.tentative && !nodad : !nodad });
      return 0;
    }
    const existing = this.ipv4Table.get(`${r.ifindex}|${r.address}/${r.prefixLength}`);
    if (existing && (m.flags & NLM_F.EXCL || !(m.flags & NLM_F.REPLACE))) return E.EEXIST;
    this.addIpv4Address({ ifindex: r.ifindex, address: r.address, prefixLength: r.prefixLength, scope: r.scope });
    return 0;
  }

  private deleteAddress(m: NetlinkMessage): number {
    const r = this.addressRequest(m);
    if (r.family !== AF_INET6 && r.family !== AF_INET) return E.EAFNOSUPPORT;
    if (!this.linkTable.has(r.ifindex)) return E.ENODEV;
    if (r.address === undefined) return E.EINVAL;
    if (r.family === AF_INET6) {
      const a = this.addressTable.get(`${r.ifindex}|${r.address}`);
      if (!a || a.prefixLength !== r.prefixLength) return E.EADDRNOTAVAIL;
      this.removeAddress(r.ifindex, r.address);
      return 0;
    }
    if (!this.ipv4Table.has(`${r.ifindex}|${r.address}/${r.prefixLength}`)) return E.EADDRNOTAVAIL;
    this.removeIpv4Address(r.ifindex, r.address, r.prefixLength);
    return 0;
  }
}

/** errno numbers the fake kernel answers requests with. */
const E = { EPERM: 1, ENODEV: 19, EEXIST: 17, EINVAL: 22, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRNOTAVAIL: 99 } as const;

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

function canonicalIpv4(text: string): string {
  return formatIPv4(parseIPv4(text));
}

function sameSubnet4(a: string, b: string, prefixLength: number): boolean {
  const x = Buffer.from(parseIPv4(a)).readUInt32BE(0);
  const y = Buffer.from(parseIPv4(b)).readUInt32BE(0);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return ((x & mask) >>> 0) === ((y & mask) >>> 0);
}

/** fe80::/64 with the modified EUI-64 of `mac` (RFC 4291 appendix A), as addr_gen_mode eui64 makes. */
function eui64LinkLocal(mac: string): string {
  const m = parseMac(mac);
  return formatIPv6(Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, (m[0] ?? 0) ^ 0x02, m[1] ?? 0, m[2] ?? 0, 0xff, 0xfe, m[3] ?? 0, m[4] ?? 0, m[5] ?? 0]));
}

let macSeq = 0;
/** A locally administered unicast MAC, as the kernel picks for a macvlan without IFLA_ADDRESS. */
function randomMac(): string {
  macSeq++;
  return formatMac(Uint8Array.from([0x02, 0x6d, 0x76, (macSeq >> 16) & 0xff, (macSeq >> 8) & 0xff, macSeq & 0xff]));
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

// ---------------------------------------------------------------------------------------
// Raw IP sockets (VRRP) and packet sockets

/** Canonical text of an address of `family`; throws like the Linux backend on a bad one. */
function canonicalAddress(family: 4 | 6, text: string): string {
  if (family === 6) return formatIPv6(parseIPv6(text));
  try {
    return formatIPv4(parseIPv4(text));
  } catch {
    throw sysError('EINVAL', `${text} is not an IPv4 address`);
  }
}

function isMulticastAddress(family: 4 | 6, address: string): boolean {
  return family === 6 ? isMulticast(address) : isMulticast4(parseIPv4(address));
}

function isLinkScoped6(address: string): boolean {
  const b = parseIPv6(address);
  return (b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80) || b[0] === 0xff;
}

/** The Internet checksum of `data` after the IPv6 pseudo-header (RFC 8200 8.1), the field at `offset` counted as 0. */
function ipv6Checksum(source: string, destination: string, protocol: number, data: Buffer, offset: number): number {
  const pseudo = Buffer.alloc(40);
  pseudo.set(parseIPv6(source), 0);
  pseudo.set(parseIPv6(destination), 16);
  pseudo.writeUInt32BE(data.length, 32);
  pseudo[39] = protocol;
  const body = Buffer.from(data);
  body.writeUInt16BE(0, offset);
  const all = Buffer.concat([pseudo, body, Buffer.alloc(body.length % 2)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

class MemoryRawIpSocket implements RawIpSocket {
  private readonly handlers: ((p: IpPacket) => void)[] = [];
  /** `${ifindex}|${group}` */
  readonly groups = new Set<string>();
  closed = false;

  constructor(
    private readonly host: MemoryBackend,
    readonly family: 4 | 6,
    readonly protocol: number,
    readonly checksumOffset: number | undefined,
    readonly freebind: boolean,
  ) {}

  send(data: Uint8Array, destination: string, ifindex: number, source?: string): void {
    if (this.closed) throw sysError('EBADF', 'sendmsg');
    const dst = canonicalAddress(this.family, destination);
    const src = source === undefined ? undefined : canonicalAddress(this.family, source);
    this.host.transmitIp(this, Buffer.from(data), dst, ifindex, src);
  }

  joinGroup(group: string, ifindex: number): void {
    if (this.closed) throw sysError('EBADF', 'setsockopt');
    const g = canonicalAddress(this.family, group);
    if (!isMulticastAddress(this.family, g)) throw sysError('EINVAL', `join ${group}`);
    this.groups.add(`${ifindex}|${g}`);
  }

  leaveGroup(group: string, ifindex: number): void {
    if (this.closed) throw sysError('EBADF', 'setsockopt');
    this.groups.delete(`${ifindex}|${canonicalAddress(this.family, group)}`);
  }

  onPacket(handler: (packet: IpPacket) => void): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.closed = true;
    this.host.forgetRawIp(this);
  }

  /** @internal what the kernel would hand this socket (IP(V6)_MULTICAST_ALL is 0). */
  wants(family: 4 | 6, protocol: number, packet: IpPacket, owned: boolean): boolean {
    if (this.closed || family !== this.family || protocol !== this.protocol) return false;
    if (isMulticastAddress(family, packet.destination) ? !this.groups.has(`${packet.ifindex}|${packet.destination}`) : !owned) return false;
    if (family === 6 && this.checksumOffset !== undefined) {
      // The kernel verifies (and drops) for a socket with IPV6_CHECKSUM.
      if (this.checksumOffset + 2 > packet.data.length) return false;
      return ipv6Checksum(packet.source, packet.destination, protocol, packet.data, this.checksumOffset) === packet.data.readUInt16BE(this.checksumOffset);
    }
    return true;
  }

  /** @internal */
  deliver(packet: IpPacket): void {
    if (this.closed) return;
    for (const h of this.handlers) h({ ...packet, data: Buffer.from(packet.data) });
  }
}

class MemoryPacketSocket implements PacketSocket {
  closed = false;

  constructor(private readonly host: MemoryBackend) {}

  send(frame: Uint8Array, ifindex: number): void {
    // The same argument checks (TypeError) as the native addon.
    if (frame.length < 14) throw new TypeError('frame must hold at least an Ethernet header (14 octets)');
    if (!Number.isInteger(ifindex) || ifindex <= 0) throw new TypeError('ifindex must be > 0');
    if (this.closed) throw sysError('EBADF', 'sendto');
    this.host.transmitFrame(Buffer.from(frame), ifindex);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.forgetPacket(this);
  }
}

/** A raw IP packet for MemoryBackend.injectIp(). */
export interface InjectedIpPacket {
  readonly family: 4 | 6;
  readonly protocol: number;
  readonly data: Uint8Array;
  readonly source: string;
  readonly destination: string;
  readonly ifindex: number;
  /** Default 255. */
  readonly hopLimit?: number;
}

/** One simulated host: a SystemBackend whose sockets live in memory. */
export class MemoryBackend implements SystemBackend {
  readonly kernel = new MemoryKernel();
  /** nftables tables set with setFirewall, by name (the rules as given). */
  readonly firewall = new Map<string, string>();

  setFirewall(name: string, rules: string | undefined): void {
    if (rules === undefined) this.firewall.delete(name);
    else this.firewall.set(name, rules);
  }

  /** Every packet this host's ICMPv6 sockets sent, in order. */
  readonly sent: SentPacket[] = [];
  /**
   * Fault injection: return an errno code ('ENETDOWN', ...) to make a send throw SysError
   * (the packet is then neither recorded nor transmitted).
   */
  sendFault: ((packet: SentPacket) => string | undefined) | undefined;
  /** Every packet this host's raw IP sockets (openRawIp) sent, in order (sendFault applies too). */
  readonly sentIp: SentIpPacket[] = [];
  /** Every frame this host's packet sockets sent, in order. */
  readonly sentFrames: SentFrame[] = [];
  /** Fault injection for packet sockets, like sendFault. */
  frameFault: ((frame: SentFrame) => string | undefined) | undefined;
  private readonly icmpSockets = new Set<MemoryIcmp6Socket>();
  private readonly rawIpSockets = new Set<MemoryRawIpSocket>();
  private readonly packetSockets = new Set<MemoryPacketSocket>();
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

  openIcmp6(options: { readonly types: readonly number[]; readonly freebind?: boolean }): Icmp6Socket {
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
    // A macvlan sends onto its parent's segment (the virtual router's RAs and NAs).
    const port = this.port(ifindex);
    const link = port === undefined ? undefined : this.attachments.get(port);
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

  // --- raw IP sockets and packet sockets ------------------------------------------------

  /**
   * Raw IP socket of `protocol`. Sends go onto the MemoryLink of the sending interface (or of
   * its parent, `kernel.link(ifindex).parentIfindex`, for a macvlan) with hop limit 255 and
   * reach the other hosts' raw IP sockets of the same family and protocol that joined the
   * destination group on the receiving interface, or, for unicast, when the destination is
   * an address of the receiving interface; an up link whose parent is the receiving
   * interface (a macvlan) receives like that interface, under its own ifindex. Like the
   * kernel: IPv6 with checksumOffset computes the checksum on send and drops packets whose
   * checksum is wrong on receive; without freebind an IPv6 source must be an address of the
   * host (a link-local one: of the sending interface), else EINVAL; an IPv4 source must be an
   * address of the host, freebind or not, else ENETUNREACH (checked only when the memory
   * kernel keeps IPv4 addresses: an `ipv4Addresses(ifindex?)` method).
   */
  openRawIp(options: { readonly family: 4 | 6; readonly protocol: number; readonly checksumOffset?: number; readonly freebind?: boolean }): RawIpSocket {
    const { family, protocol, checksumOffset } = options;
    if (family !== 4 && family !== 6) throw sysError('EAFNOSUPPORT', `socket family ${String(family)}`);
    if (!Number.isInteger(protocol) || protocol <= 0 || protocol > (family === 4 ? 254 : 255)) {
      throw new TypeError(`protocol must be 1..${family === 4 ? 254 : 255}`);
    }
    if (checksumOffset !== undefined) {
      if (family === 4) throw sysError('EINVAL', 'IPv4 raw sockets have no checksum offload');
      if (!Number.isInteger(checksumOffset) || checksumOffset < 0 || checksumOffset % 2 !== 0) throw sysError('EINVAL', 'setsockopt IPV6_CHECKSUM');
    }
    const s = new MemoryRawIpSocket(this, family, protocol, checksumOffset, options.freebind ?? false);
    this.rawIpSockets.add(s);
    return s;
  }

  /** Packet socket: frames are recorded in `sentFrames` and on the link (`MemoryLink.frames`). */
  openPacket(): PacketSocket {
    const s = new MemoryPacketSocket(this);
    this.packetSockets.add(s);
    return s;
  }

  /** Raw IP sockets currently open. */
  get openRawIpSockets(): number {
    return this.rawIpSockets.size;
  }

  /** Packet sockets currently open. */
  get openPacketSockets(): number {
    return this.packetSockets.size;
  }

  /** Groups of `family` joined on `ifindex` by any open raw IP socket of this host. */
  ipMemberships(family: 4 | 6, ifindex: number): string[] {
    const out = new Set<string>();
    for (const s of this.rawIpSockets) {
      if (s.family !== family) continue;
      for (const g of s.groups) {
        const [i, group] = g.split('|') as [string, string];
        if (Number(i) === ifindex) out.add(group);
      }
    }
    return [...out];
  }

  /**
   * Deliver a raw IP packet to this host's raw IP sockets as if it had arrived on `ifindex`
   * (same membership and checksum rules as packets from a link).
   */
  injectIp(packet: InjectedIpPacket): void {
    const p: IpPacket = {
      data: Buffer.from(packet.data),
      source: canonicalAddress(packet.family, packet.source),
      destination: canonicalAddress(packet.family, packet.destination),
      hopLimit: packet.hopLimit ?? 255,
      ifindex: packet.ifindex,
    };
    later(() => this.deliverIp(packet.family, packet.protocol, p));
  }

  /** @internal */
  forgetRawIp(s: MemoryRawIpSocket): void {
    this.rawIpSockets.delete(s);
  }

  /** @internal */
  forgetPacket(s: MemoryPacketSocket): void {
    this.packetSockets.delete(s);
  }

  /** The interface attached to a link that `ifindex` sends through: itself, or its parent (macvlan). */
  private port(ifindex: number): number | undefined {
    if (this.attachments.has(ifindex)) return ifindex;
    const parent = this.kernel.link(ifindex)?.parentIfindex;
    return parent !== undefined && this.attachments.has(parent) ? parent : undefined;
  }

  /**
   * IPv4 addresses of `ifindex` (all interfaces when undefined), from the memory kernel when
   * it keeps them (an `ipv4Addresses(ifindex?)` method, as NetStateView4 has); else none.
   */
  private ipv4Addresses(ifindex?: number): string[] {
    const k = this.kernel as unknown as { ipv4Addresses?: (ifindex?: number) => readonly { readonly address: string }[] };
    return typeof k.ipv4Addresses === 'function' ? k.ipv4Addresses(ifindex).map((a) => a.address) : [];
  }

  private knowsIpv4(): boolean {
    return typeof (this.kernel as unknown as { ipv4Addresses?: unknown }).ipv4Addresses === 'function';
  }

  private ownAddresses(family: 4 | 6, ifindex?: number): string[] {
    return family === 4 ? this.ipv4Addresses(ifindex) : this.kernel.addresses(ifindex).filter((a) => !a.tentative).map((a) => a.address);
  }

  /** @internal */
  transmitIp(s: MemoryRawIpSocket, data: Buffer, destination: string, ifindex: number, source: string | undefined): void {
    const port = this.port(ifindex);
    const link = port === undefined ? undefined : this.attachments.get(port);
    if (!link && !this.kernel.link(ifindex)) throw sysError('ENODEV', `sendmsg on ifindex ${ifindex}`);
    if (source !== undefined && s.family === 6 && !s.freebind && !isUnspecified(source)) {
      // ip6_datagram_send_ctl: a link-scoped source must be on the outgoing device, any other
      // on some device of the host, unless IPV6_FREEBIND.
      if (!this.ownAddresses(6, isLinkScoped6(source) ? ifindex : undefined).includes(source)) {
        throw sysError('EINVAL', `sendmsg from ${source} on ifindex ${ifindex}`);
      }
    }
    if (source !== undefined && s.family === 4 && source !== '0.0.0.0' && this.knowsIpv4() && !this.ownAddresses(4).includes(source)) {
      // ip_route_output: an IPv4 source must be an address of the host (any interface);
      // IP_FREEBIND does not change that for sends.
      throw sysError('ENETUNREACH', `sendmsg from ${source} on ifindex ${ifindex}`);
    }
    const from = source ?? (s.family === 6 ? this.kernel.addresses(ifindex).find((a) => a.scope === 253 && !a.tentative)?.address ?? '::' : this.ipv4Addresses(ifindex)[0] ?? this.ipv4Addresses().find((x) => !x.startsWith('127.')) ?? '0.0.0.0');
    let payload = data;
    if (s.family === 6 && s.checksumOffset !== undefined) {
      if (s.checksumOffset + 2 > data.length) throw sysError('EINVAL', 'sendmsg: checksum offset beyond the data');
      payload = Buffer.from(data);
      payload.writeUInt16BE(ipv6Checksum(from, destination, s.protocol, payload, s.checksumOffset), s.checksumOffset);
    }
    const packet: SentIpPacket = { family: s.family, protocol: s.protocol, data: payload, destination, ifindex, source: from, hopLimit: 255 };
    const fault = this.sendFault?.(packet);
    if (fault) throw sysError(fault, 'sendmsg');
    this.sentIp.push(packet);
    if (link && port !== undefined) later(() => link.transmitIp(this, port, packet));
  }

  /** @internal */
  transmitFrame(frame: Buffer, ifindex: number): void {
    const port = this.port(ifindex);
    const link = port === undefined ? undefined : this.attachments.get(port);
    const info = this.kernel.link(ifindex);
    if (!link && !info) throw sysError('ENODEV', `sendto on ifindex ${ifindex}`);
    if (frame.length > (info?.mtu ?? 1500) + 14) throw sysError('EMSGSIZE', 'sendto');
    const sent: SentFrame = { frame, ifindex };
    const fault = this.frameFault?.(sent);
    if (fault) throw sysError(fault, 'sendto');
    this.sentFrames.push(sent);
    if (link) later(() => link.transmitFrame(this, sent));
  }

  /** @internal a raw IP packet from a link arriving on our attached interface `ifindex`. */
  receiveIpFromLink(ifindex: number, packet: SentIpPacket): void {
    const receivers = [ifindex, ...this.kernel.links().filter((l) => l.parentIfindex === ifindex && l.up).map((l) => l.ifindex)];
    for (const i of receivers) {
      this.deliverIp(packet.family, packet.protocol, { data: packet.data, source: packet.source, destination: packet.destination, hopLimit: packet.hopLimit, ifindex: i });
    }
  }

  private deliverIp(family: 4 | 6, protocol: number, p: IpPacket): void {
    const owned = !isMulticastAddress(family, p.destination) && this.ownAddresses(family, p.ifindex).includes(p.destination);
    for (const s of [...this.rawIpSockets]) if (s.wants(family, protocol, p, owned)) s.deliver(p);
  }
}
