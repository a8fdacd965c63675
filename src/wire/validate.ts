/**
 * Receive-side validity checks of RFC 4861 6.1.1 (RS), 6.1.2 (RA), 7.1.1 (NS), 7.1.2 (NA)
 * and 8.1 (Redirect), as far as the packet and its IPv6 header fields allow. The checksum
 * is the kernel's; rules needing state (8.1: "the IP source address of the Redirect is the
 * same as the current first-hop router") are the caller's.
 */
import { parseIPv6 } from '../net/ipv6';
import { NdDecodeError } from './errors';
import { decodeMessage, messageCodecFor } from './messages';
import type { NdMessage, ReceiveMeta } from './types';

export type ValidationResult = { ok: true; message: NdMessage } | { ok: false; reason: string; code: string };

const SECTION: Record<NdMessage['type'], string> = { rs: '6.1.1', ra: '6.1.2', ns: '7.1.1', na: '7.1.2', redirect: '8.1' };

const isLinkLocal = (a: Uint8Array): boolean => a[0] === 0xfe && ((a[1] ?? 0) & 0xc0) === 0x80;
const isMulticast = (a: Uint8Array): boolean => a[0] === 0xff;
const isUnspecified = (a: Uint8Array): boolean => a.every((b) => b === 0);
/** ff02::1:ff00:0/104 (RFC 4291 2.7.1). */
const SOLICITED_NODE = parseIPv6('ff02::1:ff00:0');
const isSolicitedNode = (a: Uint8Array): boolean => SOLICITED_NODE.subarray(0, 13).every((b, i) => a[i] === b);
const addrEqual = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i]);

function drop(code: string, reason: string): ValidationResult {
  return { ok: false, code, reason };
}

/**
 * The checks of validateReceived that need nothing parsed (RFC 4861 6.1, 7.1.1, 7.1.2, 8.1):
 * a Neighbor Discovery type, IP hop limit 255, ICMP code 0, at least the header's length.
 * For callers that must decide before decoding (the daemon's flood shedding).
 */
export function passesHeaderChecks(bytes: Uint8Array, hopLimit: number): boolean {
  const type = bytes[0];
  const codec = type === undefined ? undefined : messageCodecFor(type);
  return codec !== undefined && hopLimit === 255 && bytes[1] === 0 && bytes.length >= codec.headerLength;
}

