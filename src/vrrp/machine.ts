/**
 * One virtual router: the Initialize / Backup / Active state machine of RFC 9568 section 6.4,
 * with its timers on an injected clock. Events in (startup, shutdown, received advertisements,
 * priority changes, sync-group orders), effects out through `deps` (send an advertisement,
 * take or release the virtual addresses). No sockets and no netlink here: the daemon's
 * VrrpRouter (src/vrrp/router.ts) binds this to the system.
 *
 * Deliberate additions to the RFC, each an operator's expectation from keepalived:
 *  - preempt delay: a router preempts a lower-priority Active only `preemptDelayMs` after it
 *    started, or after its own priority last rose (a tracked uplink came back): its routes
 *    settle first. A Backup that has been stable for longer preempts at once when the
 *    Active's priority falls (the Active lost its uplink: waiting would only prolong the outage);
 *  - fault: a tracked condition of weight 0 that is false takes the router out of the election
 *    (the RFC's Shutdown event) until it is true again (Startup);
 *  - sync-group orders (forceActive / forceBackup) so several virtual routers move together.
 */
import type { Clock, TimerHandle } from '../iface/clock';
import { PRIORITY_OWNER, PRIORITY_STOP, compareAddresses, type Advertisement } from './codec';
import type { VrrpFamily } from './types';

/** Peer addresses remembered per virtual router (they come from the wire: bounded). */
export const MAX_PEERS = 4;

export type VrrpState = 'initialize' | 'backup' | 'active';

/** The shortest gap between two advertisements an Active sends out of turn (answers to others'). */
export const ASSERT_GAP_MS = 50;

export interface MachineConfig {
  readonly name: string;
  readonly family: VrrpFamily;
  readonly vrid: number;
  /** Configured priority: 1..254, or 255 for the address owner. */
  readonly priority: number;
  /** Advertisement_Interval, centiseconds. */
  readonly advertIntervalCs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly acceptMode: boolean;
}

export interface Transition {
  readonly from: VrrpState;
  readonly to: VrrpState;
  readonly at: number;
  readonly reason: string;
}

export interface MachineDeps {
  readonly clock: Clock;
  /** Send one advertisement with this priority (0 when leaving). */
  sendAdvertisement(priority: number): void;
  /** Becoming Active: take the virtual addresses and MAC (before the first advertisement, which leaves through them). */
  enterActive(): void;
  /** After the first advertisement as Active: announce the addresses (unsolicited NA / gratuitous ARP). */
  announce(): void;
  /** Leaving Active: give the virtual addresses and MAC back. */
  leaveActive(): void;
  /** Every state change, after the effects above ran. */
  transitioned(t: Transition): void;
}

/** What the machine did with a received advertisement (for counters and tests). */
export type ReceiveOutcome =
  | 'accepted' // Backup: timer reset from it
  | 'stop' // priority 0 seen
  | 'preempt_delay' // Backup: would preempt, but the preempt delay holds
  | 'discarded' // lower priority (Backup with preempt, or Active)
  | 'stepped_down' // Active: the sender wins
  | 'ignored'; // Initialize

/** Skew_Time in ms (RFC 9568 6.1): ((256 - Priority) * Active_Adver_Interval) / 256, the interval in centiseconds. */
export function skewTimeMs(priority: number, activeAdverIntervalCs: number): number {
  return ((256 - priority) * activeAdverIntervalCs * 10) / 256;
}

/** Active_Down_Interval in ms (RFC 9568 6.1): 3 * Active_Adver_Interval + Skew_Time. */
export function activeDownIntervalMs(priority: number, activeAdverIntervalCs: number): number {
  return 3 * activeAdverIntervalCs * 10 + skewTimeMs(priority, activeAdverIntervalCs);
}

