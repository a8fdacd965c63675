/**
 * One interface's watch on the other routers of its link (RFC 4861 6.2.7; RFC 8475 section 5:
 * a router that should not be there is reported; scenario S8). Pure: the daemon hands it each
 * received RA with the time, whether the source is a VRRP peer and how it compares with ours,
 * and carries out what it decides (log lines, events, the countermeasure RA).
 *
 * Everything here is keyed by what a stranger on the LAN sends, so all of it is bounded:
 * - the table holds at most `capacity` routers, the least recently heard dropped first;
 * - detailed log lines about rogues: the first few of each interval, then only counted, and
 *   the count goes out as one summary line per interface per interval;
 * - inconsistency warnings for the same router, field and value: at most once an hour;
 * - countermeasure RAs: at most one per router per 100 ms, and a token bucket per interface.
 */
import type { RouterAdvertisement } from '../wire/types';
import { formatMac } from '../net/ipv6';
import type { Inconsistency } from './consistency';
import { printable } from './printable';
import type { Offers, RogueAction, RouterRole, SeenRouter, WatchStatus } from './types';

export const DEFAULT_CAPACITY = 64;
/** Routers kept across all interfaces (each holds its last RA): 64 x 1,000 interfaces under attack would be too many. */
export const MAX_ROUTERS_TOTAL = 4096;

/**
 * The routers kept by all the watches of a daemon together. Past `max`, a watch makes room by
 * dropping its own least recently heard router before it adds one (a watch with none may still
 * add one, so every interface keeps at least one).
 */
export class RouterBudget {
  used = 0;
  constructor(readonly max = MAX_ROUTERS_TOTAL) {}
}
/** Rogue detections logged one line each per interface and interval; the rest are counted. */
export const DETAILED_PER_INTERVAL = 5;
export const SUMMARY_INTERVAL_MS = 60_000;
/** The same inconsistency (router, field, value) is logged again only after this long. */
export const REPEAT_WARNING_MS = 3_600_000;
/** Distinct sources counted per summary interval (the count says "at least" past it). */
const MAX_COUNTED_SOURCES = 10_000;
/** Kinds of inconsistency counted per interface. */
const MAX_KINDS = 64;
/** Fields remembered per router for the repeat rule. */
const MAX_WARNED_FIELDS = 32;
/** Countermeasure: per router at most one withdrawing RA per this many ms... */
export const COUNTER_MIN_GAP_MS = 100;
/** ...and per interface a bucket of this many, refilled at this many per second. */
export const COUNTER_BURST = 20;
export const COUNTER_RATE = 20;
/**
 * RAs from sources not in the table (and not allow-listed by address) inspected per second per
 * interface, after a burst: past that, a flood of spoofed sources is only counted, before any
 * decoding, so it costs almost no CPU and no memory.
 */
export const NEW_SOURCE_RATE = 50;
export const NEW_SOURCE_BURST = 100;

export interface WatchConfig {
  /** AllowedRouters: canonical IPv6 addresses and lower-case MACs (aa:bb:cc:dd:ee:ff). */
  readonly allowed: readonly string[];
  readonly action: RogueAction;
  readonly capacity?: number;
}

/** What the daemon should do about one received RA. */
export interface Verdict {
  readonly router: SeenRouter;
  /** Not in the table before this RA (first heard, or heard again after eviction). */
  readonly isNew: boolean;
  /** What it offers or its role changed since its previous RA. */
  readonly changed: boolean;
  /** A rogue: first heard as one, or turned into one by this RA. */
  readonly detected: boolean;
  /** Log the detection in full (false: counted for the interval's summary line). */
  readonly logDetail: boolean;
  /** Send the withdrawing RA now. */
  readonly counter: boolean;
  /** Inconsistencies to log now (new, changed, or last logged over an hour ago). */
  readonly warn: readonly Inconsistency[];
  /** The router dropped from the table to make room, if one was. */
  readonly evicted?: { readonly source: string; readonly role: RouterRole; readonly rogue: boolean };
}

interface Entry {
  source: string;
  mac: string | undefined;
  role: RouterRole;
  rogue: boolean;
  firstSeen: number;
  lastSeen: number;
  count: number;
  offers: Offers;
  offersKey: string;
  ra: RouterAdvertisement;
  inconsistencies: readonly Inconsistency[];
  countered: number;
  lastCounter: number;
  /** field -> the value last warned about and when. */
  warned: Map<string, { theirs: string; at: number }>;
}

