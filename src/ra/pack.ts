/**
 * Splitting an RA into packets that fit the link (radvd's AdvRAMTU). RFC 4861 6.2.3 allows
 * the information to be spread over several RAs: "a router MAY choose to not include some or
 * all options when sending unsolicited Router Advertisements". Every packet repeats the
 * header and the per-link options (source link-layer address, MTU, advertisement interval,
 * home agent information), so each one alone is a complete, consistent RA; the per-item
 * options (prefixes, routes, DNS, ...) are spread in order, as many as fit.
 */
import type { NdOption, RouterAdvertisement } from '../wire/types';
import { optionLength } from '../wire';

export const IPV6_HEADER = 40;
export const RA_HEADER = 16;

const PER_LINK = new Set<NdOption['type']>(['sourceLinkLayer', 'mtu', 'advertisementInterval', 'homeAgentInfo']);

/** `maxPacket` is the largest IPv6 packet allowed (header included). */
export function packRa(ra: RouterAdvertisement, maxPacket: number): RouterAdvertisement[] {
  const budget = maxPacket - IPV6_HEADER - RA_HEADER;
  const fixed = ra.options.filter((o) => PER_LINK.has(o.type));
  const items = ra.options.filter((o) => !PER_LINK.has(o.type));
  const fixedLen = fixed.reduce((n, o) => n + optionLength(o), 0);
  const packets: NdOption[][] = [];
  let current: NdOption[] = [];
  let used = fixedLen;
  for (const o of items) {
    const len = optionLength(o);
    if (current.length > 0 && used + len > budget) {
      packets.push(current);
      current = [];
      used = fixedLen;
    }
    // An option larger than the whole budget still goes out alone: dropping it would be worse.
    current.push(o);
    used += len;
  }
  if (current.length > 0 || packets.length === 0) packets.push(current);
  return packets.map((opts) => ({ ...ra, options: [...fixed, ...opts] }));
}
