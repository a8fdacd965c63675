/**
 * One advertising interface: the RFC 4861 section 6.2 timing rules as a state machine.
 * Events in (config, link state, solicitations, changes), sends out. It decides *when* and
 * *to whom*; *what* is sent comes from the RA builder through `deps.transmit`. Clock and
 * randomness are injected, so every rule below is unit-tested.
 */
import type { InterfaceConfig } from '../config/types';
import { ALL_NODES } from '../net/ipv6';
import type { Clock, TimerHandle } from './clock';

/** RFC 4861 10: router constants. */
export const MAX_INITIAL_RTR_ADVERT_INTERVAL = 16_000;
export const MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
export const MAX_RA_DELAY_TIME = 500;

/** Flood protection for unicast answers (RFC 7772 answers are not covered by MIN_DELAY_BETWEEN_RAS). */
export const MAX_PENDING_UNICAST = 256;
export const UNICAST_BURST = 100;
/**
 * One unicast answer per source per second. Hosts retransmit solicitations every 4 s
 * (RTR_SOLICITATION_INTERVAL, RFC 4861 10), so only a misbehaving or hostile sender is slowed.
 */
export const PER_SOURCE_GAP = 1000;

export type SendKind = 'initial' | 'periodic' | 'solicited' | 'triggered' | 'final' | 'client';

export interface AdvertiserDeps {
  readonly clock: Clock;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Build the RA (or RAs, split to fit the MTU) and send them to `destination`. */
  transmit(destination: string, kind: SendKind, ceasing: boolean): void;
}

export interface AdvertiserStats {
  multicastSent: number;
  unicastSent: number;
  solicitationsReceived: number;
  solicitationsIgnored: number;
  solicitationsRateLimited: number;
}

export class Advertiser {
  private cfg: InterfaceConfig;
  /** Link up, carrier present and a usable source address: RAs can go out. */
  private ready = false;
  private initialLeft = MAX_INITIAL_RTR_ADVERTISEMENTS;
  private lastMulticastAt = -Infinity;
  private timer: TimerHandle | undefined;
  private nextAt: number | undefined;
  private nextKind: SendKind = 'periodic';
  /** Unicast answers waiting for their random delay, by destination. */
  private readonly unicast = new Map<string, TimerHandle>();
  /** Last unicast answer per source, for the per-source rate limit. */
  private readonly lastAnswered = new Map<string, number>();
  /** Token bucket over all unicast answers, refilled at UNICAST_BURST per second. */
  private tokens = UNICAST_BURST;
  private tokensAt = 0;
  readonly stats: AdvertiserStats = {
    multicastSent: 0,
    unicastSent: 0,
    solicitationsReceived: 0,
    solicitationsIgnored: 0,
    solicitationsRateLimited: 0,
  };

  constructor(cfg: InterfaceConfig, private readonly deps: AdvertiserDeps) {
    this.cfg = cfg;
  }

  get config(): InterfaceConfig {
    return this.cfg;
  }

  get isReady(): boolean {
    return this.ready;
  }

  private get active(): boolean {
    return this.ready && this.cfg.advSendAdvert;
  }

  /** Multicast (or, with `clients`, per-client unicast) periodic RAs are sent at all. */
  private get periodic(): boolean {
    return this.active && !this.cfg.unicastOnly;
  }

  /** The link became usable or unusable (down, no carrier, no link-local address yet, gone). */
  setReady(ready: boolean, immediate = false): void {
    if (ready === this.ready) return;
    this.ready = ready;
    this.cancelAll();
    if (ready) {
      // RFC 4861 6.2.4: the first few advertisements after becoming an advertising interface
      // go out at intervals of at most MAX_INITIAL_RTR_ADVERT_INTERVAL. The first goes now.
      this.initialLeft = MAX_INITIAL_RTR_ADVERTISEMENTS;
      // A new VRRP Active: the RA this router sent in its previous Active period (before the
      // peer's) does not hold back the first one now (MinDelayBetweenRAs).
      if (immediate) this.lastMulticastAt = -Infinity;
      if (this.periodic) this.schedule(this.deps.clock.now(), 'initial');
      // `immediate` (a new VRRP Active): in this very turn, not after the event loop has run
      // the netlink notifications its own takeover caused.
      if (immediate) this.sendIfDue(this.deps.clock.now());
    }
  }