/** What an RA offers hosts: the things a rogue can hurt them with. */
export function offersOf(ra: RouterAdvertisement): Offers {
  const prefixes: string[] = [];
  const routes: string[] = [];
  const rdnss: string[] = [];
  const dnssl: string[] = [];
  let captivePortal: string | undefined;
  for (const o of ra.options) {
    switch (o.type) {
      case 'prefixInformation':
        if (o.validLifetime > 0 && (o.onLink || o.autonomous)) prefixes.push(`${o.prefix}/${o.prefixLength}`);
        break;
      case 'routeInformation':
        if (o.lifetime > 0) routes.push(`${o.prefix}/${o.prefixLength}`);
        break;
      case 'rdnss':
        if (o.lifetime > 0) rdnss.push(...o.servers);
        break;
      case 'dnssl':
        if (o.lifetime > 0) dnssl.push(...o.domains);
        break;
      case 'captivePortal':
        captivePortal = o.uri;
        break;
      default:
        break;
    }
  }
  return {
    defaultRoute: ra.routerLifetime > 0,
    routerLifetime: ra.routerLifetime,
    prefixes,
    routes,
    rdnss,
    dnssl,
    ...(captivePortal !== undefined ? { captivePortal } : {}),
  };
}

/** Whether hosts would take anything from these offers (a default route, a prefix, a route, DNS). */
export function offersSomething(o: Offers): boolean {
  return o.defaultRoute || o.prefixes.length > 0 || o.routes.length > 0 || o.rdnss.length > 0 || o.dnssl.length > 0;
}

/** 'router lifetime 1800s, prefixes 2001:db8::/64, routes -, RDNSS 2001:db8::53' for a log line. */
export function describeOffers(o: Offers, max = 4): string {
  const list = (xs: readonly string[]): string => (xs.length === 0 ? '-' : xs.length <= max ? xs.map((x) => printable(x, 80)).join(' ') : `${xs.slice(0, max).map((x) => printable(x, 80)).join(' ')} (+${xs.length - max} more)`);
  const parts = [`router lifetime ${o.routerLifetime}s`, `prefixes ${list(o.prefixes)}`, `routes ${list(o.routes)}`, `RDNSS ${list(o.rdnss)}`];
  if (o.dnssl.length > 0) parts.push(`DNSSL ${list(o.dnssl)}`);
  if (o.captivePortal !== undefined) parts.push(`captive portal ${printable(o.captivePortal, 120)}`);
  return parts.join(', ');
}

/** The source link-layer address of an RA, as aa:bb:cc:dd:ee:ff. */
export function macOf(ra: RouterAdvertisement): string | undefined {
  for (const o of ra.options) if (o.type === 'sourceLinkLayer') return formatMac(o.address);
  return undefined;
}

export class LinkWatch {
  private readonly table = new Map<string, Entry>();
  private cfg: WatchConfig;
  private allowed: Set<string>;
  private evicted = 0;
  private received = 0;
  private rogueRas = 0;
  private rogueDetections = 0;
  private countersSent = 0;
  private countersLimited = 0;
  private readonly inconsistent: Record<string, number> = {};
  private tokens = COUNTER_BURST;
  private tokensAt = -Infinity;
  private newTokens = NEW_SOURCE_BURST;
  private newTokensAt = -Infinity;
  private uninspected = 0;
  private intervalUninspected = 0;
  // The current summary interval.
  private intervalStart = -Infinity;
  private detailed = 0;
  private suppressedDetections = 0;
  private readonly suppressedSources = new Set<string>();
  private intervalRogueRas = 0;

  constructor(
    cfg: WatchConfig,
    private readonly budget: RouterBudget = new RouterBudget(),
  ) {
    this.cfg = cfg;
    this.allowed = new Set(cfg.allowed);
  }

  /** Forget every router (the interface leaves the config): their share of the budget goes back. */
  clear(): void {
    this.budget.used -= this.table.size;
    this.table.clear();
  }

  get capacity(): number {
    return Math.max(1, this.cfg.capacity ?? DEFAULT_CAPACITY);
  }

  get action(): RogueAction {
    return this.cfg.action;
  }

  /** A reloaded config: the allow-list and action apply to the routers already in the table. */
  reconfigure(cfg: WatchConfig): void {
    this.cfg = cfg;
    this.allowed = new Set(cfg.allowed);
    for (const e of this.table.values()) {
      if (e.role === 'vrrp-peer') continue;
      const role = this.isAllowed(e.source, e.mac) ? 'allowed' : 'unknown';
      if (role === e.role) continue;
      // A router taken off the list is detected as a rogue on its next RA (a line, a count, an
      // event, and only then the countermeasure); one put on it stops being one at once.
      e.role = role;
      e.rogue = false;
    }
    while (this.table.size > this.capacity) this.evictOldest();
  }