export class VrrpMachine {
  private cfg: MachineConfig;
  private st: VrrpState = 'initialize';
  private effective: number;
  /** Active_Adver_Interval (cs): learned from the Active's advertisements while Backup. */
  private activeAdverIntervalCs: number;
  private downTimer: TimerHandle | undefined;
  private adverTimer: TimerHandle | undefined;
  private downDueAt: number | undefined;
  /** The primary address of this router on the interface (the advertisements' source). */
  private primary: string | undefined;
  /** Before this time a lower-priority Active is not preempted: startup or our priority's last rise, plus the preempt delay. */
  private holdUntil = -Infinity;
  /** Whether the router takes part in the election (startup called, no shutdown / fault since). */
  private running = false;
  private lastTransition: Transition | undefined;
  /** The Active we last heard from (Backup) or that replaced us. */
  private activeSeen: { address: string; priority: number; intervalCs: number; at: number } | undefined;
  private readonly peerAddresses: string[] = [];
  readonly counters = { advertisementsSent: 0, advertisementsReceived: 0, becameActive: 0, priorityZeroSent: 0, priorityZeroReceived: 0, transitions: 0 };

  constructor(cfg: MachineConfig, private readonly deps: MachineDeps) {
    this.cfg = cfg;
    this.effective = cfg.priority;
    this.activeAdverIntervalCs = cfg.advertIntervalCs;
  }

  get state(): VrrpState {
    return this.st;
  }
  get config(): MachineConfig {
    return this.cfg;
  }
  /** The priority in use: the configured one as changed by tracking. */
  get priority(): number {
    return this.effective;
  }
  get isOwner(): boolean {
    return this.cfg.priority === PRIORITY_OWNER;
  }
  get primaryAddress(): string | undefined {
    return this.primary;
  }
  get last(): Transition | undefined {
    return this.lastTransition;
  }
  get active(): { address: string; priority: number; intervalCs: number; at: number } | undefined {
    return this.activeSeen;
  }
  /** The other routers heard advertising for this VRID (its peers), most recent last, at most MAX_PEERS. */
  get peers(): readonly string[] {
    return this.peerAddresses;
  }

  private noteActive(seen: { address: string; priority: number; intervalCs: number; at: number }): void {
    this.activeSeen = seen;
    const i = this.peerAddresses.indexOf(seen.address);
    if (i === this.peerAddresses.length - 1 && i >= 0) return;
    if (i >= 0) this.peerAddresses.splice(i, 1);
    this.peerAddresses.push(seen.address);
    if (this.peerAddresses.length > MAX_PEERS) this.peerAddresses.shift();
  }
  get learnedIntervalCs(): number {
    return this.activeAdverIntervalCs;
  }
  /** When the Backup's Active_Down_Timer fires, if it runs. */
  get downTimerDueAt(): number | undefined {
    return this.downDueAt;
  }
  get skewTimeMs(): number {
    return skewTimeMs(this.effective, this.activeAdverIntervalCs);
  }
  get activeDownIntervalMs(): number {
    return activeDownIntervalMs(this.effective, this.activeAdverIntervalCs);
  }

  /** The primary address changed (netlink); undefined while the interface has none. */
  setPrimaryAddress(address: string | undefined): void {
    this.primary = address;
  }

  /** A reload changed timers, preemption or priority; state and learned interval are kept. */
  reconfigure(cfg: MachineConfig): void {
    const wasOwner = this.isOwner;
    this.cfg = cfg;
    if (wasOwner !== this.isOwner) this.effective = cfg.priority;
    if (this.st === 'active' && this.adverTimer !== undefined) this.armAdverTimer();
  }

  /** Startup event (RFC 9568 6.4.1). */
  startup(reason = 'startup'): void {
    if (this.running) return;
    this.running = true;
    this.holdUntil = this.deps.clock.now() + this.cfg.preemptDelayMs;
    if (this.st !== 'initialize') return;
    if (this.isOwner) {
      this.toActive(`${reason}: address owner (priority 255)`);
      return;
    }
    this.activeAdverIntervalCs = this.cfg.advertIntervalCs;
    this.toBackup(reason);
  }

  /**
   * Shutdown event: Backup cancels its timer; Active sends priority 0 so a Backup takes over
   * after Skew_Time, and gives the addresses back. Either way the state is Initialize.
   */
  shutdown(reason = 'shutdown'): void {
    this.running = false;
    if (this.st === 'active') {
      this.cancelAdverTimer();
      this.send(PRIORITY_STOP);
      this.counters.priorityZeroSent++;
      this.deps.leaveActive();
    }
    this.cancelDownTimer();
    this.move('initialize', reason);
  }

