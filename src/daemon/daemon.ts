/**
 * The daemon: config in, one InterfaceRuntime per configured interface, netlink events and
 * received ND packets dispatched to them, reload and shutdown. Everything it touches in the
 * kernel goes through a SystemBackend, so the same code runs on Linux and in unit tests.
 */
import type { Config, InterfaceConfig } from '../config/types';
import { formatDiagnostic } from '../config/types';
import { loadConfig } from '../config';
import type { Icmp6Socket, IcmpPacket, SystemBackend } from '../sys/types';
import type { NetEvent } from '../netlink/types';
import { NetState } from '../netlink/state';
import { InterfaceRuntime } from '../iface/runtime';
import type { Clock } from '../iface/clock';
import { systemClock } from '../iface/clock';
import { LineBudget, type Logger } from './log';
import { validateReceived, DropCounters } from '../wire';
import { ICMP6, type RouterAdvertisement } from '../wire/types';
import { checkConsistency, compareVirtualRouterRas } from './consistency';
import { ControlError } from '../control/server';
import type { Reason } from '../ra/build';
import { ConditionEngine, ConditionError } from '../conditions/engine';
import type { ConditionStatus } from '../conditions/types';
import { IcmpProbeFactory } from '../conditions/probe';
import type { SentRecord } from '../iface/runtime';
import type { AdvertiserStats } from '../iface/advertiser';
import type { Withdrawal } from '../ra/withdrawals';
import { loadState, saveState, STATE_VERSION, type StateFile } from './state';
import type { TimerHandle } from '../iface/clock';
import type { VrrpCoordinator, VrrpStatus } from '../vrrp/coordinator';
import type { VrrpVia } from '../iface/runtime';
import type { NetlinkRequester } from '../netlink/requests';
import { readFileSync, writeFileSync } from 'node:fs';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

export interface DaemonOptions {
  readonly configPath: string;
  readonly backend: SystemBackend;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** The state file (withdrawn prefixes survive a restart); undefined: none. */
  readonly statePath?: string;
  /** Write a sysctl ('net/ipv6/conf/IF/accept_ra'); default: /proc/sys. Tests on the memory backend pass a recorder. */
  readonly sysctl?: (path: string, value: string) => void;
}

