/**
 * The Linux SystemBackend: thin wrappers over the native addon (native/firsthop_sys.c,
 * built by node-gyp into build/Release/firsthop_sys.node when the package is installed).
 * The addon is loaded on first use, so code that only uses the in-memory backend never
 * needs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatIPv6, isMulticast, parseIPv6 } from '../net/ipv6';
import { formatIPv4, isMulticast4, parseIPv4 } from '../net/ipv4';
import {
  SysError,
  type Icmp6Socket,
  type IcmpPacket,
  type IpPacket,
  type PacketSocket,
  type RawIpSocket,
  type RawNetlinkSocket,
  type SystemBackend,
} from './types';

/** Opaque handle of one native socket. */
export type NativeHandle = { readonly __brand: 'firsthop_sys socket' };

/** What native/firsthop_sys.c exports. Errors thrown carry code ('EPERM'), errno and syscall. */
export interface NativeAddon {
  openRaw6(
    protocol: number,
    icmpTypes: readonly number[] | null,
    checksumOffset: number,
    hopLimit: number,
    multicastLoop: boolean,
    netns: string | null,
    callback: (err: NativeError | null, data?: Buffer, source?: Buffer, destination?: Buffer, ifindex?: number, hopLimit?: number) => void,
  ): NativeHandle;
  sendRaw6(handle: NativeHandle, data: Uint8Array, destination: Uint8Array, ifindex: number, source: Uint8Array | null): number;
  membership(handle: NativeHandle, group: Uint8Array, ifindex: number, join: boolean): void;
  /** IPV6_FREEBIND on a raw IPv6 socket, IP_FREEBIND on a raw IPv4 one. */
  setFreebind(handle: NativeHandle, on: boolean): void;
  /** Raw IPv4 socket; the callback gets the payload after the IPv4 header, and the header's TTL. */
  openRaw4(
    protocol: number,
    ttl: number,
    multicastLoop: boolean,
    netns: string | null,
    callback: (err: NativeError | null, data?: Buffer, source?: Buffer, destination?: Buffer, ifindex?: number, ttl?: number) => void,
  ): NativeHandle;
  sendRaw4(handle: NativeHandle, data: Uint8Array, destination: Uint8Array, ifindex: number, source: Uint8Array | null): number;
  membership4(handle: NativeHandle, group: Uint8Array, ifindex: number, join: boolean): void;
  /** AF_PACKET SOCK_RAW, protocol 0: send only, never polled. */
  openPacket(netns: string | null): NativeHandle;
  sendPacket(handle: NativeHandle, frame: Uint8Array, ifindex: number): number;
  openNetlink(
    protocol: number,
    groups: readonly number[],
    receiveBuffer: number,
    netns: string | null,
    callback: (err: NativeError | null, data?: Buffer) => void,
  ): NativeHandle;
  sendNetlink(handle: NativeHandle, datagram: Uint8Array): void;
  netlinkPortId(handle: NativeHandle): number;
  close(handle: NativeHandle): void;
}

export interface NativeError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall?: string;
}

const ADDON_FILE = join('build', 'Release', 'firsthop_sys.node');

/** The directory holding firsthop's package.json, searched upwards from this file. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'firsthop') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find firsthop's package.json above ${__dirname}`);
    dir = parent;
  }
}

let addon: NativeAddon | undefined;

/**
 * Load build/Release/firsthop_sys.node (or the file named by FIRSTHOP_ADDON). Throws an
 * Error saying how to build it when it is missing.
 */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  if (process.platform !== 'linux') throw new Error(`firsthop's native backend needs Linux (this is ${process.platform})`);
  const path = process.env['FIRSTHOP_ADDON'] ?? join(packageRoot(), ADDON_FILE);
  if (!existsSync(path)) {
    throw new Error(
      `firsthop native addon not built: ${path} is missing. Run 'npm install' (or 'npm rebuild') in ${packageRoot()}; ` +
        `node-gyp needs python3, make, a C compiler and Node's headers.`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  addon = require(path) as NativeAddon;
  return addon;
}

function isNativeError(e: unknown): e is NativeError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { errno?: unknown }).errno === 'number';
}

