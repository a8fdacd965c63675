/**
 * A rogue on the lab's LAN: sends Router Advertisements of any content from a namespace, from
 * the interface's own link-local address or from any spoofed one (IPV6_FREEBIND), for the
 * rogue-router tests, the spoofing-flood benchmark and the lab's failure injection (S8).
 */
import { linuxBackend } from '../sys/linux';
import type { Icmp6Socket } from '../sys/types';
import { encodeMessage } from '../wire';
import type { RouterAdvertisement } from '../wire/types';
import { ALL_NODES } from '../net/ipv6';
import type { Lab } from './netns';
import { linkInfo } from './inspect';

export class RaSender {
  private constructor(
    private readonly socket: Icmp6Socket,
    readonly ifindex: number,
  ) {}

  /** A sender on interface `ifname` of lab namespace `ns`. */
  static async open(lab: Lab, ns: string, ifname: string): Promise<RaSender> {
    const info = await linkInfo(lab, ns, ifname);
    const socket = linuxBackend({ netns: lab.ns(ns) }).openIcmp6({ types: [], freebind: true });
    return new RaSender(socket, info.ifindex);
  }

  /**
   * Send one RA (or already-encoded bytes, to send what no encoder would) to all nodes, from
   * `source` (default: the interface's link-local address, chosen by the kernel).
   */
  send(ra: RouterAdvertisement | Uint8Array, source?: string, destination = ALL_NODES): void {
    const data = ra instanceof Uint8Array ? ra : encodeMessage(ra);
    this.socket.send(data, destination, this.ifindex, source);
  }

  close(): void {
    this.socket.close();
  }
}

/** An RA as a rogue sends it: a default route, its prefix and DNS, plus whatever `extra` says. */
export function rogueRa(extra: Partial<RouterAdvertisement> = {}): RouterAdvertisement {
  return {
    type: 'ra',
    curHopLimit: 64,
    managed: false,
    other: false,
    homeAgent: false,
    preference: 'high',
    proxy: false,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    options: [
      { type: 'prefixInformation', prefix: '2001:db8:bad::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 },
      { type: 'rdnss', lifetime: 1800, servers: ['2001:db8:bad::53'] },
    ],
    ...extra,
  };
}
