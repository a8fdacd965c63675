/**
 * rtnetlink codec: netlink message framing, attributes, and the message families firsthop
 * reads (links, IPv6 and IPv4 addresses, IPv6 routes), the dump requests that ask for them,
 * and the change requests firsthop makes for VRRP (create / set / delete a macvlan link,
 * add / delete an address; sent by NetlinkRequester in ./requests). Integers are in host
 * byte order, as the kernel writes them; attributes are 4-byte aligned TLVs. Decoders are
 * strict about lengths (NetlinkParseError) but skip unknown attributes. Encoders exist for
 * the requests and for the in-memory kernel of the tests.
 */
import { endianness } from 'node:os';
import { formatIPv6, formatMac, parseIPv6, parseMac } from '../net/ipv6';
import { formatIPv4, parseIPv4 } from '../net/ipv4';
import type { AddressInfo, Ipv4AddressInfo, LinkInfo, NextHop, RouteInfo } from './types';
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
  INFINITY_LIFETIME,
  MACVLAN_MODE,
  NLA_F_NESTED,
  NLM_F,
  NLMSG,
  NLMSG_HDRLEN,
  OPERSTATES,
  RTA,
  RTA_CACHEINFO_LEN,
  RTEXT_FILTER,
  RTM,
  RTMSG_LEN,
  RTNEXTHOP_LEN,
  USER_HZ,
} from './constants';

export class NetlinkParseError extends Error {
  override readonly name = 'NetlinkParseError';
}

const LE = endianness() === 'LE';

function u16(b: Buffer, o: number): number {
  return LE ? b.readUInt16LE(o) : b.readUInt16BE(o);
}
function u32(b: Buffer, o: number): number {
  return LE ? b.readUInt32LE(o) : b.readUInt32BE(o);
}
function i32(b: Buffer, o: number): number {
  return LE ? b.readInt32LE(o) : b.readInt32BE(o);
}
/** A host-endian u32 / s32 at `o` (netlink integers), for code that parses requests itself. */
export function readHostU32(b: Buffer, o: number): number {
  return u32(b, o);
}
export function readHostI32(b: Buffer, o: number): number {
  return i32(b, o);
}
function w16(b: Buffer, o: number, v: number): void {
  if (LE) b.writeUInt16LE(v, o);
  else b.writeUInt16BE(v, o);
}
function w32(b: Buffer, o: number, v: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, o);
  else b.writeUInt32BE(v >>> 0, o);
}
function wi32(b: Buffer, o: number, v: number): void {
  if (LE) b.writeInt32LE(v, o);
  else b.writeInt32BE(v, o);
}

/** NLMSG_ALIGN / NLA_ALIGN: round up to 4. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

// ---------------------------------------------------------------------------------------
// Messages

export interface NetlinkMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  /** The bytes after the 16-byte header, up to nlmsg_len. */
  readonly payload: Buffer;
}