export function validateReceived(bytes: Uint8Array, meta: ReceiveMeta): ValidationResult {
  let source: Uint8Array;
  let destination: Uint8Array;
  try {
    source = parseIPv6(meta.source);
    destination = parseIPv6(meta.destination);
  } catch (e) {
    return drop('E_BAD_META', `receive metadata has a bad address: ${e instanceof Error ? e.message : String(e)}`);
  }
  const icmpType = bytes[0];
  if (icmpType === undefined) return drop('E_TRUNCATED', 'empty ICMPv6 packet');
  const codec = messageCodecFor(icmpType);
  if (codec === undefined) return drop('E_UNKNOWN_MESSAGE', `ICMPv6 type ${icmpType} is not a Neighbor Discovery message`);
  const rfc = `RFC 4861 ${SECTION[codec.type]}`;

  // All five: "The IP Hop Limit field has a value of 255, i.e., the packet could not possibly have been forwarded by a router."
  if (meta.hopLimit !== 255) return drop('E_HOP_LIMIT', `${codec.name} has IP hop limit ${meta.hopLimit}, must be 255 (${rfc})`);
  // All five: "ICMP Code is 0."
  const icmpCode = bytes[1];
  if (icmpCode !== undefined && icmpCode !== 0) return drop('E_ICMP_CODE', `${codec.name} has ICMP code ${icmpCode}, must be 0 (${rfc})`);
  // All five: "ICMP length (derived from the IP length) is N or more octets."
  if (bytes.length < codec.headerLength) {
    return drop('E_TRUNCATED', `${codec.name} is ${bytes.length} bytes, must be ${codec.headerLength} or more (${rfc})`);
  }
  // 6.1.2 and 8.1: "IP Source Address is a link-local address."
  if ((codec.type === 'ra' || codec.type === 'redirect') && !isLinkLocal(source)) {
    return drop('E_SOURCE_NOT_LINK_LOCAL', `${codec.name} from ${meta.source}, source must be link-local (${rfc})`);
  }

  // All five: "All included options have a length that is greater than zero." The decoder
  // enforces that (E_ZERO_LENGTH_OPTION) along with every other length rule. An RA option that
  // is bad for its type is ignored, not the RA (RFC 4191 2.3, RFC 8106 5.3.1, RFC 8781 4): it
  // is kept in `malformed` so that what hosts act on is what firsthop sees.
  let message: NdMessage;
  try {
    message = decodeMessage(bytes, { keepMalformed: true });
  } catch (e) {
    if (e instanceof NdDecodeError) return drop(e.code, `${e.message} (${rfc})`);
    throw e;
  }

  const hasSllao = message.options.some((o) => o.type === 'sourceLinkLayer');
  switch (message.type) {
    case 'rs':
      // 6.1.1: "If the IP source address is the unspecified address, there is no source link-layer address option in the message."
      if (isUnspecified(source) && hasSllao) return drop('E_UNSPECIFIED_SOURCE_SLLAO', `RS from :: carries a source link-layer address option (${rfc})`);
      break;
    case 'ns':
      // 7.1.1: "Target Address is not a multicast address."
      if (isMulticast(parseIPv6(message.target))) return drop('E_TARGET_MULTICAST', `NS target ${message.target} is multicast (${rfc})`);
      if (isUnspecified(source)) {
        // 7.1.1: from ::, the destination is a solicited-node multicast address and there is no SLLAO.
        if (!isSolicitedNode(destination)) return drop('E_DESTINATION_NOT_SOLICITED_NODE', `NS from :: sent to ${meta.destination}, not a solicited-node address (${rfc})`);
        if (hasSllao) return drop('E_UNSPECIFIED_SOURCE_SLLAO', `NS from :: carries a source link-layer address option (${rfc})`);
      }
      break;
    case 'na':
      // 7.1.2: "Target Address is not a multicast address."
      if (isMulticast(parseIPv6(message.target))) return drop('E_TARGET_MULTICAST', `NA target ${message.target} is multicast (${rfc})`);
      // 7.1.2: "If the IP Destination Address is a multicast address the Solicited flag is zero."
      if (isMulticast(destination) && message.solicited) return drop('E_SOLICITED_TO_MULTICAST', `NA to ${meta.destination} has the Solicited flag set (${rfc})`);
      break;
    case 'redirect': {
      const target = parseIPv6(message.target);
      const dest = parseIPv6(message.destination);
      // 8.1: "The ICMP Destination Address field in the redirect message does not contain a multicast address."
      if (isMulticast(dest)) return drop('E_REDIRECT_DESTINATION_MULTICAST', `Redirect destination ${message.destination} is multicast (${rfc})`);
      // 8.1: "The ICMP Target Address is either a link-local address ... or the same as the ICMP Destination Address."
      if (!isLinkLocal(target) && !addrEqual(target, dest)) {
        return drop('E_REDIRECT_TARGET', `Redirect target ${message.target} is neither link-local nor the destination (${rfc})`);
      }
      break;
    }
    case 'ra':
      break; // 6.1.2 has no rule beyond those above.
  }
  return { ok: true, message };
}

/** Drops by code, for the daemon's metrics (e.g. firsthop_nd_dropped_total{code="E_HOP_LIMIT"}). */
export class DropCounters {
  private readonly counts = new Map<string, number>();

  /** Count `result` if it is a drop; returns it unchanged so calls can be chained. */
  record(result: ValidationResult): ValidationResult {
    if (!result.ok) this.count(result.code);
    return result;
  }

  count(code: string, n = 1): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + n);
  }

  get(code: string): number {
    return this.counts.get(code) ?? 0;
  }

  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Counts by code, codes sorted. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  reset(): void {
    this.counts.clear();
  }
}
