/**
 * IPv4 address helpers (VRRP for IPv4, the netlink codec, the system backends). Addresses
 * travel as dotted-quad strings, as IPv6 ones do as RFC 5952 text (./ipv6.ts).
 */
import { isIPv4 } from 'node:net';

/** Four bytes of a dotted-quad IPv4 address; throws RangeError on anything else. */
export function parseIPv4(text: string): Uint8Array {
  if (!isIPv4(text)) throw new RangeError(`invalid IPv4 address '${text}'`);
  return Uint8Array.from(text.split('.').map(Number));
}

export function formatIPv4(b: Uint8Array, offset = 0): string {
  return `${b[offset] ?? 0}.${b[offset + 1] ?? 0}.${b[offset + 2] ?? 0}.${b[offset + 3] ?? 0}`;
}

/** 224.0.0.0/4. */
export function isMulticast4(b: Uint8Array): boolean {
  return ((b[0] ?? 0) & 0xf0) === 0xe0;
}