/** Split a datagram into its messages (NLMSG_OK / NLMSG_NEXT). Throws NetlinkParseError. */
export function parseMessages(datagram: Uint8Array): NetlinkMessage[] {
  const b = asBuffer(datagram);
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= b.length) {
    const len = u32(b, off);
    if (len < NLMSG_HDRLEN || off + len > b.length) {
      throw new NetlinkParseError(`netlink message at ${off} has length ${len}, datagram has ${b.length - off} left`);
    }
    out.push({
      type: u16(b, off + 4),
      flags: u16(b, off + 6),
      seq: u32(b, off + 8),
      pid: u32(b, off + 12),
      payload: b.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  if (off < b.length && b.length - off >= 4) {
    throw new NetlinkParseError(`${b.length - off} trailing bytes after the last netlink message`);
  }
  return out;
}

export interface MessageHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid?: number;
}

/** One message: header plus payload, padded to 4. */
export function encodeMessage(header: MessageHeader, payload: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const b = Buffer.alloc(align4(len));
  w32(b, 0, len);
  w16(b, 4, header.type);
  w16(b, 6, header.flags);
  w32(b, 8, header.seq);
  w32(b, 12, header.pid ?? 0);
  b.set(payload, NLMSG_HDRLEN);
  return b;
}

/** The errno of an NLMSG_ERROR (0 for an ACK) as a positive number, with the echoed header. */
export function parseError(payload: Buffer): { readonly errno: number; readonly request?: { type: number; seq: number } } {
  if (payload.length < 4) throw new NetlinkParseError(`NLMSG_ERROR payload of ${payload.length} bytes`);
  const errno = 0 - i32(payload, 0);
  if (payload.length >= 4 + NLMSG_HDRLEN) return { errno, request: { type: u16(payload, 8), seq: u32(payload, 12) } };
  return { errno };
}

/** NLMSG_DONE carries an int: 0, or a negative errno when the dump failed. */
export function parseDone(payload: Buffer): number {
  return payload.length >= 4 ? 0 - i32(payload, 0) : 0;
}

export function encodeError(seq: number, pid: number, errno: number, request?: NetlinkMessage): Buffer {
  const p = Buffer.alloc(4 + NLMSG_HDRLEN);
  wi32(p, 0, -errno);
  if (request) {
    w32(p, 4, NLMSG_HDRLEN + request.payload.length);
    w16(p, 8, request.type);
    w16(p, 10, request.flags);
    w32(p, 12, request.seq);
    w32(p, 16, request.pid);
  }
  return encodeMessage({ type: NLMSG.ERROR, flags: 0, seq, pid }, p);
}

export function encodeDone(seq: number, pid: number, errno = 0): Buffer {
  const p = Buffer.alloc(4);
  wi32(p, 0, -errno);
  return encodeMessage({ type: NLMSG.DONE, flags: NLM_F.MULTI, seq, pid }, p);
}

// ---------------------------------------------------------------------------------------
// Attributes

export interface Attribute {
  /** nla_type without NLA_F_NESTED / NLA_F_NET_BYTEORDER. */
  readonly type: number;
  readonly data: Buffer;
}

const NLA_TYPE_MASK = 0x3fff;

/** The attributes in b[start, end). Throws NetlinkParseError on a bad length. */
export function parseAttributes(b: Buffer, start = 0, end = b.length): Attribute[] {
  const out: Attribute[] = [];
  let off = start;
  while (off + 4 <= end) {
    const len = u16(b, off);
    if (len < 4 || off + len > end) throw new NetlinkParseError(`attribute at ${off} has length ${len}, ${end - off} left`);
    out.push({ type: u16(b, off + 2) & NLA_TYPE_MASK, data: b.subarray(off + 4, off + len) });
    off += align4(len);
  }
  return out;
}

/** Last value of each attribute type (the kernel never repeats the ones read here). */
function attributeMap(b: Buffer, start: number): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (const a of parseAttributes(b, start)) m.set(a.type, a.data);
  return m;
}

export function encodeAttribute(type: number, data: Uint8Array): Buffer {
  const len = 4 + data.length;
  const b = Buffer.alloc(align4(len));
  w16(b, 0, len);
  w16(b, 2, type);
  b.set(data, 4);
  return b;
}

export function u32Data(v: number): Buffer {
  const b = Buffer.alloc(4);
  w32(b, 0, v);
  return b;
}
export function u8Data(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}
/** NUL-terminated string attribute payload. */
export function stringData(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}

/** A nested attribute (NLA_F_NESTED set, as libmnl does) holding `children`. */
export function encodeNested(type: number, children: readonly Uint8Array[]): Buffer {
  return encodeAttribute(type | NLA_F_NESTED, Buffer.concat(children));
}


function readU32Attr(a: Buffer | undefined, what: string): number | undefined {
  if (a === undefined) return undefined;
  if (a.length < 4) throw new NetlinkParseError(`${what} attribute of ${a.length} bytes`);
  return u32(a, 0);
}
function readString(a: Buffer): string {
  const nul = a.indexOf(0);
  return a.toString('utf8', 0, nul < 0 ? a.length : nul);
}
function readIPv6(a: Buffer | undefined, what: string): string | undefined {
  if (a === undefined) return undefined;
  if (a.length !== 16) throw new NetlinkParseError(`${what} attribute of ${a.length} bytes, want 16`);
  return formatIPv6(a);
}
function readIPv4(a: Buffer | undefined, what: string): string | undefined {
  if (a === undefined) return undefined;
  if (a.length !== 4) throw new NetlinkParseError(`${what} attribute of ${a.length} bytes, want 4`);
  return formatIPv4(a);
}

// ---------------------------------------------------------------------------------------
// Links (RTM_NEWLINK / RTM_DELLINK)

export interface LinkMessage {
  readonly family: number;
  readonly link: LinkInfo;
}

export function operStateName(n: number): string {
  return OPERSTATES[n] ?? `unknown(${n})`;
}