  private isAllowed(source: string, mac: string | undefined): boolean {
    return this.allowed.has(source) || (mac !== undefined && this.allowed.has(mac));
  }

  /**
   * Whether to inspect an RA from `source` (called before the RA is even decoded): always for a
   * router in the table or allow-listed by address, else within NEW_SOURCE_RATE a second. The
   * rest are counted as not inspected: under a flood of spoofed sources, decoding and
   * classifying each would cost CPU and garbage for nothing the table could keep.
   */
  admit(source: string, now: number): boolean {
    if (this.table.has(source) || this.allowed.has(source)) return true;
    // Math.max: a wall clock stepped backwards must not drain the bucket for as long as the step.
    this.newTokens = Math.min(NEW_SOURCE_BURST, this.newTokens + (Math.max(0, now - this.newTokensAt) / 1000) * NEW_SOURCE_RATE);
    this.newTokensAt = now;
    if (this.newTokens >= 1) {
      this.newTokens--;
      return true;
    }
    this.uninspected++;
    this.roll(now);
    this.intervalUninspected++;
    return false;
  }

  /**
   * One RA from `source` (never from this router itself). `peer`: the source is the other
   * router of a virtual router this interface follows. `issues`: how the RA compares with ours
   * (empty when we advertise nothing to compare).
   */
  heard(source: string, ra: RouterAdvertisement, now: number, peer: boolean, issues: readonly Inconsistency[]): Verdict {
    this.received++;
    const mac = macOf(ra);
    const role: RouterRole = peer ? 'vrrp-peer' : this.isAllowed(source, mac) ? 'allowed' : 'unknown';
    const offers = offersOf(ra);
    const rogue = role === 'unknown' && offersSomething(offers);
    const offersKey = JSON.stringify(offers);
    let e = this.table.get(source);
    const isNew = e === undefined;
    let evicted: { source: string; role: RouterRole; rogue: boolean } | undefined;
    let changed = false;
    let wasRogue = false;
    if (e === undefined) {
      if (this.table.size >= this.capacity || (this.budget.used >= this.budget.max && this.table.size > 0)) evicted = this.evictOldest();
      this.budget.used++;
      e = { source, mac, role, rogue, firstSeen: now, lastSeen: now, count: 0, offers, offersKey, ra, inconsistencies: issues, countered: 0, lastCounter: -Infinity, warned: new Map() };
    } else {
      this.table.delete(source); // re-inserted below: the Map's order is least recently heard first
      wasRogue = e.rogue;
      changed = e.offersKey !== offersKey || e.role !== role;
      e.mac = mac;
      e.role = role;
      e.rogue = rogue;
      e.offers = offers;
      e.offersKey = offersKey;
      e.ra = ra;
      e.inconsistencies = issues;
    }
    this.table.set(source, e);
    e.count++;
    e.lastSeen = now;

    for (const i of issues) {
      // Kinds are a fixed vocabulary (fieldKind), but the record is capped all the same.
      if (this.inconsistent[i.kind] === undefined && Object.keys(this.inconsistent).length >= MAX_KINDS) continue;
      this.inconsistent[i.kind] = (this.inconsistent[i.kind] ?? 0) + 1;
    }
    // RFC 4861 6.2.7: whoever sent it (a rogue's line says what it offers; this says where it contradicts us).
    const warn = this.toWarn(e, issues, now);

    this.roll(now);
    let detected = false;
    let logDetail = false;
    let counter = false;
    if (rogue) {
      this.rogueRas++;
      this.intervalRogueRas++;
      detected = !wasRogue;
      if (detected) {
        this.rogueDetections++;
        if (this.detailed < DETAILED_PER_INTERVAL) {
          this.detailed++;
          logDetail = true;
        } else {
          this.suppressedDetections++;
          if (this.suppressedSources.size < MAX_COUNTED_SOURCES) this.suppressedSources.add(source);
        }
      } else if (changed && this.detailed < DETAILED_PER_INTERVAL) {
        // A known rogue advertising something new: worth a line while the budget lasts.
        this.detailed++;
        logDetail = true;
      }
      if (this.cfg.action === 'withdraw') counter = this.takeCounter(e, now);
    }
    return { router: this.view(e), isNew, changed, detected, logDetail, counter, warn, ...(evicted !== undefined ? { evicted } : {}) };
  }

