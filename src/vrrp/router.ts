/**
 * One configured virtual router bound to the system: its state machine (machine.ts), the
 * macvlan that carries the virtual MAC, the virtual addresses, the advertisements on the raw
 * socket and the announcements of a new Active. Everything it changes in the kernel goes
 * through rtnetlink requests (src/netlink/requests.ts) and the SystemBackend sockets, so the
 * same code runs on Linux and on the in-memory backend.
 *
 * The Linux side, and why:
 *  - The virtual MAC lives on a macvlan of the LAN interface, created down with IPv6 address
 *    generation off (RFC 9568 7.4: no interface identifier from the virtual MAC; keepalived
 *    #2551) and mode bridge (mode private would swallow the peer's advertisements, whose
 *    source is the same virtual MAC).
 *  - The macvlan is up, with the virtual addresses, only while Active. While it is down its
 *    MAC is not claimed at all: a Backup neither answers Neighbor Solicitations or ARP for the
 *    virtual addresses (keepalived #2296) nor sends anything from the virtual MAC (keepalived
 *    #175: MLD, DAD, RS), and frames to the virtual MAC are not accepted (RFC 9568 6.4.2).
 *  - Advertisements leave through the macvlan, so their Ethernet source is the virtual MAC
 *    (RFC 9568 7.3, for bridge learning), from the LAN interface's own primary address
 *    (RFC 9568 5.1.1.1 / 5.1.2.1), which needs IP(V6)_FREEBIND.
 *  - Linux applies an rtnetlink request inside sendmsg, so when enterActive() returns the
 *    macvlan is up with its addresses, and the advertisement and announcements that follow
 *    can go out through it in the same turn.
 */
import type { Icmp6Socket, PacketSocket, RawIpSocket } from '../sys/types';
import type { AddressInfo, LinkInfo, NetEvent } from '../netlink/types';
import type { Clock, TimerHandle } from '../iface/clock';
import { LineBudget, type Logger } from '../daemon/log';
import { ALL_NODES, isLinkLocal } from '../net/ipv6';
import { VrrpMachine, type MachineConfig, type Transition } from './machine';
import { VRRP_GROUP_V4, VRRP_GROUP_V6, encodeAdvertisement, virtualMac, type Advertisement, type DecodedAdvertisement, type VrrpDropReason } from './codec';
import { gratuitousArp, unsolicitedNa } from './announce';
import type { VrrpFamily, VrrpInstanceConfig } from './types';

/** The rtnetlink requests a virtual router needs (NetlinkRequester implements them). */
export interface VrrpLinkOps {
  /** Created down with IPv6 address generation off; resolves with the new link. */
  createMacvlan(o: { readonly name: string; readonly parentIfindex: number; readonly mac: string; readonly mode: 'bridge' }): Promise<{ readonly ifindex: number }>;
  setLinkUp(ifindex: number, up: boolean): Promise<unknown>;
  deleteLink(ifindex: number): Promise<unknown>;
  addAddress(o: { readonly ifindex: number; readonly family: VrrpFamily; readonly address: string; readonly prefixLength: number; readonly nodad?: boolean }): Promise<unknown>;
  removeAddress(o: { readonly ifindex: number; readonly family: VrrpFamily; readonly address: string; readonly prefixLength: number }): Promise<unknown>;
}

/** What the router reads of the kernel's state (NetState implements it). */
export interface VrrpNetView {
  links?(): readonly LinkInfo[];
  linkByName(name: string): LinkInfo | undefined;
  link(ifindex: number): LinkInfo | undefined;
  addresses(ifindex?: number): readonly AddressInfo[];
  ipv4Addresses(ifindex?: number): readonly AddressInfo[];
  on(handler: (event: NetEvent) => void): () => void;
  /** IPv4 address changes come on their own stream (NetState keeps NetEvent IPv6-only). */
  onIpv4?(handler: () => void): () => void;
}