  /** A new config from a reload. Timers are kept: hosts see only what the config changes. */
  setConfig(cfg: InterfaceConfig): void {
    const was = this.periodic;
    this.cfg = cfg;
    if (!was && this.periodic) {
      this.initialLeft = MAX_INITIAL_RTR_ADVERTISEMENTS;
      this.schedule(this.deps.clock.now(), 'initial');
    } else if (was && !this.periodic) {
      this.cancelAll();
    } else if (this.periodic && this.nextAt !== undefined) {
      // Keep the schedule unless the new interval bounds are tighter.
      const latest = this.lastMulticastAt + cfg.maxRtrAdvInterval * 1000;
      if (this.nextAt > latest) this.schedule(Math.max(latest, this.deps.clock.now()), 'periodic');
    }
  }

  /**
   * The RA's content changed (reload, condition, withdrawn item). RFC 4861 6.2.4: send it
   * at once, subject to MIN_DELAY_BETWEEN_RAS, and repeat it as after initialization,
   * since a single RA can be lost.
   */
  changed(): void {
    if (!this.periodic) return;
    this.initialLeft = MAX_INITIAL_RTR_ADVERTISEMENTS;
    const at = this.deps.clock.now();
    // An RA already due sooner will carry the new content anyway.
    if (this.nextAt === undefined || at < this.nextAt) {
      this.schedule(at, 'triggered');
      // Due now (MinDelayBetweenRAs allows it): sent in this very turn, as soon as the event
      // that changed the RA is handled, not by a timer (Node's setTimeout(0) waits at least
      // 1 ms, and after the rest of the netlink batch).
      this.sendIfDue(at);
    }
  }

  /** Send the scheduled RA in this very turn if it is due at `now`, instead of by its timer. */
  private sendIfDue(now: number): void {
    if (this.timer === undefined || this.nextAt === undefined || this.nextAt > now) return;
    this.deps.clock.clearTimeout(this.timer);
    this.fire();
  }

  /** A solicitation from `source` is answered by unicast (RFC 7772, clients, UnicastOnly); sources are canonical, so :: is the unspecified one. */
  private byUnicast(source: string): boolean {
    return source !== '::' && (this.cfg.unicastOnly || this.cfg.advRaSolicitedUnicast || this.cfg.clients.length > 0);
  }

  /**
   * Before the solicitation is even decoded: whether it can change nothing, because an answer
   * is already on its way within the delay RFC 4861 6.2.6 allows it (a unicast answer to this
   * source pending, or, past the per-source limit, a multicast RA scheduled no later than
   * MAX_RA_DELAY_TIME after the earliest it could go). Counted as solicit() would count it.
   * Under an RS flood this is nearly every solicitation, and it costs no decode.
   */
  absorb(source: string, now: number): boolean {
    if (!this.active) return false; // solicit() counts it as ignored, after validation
    const clients = this.cfg.clients.length > 0;
    if (clients && !this.cfg.clients.includes(source)) return false;
    const multicastAnswers = !this.cfg.unicastOnly && !clients;
    const earliest = Math.max(now, this.lastMulticastAt + this.cfg.minDelayBetweenRas * 1000);
    const multicastSoon = multicastAnswers && this.nextAt !== undefined && this.nextAt <= earliest + MAX_RA_DELAY_TIME;
    if (this.byUnicast(source)) {
      if (this.unicast.has(source)) {
        this.stats.solicitationsReceived++;
        return true;
      }
      const last = this.lastAnswered.get(source);
      if (last === undefined || now - last >= PER_SOURCE_GAP || (multicastAnswers && !multicastSoon)) return false;
      this.stats.solicitationsReceived++;
      this.stats.solicitationsRateLimited++;
      return true;
    }
    if (!multicastSoon) return false;
    this.stats.solicitationsReceived++;
    return true;
  }

  /** A valid Router Solicitation arrived on this interface (RFC 4861 6.2.6). */
  solicit(source: string): void {
    this.stats.solicitationsReceived++;
    if (!this.active) {
      this.stats.solicitationsIgnored++;
      return;
    }
    const now = this.deps.clock.now();
    if (this.cfg.clients.length > 0 && !this.cfg.clients.includes(source)) {
      // radvd `clients`: only the listed hosts are served.
      this.stats.solicitationsIgnored++;
      return;
    }
    // RFC 4861 6.2.6: "MUST be delayed by a random time between 0 and MAX_RA_DELAY_TIME".
    const delay = this.deps.random() * MAX_RA_DELAY_TIME;
    if (this.byUnicast(source)) {
      if (this.unicast.has(source)) return; // one answer pending covers this one too
      const last = this.lastAnswered.get(source);
      if ((last !== undefined && now - last < PER_SOURCE_GAP) || !this.takeToken(now) || this.unicast.size >= MAX_PENDING_UNICAST) {
        // Per-source and global limits: a host asking again within PER_SOURCE_GAP, or a
        // flood, gets no extra unicast RA; a multicast answer (rate limited) serves everyone.
        this.stats.solicitationsRateLimited++;
        if (!this.cfg.unicastOnly && this.cfg.clients.length === 0) this.solicitedMulticast(now, delay);
        return;
      }
      this.lastAnswered.set(source, now);
      this.pruneAnswered();
      const h = this.deps.clock.setTimeout(() => {
        this.unicast.delete(source);
        if (!this.active) return;
        this.stats.unicastSent++;
        this.deps.transmit(source, 'solicited', false);
      }, delay);
      this.unicast.set(source, h);
      return;
    }
    if (this.cfg.unicastOnly || this.cfg.clients.length > 0) {
      this.stats.solicitationsIgnored++;
      return;
    }
    this.solicitedMulticast(now, delay);
  }

