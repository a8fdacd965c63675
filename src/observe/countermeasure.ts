/**
 * The opt-in answer to a rogue RA (`RogueRAWithdraw on`, as ramond and NDPMon offer): an RA
 * sent in the rogue's name (its source address) that takes back what it announced, so hosts
 * drop what they just learned from it.
 *
 * - Router Lifetime 0: hosts remove the rogue from their default router list (RFC 4861 6.3.4);
 *   preference medium, as RFC 4191 2.2 asks with lifetime 0.
 * - Route Information with lifetime 0: the route is removed (RFC 4191 3.1).
 * - Prefixes, in two options: the on-link prefix (L=1, A=0) with valid lifetime 0, which
 *   removes it at once (RFC 4861 6.3.4); and the addresses (L=0, A=1) with preferred lifetime 0
 *   (deprecated at once) and the valid lifetime cut as far as hosts allow: RFC 4862 5.5.3 (e)
 *   ignores a valid lifetime of 2 hours or less unless it is above the time remaining, so
 *   7200 s is sent when the rogue announced more (the addresses then expire in two hours), and
 *   0 otherwise (never more than the rogue said: 7200 s for a 3600 s prefix would lengthen it).
 * - RDNSS and DNSSL with lifetime 0: the servers and domains are dropped (RFC 8106 5.1, 5.2).
 * - No source link-layer option: hosts keep whatever neighbour entry they have for the
 *   rogue's address (firsthop's own MAC must not become the rogue's).
 * - M, O, hop limit, reachable time and retrans timer are 0: "unspecified" for the numbers
 *   (RFC 4861 6.3.4), and the flags do not start DHCPv6.
 */
import type { NdOption, RouterAdvertisement } from '../wire/types';

/** RFC 4862 5.5.3 (e): the two hours below which an RA cannot cut a valid lifetime. */
export const TWO_HOURS = 7200;

/** The RA that withdraws what `rogue` announced; undefined when it announced nothing to take back. */
export function withdrawingRa(rogue: RouterAdvertisement): RouterAdvertisement | undefined {
  const options: NdOption[] = [];
  for (const o of rogue.options) {
    switch (o.type) {
      case 'prefixInformation':
        if (o.validLifetime === 0) break;
        // Two options for one prefix: the on-link part can go at once (RFC 4861 6.3.4: valid
        // lifetime 0 with L=1 times the prefix out), the address part only within the
        // two-hour rule (RFC 4862 5.5.3 e, which applies to SLAAC addresses alone). L=0 says
        // nothing about on-link and A=0 nothing about addresses, so neither undoes the other.
        if (o.onLink) options.push({ ...o, autonomous: false, preferredLifetime: 0, validLifetime: 0 });
        if (o.autonomous) options.push({ ...o, onLink: false, preferredLifetime: 0, validLifetime: o.validLifetime > TWO_HOURS ? TWO_HOURS : 0 });
        break;
      case 'routeInformation':
        if (o.lifetime > 0) options.push({ ...o, lifetime: 0 });
        break;
      case 'rdnss':
        if (o.lifetime > 0) options.push({ ...o, lifetime: 0 });
        break;
      case 'dnssl':
        if (o.lifetime > 0) options.push({ ...o, lifetime: 0 });
        break;
      default:
        break;
    }
  }
  if (rogue.routerLifetime === 0 && options.length === 0) return undefined;
  return {
    type: 'ra',
    curHopLimit: 0,
    managed: false,
    other: false,
    homeAgent: false,
    preference: 'medium',
    proxy: false,
    routerLifetime: 0,
    reachableTime: 0,
    retransTimer: 0,
    options,
  };
}