export interface RouterDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly net: VrrpNetView;
  readonly ops: VrrpLinkOps;
  /** The raw VRRP socket of this router's family. */
  readonly raw: RawIpSocket;
  /** For the unsolicited NAs (IPv6). */
  readonly icmp: Icmp6Socket | undefined;
  /** For gratuitous ARP (IPv4). */
  readonly packet: PacketSocket | undefined;
  /** Write /proc/sys/... (relative path 'net/ipv6/conf/IF/accept_ra'); errors are the caller's to log. */
  readonly sysctl: (path: string, value: string) => void;
  /** Read /proc/sys/...; undefined when unknown. */
  readonly readSysctl?: (path: string) => string | undefined;
  /** A state change (after its effects ran). */
  readonly transitioned: (router: VrrpRouter, t: Transition) => void;
}

export interface VrrpRouterStatus {
  readonly name: string;
  readonly interface: string;
  readonly family: VrrpFamily;
  readonly vrid: number;
  readonly state: 'initialize' | 'backup' | 'active';
  /** Why the router is out of the election (interface down, fault condition), when it is. */
  readonly fault?: string;
  readonly configuredPriority: number;
  readonly priority: number;
  /** Tracked conditions that change the priority now, and by how much. */
  readonly priorityChanges: readonly { readonly condition: string; readonly weight: number }[];
  readonly advertIntervalCs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly acceptMode: boolean;
  readonly primaryAddress?: string;
  readonly virtualMac: string;
  readonly vmacInterface: string;
  readonly vmacIfindex?: number;
  readonly addresses: readonly string[];
  readonly activeRouter?: { readonly address: string; readonly priority: number; readonly intervalCs: number; readonly at: number };
  readonly learnedIntervalCs: number;
  readonly skewTimeMs: number;
  readonly activeDownIntervalMs: number;
  readonly lastTransition?: Transition;
  readonly syncGroup?: string;
  readonly counters: VrrpMachine['counters'] & { readonly sendErrors: number; readonly announcementsSent: number; readonly received: number; readonly dropped: Readonly<Record<string, number>> };
}

export class VrrpRouter {
  readonly machine: VrrpMachine;
  private cfg: VrrpInstanceConfig;
  readonly mac: string;
  private vmacIfindex: number | undefined;
  private parentIfindex: number | undefined;
  /** Why the router is not in the election now; undefined while it is. */
  private faultReason: string | undefined = 'not started';
  private trackFault: string | undefined;
  private announceTimer: TimerHandle | undefined;
  private setUp = false;
  private sendErrors = 0;
  private announcementsSent = 0;
  private received = 0;
  private readonly dropped: Record<string, number> = {};
  private changes: readonly { condition: string; weight: number }[] = [];
  private warnedSend = -Infinity;

  constructor(cfg: VrrpInstanceConfig, private readonly deps: RouterDeps) {
    this.cfg = cfg;
    this.mac = virtualMac(cfg.family, cfg.vrid);
    this.machine = new VrrpMachine(machineConfig(cfg), {
      clock: deps.clock,
      sendAdvertisement: (p) => this.sendAdvertisement(p),
      enterActive: () => this.enterActive(),
      announce: () => this.announce(this.cfg.garpRepeat),
      leaveActive: () => this.leaveActive(),
      transitioned: (t) => deps.transitioned(this, t),
    });
  }

  get name(): string {
    return this.cfg.name;
  }
  get config(): VrrpInstanceConfig {
    return this.cfg;
  }
  get family(): VrrpFamily {
    return this.cfg.family;
  }
  get isActive(): boolean {
    return this.machine.state === 'active';
  }
  /** The macvlan's ifindex once created. */
  get vmac(): number | undefined {
    return this.vmacIfindex;
  }
  get parent(): number | undefined {
    return this.parentIfindex;
  }
  /** Why the router is out of the election now (interface down, fault condition), if it is. */
  get fault(): string | undefined {
    return this.faultReason;
  }

