/**
 * The ledger of withdrawn RA items. When a prefix, route or DNS option leaves the RA
 * (reload, ::/64 address removed, Base6Interface renumbered), hosts may still hold it; the
 * RA keeps carrying it with a zero lifetime (BIRD's "linger") for as long as a host could:
 * - a prefix: preferred lifetime 0, valid lifetime counting down from what was last sent,
 *   at most two hours, since RFC 4862 5.5.3 (e) lets no host keep it longer after that;
 * - a route, RDNSS or DNSSL: lifetime 0 until the last advertised lifetime has run out
 *   (at most two hours for an infinite one).
 */
import { INFINITY, type NdOption } from '../wire/types';
import { TWO_HOURS } from './build';

export interface Withdrawal {
  /** 'prefix 2001:db8::/64', 'route ...', 'rdnss a,b', 'dnssl x,y' (the builder's keys). */
  readonly key: string;
  /** The option as last advertised. */
  readonly option: NdOption;
  readonly withdrawnAt: number;
  readonly expiresAt: number;
  readonly why: string;
}

function lingerSeconds(option: NdOption): number {
  let lifetime: number;
  switch (option.type) {
    case 'prefixInformation': lifetime = option.validLifetime; break;
    case 'routeInformation': lifetime = option.lifetime; break;
    case 'rdnss': lifetime = option.lifetime; break;
    case 'dnssl': lifetime = option.lifetime; break;
    default: lifetime = 0;
  }
  return lifetime === INFINITY ? TWO_HOURS : Math.min(lifetime, TWO_HOURS);
}

export class WithdrawalLedger {
  private readonly entries = new Map<string, Withdrawal>();

  /**
   * Compare what was advertised with what is advertised now: items that left are recorded,
   * items that came back are forgotten. Returns true when the ledger changed.
   */
  update(before: ReadonlyMap<string, NdOption>, after: ReadonlyMap<string, NdOption>, now: number, why: string): boolean {
    let changed = false;
    for (const [key, option] of before) {
      if (after.has(key) || this.entries.has(key)) continue;
      const option0 = option.type === 'prefixInformation' ? { ...option, validLifetime: lingerSeconds(option) } : option;
      this.entries.set(key, { key, option: option0, withdrawnAt: now, expiresAt: now + lingerSeconds(option) * 1000, why });
      changed = true;
    }
    for (const key of after.keys()) if (this.entries.delete(key)) changed = true;
    return changed;
  }

  /** Entries still lingering at `now`; expired ones are dropped. */
  active(now: number): Withdrawal[] {
    for (const [k, w] of this.entries) if (w.expiresAt <= now) this.entries.delete(k);
    return [...this.entries.values()];
  }

  /** Earliest expiry, to know when the RA changes next. */
  nextExpiry(): number | undefined {
    let min: number | undefined;
    for (const w of this.entries.values()) if (min === undefined || w.expiresAt < min) min = w.expiresAt;
    return min;
  }

  toJSON(): Withdrawal[] {
    return [...this.entries.values()];
  }

  restore(list: readonly Withdrawal[]): void {
    for (const w of list) this.entries.set(w.key, w);
  }
}