function toSysError(e: unknown): unknown {
  return isNativeError(e) ? new SysError(e.message, e.code, e.errno) : e;
}

/** Run a native call, turning its errno errors into SysError. */
function sys<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw toSysError(e);
  }
}

function warn(what: string, e: unknown): void {
  process.emitWarning(`${what}: ${e instanceof Error ? e.message : String(e)}`, { code: 'FIRSTHOP_SYS' });
}

export interface LinuxBackendOptions {
  /**
   * Network namespace for every socket this backend opens: a name from `ip netns` (resolved
   * to /run/netns/NAME) or a path such as /proc/PID/ns/net. Needs CAP_SYS_ADMIN. The process
   * itself stays in its own namespace.
   */
  readonly netns?: string;
  /** SO_RCVBUF(FORCE) of netlink sockets, bytes. Default 16 MiB. */
  readonly netlinkReceiveBuffer?: number;
}

const IPPROTO_ICMPV6 = 58;
const ICMPV6_CHECKSUM_OFFSET = 2; // implied: the kernel computes it for every ICMPv6 raw socket

function netnsPath(netns: string | undefined): string | null {
  if (netns === undefined) return null;
  return netns.includes('/') ? netns : `/run/netns/${netns}`;
}

class LinuxIcmp6Socket implements Icmp6Socket {
  private readonly handlers: ((packet: IcmpPacket) => void)[] = [];
  private closed = false;
  private readonly handle: NativeHandle;

  constructor(private readonly native: NativeAddon, types: readonly number[], netns: string | null, freebind: boolean) {
    this.handle = sys(() =>
      native.openRaw6(IPPROTO_ICMPV6, [...types], ICMPV6_CHECKSUM_OFFSET, 255, false, netns, (err, data, src, dst, ifindex, hopLimit) => {
        if (err) {
          warn('ICMPv6 receive failed', err);
          return;
        }
        if (!data || !src || !dst) return;
        const packet: IcmpPacket = {
          data,
          source: formatIPv6(src),
          destination: formatIPv6(dst),
          hopLimit: hopLimit ?? -1,
          ifindex: ifindex ?? 0,
        };
        for (const h of this.handlers) h(packet);
      }),
    );
    if (freebind) {
      try {
        sys(() => native.setFreebind(this.handle, true));
      } catch (e) {
        native.close(this.handle);
        throw e;
      }
    }
  }

  send(data: Uint8Array, destination: string, ifindex: number, source?: string): void {
    const dst = parseIPv6(destination);
    const src = source === undefined ? null : parseIPv6(source);
    sys(() => this.native.sendRaw6(this.handle, data, dst, ifindex, src));
  }

  joinGroup(group: string, ifindex: number): void {
    this.membership(group, ifindex, true);
  }

  leaveGroup(group: string, ifindex: number): void {
    this.membership(group, ifindex, false);
  }

  private membership(group: string, ifindex: number, join: boolean): void {
    if (!isMulticast(group)) throw new SysError(`${group} is not a multicast group`, 'EINVAL', 22);
    const bytes = parseIPv6(group);
    try {
      sys(() => this.native.membership(this.handle, bytes, ifindex, join));
    } catch (e) {
      // Joining twice is not an error; neither is leaving a group that is already left
      // (EADDRNOTAVAIL) or whose interface is gone (ENODEV).
      if (e instanceof SysError && (join ? e.code === 'EADDRINUSE' : e.code === 'EADDRNOTAVAIL' || e.code === 'ENODEV')) return;
      throw e;
    }
  }

  onPacket(handler: (packet: IcmpPacket) => void): void {
    this.handlers.push(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.handle);
    this.handlers.length = 0;
  }
}

/** parseIPv4, failing as the rest of the backend does (SysError EINVAL). */
function ipv4Bytes(text: string): Uint8Array {
  try {
    return parseIPv4(text);
  } catch {
    throw new SysError(`${text} is not an IPv4 address`, 'EINVAL', 22);
  }
}

export interface RawIpOptions {
  readonly family: 4 | 6;
  readonly protocol: number;
  readonly checksumOffset?: number;
  readonly freebind?: boolean;
}