  /** The virtual link-local address (IPv6): the first virtual address. */
  get virtualLinkLocal(): string | undefined {
    return this.cfg.family === 6 ? this.cfg.addresses[0]?.address : undefined;
  }

  /**
   * Create the macvlan (deleting one of the same name a killed run left behind), set it up
   * for its job and follow the LAN interface. Throws when the kernel refuses.
   */
  async setup(): Promise<void> {
    const stale = this.deps.net.linkByName(this.cfg.vmacName);
    if (stale !== undefined) {
      // Only a macvlan with our virtual MAC is ours to replace; anything else of that name is
      // the operator's, and deleting it would cut a link.
      if (stale.kind !== 'macvlan' || stale.mac !== this.mac) {
        throw new Error(`${this.cfg.pos.file}:${this.cfg.pos.line}:${this.cfg.pos.column}: error: vrrp ${this.cfg.name}: an interface named ${this.cfg.vmacName} exists (${stale.kind ?? 'kind unknown'}, MAC ${stale.mac ?? 'none'}) and is not a macvlan with the virtual MAC ${this.mac}: choose another use_vmac name`);
      }
      this.deps.log.info(`vrrp ${this.cfg.name}: removing ${this.cfg.vmacName} (ifindex ${stale.ifindex}) left by an earlier run`);
      await this.deps.ops.deleteLink(stale.ifindex);
      await waitFor(this.deps.net, () => this.deps.net.linkByName(this.cfg.vmacName) === undefined, 2000);
    }
    this.setUp = true;
    if (this.deps.net.linkByName(this.cfg.interface) === undefined) {
      // Like an interface with IgnoreIfMissing: the macvlan is made when the interface appears.
      this.deps.log.warn(`vrrp ${this.cfg.name}: ${this.cfg.interface} does not exist yet; waiting for it`);
    } else {
      // At start a refusal (no CAP_NET_ADMIN, no macvlan support) stops the daemon with the reason.
      await this.createVmac(true);
    }
    this.refresh();
  }

  private creating: Promise<void> | undefined;
  private lastCreateAttempt = -Infinity;
  private retryTimer: TimerHandle | undefined;

