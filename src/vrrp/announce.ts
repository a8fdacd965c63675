/**
 * What a new Active says to the link (RFC 9568 6.4.2, 8.1.2 and 8.2.2): an unsolicited
 * Neighbor Advertisement per virtual IPv6 address, and a gratuitous ARP per virtual IPv4
 * address, each carrying the virtual MAC so hosts and switches move to the new Active at once.
 * Pure builders; the router sends them.
 */
import { encodeMessage } from '../wire';
import { parseMac } from '../net/ipv6';
import { parseIPv4 } from '../net/ipv4';

/**
 * Unsolicited NA (RFC 4861 7.2.6) for `target`: R=1 (users.md item 4 and keepalived #1330:
 * Android and Windows drop a default router whose NA lacks the Router flag), S=0, O=1, and
 * the virtual MAC as Target Link-Layer Address. Sent to ff02::1 from the virtual link-local.
 */
export function unsolicitedNa(target: string, virtualMac: string): Uint8Array {
  return encodeMessage({
    type: 'na',
    router: true,
    solicited: false,
    override: true,
    target,
    options: [{ type: 'targetLinkLayer', address: parseMac(virtualMac) }],
  });
}

const ETH_P_ARP = 0x0806;
const ETH_P_IP = 0x0800;

/**
 * A gratuitous ARP request (RFC 5227 3; RFC 9568 8.1.2) announcing `address` at `virtualMac`:
 * broadcast, sender and target protocol address both `address`, target hardware address zero.
 */
export function gratuitousArp(address: string, virtualMac: string): Buffer {
  const mac = parseMac(virtualMac);
  const ip = parseIPv4(address);
  const f = Buffer.alloc(42);
  f.fill(0xff, 0, 6); // destination: broadcast
  f.set(mac, 6);
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(1, 14); // hardware type Ethernet
  f.writeUInt16BE(ETH_P_IP, 16);
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  f.set(mac, 22);
  f.set(ip, 28);
  // 32..37 target hardware address: zero
  f.set(ip, 38);
  return f;
}
