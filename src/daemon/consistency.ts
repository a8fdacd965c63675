/**
 * RFC 4861 6.2.7: a router SHOULD inspect RAs sent by other routers on the link and log
 * information that is inconsistent with its own: Cur Hop Limit, M, O, Reachable Time and
 * Retrans Timer (when both are non-zero), MTU, and the lifetimes of a prefix both advertise
 * (unless decremented in real time). Shared prefixes must agree across routers, or hosts
 * flip their addresses between preferred and deprecated.
 */
import type { RouterAdvertisement } from '../wire/types';

export interface Inconsistency {
  readonly field: string;
  readonly ours: string;
  readonly theirs: string;
}

export function checkConsistency(ours: RouterAdvertisement, theirs: RouterAdvertisement): Inconsistency[] {
  const out: Inconsistency[] = [];
  const cmp = (field: string, a: number | boolean, b: number | boolean, bothNonZero = false): void => {
    if (bothNonZero && (a === 0 || b === 0)) return;
    if (a !== b) out.push({ field, ours: String(a), theirs: String(b) });
  };
  cmp('Cur Hop Limit', ours.curHopLimit, theirs.curHopLimit, true);
  cmp('M flag', ours.managed, theirs.managed);
  cmp('O flag', ours.other, theirs.other);
  cmp('Reachable Time', ours.reachableTime, theirs.reachableTime, true);
  cmp('Retrans Timer', ours.retransTimer, theirs.retransTimer, true);
  const mtu = (ra: RouterAdvertisement): number => {
    for (const o of ra.options) if (o.type === 'mtu') return o.mtu;
    return 0;
  };
  cmp('MTU', mtu(ours), mtu(theirs), true);
  for (const p of ours.options) {
    if (p.type !== 'prefixInformation') continue;
    for (const q of theirs.options) {
      if (q.type !== 'prefixInformation' || q.prefix !== p.prefix || q.prefixLength !== p.prefixLength) continue;
      cmp(`prefix ${p.prefix}/${p.prefixLength} valid lifetime`, p.validLifetime, q.validLifetime);
      cmp(`prefix ${p.prefix}/${p.prefixLength} preferred lifetime`, p.preferredLifetime, q.preferredLifetime);
    }
  }
  return out;
}
