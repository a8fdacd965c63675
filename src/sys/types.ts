/**
 * The system boundary: everything firsthop needs from the kernel that Node cannot do by
 * itself. The native addon (native/) implements it for Linux (src/sys/linux.ts); an
 * in-memory implementation (src/sys/memory.ts) serves the unit tests.
 */

export interface IcmpPacket {
  /** ICMPv6 message, starting at the ICMPv6 type octet (the kernel strips the IPv6 header). */
  readonly data: Buffer;
  readonly source: string;
  /** Destination address from IPV6_PKTINFO. */
  readonly destination: string;
  /** Hop limit from IPV6_HOPLIMIT ancillary data (RFC 4861 6.1 needs 255). */
  readonly hopLimit: number;
  /** Receiving interface from IPV6_PKTINFO. */
  readonly ifindex: number;
}

export interface Icmp6Socket {
  /**
   * Send one ICMPv6 message with hop limit 255 out of `ifindex`, from `source` when given
   * (IPV6_PKTINFO), else the kernel's choice. The kernel fills in the checksum.
   * Throws SysError (with errno code) when the kernel refuses.
   */
  send(data: Uint8Array, destination: string, ifindex: number, source?: string): void;
  /** IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP on one interface. Joining twice is not an error. */
  joinGroup(group: string, ifindex: number): void;
  leaveGroup(group: string, ifindex: number): void;
  /** Called from the event loop for each received packet of the filtered types. */
  onPacket(handler: (packet: IcmpPacket) => void): void;
  close(): void;
}

/** A raw rtnetlink socket: whole datagrams in and out; parsing lives in src/netlink/. */
export interface RawNetlinkSocket {
  send(datagram: Uint8Array): void;
  onDatagram(handler: (datagram: Buffer) => void): void;
  /** The kernel dropped messages (ENOBUFS): the caller must resynchronise with a full dump. */
  onOverflow(handler: () => void): void;
  close(): void;
}

/** One datagram of an IP protocol other than ICMPv6 (VRRP, protocol 112), IPv4 or IPv6. */
export interface IpPacket {
  /** The protocol payload: after the IPv6 header (which the kernel strips) or the IPv4 header (stripped here). */
  readonly data: Buffer;
  readonly source: string;
  readonly destination: string;
  /** IPv6 hop limit (IPV6_HOPLIMIT) or IPv4 TTL (from the IPv4 header). RFC 9568 5.1.1.3 / 5.1.2.3 need 255. */
  readonly hopLimit: number;
  /** Receiving interface (IPV6_PKTINFO / IP_PKTINFO). */
  readonly ifindex: number;
}

/**
 * A raw IP socket for one protocol (VRRP: 112) and one family. IPv6: the kernel computes and
 * verifies the checksum at `checksumOffset` over the pseudo-header (IPV6_CHECKSUM). IPv4: the
 * caller computes the checksum; the kernel writes the IPv4 header (no IP_HDRINCL).
 * Sends with hop limit / TTL 255, multicast loop off.
 */
export interface RawIpSocket {
  readonly family: 4 | 6;
  /**
   * Send out of `ifindex` from `source` (IPV6_PKTINFO / IP_PKTINFO; with `freebind` the source
   * need not be an address of that interface, e.g. the parent's link-local on a macvlan).
   */
  send(data: Uint8Array, destination: string, ifindex: number, source?: string): void;
  joinGroup(group: string, ifindex: number): void;
  leaveGroup(group: string, ifindex: number): void;
  onPacket(handler: (packet: IpPacket) => void): void;
  close(): void;
}

/** An AF_PACKET socket that sends whole Ethernet frames (gratuitous ARP). Send only. */
export interface PacketSocket {
  /** Send one frame (destination MAC first) out of `ifindex`. */
  send(frame: Uint8Array, ifindex: number): void;
  close(): void;
}

export interface SystemBackend {
  /** Raw ICMPv6 socket with an ICMP6_FILTER passing only `types`. */
  /**
   * Raw ICMPv6 socket receiving `types`. `freebind`: a send may name a source that is not an
   * address of this host (IPV6_FREEBIND; the rogue-RA countermeasure speaks for the rogue).
   */
  openIcmp6(options: { readonly types: readonly number[]; readonly freebind?: boolean }): Icmp6Socket;
  /** NETLINK_ROUTE socket subscribed to the given RTNLGRP_* group numbers. */
  openRouteNetlink(options: { readonly groups: readonly number[] }): RawNetlinkSocket;
  /** Raw socket of `protocol` for `family`; IPv6 with `checksumOffset` (VRRP: 6) has the kernel do the checksum. */
  openRawIp(options: { readonly family: 4 | 6; readonly protocol: number; readonly checksumOffset?: number; readonly freebind?: boolean }): RawIpSocket;
  /** AF_PACKET raw socket for sending frames. */
  openPacket(): PacketSocket;
  /**
   * Replace the nftables table `inet NAME` with `rules` (the body of the table: chains and
   * their rules, in nft syntax), or delete the table when `rules` is undefined. Synchronous;
   * throws SysError (ENOENT when nft is not installed) when it cannot be applied.
   */
  setFirewall(name: string, rules: string | undefined): void;
}

export class SysError extends Error {
  override readonly name = 'SysError';
  constructor(message: string, readonly code: string, readonly errno: number) {
    super(message);
  }
}