export function parseLinkMessage(payload: Buffer): LinkMessage {
  if (payload.length < IFINFOMSG_LEN) throw new NetlinkParseError(`ifinfomsg of ${payload.length} bytes`);
  const family = payload[0] ?? 0;
  const ifindex = i32(payload, 4);
  const flags = u32(payload, 8);
  const attrs = attributeMap(payload, IFINFOMSG_LEN);
  const nameAttr = attrs.get(IFLA.IFNAME);
  const opAttr = attrs.get(IFLA.OPERSTATE);
  const macAttr = attrs.get(IFLA.ADDRESS);
  let kind: string | undefined;
  let macvlanMode: string | undefined;
  const linkinfo = attrs.get(IFLA.LINKINFO);
  if (linkinfo) {
    const info = parseAttributes(linkinfo);
    const k = info.find((a) => a.type === IFLA_INFO.KIND);
    if (k) kind = readString(k.data);
    const data = info.find((a) => a.type === IFLA_INFO.DATA);
    if (data && (kind === 'macvlan' || kind === 'macvtap')) {
      const mode = readU32Attr(parseAttributes(data.data).find((a) => a.type === IFLA_MACVLAN.MODE)?.data, 'IFLA_MACVLAN_MODE');
      if (mode !== undefined) macvlanMode = macvlanModeName(mode);
    }
  }
  // IFLA_LINK is the lower device (macvlan, vlan, tunnels), except for peer-type links, where
  // it is the peer, and when IFLA_LINK_NETNSID says it lives in another namespace.
  let parentIfindex = readU32Attr(attrs.get(IFLA.LINK), 'IFLA_LINK');
  if (parentIfindex !== undefined && (parentIfindex === 0 || parentIfindex === ifindex || attrs.has(IFLA.LINK_NETNSID) || PEER_KINDS.has(kind ?? ''))) {
    parentIfindex = undefined;
  }
  const link: LinkInfo = {
    ifindex,
    name: nameAttr ? readString(nameAttr) : '',
    up: (flags & IFF.UP) !== 0,
    carrier: (flags & IFF.LOWER_UP) !== 0,
    operState: operStateName(opAttr && opAttr.length >= 1 ? (opAttr[0] ?? 0) : 0),
    mtu: readU32Attr(attrs.get(IFLA.MTU), 'IFLA_MTU') ?? 0,
    ...(macAttr && macAttr.length > 0 ? { mac: formatMac(macAttr) } : {}),
    flags,
    ...(kind !== undefined ? { kind } : {}),
    ...(parentIfindex !== undefined ? { parentIfindex } : {}),
    ...(macvlanMode !== undefined ? { macvlanMode } : {}),
  };
  return { family, link };
}

/** Links whose IFLA_LINK names their peer. */
const PEER_KINDS: ReadonlySet<string> = new Set(['veth', 'vxcan', 'netkit']);

/** 'bridge' for MACVLAN_MODE_BRIDGE, ...; `mode(N)` for a number the kernel adds later. */
export function macvlanModeName(n: number): string {
  for (const [name, v] of Object.entries(MACVLAN_MODE)) if (v === n) return name;
  return `mode(${n})`;
}

/** MACVLAN_MODE_* of a mode name; throws RangeError for an unknown one. */
export function macvlanModeNumber(name: string): number {
  const v = (MACVLAN_MODE as Record<string, number>)[name];
  if (v !== undefined) return v;
  const m = /^mode\((\d+)\)$/.exec(name);
  if (m) return Number(m[1]);
  throw new RangeError(`unknown macvlan mode '${name}' (${Object.keys(MACVLAN_MODE).join(', ')})`);
}