function writeSysctl(path: string, value: string): void {
  writeFileSync(`/proc/sys/${path}`, value);
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${path}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface InterfaceStatus {
  readonly name: string;
  readonly ifindex?: number;
  readonly ready: boolean;
  readonly advSendAdvert: boolean;
  /** The virtual router the RAs follow (`vrrp NAME;`). */
  readonly vrrp?: string;
  readonly source?: string;
  readonly lastSent?: SentRecord;
  readonly nextMulticastAt?: number;
  readonly stats: AdvertiserStats;
  readonly sendErrors: number;
  /** The RA as it would be sent now (the same function builds what goes on the wire). */
  readonly ra?: RouterAdvertisement;
  /** Every value that differs from the config, and why. */
  readonly reasons: readonly Reason[];
  readonly withdrawn: readonly Withdrawal[];
}

export interface DaemonStatus {
  readonly version: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly now: number;
  readonly configPath: string;
  readonly interfaces: readonly InterfaceStatus[];
  readonly conditions: readonly ConditionStatus[];
  /** VRRPv3 virtual routers, when the config has any. */
  readonly vrrp?: VrrpStatus;
  readonly counters: DaemonCounters;
  readonly drops: Record<string, number>;
  /** Options of received RAs ignored as malformed, by decoder code (the RAs were processed). */
  readonly ignoredOptions?: Record<string, number>;
}

export const VERSION = '0.1.0';

/** Keys (interface, source, field) remembered for the once-a-minute inconsistency warnings. */
const MAX_REPORTED = 4096;
/** Inconsistency warning lines per minute, across all sources and fields. */
const WARN_LINES_PER_MINUTE = 20;

export interface DaemonCounters {
  packetsReceived: number;
  rsReceived: number;
  raReceived: number;
  raInconsistent: number;
  reloads: number;
  reloadFailures: number;
}

export class Daemon {
  private net: NetState | undefined;
  private socket: Icmp6Socket | undefined;
  private readonly runtimes = new Map<string, InterfaceRuntime>();
  private unsubscribe: (() => void) | undefined;
  private engine: ConditionEngine | undefined;
  private vrrp: VrrpCoordinator | undefined;
  private requester: NetlinkRequester | undefined;
  readonly drops = new DropCounters();
  /** Options of received RAs ignored as malformed (the RAs themselves are kept), by decoder code. */
  readonly ignoredOptions = new DropCounters();
  readonly counters: DaemonCounters = { packetsReceived: 0, rsReceived: 0, raReceived: 0, raInconsistent: 0, reloads: 0, reloadFailures: 0 };
  private readonly clock: Clock;
  private readonly random: () => number;
  readonly startedAt: number;
  private saved: StateFile | undefined;
  /** Started completely: only then does stop() write the state file (a failed start must not clobber it). */
  private running = false;
  private saveTimer: TimerHandle | undefined;
  /** Resolves when everything stop() asked of the kernel was acknowledged. */
  stopped: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.startedAt = this.clock.now();
  }

  /** Parse the config; a ConfigError carries every diagnostic as `file:line:col: message`. */
  static async readConfig(path: string, log: Logger): Promise<Config> {
    const result = await loadConfig(path);
    for (const w of result.warnings) log.warn(formatDiagnostic(w));
    if (!result.ok) throw new ConfigError(result.errors.map(formatDiagnostic));
    return result.config;
  }

  async start(): Promise<void> {
    const config = await Daemon.readConfig(this.opts.configPath, this.opts.log);
    this.net = await NetState.open(this.opts.backend);
    const missing = config.interfaces.filter((i) => !i.ignoreIfMissing && this.net!.linkByName(i.name) === undefined);
    if (missing.length > 0) {
      this.net.close();
      throw new ConfigError(missing.map((i) => `${i.pos.file}:${i.pos.line}:${i.pos.column}: error: interface ${i.name} does not exist and IgnoreIfMissing is off`));
    }
    this.loadState();
    this.socket = this.opts.backend.openIcmp6({ types: [ICMP6.RouterSolicitation, ICMP6.RouterAdvertisement] });
    this.socket.onPacket((p) => this.onPacket(p));
    const offNet = this.net.on((e) => this.onNetEvent(e));
    // Base6to4Interface: the 6to4 prefix follows the named interface's IPv4 address ('resync' also reaches on()).
    const offIpv4 = this.net.onIpv4((e) => {
      if (e.kind !== 'resync') this.refreshFor(undefined, -1, this.net?.link(e.address.ifindex)?.name);
    });
    this.unsubscribe = () => {
      offNet();
      offIpv4();
    };
    // Conditions are evaluated from the full dump NetState holds before any RA is built.
    const probes = new IcmpProbeFactory({ backend: this.opts.backend, clock: this.clock, net: this.net, log: this.opts.log });
    try {
      this.engine = new ConditionEngine({
        conditions: config.conditions ?? [],
        net: this.net,
        clock: this.clock,
        log: this.opts.log,
        probes,
        interfaces: config.interfaces,
        vrrp: (instance) => this.vrrp?.isActive(instance),
      });
    } catch (e) {
      this.stop(false);
      if (e instanceof ConditionError) throw new ConfigError([`${config.file}: error: ${e.message}`]);
      throw e;
    }
    this.engine.start();
    this.engine.onChange((names) => {
      this.vrrp?.updateTracking();
      this.recompute(`condition ${names.join(', ')} changed`);
    });
    if ((config.vrrp ?? []).length > 0) {
      try {
        await this.startVrrp(config);
      } catch (e) {
        this.stop(false);
        throw new ConfigError([(e as Error).message]);
      }
    }
    this.apply(config);
    this.saved = undefined; // taken over by the runtimes
    this.running = true;
  }

  /** Create the virtual routers (their macvlans) and join their elections. */
  private async startVrrp(config: Config): Promise<void> {
    // Loaded only for a config with virtual routers: a plain RA daemon starts without them.
    const { VrrpCoordinator } = await import('../vrrp/coordinator');
    const { NetlinkRequester } = await import('../netlink/requests');
    if (this.net === undefined) return; // stopped while the modules loaded
    this.requester = NetlinkRequester.open(this.opts.backend);
    this.vrrp = new VrrpCoordinator({
      backend: this.opts.backend,
      clock: this.clock,
      log: this.opts.log,
      net: this.net!,
      ops: this.requester,
      icmp: this.socket,
      condition: (name) => this.engine?.value(name),
      sysctl: this.opts.sysctl ?? writeSysctl,
      readSysctl: this.opts.sysctl !== undefined ? () => undefined : readSysctl,
      changed: (router) => {
        // The vrrp NAME condition, then the RAs of the interface tied to the virtual router.
        this.engine?.vrrpChanged(router.name);
        for (const rt of this.runtimes.values()) if (rt.config.vrrp === router.name) rt.refresh();
      },
    });
    await this.vrrp.start(config.vrrp ?? [], config.vrrpSyncGroups ?? []);
  }

  /** Where the RAs of an interface tied to virtual router `instance` go now. */
  private vrrpVia(instance: string): VrrpVia | undefined {
    const r = this.vrrp?.router(instance);
    if (r === undefined) return undefined;
    return {
      active: r.isActive,
      ...(r.vmac !== undefined ? { ifindex: r.vmac } : {}),
      ...(r.virtualLinkLocal !== undefined ? { source: r.virtualLinkLocal } : {}),
      mac: r.mac,
    };
  }

  private runtimeDeps() {
    return {
      clock: this.clock,
      random: this.random,
      socket: this.socket!,
      net: this.net!,
      log: this.opts.log,
      overrides: (cfg: InterfaceConfig) => this.engine?.overridesFor(cfg) ?? new Map(),
      stateChanged: () => this.scheduleSave(),
      vrrpVia: (instance: string) => this.vrrpVia(instance),
    };
  }

  private loadState(): void {
    const path = this.opts.statePath;
    if (path === undefined) return;
    const r = loadState(path);
    if (r.ok) {
      this.saved = r.state;
      this.opts.log.info(`state: restored ${path}`);
    } else if (r.missing) {
      this.opts.log.info(`state: no ${path} yet; starting fresh`);
    } else {
      this.opts.log.warn(`state: ${r.error}; starting over`);
    }
  }

  private scheduleSave(): void {
    if (this.opts.statePath === undefined || this.saveTimer !== undefined) return;
    this.saveTimer = this.clock.setTimeout(() => {
      this.saveTimer = undefined;
      this.saveNow();
    }, 500);
  }

  /** Write the state file now (also at stop). Errors are logged, never fatal. */
  saveNow(): void {
    const path = this.opts.statePath;
    if (path === undefined) return;
    const interfaces: StateFile['interfaces'] = Object.fromEntries([...this.runtimes].map(([name, rt]) => [name, rt.exportState()]));
    try {
      saveState(path, { version: STATE_VERSION, savedAt: this.clock.now(), interfaces });
    } catch (e) {
      this.opts.log.warn(`state: cannot write ${path}: ${(e as Error).message}`);
    }
  }

  private apply(config: Config): void {
    const next = new Map<string, InterfaceConfig>(config.interfaces.map((i) => [i.name, i]));
    for (const [name, rt] of this.runtimes) {
      if (next.has(name)) continue;
      // Removed from the config: the operator no longer wants RAs here, so hosts are told.
      this.opts.log.info(`${name}: removed from the config, stopping`);
      rt.stop(rt.config.removeAdvOnExit);
      this.runtimes.delete(name);
    }
    for (const [name, cfg] of next) {
      const rt = this.runtimes.get(name);
      if (rt === undefined) {
        const created = new InterfaceRuntime(cfg, this.runtimeDeps());
        const previous = this.saved?.interfaces[name];
        if (previous !== undefined && this.saved !== undefined) created.importState(previous, this.saved.savedAt);
        this.runtimes.set(name, created);
        if (this.net!.linkByName(name) === undefined) this.opts.log.info(`${name}: not present yet; waiting for it`);
        created.refresh();
      } else {
        rt.reconfigure(cfg);
      }
    }
  }

  /**
   * SIGHUP: re-read the config. A bad file is reported and the running config stays in
   * force; a good one is applied without a goodbye RA. Returns whether it was applied.
   */
  reload(): Promise<boolean> {
    // One at a time: a second SIGHUP waits for the first (both touch the virtual routers).
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private reloading: Promise<void> = Promise.resolve();

  private async reloadNow(): Promise<boolean> {
    if (!this.running) return false;
    this.counters.reloads++;
    let config: Config;
    try {
      config = await Daemon.readConfig(this.opts.configPath, this.opts.log);
    } catch (e) {
      this.counters.reloadFailures++;
      const lines = e instanceof ConfigError ? e.lines : [(e as Error).message];
      for (const l of lines) this.opts.log.error(l);
      this.opts.log.error('reload rejected; the running configuration stays in force');
      return false;
    }
    if (!this.running) return false; // stopped while the file was read
    try {
      // Conditions whose name and definition are unchanged keep their state (and damping).
      this.engine?.reconfigure(config.conditions ?? [], config.interfaces);
    } catch (e) {
      this.counters.reloadFailures++;
      this.opts.log.error(`${this.opts.configPath}: error: ${(e as Error).message}`);
      this.opts.log.error('reload rejected; the running configuration stays in force');
      return false;
    }
    let vrrpFailed = false;
    if (this.vrrp === undefined && (config.vrrp ?? []).length > 0) {
      try {
        await this.startVrrp(config);
      } catch (e) {
        vrrpFailed = true;
        this.opts.log.error(`reload: ${(e as Error).message}`);
      }
    } else if (this.vrrp !== undefined) {
      try {
        await this.vrrp.reconfigure(config.vrrp ?? [], config.vrrpSyncGroups ?? []);
      } catch (e) {
        vrrpFailed = true;
        this.opts.log.error(`reload: ${(e as Error).message}`);
      }
    }
    if (!this.running) return false; // stopped meanwhile: stop() has taken everything down
    this.apply(config);
    if (vrrpFailed) {
      this.counters.reloadFailures++;
      this.opts.log.error(`reloaded ${this.opts.configPath} in part: the virtual routers above could not be set up (the RAs and conditions are in force)`);
      return false;
    }
    this.opts.log.info(`reloaded ${this.opts.configPath}`);
    return true;
  }

  /** What every interface advertises right now and why: `firsthop status` renders this. */
  status(): DaemonStatus {
    const now = this.clock.now();
    return {
      version: VERSION,
      pid: process.pid,
      startedAt: this.startedAt,
      now,
      configPath: this.opts.configPath,
      interfaces: [...this.runtimes.values()].map((rt) => {
        const built = rt.build(false);
        return {
          name: rt.name,
          ...(rt.ifindex !== undefined ? { ifindex: rt.ifindex } : {}),
          ready: rt.advertiser.isReady,
          advSendAdvert: rt.config.advSendAdvert,
          ...(rt.config.vrrp !== undefined ? { vrrp: rt.config.vrrp } : {}),
          ...(rt.sourceAddress !== undefined ? { source: rt.sourceAddress } : {}),
          ...(rt.lastSent !== undefined ? { lastSent: rt.lastSent } : {}),
          ...(rt.advertiser.nextMulticastAt !== undefined ? { nextMulticastAt: rt.advertiser.nextMulticastAt } : {}),
          stats: { ...rt.advertiser.stats },
          sendErrors: rt.sendErrors,
          ...(built !== undefined ? { ra: built.ra } : {}),
          reasons: built?.reasons ?? [],
          withdrawn: rt.ledger.active(now),
        };
      }),
      conditions: this.engine?.status() ?? [],
      ...(this.vrrp !== undefined ? { vrrp: this.vrrp.status() } : {}),
      counters: { ...this.counters },
      drops: this.drops.snapshot(),
      ignoredOptions: this.ignoredOptions.snapshot(),
    };
  }

  /** `firsthop condition set`: flip a manual condition. */
  setCondition(name: string, value: boolean): ConditionStatus | undefined {
    if (this.engine === undefined) throw new ControlError('the daemon is not running', 'E_NOT_RUNNING');
    try {
      this.engine.setManual(name, value);
    } catch (e) {
      if (e instanceof ConditionError) throw new ControlError(e.message, e.code);
      throw e;
    }
    this.opts.log.info(`condition ${name} set ${value ? 'up' : 'down'} by the operator`);
    return this.engine.status().find((c) => c.name === name);
  }


  /** SIGUSR1: DecrementLifetimes start again from the configured values. */
  resetDecrement(): void {
    for (const rt of this.runtimes.values()) rt.resetDecrement();
  }

  /** The condition engine changed an override: rebuild and trigger where the RA changed. */
  recompute(why: string, iface?: string): void {
    for (const rt of this.runtimes.values()) if (iface === undefined || rt.name === iface) rt.recompute(why);
  }

  /**
   * Only the runtimes an event concerns are refreshed: the interface itself (by name, or by
   * ifindex when it was renamed or removed) and those taking prefixes from it (Base6Interface).
   * With a thousand interfaces, refreshing all of them on every event costs a million RA builds
   * at start-up.
   */
  private onNetEvent(e: NetEvent): void {
    switch (e.kind) {
      case 'resync':
        for (const rt of this.runtimes.values()) rt.refresh();
        break;
      case 'link':
      case 'linkRemoved':
        this.refreshFor(e.link.name, e.link.ifindex);
        if (e.kind === 'link' && e.previous !== undefined && e.previous.name !== e.link.name) this.refreshFor(e.previous.name, e.link.ifindex);
        break;
      case 'address':
      case 'addressRemoved':
        this.refreshFor(this.net?.link(e.address.ifindex)?.name, e.address.ifindex);
        break;
      case 'route':
      case 'routeRemoved':
        break; // routes matter to conditions only, and the engine has its own subscription
      default: {
        const never: never = e;
        void never;
      }
    }
  }

  /** Which runtime a packet's interface belongs to; interfaces rarely change, RSs can flood. */
  private runtimeByIfindex(ifindex: number): InterfaceRuntime | undefined {
    const cached = this.byIfindex.get(ifindex);
    if (cached !== undefined && cached.ifindex === ifindex && this.runtimes.get(cached.name) === cached) return cached;
    const found = [...this.runtimes.values()].find((r) => r.ifindex === ifindex);
    if (found !== undefined) this.byIfindex.set(ifindex, found);
    else this.byIfindex.delete(ifindex);
    return found;
  }

  private readonly byIfindex = new Map<number, InterfaceRuntime>();

  /** `ipv4Of`: an IPv4 address of that interface changed, which concerns only Base6to4Interface. */
  private refreshFor(name: string | undefined, ifindex: number, ipv4Of?: string): void {
    for (const rt of this.runtimes.values()) {
      const own = rt.name === name || rt.ifindex === ifindex;
      const base6 = name !== undefined && rt.config.prefixes.some((p) => p.base6Interface === name || p.base6to4Interface === name);
      const base6to4 = ipv4Of !== undefined && rt.config.prefixes.some((p) => p.base6to4Interface === ipv4Of);
      if (own || base6 || base6to4) rt.refresh();
    }
  }

  private onPacket(p: IcmpPacket): void {
    this.counters.packetsReceived++;
    const v = validateReceived(p.data, { source: p.source, destination: p.destination, hopLimit: p.hopLimit, ifindex: p.ifindex });
    if (!v.ok) {
      this.drops.count(v.code);
      this.opts.log.debug(`dropped packet from ${p.source} on ifindex ${p.ifindex}: ${v.reason}`);
      return;
    }
    const rt = this.runtimeByIfindex(p.ifindex);
    if (v.message.type === 'rs') {
      this.counters.rsReceived++;
      rt?.advertiser.solicit(p.source);
    } else if (v.message.type === 'ra') {
      this.counters.raReceived++;
      // Options ignored as malformed; the rest of the RA is checked like any other (hosts act on it).
      for (const m of v.message.malformed ?? []) {
        this.ignoredOptions.count(m.error);
        this.opts.log.debug(`RA from ${p.source} on ifindex ${p.ifindex}: option ${m.index + 1} ignored: ${m.reason}`);
      }
      if (rt === undefined || p.source === rt.sourceAddress) return;
      this.checkRa(rt, p.source, v.message);
    }
  }

  private readonly reported = new Map<string, number>();
  /** Inconsistency lines, whatever the sources and fields. */
  private readonly inconsistencyLines = new LineBudget(WARN_LINES_PER_MINUTE, (n) => this.opts.log.warn(`${n} more inconsistent RA fields in the last minute were not logged (see status counters)`));

  /** RFC 4861 6.2.7: log RAs from other routers that contradict ours (rate-limited per source and field). */
  private checkRa(rt: InterfaceRuntime, source: string, ra: RouterAdvertisement): void {
    const ours = rt.build(false);
    if (ours === undefined) return;
    const vr = rt.config.vrrp !== undefined ? this.vrrp?.router(rt.config.vrrp) : undefined;
    const peer = vr !== undefined && source === vr.virtualLinkLocal;
    // From the other router of our virtual router: the whole RA must match (RFC 9568 8.2.3).
    const issues = peer ? compareVirtualRouterRas(ours.ra, ra) : checkConsistency(ours.ra, ra);
    if (issues.length === 0) return;
    this.counters.raInconsistent++;
    const now = this.clock.now();
    for (const issue of issues) {
      const key = `${rt.name} ${source} ${issue.field}`;
      const last = this.reported.get(key);
      if (last !== undefined && now - last < 60_000) continue;
      // Sources and fields come from the wire: the table is capped and the lines are limited
      // across all of them, or a stranger sending RAs fills the memory and the log.
      if (this.reported.size >= MAX_REPORTED) {
        for (const [k, t] of this.reported) if (now - t >= 60_000) this.reported.delete(k);
        if (this.reported.size >= MAX_REPORTED) this.reported.clear();
      }
      this.reported.set(key, now);
      if (!this.inconsistencyLines.take(now)) continue;
      if (peer) {
        // The other router of our virtual router: hosts keep the RA they last heard, so a
        // failover would change what they are told.
        this.opts.log.warn(`${rt.name}: vrrp ${rt.config.vrrp}: the Active's RA differs from the one this router sends when Active (RFC 9568 8.2.3: both must advertise the same options): ${issue.field}: ours ${issue.ours}, the Active's ${issue.theirs}`);
      } else {
        this.opts.log.warn(`${rt.name}: RA from ${source} is inconsistent with ours (RFC 4861 6.2.7): ${issue.field}: ours ${issue.ours}, theirs ${issue.theirs}`);
      }
    }
  }

  /**
   * Stop advertising; `final` sends RFC 4861 6.2.5 final RAs where RemoveAdvOnExit is on (never
   * for an interface tied to a virtual router). Virtual routers leave their elections (an
   * Active sends priority 0) and their macvlans are deleted: the kernel applies those requests
   * as they are sent, so they are done when stop() returns; `stopped` resolves on the acks.
   */
  stop(final = true): void {
    if (this.saveTimer !== undefined) this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.running) this.saveNow();
    this.running = false;
    for (const rt of this.runtimes.values()) rt.stop(final && rt.config.removeAdvOnExit);
    this.runtimes.clear();
    const vrrp = this.vrrp;
    const requester = this.requester;
    this.vrrp = undefined;
    this.requester = undefined;
    if (vrrp !== undefined) {
      this.stopped = vrrp.stop().finally(() => requester?.close());
    } else {
      requester?.close();
    }
    this.engine?.stop();
    this.engine = undefined;
    this.unsubscribe?.();
    this.socket?.close();
    this.net?.close();
    this.socket = undefined;
    this.net = undefined;
  }
}