/**
 * A raw IPv4 or IPv6 socket of one protocol (VRRP). Hop limit / TTL 255, multicast loop off.
 * Multicast is delivered only for groups this socket joined, on the interface it joined them
 * on: IPv4 by the kernel (IP_MULTICAST_ALL 0), IPv6 by a filter here, since an unbound raw
 * IPv6 socket gets every group any socket of the host joined (IPV6_MULTICAST_ALL is ignored
 * for it).
 */
class LinuxRawIpSocket implements RawIpSocket {
  readonly family: 4 | 6;
  private readonly handlers: ((packet: IpPacket) => void)[] = [];
  /** `${ifindex}|${group}` joined on this socket (IPv6 receive filter). */
  private readonly groups = new Set<string>();
  private closed = false;
  private readonly handle: NativeHandle;

  constructor(private readonly native: NativeAddon, options: RawIpOptions, netns: string | null) {
    const { family, protocol } = options;
    if (family !== 4 && family !== 6) throw new SysError(`address family ${String(family)} is not 4 or 6`, 'EAFNOSUPPORT', 97);
    if (family === 4 && options.checksumOffset !== undefined) {
      throw new SysError('IPv4 raw sockets have no checksum offload: the caller computes the checksum', 'EINVAL', 22);
    }
    this.family = family;
    const what = `IPv${family} protocol ${protocol}`;
    const onDatagram = (err: NativeError | null, data?: Buffer, src?: Buffer, dst?: Buffer, ifindex?: number, hopLimit?: number): void => {
      if (err) {
        warn(`${what} receive failed`, err);
        return;
      }
      if (!data || !src || !dst) return;
      const format = family === 4 ? formatIPv4 : formatIPv6;
      const packet: IpPacket = { data, source: format(src), destination: format(dst), hopLimit: hopLimit ?? -1, ifindex: ifindex ?? 0 };
      if (family === 6 && dst[0] === 0xff && !this.groups.has(`${packet.ifindex}|${packet.destination}`)) return;
      for (const h of this.handlers) h(packet);
    };
    this.handle = sys(() =>
      family === 6
        ? native.openRaw6(protocol, null, options.checksumOffset ?? -1, 255, false, netns, onDatagram)
        : native.openRaw4(protocol, 255, false, netns, onDatagram),
    );
    if (options.freebind) {
      try {
        sys(() => native.setFreebind(this.handle, true));
      } catch (e) {
        native.close(this.handle);
        throw e;
      }
    }
  }

  /** Parsed send addresses (a VRRP Active sends to the same group from the same source ten times a second); capped. */
  private readonly parsed = new Map<string, Uint8Array>();

  private parse(address: string): Uint8Array {
    let b = this.parsed.get(address);
    if (b === undefined) {
      b = this.family === 4 ? ipv4Bytes(address) : parseIPv6(address);
      if (this.parsed.size >= 64) this.parsed.clear();
      this.parsed.set(address, b);
    }
    return b;
  }

  send(data: Uint8Array, destination: string, ifindex: number, source?: string): void {
    const dst = this.parse(destination);
    const src = source === undefined ? null : this.parse(source);
    if (this.family === 4) sys(() => this.native.sendRaw4(this.handle, data, dst, ifindex, src));
    else sys(() => this.native.sendRaw6(this.handle, data, dst, ifindex, src));
  }

  joinGroup(group: string, ifindex: number): void {
    this.membership(group, ifindex, true);
  }

  leaveGroup(group: string, ifindex: number): void {
    this.membership(group, ifindex, false);
  }

  private membership(group: string, ifindex: number, join: boolean): void {
    const bytes = this.parse(group);
    if (this.family === 4 ? !isMulticast4(bytes) : !isMulticast(group)) throw new SysError(`${group} is not a multicast group`, 'EINVAL', 22);
    const key = `${ifindex}|${this.family === 4 ? formatIPv4(bytes) : formatIPv6(bytes)}`;
    try {
      if (this.family === 4) sys(() => this.native.membership4(this.handle, bytes, ifindex, join));
      else sys(() => this.native.membership(this.handle, bytes, ifindex, join));
    } catch (e) {
      // As for ICMPv6: joining twice, leaving a group not joined (EADDRNOTAVAIL) or on an
      // interface that is gone (ENODEV) are not errors.
      if (!(e instanceof SysError && (join ? e.code === 'EADDRINUSE' : e.code === 'EADDRNOTAVAIL' || e.code === 'ENODEV'))) throw e;
    }
    if (join) this.groups.add(key);
    else this.groups.delete(key);
  }