export function encodeLinkMessage(link: LinkInfo, family = AF_UNSPEC): Buffer {
  const h = Buffer.alloc(IFINFOMSG_LEN);
  h[0] = family;
  w16(h, 2, link.mac ? 1 /* ARPHRD_ETHER */ : 65534 /* ARPHRD_NONE */);
  wi32(h, 4, link.ifindex);
  w32(h, 8, link.flags);
  const parts: Buffer[] = [h, encodeAttribute(IFLA.IFNAME, stringData(link.name)), encodeAttribute(IFLA.MTU, u32Data(link.mtu))];
  const op = (OPERSTATES as readonly string[]).indexOf(link.operState);
  parts.push(encodeAttribute(IFLA.OPERSTATE, u8Data(op < 0 ? 0 : op)));
  if (link.mac !== undefined) parts.push(encodeAttribute(IFLA.ADDRESS, parseMac(link.mac)));
  if (link.parentIfindex !== undefined) parts.push(encodeAttribute(IFLA.LINK, u32Data(link.parentIfindex)));
  if (link.kind !== undefined) {
    const info = [encodeAttribute(IFLA_INFO.KIND, stringData(link.kind))];
    if (link.macvlanMode !== undefined) {
      info.push(encodeNested(IFLA_INFO.DATA, [encodeAttribute(IFLA_MACVLAN.MODE, u32Data(macvlanModeNumber(link.macvlanMode)))]));
    }
    parts.push(encodeNested(IFLA.LINKINFO, info));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------
// Addresses (RTM_NEWADDR / RTM_DELADDR)

export interface AddressMessage {
  readonly family: number;
  /** Undefined for families other than AF_INET6. */
  readonly address?: AddressInfo;
  /** The address of an AF_INET message; undefined for other families. */
  readonly ipv4?: Ipv4AddressInfo;
  /** All IFA_F_* flags (IFA_FLAGS when present, else the 8-bit ifa_flags). */
  readonly flags: number;
}

function readCacheinfo(ci: Buffer | undefined): { preferredLifetime: number; validLifetime: number } {
  if (!ci) return { preferredLifetime: INFINITY_LIFETIME, validLifetime: INFINITY_LIFETIME };
  if (ci.length < 16) throw new NetlinkParseError(`IFA_CACHEINFO of ${ci.length} bytes`);
  return { preferredLifetime: u32(ci, 0), validLifetime: u32(ci, 4) };
}

function parseIpv4Address(ifindex: number, prefixLength: number, scope: number, flags: number, attrs: Map<number, Buffer>): Ipv4AddressInfo {
  // IFA_LOCAL is the interface's address; IFA_ADDRESS the peer on point-to-point links.
  const address = readIPv4(attrs.get(IFA.LOCAL), 'IFA_LOCAL') ?? readIPv4(attrs.get(IFA.ADDRESS), 'IFA_ADDRESS');
  if (address === undefined) throw new NetlinkParseError('IPv4 address message without IFA_LOCAL or IFA_ADDRESS');
  const labelAttr = attrs.get(IFA.LABEL);
  const broadcast = readIPv4(attrs.get(IFA.BROADCAST), 'IFA_BROADCAST');
  return {
    ifindex,
    address,
    prefixLength,
    scope,
    tentative: false,
    deprecated: (flags & IFA_F.DEPRECATED) !== 0,
    dadFailed: false,
    secondary: (flags & IFA_F.SECONDARY) !== 0,
    ...(labelAttr ? { label: readString(labelAttr) } : {}),
    ...(broadcast !== undefined ? { broadcast } : {}),
    ...readCacheinfo(attrs.get(IFA.CACHEINFO)),
  };
}

export function parseAddressMessage(payload: Buffer): AddressMessage {
  if (payload.length < IFADDRMSG_LEN) throw new NetlinkParseError(`ifaddrmsg of ${payload.length} bytes`);
  const family = payload[0] ?? 0;
  const prefixLength = payload[1] ?? 0;
  const scope = payload[3] ?? 0;
  const ifindex = u32(payload, 4);
  const attrs = attributeMap(payload, IFADDRMSG_LEN);
  const flags = readU32Attr(attrs.get(IFA.FLAGS), 'IFA_FLAGS') ?? payload[2] ?? 0;
  if (family === AF_INET) return { family, flags, ipv4: parseIpv4Address(ifindex, prefixLength, scope, flags, attrs) };
  if (family !== AF_INET6) return { family, flags };
  // For IPv6, IFA_ADDRESS is the address; IFA_LOCAL appears only on peer (point-to-point)
  // addresses, where it is the local one and IFA_ADDRESS the peer.
  const address = readIPv6(attrs.get(IFA.LOCAL), 'IFA_LOCAL') ?? readIPv6(attrs.get(IFA.ADDRESS), 'IFA_ADDRESS');
  if (address === undefined) throw new NetlinkParseError('IPv6 address message without IFA_ADDRESS');
  const { preferredLifetime, validLifetime } = readCacheinfo(attrs.get(IFA.CACHEINFO));
  return {
    family,
    flags,
    address: {
      ifindex,
      address,
      prefixLength,
      scope,
      tentative: (flags & IFA_F.TENTATIVE) !== 0,
      deprecated: (flags & IFA_F.DEPRECATED) !== 0,
      dadFailed: (flags & IFA_F.DADFAILED) !== 0,
      preferredLifetime,
      validLifetime,
    },
  };
}

export function encodeAddressMessage(a: AddressInfo, extraFlags = 0): Buffer {
  const flags =
    extraFlags |
    (a.tentative ? IFA_F.TENTATIVE : 0) |
    (a.deprecated ? IFA_F.DEPRECATED : 0) |
    (a.dadFailed ? IFA_F.DADFAILED : 0) |
    (a.validLifetime === INFINITY_LIFETIME ? IFA_F.PERMANENT : 0);
  const h = Buffer.alloc(IFADDRMSG_LEN);
  h[0] = AF_INET6;
  h[1] = a.prefixLength;
  h[2] = flags & 0xff;
  h[3] = a.scope;
  w32(h, 4, a.ifindex);
  const ci = Buffer.alloc(16);
  w32(ci, 0, a.preferredLifetime);
  w32(ci, 4, a.validLifetime);
  return Buffer.concat([
    h,
    encodeAttribute(IFA.ADDRESS, parseIPv6(a.address)),
    encodeAttribute(IFA.CACHEINFO, ci),
    encodeAttribute(IFA.FLAGS, u32Data(flags)),
  ]);
}

/** An AF_INET ifaddrmsg as the kernel sends it for `a`. */
export function encodeIpv4AddressMessage(a: Ipv4AddressInfo, extraFlags = 0): Buffer {
  const flags =
    extraFlags | (a.secondary ? IFA_F.SECONDARY : 0) | (a.deprecated ? IFA_F.DEPRECATED : 0) | (a.validLifetime === INFINITY_LIFETIME ? IFA_F.PERMANENT : 0);
  const h = Buffer.alloc(IFADDRMSG_LEN);
  h[0] = AF_INET;
  h[1] = a.prefixLength;
  h[2] = flags & 0xff;
  h[3] = a.scope;
  w32(h, 4, a.ifindex);
  const ci = Buffer.alloc(16);
  w32(ci, 0, a.preferredLifetime);
  w32(ci, 4, a.validLifetime);
  const addr = parseIPv4(a.address);
  const parts = [h, encodeAttribute(IFA.ADDRESS, addr), encodeAttribute(IFA.LOCAL, addr)];
  if (a.broadcast !== undefined) parts.push(encodeAttribute(IFA.BROADCAST, parseIPv4(a.broadcast)));
  if (a.label !== undefined) parts.push(encodeAttribute(IFA.LABEL, stringData(a.label)));
  parts.push(encodeAttribute(IFA.FLAGS, u32Data(flags)), encodeAttribute(IFA.CACHEINFO, ci));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------
// Routes (RTM_NEWROUTE / RTM_DELROUTE)

export type { NextHop } from './types';

export interface RouteMessage {
  readonly family: number;
  /** Undefined for families other than AF_INET6. */
  readonly route?: RouteInfo;
  /** rtm_flags (RTM_F_CLONED, RTNH_F_LINKDOWN, ...). */
  readonly flags: number;
  /** Source prefix of a source-specific route ('::' / 0 when none). */
  readonly source: string;
  readonly sourceLength: number;
  /** All next hops of an RTA_MULTIPATH route; undefined for single-hop routes. */
  readonly multipath?: readonly NextHop[];
}

function parseMultipath(b: Buffer): NextHop[] {
  const hops: NextHop[] = [];
  let off = 0;
  while (off + RTNEXTHOP_LEN <= b.length) {
    const len = u16(b, off);
    if (len < RTNEXTHOP_LEN || off + len > b.length) throw new NetlinkParseError(`rtnexthop of length ${len}`);
    const ifindex = i32(b, off + 4);
    const attrs = attributeMap(b.subarray(off, off + len), RTNEXTHOP_LEN);
    const gateway = readIPv6(attrs.get(RTA.GATEWAY), 'RTA_GATEWAY');
    hops.push({
      ...(ifindex > 0 ? { oif: ifindex } : {}),
      ...(gateway !== undefined ? { gateway } : {}),
      flags: b[off + 2] ?? 0,
      weight: (b[off + 3] ?? 0) + 1,
    });
    off += align4(len);
  }
  return hops;
}

export function parseRouteMessage(payload: Buffer): RouteMessage {
  if (payload.length < RTMSG_LEN) throw new NetlinkParseError(`rtmsg of ${payload.length} bytes`);
  const family = payload[0] ?? 0;
  const dstLen = payload[1] ?? 0;
  const srcLen = payload[2] ?? 0;
  const rtmTable = payload[4] ?? 0;
  const protocol = payload[5] ?? 0;
  const type = payload[7] ?? 0;
  const flags = u32(payload, 8);
  if (family !== AF_INET6) return { family, flags, source: '::', sourceLength: 0 };
  const attrs = attributeMap(payload, RTMSG_LEN);
  const destination = readIPv6(attrs.get(RTA.DST), 'RTA_DST') ?? '::';
  const source = readIPv6(attrs.get(RTA.SRC), 'RTA_SRC') ?? '::';
  const mpAttr = attrs.get(RTA.MULTIPATH);
  const multipath = mpAttr ? parseMultipath(mpAttr) : undefined;
  const first = multipath?.[0];
  const gateway = readIPv6(attrs.get(RTA.GATEWAY), 'RTA_GATEWAY') ?? first?.gateway;
  const oif = readU32Attr(attrs.get(RTA.OIF), 'RTA_OIF') ?? first?.oif;
  const prefAttr = attrs.get(RTA.PREF);
  let expires: number | undefined;
  const ci = attrs.get(RTA.CACHEINFO);
  if (ci) {
    if (ci.length < RTA_CACHEINFO_LEN) throw new NetlinkParseError(`RTA_CACHEINFO of ${ci.length} bytes`);
    const ticks = i32(ci, 8);
    if (ticks > 0) expires = Math.ceil(ticks / USER_HZ);
  }
  const route: RouteInfo = {
    table: readU32Attr(attrs.get(RTA.TABLE), 'RTA_TABLE') ?? rtmTable,
    destination,
    prefixLength: dstLen,
    ...(gateway !== undefined ? { gateway } : {}),
    ...(oif !== undefined ? { oif } : {}),
    protocol,
    metric: readU32Attr(attrs.get(RTA.PRIORITY), 'RTA_PRIORITY') ?? 0,
    type,
    ...(prefAttr && prefAttr.length >= 1 ? { preference: prefAttr[0] ?? 0 } : {}),
    ...(expires !== undefined ? { expires } : {}),
  };
  return { family, route, flags, source, sourceLength: srcLen, ...(multipath ? { multipath } : {}) };
}

/** An rtmsg as the kernel sends it for `route` (single hop, or RTA_MULTIPATH when `hops` has several). */
export function encodeRouteMessage(route: RouteInfo, hops?: readonly NextHop[]): Buffer {
  const h = Buffer.alloc(RTMSG_LEN);
  h[0] = AF_INET6;
  h[1] = route.prefixLength;
  h[4] = route.table > 255 ? 252 /* RT_TABLE_COMPAT */ : route.table;
  h[5] = route.protocol;
  h[6] = route.type === 2 ? 254 : 0; // RT_SCOPE_HOST for local routes, universe otherwise
  h[7] = route.type;
  const parts: Buffer[] = [h, encodeAttribute(RTA.TABLE, u32Data(route.table))];
  if (route.prefixLength > 0) parts.push(encodeAttribute(RTA.DST, parseIPv6(route.destination)));
  parts.push(encodeAttribute(RTA.PRIORITY, u32Data(route.metric)));
  if (hops && hops.length > 1) {
    const nh = hops.map((hop) => {
      const gw = hop.gateway !== undefined ? encodeAttribute(RTA.GATEWAY, parseIPv6(hop.gateway)) : Buffer.alloc(0);
      const b = Buffer.alloc(RTNEXTHOP_LEN);
      w16(b, 0, RTNEXTHOP_LEN + gw.length);
      b[2] = hop.flags;
      b[3] = hop.weight - 1;
      wi32(b, 4, hop.oif ?? 0);
      return Buffer.concat([b, gw]);
    });
    parts.push(encodeAttribute(RTA.MULTIPATH, Buffer.concat(nh)));
  } else {
    if (route.gateway !== undefined) parts.push(encodeAttribute(RTA.GATEWAY, parseIPv6(route.gateway)));
    if (route.oif !== undefined) parts.push(encodeAttribute(RTA.OIF, u32Data(route.oif)));
  }
  const ci = Buffer.alloc(RTA_CACHEINFO_LEN);
  if (route.expires !== undefined) wi32(ci, 8, route.expires * USER_HZ);
  parts.push(encodeAttribute(RTA.CACHEINFO, ci));
  if (route.preference !== undefined) parts.push(encodeAttribute(RTA.PREF, u8Data(route.preference)));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------
// Dump requests

/** RTM_GETLINK dump of every link, without statistics (IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS). */
export function linkDumpRequest(seq: number): Buffer {
  const ifi = Buffer.alloc(IFINFOMSG_LEN); // family AF_UNSPEC
  const payload = Buffer.concat([ifi, encodeAttribute(IFLA.EXT_MASK, u32Data(RTEXT_FILTER.SKIP_STATS))]);
  return encodeMessage({ type: RTM.GETLINK, flags: NLM_F.REQUEST | NLM_F.DUMP, seq }, payload);
}

/**
 * RTM_GETADDR dump of the addresses of every link: IPv6 by default, AF_INET for IPv4, or
 * AF_UNSPEC for every family in one multi-part reply (the kernel's rtnl_dump_all).
 */
export function addressDumpRequest(seq: number, family: number = AF_INET6): Buffer {
  const ifa = Buffer.alloc(IFADDRMSG_LEN);
  ifa[0] = family;
  return encodeMessage({ type: RTM.GETADDR, flags: NLM_F.REQUEST | NLM_F.DUMP, seq }, ifa);
}

/** RTM_GETROUTE dump of the IPv6 routes of every table (rtm_table 0 = RT_TABLE_UNSPEC). */
export function routeDumpRequest(seq: number): Buffer {
  const rtm = Buffer.alloc(RTMSG_LEN);
  rtm[0] = AF_INET6;
  return encodeMessage({ type: RTM.GETROUTE, flags: NLM_F.REQUEST | NLM_F.DUMP, seq }, rtm);
}

/** The family octet at the start of an ifinfomsg / ifaddrmsg / rtmsg request. */
export function requestFamily(m: NetlinkMessage): number {
  return m.payload[0] ?? AF_UNSPEC;
}

// ---------------------------------------------------------------------------------------
// Change requests (RTM_NEWLINK / RTM_DELLINK / RTM_NEWADDR / RTM_DELADDR), each asking for
// an acknowledgement (NLM_F_ACK): the kernel answers every one with an NLMSG_ERROR, errno 0
// on success.

const REQUEST_ACK = NLM_F.REQUEST | NLM_F.ACK;

function ifinfomsg(ifindex: number, flags: number, change: number): Buffer {
  const h = Buffer.alloc(IFINFOMSG_LEN); // AF_UNSPEC, ifi_type 0
  wi32(h, 4, ifindex);
  w32(h, 8, flags);
  w32(h, 12, change);
  return h;
}

export interface MacvlanSpec {
  /** Interface name, at most 15 bytes. */
  readonly name: string;
  /** The lower device. */
  readonly parentIfindex: number;
  /** The macvlan's own MAC ('00:00:5e:00:01:0a' for VRID 10 over IPv4). Default: the kernel picks a random one. */
  readonly mac?: string;
  /** Default 'bridge'. */
  readonly mode?: string;
}

/** Interface names are at most IFNAMSIZ - 1 = 15 bytes, without '/', ':' or whitespace. */
export function checkIfname(name: string): void {
  const n = Buffer.byteLength(name, 'utf8');
  if (n === 0 || n > 15 || /[/:\s]/.test(name) || name === '.' || name === '..') throw new RangeError(`invalid interface name '${name}'`);
}

/**
 * RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL: a new macvlan, created down (ifi_flags 0).
 * IFLA_IFNAME, IFLA_LINK (parent), IFLA_ADDRESS (when a MAC is given), IFLA_LINKINFO
 * { IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE } }.
 */
export function newMacvlanRequest(seq: number, spec: MacvlanSpec): Buffer {
  checkIfname(spec.name);
  const parts: Buffer[] = [
    ifinfomsg(0, 0, 0),
    encodeAttribute(IFLA.IFNAME, stringData(spec.name)),
    encodeAttribute(IFLA.LINK, u32Data(spec.parentIfindex)),
  ];
  if (spec.mac !== undefined) parts.push(encodeAttribute(IFLA.ADDRESS, parseMac(spec.mac)));
  parts.push(
    encodeNested(IFLA.LINKINFO, [
      encodeAttribute(IFLA_INFO.KIND, stringData('macvlan')),
      encodeNested(IFLA_INFO.DATA, [encodeAttribute(IFLA_MACVLAN.MODE, u32Data(macvlanModeNumber(spec.mode ?? 'bridge')))]),
    ]),
  );
  return encodeMessage({ type: RTM.NEWLINK, flags: REQUEST_ACK | NLM_F.CREATE | NLM_F.EXCL, seq }, Buffer.concat(parts));
}

/** IN6_ADDR_GEN_MODE_* of a mode name; throws RangeError for an unknown one. */
export function addrGenModeNumber(mode: string): number {
  const v = (IN6_ADDR_GEN_MODE as Record<string, number>)[mode];
  if (v === undefined) throw new RangeError(`unknown addr_gen_mode '${mode}' (${Object.keys(IN6_ADDR_GEN_MODE).join(', ')})`);
  return v;
}

export interface LinkChange {
  /** Set (true) or clear (false) IFF_UP through ifi_flags / ifi_change; undefined leaves it. */
  readonly up?: boolean;
  /** IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } }. */
  readonly addrGenMode?: string;
}

/**
 * RTM_NEWLINK on an existing link (no NLM_F_CREATE). It can carry both changes, but the
 * kernel applies the flags (dev_change_flags) before IFLA_AF_SPEC, so a link brought up and
 * given addr_gen_mode none in one message gets its link-local address first (keepalived
 * #2026): NetlinkRequester sends them as separate requests.
 */
export function setLinkRequest(seq: number, ifindex: number, change: LinkChange): Buffer {
  const parts: Buffer[] = [ifinfomsg(ifindex, change.up ? IFF.UP : 0, change.up === undefined ? 0 : IFF.UP)];
  if (change.addrGenMode !== undefined) {
    const inet6 = encodeNested(AF_INET6, [encodeAttribute(IFLA_INET6.ADDR_GEN_MODE, u8Data(addrGenModeNumber(change.addrGenMode)))]);
    parts.push(encodeNested(IFLA.AF_SPEC, [inet6]));
  }
  return encodeMessage({ type: RTM.NEWLINK, flags: REQUEST_ACK, seq }, Buffer.concat(parts));
}

/** RTM_DELLINK by ifindex, or by name (ifi_index 0 and IFLA_IFNAME). */
export function deleteLinkRequest(seq: number, link: { readonly ifindex: number } | { readonly name: string }): Buffer {
  let payload: Buffer;
  if ('ifindex' in link) {
    payload = ifinfomsg(link.ifindex, 0, 0);
  } else {
    checkIfname(link.name);
    payload = Buffer.concat([ifinfomsg(0, 0, 0), encodeAttribute(IFLA.IFNAME, stringData(link.name))]);
  }
  return encodeMessage({ type: RTM.DELLINK, flags: REQUEST_ACK, seq }, payload);
}

export interface AddressSpec {
  readonly ifindex: number;
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefixLength: number;
  /** IPv6: IFA_F_NODAD, usable at once (never tentative). Ignored for IPv4. */
  readonly nodad?: boolean;
  /** IFA_F_NOPREFIXROUTE: no connected route for the prefix. */
  readonly noPrefixRoute?: boolean;
}

function addressPayload(spec: AddressSpec, forAdd: boolean): Buffer {
  const v6 = spec.family === 6;
  if (spec.family !== 4 && spec.family !== 6) throw new RangeError(`address family ${String(spec.family)}, want 4 or 6`);
  const max = v6 ? 128 : 32;
  if (!Number.isInteger(spec.prefixLength) || spec.prefixLength < 0 || spec.prefixLength > max) {
    throw new RangeError(`prefix length ${spec.prefixLength} for IPv${spec.family}`);
  }
  const addr = v6 ? Buffer.from(parseIPv6(spec.address)) : parseIPv4(spec.address);
  const flags = forAdd ? (v6 && spec.nodad ? IFA_F.NODAD : 0) | (spec.noPrefixRoute ? IFA_F.NOPREFIXROUTE : 0) : 0;
  const h = Buffer.alloc(IFADDRMSG_LEN);
  h[0] = v6 ? AF_INET6 : AF_INET;
  h[1] = spec.prefixLength;
  h[2] = flags & 0xff;
  h[3] = 0; // RT_SCOPE_UNIVERSE; the kernel derives an IPv6 address's scope itself
  w32(h, 4, spec.ifindex);
  // As iproute2: IFA_LOCAL and IFA_ADDRESS both the address (no peer).
  const parts = [h, encodeAttribute(IFA.LOCAL, addr), encodeAttribute(IFA.ADDRESS, addr)];
  if (flags !== 0) parts.push(encodeAttribute(IFA.FLAGS, u32Data(flags)));
  return Buffer.concat(parts);
}

/**
 * RTM_NEWADDR with NLM_F_CREATE | NLM_F_EXCL (EEXIST when the address is there already),
 * IFA_LOCAL = IFA_ADDRESS = the address, IFA_FLAGS with IFA_F_NODAD when asked (IPv6).
 * Permanent (no IFA_CACHEINFO), scope universe for IPv4 (the kernel derives IPv6 scopes).
 */
export function newAddressRequest(seq: number, spec: AddressSpec): Buffer {
  return encodeMessage({ type: RTM.NEWADDR, flags: REQUEST_ACK | NLM_F.CREATE | NLM_F.EXCL, seq }, addressPayload(spec, true));
}

/** RTM_DELADDR of one address; the kernel matches the prefix length too (EADDRNOTAVAIL otherwise). */
export function deleteAddressRequest(seq: number, spec: Omit<AddressSpec, 'nodad' | 'noPrefixRoute'>): Buffer {
  return encodeMessage({ type: RTM.DELADDR, flags: REQUEST_ACK, seq }, addressPayload(spec, false));
}

/** RTM_GETLINK of one link, by ifindex or by name (not a dump): answered with one RTM_NEWLINK, then the ack. */
export function getLinkRequest(seq: number, link: { readonly ifindex: number } | { readonly name: string }): Buffer {
  const parts: Buffer[] = [];
  if ('ifindex' in link) {
    parts.push(ifinfomsg(link.ifindex, 0, 0));
  } else {
    checkIfname(link.name);
    parts.push(ifinfomsg(0, 0, 0), encodeAttribute(IFLA.IFNAME, stringData(link.name)));
  }
  parts.push(encodeAttribute(IFLA.EXT_MASK, u32Data(RTEXT_FILTER.SKIP_STATS)));
  return encodeMessage({ type: RTM.GETLINK, flags: REQUEST_ACK, seq }, Buffer.concat(parts));
}
