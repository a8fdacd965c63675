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

export interface SystemBackend {
  /** Raw ICMPv6 socket with an ICMP6_FILTER passing only `types`. */
  openIcmp6(options: { readonly types: readonly number[] }): Icmp6Socket;
  /** NETLINK_ROUTE socket subscribed to the given RTNLGRP_* group numbers. */
  openRouteNetlink(options: { readonly groups: readonly number[] }): RawNetlinkSocket;
}

export class SysError extends Error {
  override readonly name = 'SysError';
  constructor(message: string, readonly code: string, readonly errno: number) {
    super(message);
  }
}