  /** Create the missing macvlan now, or 5 s after the last attempt (a timer, not the next netlink event). */
  private scheduleCreate(): void {
    if (this.retryTimer !== undefined || !this.setUp) return;
    const wait = Math.max(0, this.lastCreateAttempt + 5000 - this.deps.clock.now());
    if (wait === 0) {
      void this.createVmac(false);
      return;
    }
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.refresh();
    }, wait);
  }

  /**
   * Create the macvlan on the LAN interface. Also later, when the interface was deleted and
   * re-created (the kernel deletes a macvlan with its lower device); then failures are logged
   * and retried at most every 5 s.
   */
  private createVmac(atStart: boolean): Promise<void> {
    if (this.creating !== undefined) return this.creating;
    const parent = this.deps.net.linkByName(this.cfg.interface);
    if (parent === undefined) return Promise.resolve();
    this.lastCreateAttempt = this.deps.clock.now();
    const at = `${this.cfg.pos.file}:${this.cfg.pos.line}:${this.cfg.pos.column}`;
    this.creating = (async () => {
      try {
        const created = await this.deps.ops.createMacvlan({ name: this.cfg.vmacName, parentIfindex: parent.ifindex, mac: this.mac, mode: 'bridge' });
        this.vmacIfindex = created.ifindex;
        if (!this.setUp) return; // torn down meanwhile: teardown() deletes it
        // refresh() reads the macvlan from the netlink view: wait until its notification arrived.
        await waitFor(this.deps.net, () => this.deps.net.linkByName(this.cfg.vmacName), 2000);
        this.tune(parent.name, this.cfg.vmacName);
        if (!atStart) this.deps.log.info(`vrrp ${this.cfg.name}: ${this.cfg.interface} is back: ${this.cfg.vmacName} re-created (ifindex ${created.ifindex})`);
      } catch (e) {
        const msg = `${at}: error: vrrp ${this.cfg.name}: cannot create the macvlan ${this.cfg.vmacName} for the virtual MAC ${this.mac} on ${this.cfg.interface}: ${(e as Error).message}`;
        if (atStart) throw new Error(msg);
        this.deps.log.error(msg);
      } finally {
        this.creating = undefined;
      }
      if (!atStart && this.setUp) this.refresh();
    })();
    return this.creating;
  }

  private readSysctl(path: string): string | undefined {
    try {
      return this.deps.readSysctl?.(path);
    } catch {
      return undefined;
    }
  }

  /** Per-interface settings of the macvlan (and, for IPv4, the LAN interface). */
  private tune(parentName: string, vmacName: string): void {
    const set = (path: string, value: string): void => {
      try {
        this.deps.sysctl(path, value);
      } catch (e) {
        this.deps.log.warn(`vrrp ${this.cfg.name}: cannot set ${path.replaceAll('/', '.')} = ${value}: ${(e as Error).message}`);
      }
    };
    if (this.cfg.family === 6) {
      // The macvlan must not learn from RAs (the peer's, while both are briefly Active).
      set(`net/ipv6/conf/${vmacName}/accept_ra`, '0');
      set(`net/ipv6/conf/${vmacName}/accept_dad`, '0');
      // As the LAN interface: Linux sets the R flag of the macvlan's NAs from this (RFC 9568
      // 8.2.2; hosts drop a default router whose NA lacks it; keepalived #1330).
      set(`net/ipv6/conf/${vmacName}/forwarding`, this.readSysctl(`net/ipv6/conf/${parentName}/forwarding`) ?? '1');
    } else {
      // Packets to the virtual MAC arrive on the macvlan: it forwards as the LAN interface does.
      set(`net/ipv4/conf/${vmacName}/forwarding`, this.readSysctl(`net/ipv4/conf/${parentName}/forwarding`) ?? '1');
      // An IPv4-only virtual router sends nothing IPv6 from the virtual MAC.
      set(`net/ipv6/conf/${vmacName}/disable_ipv6`, '1');
      // ARP answers for the virtual address from the macvlan only, and the macvlan answers
      // for nothing else (the LAN interface's own addresses keep the LAN interface's MAC).
      set(`net/ipv4/conf/${vmacName}/arp_ignore`, '1');
      set(`net/ipv4/conf/${parentName}/arp_ignore`, '1');
    }
  }

  /** Re-read the LAN interface: primary address, up and carrier; join or leave the election. */
  refresh(): void {
    if (!this.setUp) return;
    const parent = this.deps.net.linkByName(this.cfg.interface);
    const vmac = this.deps.net.linkByName(this.cfg.vmacName);
    if (parent !== undefined && parent.ifindex !== this.parentIfindex) {
      this.parentIfindex = parent.ifindex;
    }
    // While the macvlan is being created (address generation not yet off, sysctls not yet set)
    // the router stays out of the election: its notification can arrive before the ack.
    if (this.creating === undefined) this.vmacIfindex = vmac?.ifindex;
    if (vmac === undefined && parent !== undefined && this.creating === undefined) this.scheduleCreate();
    const primary = parent === undefined ? undefined : this.primaryOf(parent.ifindex);
    this.machine.setPrimaryAddress(primary);
    const reason =
      parent === undefined ? `${this.cfg.interface} is gone`
      : !parent.up ? `${this.cfg.interface} is down`
      : !parent.carrier ? `${this.cfg.interface} has no carrier`
      : this.creating !== undefined ? `${this.cfg.vmacName} is being created`
      : vmac === undefined ? `${this.cfg.vmacName} is gone`
      : primary === undefined ? `${this.cfg.interface} has no ${this.cfg.family === 6 ? 'link-local' : 'IPv4'} address to send from`
      : this.trackFault;
    this.setFault(reason);
  }

  /** A tracked condition of weight 0 is false (fault) or no longer (undefined). */
  setTrackFault(reason: string | undefined): void {
    this.trackFault = reason;
    this.refresh();
  }

  /** The tracked conditions now changing the priority (status shows them). */
  setPriority(priority: number, changes: readonly { condition: string; weight: number }[]): void {
    this.changes = changes;
    this.machine.setPriority(priority);
  }

  private setFault(reason: string | undefined): void {
    if (reason === this.faultReason) return;
    const was = this.faultReason;
    this.faultReason = reason;
    if (reason !== undefined && was === undefined) {
      this.deps.log.warn(`vrrp ${this.cfg.name}: leaving the election: ${reason}`);
      this.machine.shutdown(reason);
    } else if (reason === undefined) {
      this.machine.startup(was === 'not started' ? 'startup' : `${was} no longer`);
    }
  }

  /** The LAN interface's primary address: its first usable link-local (IPv6) or first IPv4 address. */
  private primaryOf(ifindex: number): string | undefined {
    // The address owner's primary address may well be a virtual address (it owns them).
    const own = new Set(this.cfg.priority === 255 ? [] : this.cfg.addresses.map((a) => a.address));
    if (this.cfg.family === 6) {
      return this.deps.net.addresses(ifindex).find((a) => isLinkLocal(a.address) && !a.tentative && !a.dadFailed && !own.has(a.address))?.address;
    }
    return this.deps.net.ipv4Addresses(ifindex).find((a) => !own.has(a.address))?.address;
  }

  /** An advertisement for this VRID arrived on the LAN interface and passed the codec's checks. */
  receive(adv: DecodedAdvertisement, source: string): void {
    this.received++;
    if (source === this.machine.primaryAddress) {
      this.drop('own');
      return;
    }
    if (!sameAddresses(adv.addresses, this.cfg.addresses.map((a) => a.address))) {
      // RFC 9568 7.1: a list that differs from ours is a misconfiguration: dropped unless the
      // sender is the address owner (priority 255), whose word is taken; logged either way.
      this.warnMismatch(source, adv);
      if (adv.priority !== 255) {
        this.drop('addresses');
        return;
      }
    }
    this.machine.receive(adv, source);
  }

  /** Count a dropped advertisement for this router. */
  drop(reason: VrrpDropReason): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** Apply a reloaded configuration of the same instance (same interface, family, VRID, vmac). */
  reconfigure(cfg: VrrpInstanceConfig): void {
    this.cfg = cfg;
    this.machine.reconfigure(machineConfig(cfg));
    this.refresh();
  }

  private encoded: { readonly key: string; readonly cfg: VrrpInstanceConfig; readonly bytes: Buffer } | undefined;

  private sendAdvertisement(priority: number): void {
    const source = this.machine.primaryAddress;
    const ifindex = this.vmacIfindex;
    if (source === undefined || ifindex === undefined) return;
    const group = this.cfg.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4;
    // The same bytes go out ten times a second: encoded again only when something in them changed.
    const key = `${priority} ${source} ${this.cfg.advertIntervalCs} ${this.cfg.vrid}`;
    if (this.encoded?.key !== key || this.encoded.cfg !== this.cfg) {
      const adv: Advertisement = { vrid: this.cfg.vrid, priority, maxAdvertIntervalCs: this.cfg.advertIntervalCs, addresses: this.cfg.addresses.map((a) => a.address) };
      this.encoded = { key, cfg: this.cfg, bytes: encodeAdvertisement(this.cfg.family, adv, source, group) };
    }
    try {
      this.deps.raw.send(this.encoded.bytes, group, ifindex, source);
    } catch (e) {
      this.sendErrors++;
      this.warnSend(`sending the advertisement failed: ${(e as Error).message}`);
    }
  }

  /** One line a minute at most: a misconfigured peer sends ten of these a second. */
  private readonly mismatchLines = new LineBudget(1);

  private warnMismatch(source: string, adv: DecodedAdvertisement): void {
    if (!this.mismatchLines.take(this.deps.clock.now())) return;
    this.deps.log.warn(
      `vrrp ${this.cfg.name}: ${source} advertises VRID ${adv.vrid} with ${adv.addresses.join(' ')}, this router has ${this.cfg.addresses.map((a) => a.address).join(' ')} (RFC 9568 7.1: ${adv.priority === 255 ? 'accepted from the address owner' : 'dropped'}; the two configurations must list the same virtual addresses)`,
    );
  }

  private warnSend(msg: string): void {
    // One line per second at most: a broken link must not flood the log at 100 advertisements/s.
    const now = this.deps.clock.now();
    if (now - this.warnedSend < 1000) return;
    this.warnedSend = now;
    this.deps.log.warn(`vrrp ${this.cfg.name}: ${msg}`);
  }

  private enterActive(): void {
    this.applyActive(true);
  }

  private leaveActive(): void {
    this.cancelAnnounce();
    this.applyActive(false);
  }

  private reconcileTimer: TimerHandle | undefined;

  /**
   * Put the macvlan in the state the machine is in: up with the virtual addresses (Active), or
   * down without them. The requests take effect as they are sent; a refusal (reported on the
   * ack) is retried a second later from the machine's state then, so a Backup never keeps the
   * virtual address and an Active never stays without it.
   */
  private applyActive(active: boolean): void {
    const ifindex = this.vmacIfindex;
    if (ifindex === undefined) return;
    const fail = (what: string) => (e: unknown) => {
      this.deps.log.error(`vrrp ${this.cfg.name}: ${what}: ${(e as Error).message}; retrying in 1 s`);
      this.reconcileSoon();
    };
    if (active) {
      void this.deps.ops.setLinkUp(ifindex, true).catch(fail(`cannot bring ${this.cfg.vmacName} up`));
      // The virtual link-local first (RFC 9568 errata), so RAs and NAs can come from it.
      for (const a of this.cfg.addresses) {
        void this.deps.ops.addAddress({ ifindex, family: this.cfg.family, address: a.address, prefixLength: a.prefixLength, nodad: true }).catch(fail(`cannot add ${a.address}/${a.prefixLength}`));
      }
    } else {
      for (const a of [...this.cfg.addresses].reverse()) {
        void this.deps.ops.removeAddress({ ifindex, family: this.cfg.family, address: a.address, prefixLength: a.prefixLength }).catch(fail(`cannot remove ${a.address}`));
      }
      void this.deps.ops.setLinkUp(ifindex, false).catch(fail(`cannot bring ${this.cfg.vmacName} down`));
    }
  }

  private reconcileSoon(): void {
    if (this.reconcileTimer !== undefined || !this.setUp) return;
    this.reconcileTimer = this.deps.clock.setTimeout(() => {
      this.reconcileTimer = undefined;
      if (this.setUp) this.applyActive(this.machine.state === 'active');
    }, 1000);
  }

  /** Unsolicited NAs / gratuitous ARPs for every virtual address, `left` rounds garpIntervalMs apart. */
  private announce(left: number): void {
    this.cancelAnnounce();
    // Called by the machine while it becomes Active (before the state changes); repeats check
    // that it still is.
    if (left <= 0) return;
    const ifindex = this.vmacIfindex;
    if (ifindex === undefined) return;
    for (const a of this.cfg.addresses) {
      try {
        if (this.cfg.family === 6) {
          // From the virtual link-local, so the NA itself comes from the virtual router.
          this.deps.icmp?.send(unsolicitedNa(a.address, this.mac), ALL_NODES, ifindex, this.virtualLinkLocal);
        } else {
          this.deps.packet?.send(gratuitousArp(a.address, this.mac), ifindex);
        }
        this.announcementsSent++;
      } catch (e) {
        this.sendErrors++;
        this.warnSend(`announcing ${a.address} failed: ${(e as Error).message}`);
      }
    }
    if (left > 1) {
      this.announceTimer = this.deps.clock.setTimeout(() => {
        this.announceTimer = undefined;
        if (this.machine.state === 'active') this.announce(left - 1);
      }, this.cfg.garpIntervalMs);
    }
  }

  private cancelAnnounce(): void {
    if (this.announceTimer !== undefined) this.deps.clock.clearTimeout(this.announceTimer);
    this.announceTimer = undefined;
  }

  /**
   * Leave for good: an Active sends priority 0 (its peer takes over after Skew_Time) and gives
   * the addresses back; then the macvlan is deleted. Resolves when the kernel acknowledged.
   */
  async teardown(): Promise<void> {
    this.faultReason = 'stopped';
    this.machine.shutdown('firsthop stopping');
    this.machine.dispose();
    this.cancelAnnounce();
    this.setUp = false;
    if (this.retryTimer !== undefined) this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.reconcileTimer !== undefined) this.deps.clock.clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
    // A macvlan being created is deleted once it exists.
    if (this.creating !== undefined) await this.creating.catch(() => undefined);
    const ifindex = this.vmacIfindex;
    this.vmacIfindex = undefined;
    if (ifindex !== undefined) {
      try {
        await this.deps.ops.deleteLink(ifindex);
      } catch (e) {
        this.deps.log.warn(`vrrp ${this.cfg.name}: cannot delete ${this.cfg.vmacName}: ${(e as Error).message}`);
      }
    }
  }

  status(syncGroup?: string): VrrpRouterStatus {
    const m = this.machine;
    return {
      name: this.cfg.name,
      interface: this.cfg.interface,
      family: this.cfg.family,
      vrid: this.cfg.vrid,
      state: m.state,
      ...(this.faultReason !== undefined ? { fault: this.faultReason } : {}),
      configuredPriority: this.cfg.priority,
      priority: m.priority,
      priorityChanges: this.changes,
      advertIntervalCs: this.cfg.advertIntervalCs,
      preempt: this.cfg.preempt,
      preemptDelayMs: this.cfg.preemptDelayMs,
      acceptMode: this.cfg.acceptMode,
      ...(m.primaryAddress !== undefined ? { primaryAddress: m.primaryAddress } : {}),
      virtualMac: this.mac,
      vmacInterface: this.cfg.vmacName,
      ...(this.vmacIfindex !== undefined ? { vmacIfindex: this.vmacIfindex } : {}),
      addresses: this.cfg.addresses.map((a) => `${a.address}/${a.prefixLength}`),
      ...(m.active !== undefined ? { activeRouter: m.active } : {}),
      learnedIntervalCs: m.learnedIntervalCs,
      skewTimeMs: m.skewTimeMs,
      activeDownIntervalMs: m.activeDownIntervalMs,
      ...(m.last !== undefined ? { lastTransition: m.last } : {}),
      ...(syncGroup !== undefined ? { syncGroup } : {}),
      counters: { ...m.counters, sendErrors: this.sendErrors, announcementsSent: this.announcementsSent, received: this.received, dropped: { ...this.dropped } },
    };
  }
}

export function machineConfig(cfg: VrrpInstanceConfig): MachineConfig {
  return {
    name: cfg.name,
    family: cfg.family,
    vrid: cfg.vrid,
    priority: cfg.priority,
    advertIntervalCs: cfg.advertIntervalCs,
    preempt: cfg.preempt,
    preemptDelayMs: cfg.preemptDelayMs,
    acceptMode: cfg.acceptMode,
  };
}

function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Resolve with `check()`'s first truthy value, re-checked on every netlink event, or undefined after `ms`. */
function waitFor<T>(net: VrrpNetView, check: () => T | undefined | false, ms: number): Promise<T | undefined> {
  const now = check();
  if (now !== undefined && now !== false) return Promise.resolve(now);
  return new Promise((resolve) => {
    let off: (() => void) | undefined;
    const timer = setTimeout(() => {
      off?.();
      resolve(undefined);
    }, ms);
    off = net.on(() => {
      const v = check();
      if (v === undefined || v === false) return;
      clearTimeout(timer);
      off?.();
      resolve(v);
    });
  });
}