  onPacket(handler: (packet: IpPacket) => void): void {
    this.handlers.push(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.handle);
    this.handlers.length = 0;
  }
}

class LinuxPacketSocket implements PacketSocket {
  private closed = false;
  private readonly handle: NativeHandle;

  constructor(private readonly native: NativeAddon, netns: string | null) {
    this.handle = sys(() => native.openPacket(netns));
  }

  send(frame: Uint8Array, ifindex: number): void {
    sys(() => this.native.sendPacket(this.handle, frame, ifindex));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.handle);
  }
}

class LinuxNetlinkSocket implements RawNetlinkSocket {
  private readonly datagramHandlers: ((datagram: Buffer) => void)[] = [];
  private readonly overflowHandlers: (() => void)[] = [];
  private closed = false;
  private readonly handle: NativeHandle;

  constructor(private readonly native: NativeAddon, groups: readonly number[], receiveBuffer: number, netns: string | null) {
    this.handle = sys(() =>
      native.openNetlink(0 /* NETLINK_ROUTE */, [...groups], receiveBuffer, netns, (err, data) => {
        if (err) {
          if (err.code === 'ENOBUFS') for (const h of this.overflowHandlers) h();
          else warn('netlink receive failed', err);
          return;
        }
        if (data) for (const h of this.datagramHandlers) h(data);
      }),
    );
  }

  /** The port id the kernel gave this socket (nlmsg_pid of its replies). */
  get portId(): number {
    return sys(() => this.native.netlinkPortId(this.handle));
  }

  send(datagram: Uint8Array): void {
    sys(() => this.native.sendNetlink(this.handle, datagram));
  }

  onDatagram(handler: (datagram: Buffer) => void): void {
    this.datagramHandlers.push(handler);
  }

  onOverflow(handler: () => void): void {
    this.overflowHandlers.push(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.handle);
    this.datagramHandlers.length = 0;
    this.overflowHandlers.length = 0;
  }
}

/** The real kernel, through the native addon (loaded on the first socket). */
export function linuxBackend(options: LinuxBackendOptions = {}): SystemBackend {
  const netns = netnsPath(options.netns);
  const receiveBuffer = options.netlinkReceiveBuffer ?? 16 * 1024 * 1024;
  return {
    openIcmp6: ({ types, freebind }) => new LinuxIcmp6Socket(loadAddon(), types, netns, freebind ?? false),
    openRouteNetlink: ({ groups }) => new LinuxNetlinkSocket(loadAddon(), groups, receiveBuffer, netns),
    openRawIp: (options) => new LinuxRawIpSocket(loadAddon(), options, netns),
    openPacket: () => new LinuxPacketSocket(loadAddon(), netns),
    setFirewall: (name, rules) => setFirewall(name, rules, netns),
  };
}

/**
 * nftables through the `nft` command (one call per change, at start, reload and exit only):
 * `table inet NAME` first makes the delete that follows succeed whether or not it existed.
 */
function setFirewall(name: string, rules: string | undefined, netns: string | null): void {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(name)) throw new SysError(`invalid nftables table name '${name}'`, 'EINVAL', 22);
  const script = `table inet ${name}\ndelete table inet ${name}\n${rules === undefined ? '' : `table inet ${name} {\n${rules}\n}\n`}`;
  const argv = netns === null ? ['nft', '-f', '-'] : ['nsenter', `--net=${netns}`, 'nft', '-f', '-'];
  try {
    execFileSync(argv[0]!, argv.slice(1), { input: script, stdio: ['pipe', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new SysError(`${argv[0]} not found (Debian package ${argv[0] === 'nft' ? 'nftables' : 'util-linux'})`, 'ENOENT', 2);
    throw new SysError(`nft refused the ruleset: ${(err.stderr?.toString() ?? err.message).trim()}`, 'EINVAL', 22);
  }
}