  /**
   * The effective priority changed (tracking). An owner keeps 255. The Active advertises the
   * new priority at once, so a Backup that now outranks it can start preempting without
   * waiting for the next Adver_Timer.
   */
  setPriority(priority: number): void {
    const p = this.isOwner ? PRIORITY_OWNER : Math.min(254, Math.max(1, Math.round(priority)));
    if (p === this.effective) return;
    // Our priority rises (a tracked condition recovered): take the LAN back only after the
    // preempt delay, as after a start.
    if (p > this.effective) this.holdUntil = this.deps.clock.now() + this.cfg.preemptDelayMs;
    this.effective = p;
    if (this.st === 'active') {
      this.send(this.effective);
      this.armAdverTimer();
    }
    // A Backup's running Active_Down_Timer keeps its due time; the next advertisement it
    // accepts re-arms it with the Skew_Time of the new priority.
  }

  /** An advertisement passed the receive checks and is for this virtual router (RFC 9568 6.4.2 / 6.4.3). */
  receive(adv: Advertisement, source: string): ReceiveOutcome {
    this.counters.advertisementsReceived++;
    const now = this.deps.clock.now();
    if (adv.priority === PRIORITY_STOP) this.counters.priorityZeroReceived++;
    switch (this.st) {
      case 'initialize':
        return 'ignored';
      case 'backup': {
        if (adv.priority === PRIORITY_STOP) {
          // The Active is leaving: take over after Skew_Time (RFC 9568 6.4.2).
          this.noteActive({ address: source, priority: 0, intervalCs: adv.maxAdvertIntervalCs, at: now });
          this.armDownTimer(this.skewTimeMs);
          return 'stop';
        }
        const outranked = adv.priority >= this.effective;
        if (!this.cfg.preempt || outranked || now < this.holdUntil) {
          this.activeAdverIntervalCs = adv.maxAdvertIntervalCs;
          this.noteActive({ address: source, priority: adv.priority, intervalCs: adv.maxAdvertIntervalCs, at: now });
          this.armDownTimer(this.activeDownIntervalMs);
          return outranked || !this.cfg.preempt ? 'accepted' : 'preempt_delay';
        }
        // Preempt: ignore the lower-priority Active; the Active_Down_Timer takes us over.
        this.noteActive({ address: source, priority: adv.priority, intervalCs: adv.maxAdvertIntervalCs, at: now });
        return 'discarded';
      }
      case 'active': {
        if (adv.priority === PRIORITY_STOP) {
          // Another router leaving this VRID while we are Active: reassert at once (RFC 9568 6.4.3).
          this.assertActive(now);
          return 'stop';
        }
        const wins = adv.priority > this.effective || (adv.priority === this.effective && this.primary !== undefined && compareAddresses(this.cfg.family, source, this.primary) > 0);
        if (!wins) {
          // RFC 9568 6.4.3: discard it, and advertise at once so the sender (and the bridges) learn who is Active.
          this.assertActive(now);
          return 'discarded';
        }
        this.cancelAdverTimer();
        this.activeAdverIntervalCs = adv.maxAdvertIntervalCs;
        this.noteActive({ address: source, priority: adv.priority, intervalCs: adv.maxAdvertIntervalCs, at: now });
        this.deps.leaveActive();
        this.toBackup(adv.priority > this.effective ? `${source} has priority ${adv.priority} > ${this.effective}` : `${source} has the same priority ${adv.priority} and a higher address`);
        return 'stepped_down';
      }
    }
  }

  /** Sync group: another member became Active. */
  forceActive(reason: string): void {
    if (!this.running || this.st === 'active') return;
    this.cancelDownTimer();
    this.toActive(reason);
  }

  /**
   * Sync group: another member left Active. An Active member steps down with a priority-0
   * advertisement so the peer's member takes over after Skew_Time, not Active_Down_Interval.
   */
  forceBackup(reason: string): void {
    if (!this.running || this.st !== 'active') return;
    this.cancelAdverTimer();
    this.send(PRIORITY_STOP);
    this.counters.priorityZeroSent++;
    this.deps.leaveActive();
    this.activeAdverIntervalCs = this.cfg.advertIntervalCs;
    this.toBackup(reason);
  }