  /** Inconsistencies to log for an expected router: new, changed, or not logged for an hour. */
  private toWarn(e: Entry, issues: readonly Inconsistency[], now: number): Inconsistency[] {
    const out: Inconsistency[] = [];
    for (const i of issues) {
      const last = e.warned.get(i.field);
      if (last !== undefined && last.theirs === i.theirs && now - last.at < REPEAT_WARNING_MS) continue;
      e.warned.delete(i.field);
      if (e.warned.size >= MAX_WARNED_FIELDS) e.warned.delete(e.warned.keys().next().value as string);
      e.warned.set(i.field, { theirs: i.theirs, at: now });
      out.push(i);
    }
    return out;
  }

  private takeCounter(e: Entry, now: number): boolean {
    if (now - e.lastCounter < COUNTER_MIN_GAP_MS && now >= e.lastCounter) {
      this.countersLimited++;
      return false;
    }
    this.tokens = Math.min(COUNTER_BURST, this.tokens + (Math.max(0, now - this.tokensAt) / 1000) * COUNTER_RATE);
    this.tokensAt = now;
    if (this.tokens < 1) {
      this.countersLimited++;
      return false;
    }
    this.tokens--;
    e.lastCounter = now;
    e.countered++;
    this.countersSent++;
    return true;
  }

  private evictOldest(): { source: string; role: RouterRole; rogue: boolean } | undefined {
    const oldest = this.table.values().next();
    if (oldest.done === true) return undefined;
    this.table.delete(oldest.value.source);
    this.budget.used--;
    this.evicted++;
    return { source: oldest.value.source, role: oldest.value.role, rogue: oldest.value.rogue };
  }

  /** Start a new summary interval when the current one is over (the daemon reads summary() first). */
  private roll(now: number): void {
    if (now < this.intervalStart) this.intervalStart = now; // the wall clock stepped backwards
    if (now - this.intervalStart < SUMMARY_INTERVAL_MS) return;
    // Counts not yet told wait for summary() (its timer is due now), which starts the next interval.
    if (this.suppressedDetections > 0 || this.intervalUninspected > 0) return;
    this.restart(now);
  }

  private restart(now: number): void {
    this.intervalStart = now;
    this.detailed = 0;
    this.suppressedDetections = 0;
    this.suppressedSources.clear();
    this.intervalRogueRas = 0;
    this.intervalUninspected = 0;
  }

  /**
   * The summary of an interval that is over and had detections not logged one by one: one
   * line's worth of counts, then a fresh interval. Undefined when there is nothing to say.
   */
  summary(now: number): { readonly detections: number; readonly sources: number; readonly sourcesCapped: boolean; readonly rogueRas: number; readonly uninspected: number; readonly intervalMs: number } | undefined {
    if (now - this.intervalStart < SUMMARY_INTERVAL_MS || (this.suppressedDetections === 0 && this.intervalUninspected === 0)) return undefined;
    const out = {
      detections: this.suppressedDetections,
      sources: this.suppressedSources.size,
      sourcesCapped: this.suppressedSources.size >= MAX_COUNTED_SOURCES,
      rogueRas: this.intervalRogueRas,
      uninspected: this.intervalUninspected,
      intervalMs: now - this.intervalStart,
    };
    this.restart(now);
    return out;
  }

  /** When the current interval ends, if a summary will be due then. */
  get summaryDueAt(): number | undefined {
    return this.suppressedDetections > 0 || this.intervalUninspected > 0 ? this.intervalStart + SUMMARY_INTERVAL_MS : undefined;
  }

  router(source: string): SeenRouter | undefined {
    const e = this.table.get(source);
    return e === undefined ? undefined : this.view(e);
  }

  private view(e: Entry): SeenRouter {
    return {
      source: e.source,
      ...(e.mac !== undefined ? { mac: e.mac } : {}),
      role: e.role,
      rogue: e.rogue,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      count: e.count,
      offers: e.offers,
      ra: e.ra,
      inconsistencies: e.inconsistencies.map(({ field, ours, theirs }) => ({ field, ours, theirs })),
      countered: e.countered,
    };
  }

  status(): WatchStatus {
    const routers = [...this.table.values()].reverse().map((e) => this.view(e));
    return {
      routers,
      capacity: this.capacity,
      evicted: this.evicted,
      received: this.received,
      rogueRas: this.rogueRas,
      rogueDetections: this.rogueDetections,
      countermeasuresSent: this.countersSent,
      countermeasuresLimited: this.countersLimited,
      uninspected: this.uninspected,
      inconsistencies: { ...this.inconsistent },
      allowed: [...this.cfg.allowed],
      action: this.cfg.action,
    };
  }
}