  private solicitedMulticast(now: number, delay: number): void {
    // RFC 4861 6.2.6: if a multicast RA went out within MIN_DELAY_BETWEEN_RAS, the answer is
    // sent MIN_DELAY_BETWEEN_RAS plus the random delay after that previous one.
    const minGap = this.cfg.minDelayBetweenRas * 1000;
    const at = now - this.lastMulticastAt < minGap ? this.lastMulticastAt + minGap + delay : now + delay;
    if (this.nextAt === undefined || at < this.nextAt) this.schedule(at, 'solicited');
  }

  private takeToken(now: number): boolean {
    this.tokens = Math.min(UNICAST_BURST, this.tokens + ((now - this.tokensAt) / 1000) * UNICAST_BURST);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private pruneAnswered(): void {
    if (this.lastAnswered.size < 4 * MAX_PENDING_UNICAST) return;
    const cutoff = this.deps.clock.now() - PER_SOURCE_GAP;
    for (const [k, t] of this.lastAnswered) if (t < cutoff) this.lastAnswered.delete(k);
  }

  /**
   * Stop advertising. With `final` (RemoveAdvOnExit, or the interface leaving the config),
   * send the RFC 4861 6.2.5 final RA with router lifetime 0 first.
   */
  stop(final: boolean): void {
    const wasActive = this.active && !this.cfg.unicastOnly;
    this.cancelAll();
    if (final && wasActive) this.emit('final', true);
    this.ready = false;
  }

  /** Milliseconds until the next scheduled multicast RA, for status. */
  get nextMulticastAt(): number | undefined {
    return this.nextAt;
  }

  private schedule(wanted: number, kind: SendKind): void {
    // RFC 4861 6.2.6: consecutive multicast RAs no closer than MIN_DELAY_BETWEEN_RAS.
    const at = Math.max(wanted, this.lastMulticastAt + this.cfg.minDelayBetweenRas * 1000);
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.nextAt = at;
    this.nextKind = kind;
    this.timer = this.deps.clock.setTimeout(() => this.fire(), at - this.deps.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.nextAt = undefined;
    if (!this.periodic) return;
    const kind = this.nextKind;
    this.emit(kind, false);
    // RFC 4861 6.2.4: next unsolicited RA at a uniformly random time in [Min, Max]; during
    // the initial (or changed-information) burst, no more than MAX_INITIAL_RTR_ADVERT_INTERVAL.
    let interval = (this.cfg.minRtrAdvInterval + this.deps.random() * (this.cfg.maxRtrAdvInterval - this.cfg.minRtrAdvInterval)) * 1000;
    if (this.initialLeft > 0) {
      this.initialLeft--;
      if (this.initialLeft > 0) interval = Math.min(interval, MAX_INITIAL_RTR_ADVERT_INTERVAL);
    }
    this.schedule(this.deps.clock.now() + interval, this.initialLeft > 0 ? 'initial' : 'periodic');
  }

  private emit(kind: SendKind, ceasing: boolean): void {
    const now = this.deps.clock.now();
    if (this.cfg.clients.length > 0) {
      // radvd `clients`: RAs go by unicast to each listed client instead of multicast.
      for (const c of this.cfg.clients) {
        this.stats.unicastSent++;
        this.deps.transmit(c, ceasing ? 'final' : 'client', ceasing);
      }
    } else {
      this.stats.multicastSent++;
      this.deps.transmit(ALL_NODES, kind, ceasing);
    }
    this.lastMulticastAt = now;
  }

  private cancelAll(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = undefined;
    for (const h of this.unicast.values()) this.deps.clock.clearTimeout(h);
    this.unicast.clear();
  }
}