  /** Stop the timers without sending anything (the daemon is going away or being replaced). */
  dispose(): void {
    this.cancelAdverTimer();
    this.cancelDownTimer();
  }

  private lastAssert = -Infinity;

  /**
   * An advertisement out of turn, re-arming the Adver_Timer. At most one per ASSERT_GAP_MS: each
   * forged advertisement from the LAN must not buy one of ours.
   */
  private assertActive(now: number): void {
    if (now - this.lastAssert < ASSERT_GAP_MS) return;
    this.lastAssert = now;
    this.send(this.effective);
    this.armAdverTimer();
  }

  private toActive(reason: string): void {
    this.deps.enterActive();
    // RFC 9568 6.4.1 / 6.4.2: the advertisement first, then the NAs / gratuitous ARPs.
    this.send(this.effective);
    this.deps.announce();
    this.armAdverTimer();
    this.counters.becameActive++;
    this.move('active', reason);
  }

  private toBackup(reason: string): void {
    this.armDownTimer(this.activeDownIntervalMs);
    this.move('backup', reason);
  }

  private move(to: VrrpState, reason: string): void {
    const from = this.st;
    if (from === to) return;
    this.st = to;
    this.counters.transitions++;
    this.lastTransition = { from, to, at: this.deps.clock.now(), reason };
    this.deps.transitioned(this.lastTransition);
  }

  private send(priority: number): void {
    this.counters.advertisementsSent++;
    this.deps.sendAdvertisement(priority);
  }

  private armAdverTimer(): void {
    this.cancelAdverTimer();
    this.adverTimer = this.deps.clock.setTimeout(() => {
      this.adverTimer = undefined;
      if (this.st !== 'active') return;
      this.send(this.effective);
      this.armAdverTimer();
    }, this.cfg.advertIntervalCs * 10);
  }

  private cancelAdverTimer(): void {
    if (this.adverTimer !== undefined) this.deps.clock.clearTimeout(this.adverTimer);
    this.adverTimer = undefined;
  }

  /**
   * (Re)start the Active_Down_Timer to fire `ms` from now. A Backup restarts it on every
   * advertisement (ten a second at a 100 ms interval): when the timer already runs and would
   * fire earlier, only the deadline moves, and the timer re-arms itself for the rest when it
   * fires, instead of a clear and a new timer per advertisement.
   */
  private armDownTimer(ms: number): void {
    const due = this.deps.clock.now() + ms;
    const pending = this.downTimerAt;
    this.downDueAt = due;
    if (this.downTimer !== undefined && pending !== undefined && pending <= due) return;
    if (this.downTimer !== undefined) this.deps.clock.clearTimeout(this.downTimer);
    this.startDownTimer(ms);
  }

  /** When the underlying timer fires (at or before downDueAt). */
  private downTimerAt: number | undefined;

  private startDownTimer(ms: number): void {
    this.downTimerAt = this.deps.clock.now() + ms;
    this.downTimer = this.deps.clock.setTimeout(() => {
      this.downTimer = undefined;
      this.downTimerAt = undefined;
      const due = this.downDueAt;
      if (due === undefined) return;
      const left = due - this.deps.clock.now();
      if (left > 0) {
        this.startDownTimer(left); // the deadline moved while the timer ran
        return;
      }
      this.downDueAt = undefined;
      if (this.st !== 'backup') return;
      const heard = this.activeSeen;
      this.toActive(heard === undefined ? 'no Active heard within Active_Down_Interval' : heard.priority === 0 ? `the Active ${heard.address} left (priority 0), Skew_Time passed` : heard.priority < this.effective && this.cfg.preempt ? `preempting the Active ${heard.address} (priority ${heard.priority} < ${this.effective})` : `the Active ${heard.address} went silent (Active_Down_Interval ${this.activeDownIntervalMs.toFixed(1)} ms)`);
    }, ms);
  }

  private cancelDownTimer(): void {
    if (this.downTimer !== undefined) this.deps.clock.clearTimeout(this.downTimer);
    this.downTimer = undefined;
    this.downTimerAt = undefined;
    this.downDueAt = undefined;
  }
}
