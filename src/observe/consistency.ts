/**
 * RFC 4861 6.2.7: a router SHOULD inspect RAs sent by other routers on the link and log
 * information that is inconsistent with its own: Cur Hop Limit, M, O, Reachable Time and
 * Retrans Timer (when both are non-zero), MTU, and the lifetimes of a prefix both advertise
 * (unless decremented in real time). Shared prefixes must agree across routers, or hosts
 * flip their addresses between preferred and deprecated.
 */
import type { RouterAdvertisement } from '../wire/types';
import { printable } from './printable';

export interface Inconsistency {
  readonly field: string;
  /** The field without the prefix or address it names, for a bounded metric label ('prefix_valid_lifetime'). */
  readonly kind: string;
  readonly ours: string;
  readonly theirs: string;
}

/**
 * A bounded label for a field: 'prefix 2001:db8::/64 valid lifetime' -> 'prefix_valid_lifetime',
 * 'DNSSL anything' -> 'dnssl', 'Cur Hop Limit' -> 'cur_hop_limit'. Fields naming an item (a
 * prefix, route, server, domain: from the wire) keep only the item's kind and fixed words.
 */
export function fieldKind(field: string): string {
  const words = field.split(' ');
  const head = words[0] ?? '';
  const kept = ITEM_KINDS.has(head) ? [head, ...words.slice(1).filter((w) => FIXED_WORDS.has(w))] : words.filter((w) => !/[:/.]/.test(w) && w !== '');
  return kept.join('_').toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
}

const ITEM_KINDS = new Set(['prefix', 'route', 'RDNSS', 'DNSSL']);
const FIXED_WORDS = new Set(['valid', 'preferred', 'lifetime']);

export function checkConsistency(ours: RouterAdvertisement, theirs: RouterAdvertisement): Inconsistency[] {
  const out: Inconsistency[] = [];
  const cmp = (field: string, a: number | boolean, b: number | boolean, bothNonZero = false): void => {
    if (bothNonZero && (a === 0 || b === 0)) return;
    if (a !== b) out.push({ field, kind: fieldKind(field), ours: String(a), theirs: String(b) });
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

/** One comparable item of an RA: its identity (e.g. 'prefix 2001:db8::/64') and its value. */
function items(ra: RouterAdvertisement): Map<string, string> {
  const m = new Map<string, string>();
  m.set('router lifetime', String(ra.routerLifetime));
  m.set('router preference', ra.preference);
  m.set('Cur Hop Limit', String(ra.curHopLimit));
  m.set('M flag', String(ra.managed));
  m.set('O flag', String(ra.other));
  m.set('Reachable Time', String(ra.reachableTime));
  m.set('Retrans Timer', String(ra.retransTimer));
  for (const o of ra.options) {
    switch (o.type) {
      case 'sourceLinkLayer':
        break; // the virtual MAC on both, or it is not the virtual router's RA
      case 'prefixInformation':
        m.set(`prefix ${o.prefix}/${o.prefixLength}`, `valid ${o.validLifetime} preferred ${o.preferredLifetime}${o.onLink ? ' L' : ''}${o.autonomous ? ' A' : ''}${o.routerAddress ? ' R' : ''}${o.dhcpv6Pd ? ' P' : ''}`);
        break;
      case 'routeInformation':
        m.set(`route ${o.prefix}/${o.prefixLength}`, `lifetime ${o.lifetime} preference ${o.preference}`);
        break;
      case 'rdnss':
        m.set(`RDNSS ${o.servers.join(' ')}`, `lifetime ${o.lifetime}`);
        break;
      case 'dnssl':
        m.set(`DNSSL ${o.domains.join(' ')}`, `lifetime ${o.lifetime}`);
        break;
      case 'mtu':
        m.set('MTU', String(o.mtu));
        break;
      default:
        // JSON leaves C1 controls and U+2028/9 as they are: made printable, but not cut (two
        // options that differ only past a cut must not compare equal); lines that show it cut it.
        m.set(`option ${o.type}`, printable(JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)), Infinity));
    }
  }
  return m;
}

/**
 * RFC 9568 8.2.3: the routers of one virtual router must send the same RA (hosts keep what the
 * last Active said, so any difference changes what they are told at a failover). Compares
 * everything but the source link-layer option: header fields and every option, present or not.
 */
export function compareVirtualRouterRas(ours: RouterAdvertisement, theirs: RouterAdvertisement): Inconsistency[] {
  const a = items(ours);
  const b = items(theirs);
  const out: Inconsistency[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== v) out.push({ field: k, kind: fieldKind(k), ours: v, theirs: w ?? 'absent' });
  }
  for (const [k, w] of b) if (!a.has(k)) out.push({ field: k, kind: fieldKind(k), ours: 'absent', theirs: w });
  return out;
}
