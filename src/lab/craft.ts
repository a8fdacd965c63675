/**
 * Hand-made Neighbor Discovery packets sent from a lab namespace: a rogue router, an RA with a
 * malformed option, anything firsthop's encoder refuses to build. The bytes go out unchanged
 * through firsthop's own raw ICMPv6 socket (hop limit 255, the kernel fills the checksum), so
 * the receiving kernel and daemon see exactly them.
 */
import { linuxBackend } from '../sys/linux';
import { linkInfo } from './inspect';
import type { Lab } from './netns';

export interface SendNdOptions {
  /** Default ff02::1 (all nodes). */
  readonly destination?: string;
  /** Source address; default the kernel's choice (the interface's link-local address for ff02::1). */
  readonly source?: string;
}

/** Send each packet (starting at the ICMPv6 Type octet) out of `ifname` in namespace `ns`. */
export async function sendNd(lab: Lab, ns: string, ifname: string, packets: readonly Uint8Array[], opts: SendNdOptions = {}): Promise<void> {
  const { ifindex } = await linkInfo(lab, ns, ifname);
  const socket = linuxBackend({ netns: lab.ns(ns) }).openIcmp6({ types: [] });
  try {
    for (const p of packets) socket.send(p, opts.destination ?? 'ff02::1', ifindex, opts.source);
  } finally {
    socket.close();
  }
}
