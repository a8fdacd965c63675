/**
 * What firsthop sees on its links: the other routers heard (RFC 4861 6.2.7 says a router
 * inspects them; RFC 8475 section 5 and scenario S8 ask that unexpected ones be reported), and
 * the stream of changes the HTTP side publishes. Types only: the table and the rogue decisions
 * are in watch.ts, the stream in events.ts.
 */
import type { RouterAdvertisement } from '../wire/types';

/**
 * Why a router is (or is not) expected on the link:
 * - `vrrp-peer`: the other router of a virtual router this interface follows (its virtual
 *   link-local address, or its own primary address while it is the Active);
 * - `allowed`: listed in the interface's `AllowedRouters { };` by address or MAC;
 * - `unknown`: anyone else. An unknown router that offers something (a default route, a
 *   prefix, a route, DNS) is a rogue.
 */
export type RouterRole = 'vrrp-peer' | 'allowed' | 'unknown';

/** What an RA offers hosts, in a few words, for log lines and the page. */
export interface Offers {
  /** Router lifetime > 0: hosts add a default route through it. */
  readonly defaultRoute: boolean;
  readonly routerLifetime: number;
  /** Prefixes with a non-zero valid lifetime ('2001:db8::/64'). */
  readonly prefixes: readonly string[];
  /** Route Information with a non-zero lifetime. */
  readonly routes: readonly string[];
  /** RDNSS servers with a non-zero lifetime. */
  readonly rdnss: readonly string[];
  /** DNSSL domains with a non-zero lifetime. */
  readonly dnssl: readonly string[];
  readonly captivePortal?: string;
}

/** One router heard on an interface. */
export interface SeenRouter {
  /** The source address of its RAs (a link-local address, RFC 4861 6.1.2). */
  readonly source: string;
  /** From the source link-layer option of its last RA, when it had one. */
  readonly mac?: string;
  readonly role: RouterRole;
  /** Unknown and offering something. */
  readonly rogue: boolean;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** RAs heard from it since it entered the table. */
  readonly count: number;
  readonly offers: Offers;
  /** Its last RA as decoded. */
  readonly ra: RouterAdvertisement;
  /** Where its last RA contradicts ours (RFC 4861 6.2.7; RFC 9568 8.2.3 for a VRRP peer). */
  readonly inconsistencies: readonly { readonly field: string; readonly ours: string; readonly theirs: string }[];
  /** Withdrawing RAs sent in its name (the countermeasure). */
  readonly countered: number;
}

export type RogueAction = 'report' | 'withdraw';

/** Per interface: the routers heard and what was done about them. */
export interface WatchStatus {
  /** Most recently heard first, at most `capacity`. */
  readonly routers: readonly SeenRouter[];
  readonly capacity: number;
  /** Routers dropped from the table to make room (least recently heard first). */
  readonly evicted: number;
  /** RAs from other routers heard on this interface. */
  readonly received: number;
  /** RAs from rogue routers (every one, not only the first of each router). */
  readonly rogueRas: number;
  /** Rogue routers detected: first RA of a router not in the table, or a known one turning rogue. */
  readonly rogueDetections: number;
  /** Withdrawing RAs sent (countermeasure), and those the rate limit held back. */
  readonly countermeasuresSent: number;
  readonly countermeasuresLimited: number;
  /** RAs from new sources not inspected (over the inspection rate: a flood of spoofed sources), only counted. */
  readonly uninspected: number;
  /** Inconsistent RAs by kind of field ('router_lifetime', 'prefix_valid_lifetime', ...). */
  readonly inconsistencies: Readonly<Record<string, number>>;
  /** The allow-list as configured (addresses and MACs). */
  readonly allowed: readonly string[];
  readonly action: RogueAction;
}

/** One change published on /api/events (and kept in a short ring for reconnecting clients). */
export type FirsthopEvent =
  | { readonly type: 'ra'; readonly interface: string; readonly why: string }
  | { readonly type: 'condition'; readonly condition: string; readonly effective: boolean; readonly raw: boolean; readonly penalty: number }
  | { readonly type: 'vrrp'; readonly router: string; readonly state: string; readonly priority: number; readonly why: string }
  | { readonly type: 'router'; readonly interface: string; readonly source: string; readonly role: RouterRole; readonly rogue: boolean; readonly change: 'new' | 'changed' | 'evicted' }
  | { readonly type: 'rogue'; readonly interface: string; readonly source: string; readonly mac?: string; readonly offers: Offers; readonly countered: boolean }
  | { readonly type: 'reload'; readonly ok: boolean }
  /** Events held back by a budget in the last minute (router and rogue events under a flood). */
  | { readonly type: 'suppressed'; readonly what: 'router' | 'other'; readonly count: number };

export type StampedEvent = FirsthopEvent & { readonly seq: number; readonly at: number };
