/**
 * The daemon: config in, one InterfaceRuntime per configured interface, netlink events and
 * received ND packets dispatched to them, reload and shutdown. Everything it touches in the
 * kernel goes through a SystemBackend, so the same code runs on Linux and in unit tests.
 */
import type { Config, HttpConfig, InterfaceConfig } from '../config/types';
import { formatDiagnostics } from '../config/types';
import { loadConfig } from '../config';
import type { Icmp6Socket, IcmpPacket, SystemBackend } from '../sys/types';
import type { NetEvent } from '../netlink/types';
import { NetState } from '../netlink/state';
import { InterfaceRuntime } from '../iface/runtime';
import type { Clock } from '../iface/clock';
import { systemClock } from '../iface/clock';
import { LineBudget, type Logger } from './log';
import { passesHeaderChecks, validateReceived, DropCounters } from '../wire';
import { ICMP6, type RouterAdvertisement } from '../wire/types';
import { checkConsistency, compareVirtualRouterRas } from '../observe/consistency';
import { EventHub } from '../observe/events';
import { describeOffers, NEW_SOURCE_RATE, RouterBudget, SUMMARY_INTERVAL_MS } from '../observe/watch';
import { withdrawingRa } from '../observe/countermeasure';
import { printable } from '../observe/printable';
import { encodeMessage } from '../wire';
import { ALL_NODES } from '../net/ipv6';
import { ControlError } from '../control/server';
import type { Reason } from '../ra/build';
import { ConditionEngine, ConditionError } from '../conditions/engine';
import type { ConditionStatus } from '../conditions/types';
import { IcmpProbeFactory } from '../conditions/probe';
import type { SentRecord } from '../iface/runtime';
import type { AdvertiserStats, SendKind } from '../iface/advertiser';
import type { FirsthopEvent, WatchStatus } from '../observe/types';
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
  /** RAs sent, by kind (initial, periodic, solicited, triggered, final, client). */
  readonly sent: Readonly<Record<SendKind, number>>;
  readonly sendErrors: number;
  /** The RA as it would be sent now (the same function builds what goes on the wire). */
  readonly ra?: RouterAdvertisement;
  /** Every value that differs from the config, and why. */
  readonly reasons: readonly Reason[];
  readonly withdrawn: readonly Withdrawal[];
  /** The other routers heard on the link, rogue detection and the countermeasure. */
  readonly watch: WatchStatus;
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
  /** Where the HTTP endpoint listens, when it is on. */
  readonly http?: { readonly address: string; readonly port: number };
  /** Options of received RAs ignored as malformed, by decoder code (the RAs were processed). */
  readonly ignoredOptions?: Record<string, number>;
}

export const VERSION = '0.1.0';

/** Inconsistency warning lines per minute, across all interfaces, sources and fields. */
const WARN_LINES_PER_MINUTE = 20;
/** Rogue-router lines per minute across all interfaces (each interface also has its own budget). */
const ROGUE_LINES_PER_MINUTE = 30;
/** fe80::/10 as the socket layer writes it (lower case): what validation accepts as link-local. */
const LINK_LOCAL = /^fe[89ab][0-9a-f]:/;
/** Other events a minute (RA contents, conditions, VRRP, reloads): forged VRRP advertisements can flap at packet rate. */
const OTHER_EVENTS_PER_MINUTE = 600;
/** Router and rogue events a minute on /api/events, across all interfaces. */
const ROUTER_EVENTS_PER_MINUTE = 300;
/** Summary lines per summary interval; past that, one line for the other interfaces. */
const SUMMARY_LINES = 10;

export interface DaemonCounters {
  packetsReceived: number;
  rsReceived: number;
  raReceived: number;
  raInconsistent: number;
  /** RAs from rogue routers, all interfaces. */
  rogueRas: number;
  /** RAs from new sources only counted (over the inspection rate), all interfaces. */
  raUninspected: number;
  rogueDetections: number;
  countermeasuresSent: number;
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
  readonly counters: DaemonCounters = { packetsReceived: 0, rsReceived: 0, raReceived: 0, raInconsistent: 0, rogueRas: 0, raUninspected: 0, rogueDetections: 0, countermeasuresSent: 0, reloads: 0, reloadFailures: 0 };
  /** Routers heard, kept across all interfaces. */
  private readonly routerBudget = new RouterBudget();
  /** Changes for /api/events: RA contents, conditions, VRRP, routers heard, rogues, reloads. */
  readonly events: EventHub;
  private readonly clock: Clock;
  private readonly random: () => number;
  readonly startedAt: number;
  private saved: StateFile | undefined;
  /** Started completely: only then does stop() write the state file (a failed start must not clobber it). */
  private running = false;
  private saveTimer: TimerHandle | undefined;
  /** Resolves when everything stop() asked of the kernel was acknowledged. */
  stopped: Promise<void> = Promise.resolve();
  /** The config's `http { };` block in force (the CLI starts the endpoint from it). */
  private http: HttpConfig | undefined;
  /** Where the HTTP endpoint listens now; set by whoever runs it, shown in status(). */
  httpListening: { readonly address: string; readonly port: number } | undefined;

  constructor(private readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.startedAt = this.clock.now();
    this.events = new EventHub(() => this.clock.now());
    this.inconsistencyLines = new LineBudget(WARN_LINES_PER_MINUTE, (n) => this.opts.log.warn(`${n} more inconsistent RA fields in the last minute were not logged (see status and metrics)`), this.clock);
    this.otherEvents = new LineBudget(OTHER_EVENTS_PER_MINUTE, (n) => this.events.emit({ type: 'suppressed', what: 'other', count: n }), this.clock);
    this.malformedLines = new LineBudget(WARN_LINES_PER_MINUTE, (n) => this.opts.log.debug(`${n} more malformed options of received RAs were not logged (see status)`), this.clock);
    this.routerEvents = new LineBudget(ROUTER_EVENTS_PER_MINUTE, (n) => this.events.emit({ type: 'suppressed', what: 'router', count: n }), this.clock);
    this.rogueLines = new LineBudget(ROGUE_LINES_PER_MINUTE, (n) => this.opts.log.warn(`${n} more rogue-router lines in the last minute were not logged (see status and metrics)`), this.clock);
  }

  /** Parse the config; a ConfigError carries every diagnostic as `file:line:col: message`. */
  static async readConfig(path: string, log: Logger): Promise<Config> {
    const result = await loadConfig(path);
    for (const line of formatDiagnostics(result.warnings)) log.warn(line);
    if (!result.ok) throw new ConfigError(formatDiagnostics(result.errors));
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
    // freebind: the rogue-RA countermeasure (RogueRAWithdraw) sends in the rogue's name. A
    // kernel without IPV6_FREEBIND (before 4.15) still runs everything else.
    const types = [ICMP6.RouterSolicitation, ICMP6.RouterAdvertisement];
    try {
      this.socket = this.opts.backend.openIcmp6({ types, freebind: true });
    } catch (e) {
      this.opts.log.warn(`IPV6_FREEBIND refused (${(e as Error).message}): RogueRAWithdraw cannot send in a rogue's name`);
      this.socket = this.opts.backend.openIcmp6({ types });
    }
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
      this.emitConditions(names);
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
    this.http = config.http;
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
      changed: (router, t) => {
        this.emitOther({ type: 'vrrp', router: router.name, state: t.to, priority: router.machine.priority, why: t.reason });
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
      raChanged: (rt: InterfaceRuntime, why: string) => this.emitOther({ type: 'ra', interface: rt.name, why }),
      routerBudget: this.routerBudget,
    };
  }

  /** Events not about routers heard, under their own budget. */
  private emitOther(e: FirsthopEvent): void {
    if (this.otherEvents.take(this.clock.now())) this.events.emit(e);
  }

  private emitConditions(names: readonly string[]): void {
    if (this.engine === undefined) return;
    const want = new Set(names);
    for (const c of this.engine.status()) {
      if (want.has(c.name)) this.emitOther({ type: 'condition', condition: c.name, effective: c.effective, raw: c.raw, penalty: Math.round(c.penalty) });
    }
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
      this.emitOther({ type: 'reload', ok: false });
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
      this.emitOther({ type: 'reload', ok: false });
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
    this.http = config.http;
    if (vrrpFailed) {
      this.counters.reloadFailures++;
      this.opts.log.error(`reloaded ${this.opts.configPath} in part: the virtual routers above could not be set up (the RAs and conditions are in force)`);
      this.emitOther({ type: 'reload', ok: false });
      return false;
    }
    this.opts.log.info(`reloaded ${this.opts.configPath}`);
    this.emitOther({ type: 'reload', ok: true });
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
          sent: { ...rt.sent },
          sendErrors: rt.sendErrors,
          ...(built !== undefined ? { ra: built.ra } : {}),
          reasons: built?.reasons ?? [],
          withdrawn: rt.ledger.active(now),
          watch: rt.watch.status(),
        };
      }),
      conditions: this.engine?.status() ?? [],
      ...(this.vrrp !== undefined ? { vrrp: this.vrrp.status() } : {}),
      counters: { ...this.counters },
      drops: this.drops.snapshot(),
      ignoredOptions: this.ignoredOptions.snapshot(),
      ...(this.httpListening !== undefined ? { http: this.httpListening } : {}),
    };
  }

  /** The `http { };` block of the config in force (undefined: none). */
  get httpConfig(): HttpConfig | undefined {
    return this.http;
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
    const rt = this.runtimeByIfindex(p.ifindex);
    if (rt !== undefined && this.shed(rt, p)) return;
    const v = validateReceived(p.data, { source: p.source, destination: p.destination, hopLimit: p.hopLimit, ifindex: p.ifindex });
    if (!v.ok) {
      this.drops.count(v.code);
      this.opts.log.debug(`dropped packet from ${p.source} on ifindex ${p.ifindex}: ${v.reason}`);
      return;
    }
    if (v.message.type === 'rs') {
      this.counters.rsReceived++;
      rt?.advertiser.solicit(p.source);
    } else if (v.message.type === 'ra') {
      this.counters.raReceived++;
      if (rt === undefined || p.source === rt.sourceAddress) return;
      // Options ignored as malformed; the rest of the RA is checked like any other (hosts act on it).
      for (const m of v.message.malformed ?? []) {
        this.ignoredOptions.count(m.error);
        if (this.malformedLines.take(this.clock.now())) this.opts.log.debug(`RA from ${p.source} on ${rt.name}: option ${m.index + 1} ignored: ${m.reason}`);
      }
      this.checkRa(rt, p.source, v.message);
    }
  }

  /**
   * Before any decoding: a packet that can change nothing is only counted, so a flood costs a
   * lookup per packet. A solicitation whose answer is already on its way; an RA from a source
   * the watch does not know, past its inspection rate. Only what validation's header checks
   * would pass is shed (passesHeaderChecks; for an RA a link-local source, RFC 4861 6.1.2; the
   * options are not looked at): anything else goes on to be dropped and counted as a drop, and
   * cannot use up the inspections an on-link rogue would get.
   */
  private shed(rt: InterfaceRuntime, p: IcmpPacket): boolean {
    if (!passesHeaderChecks(p.data, p.hopLimit)) return false;
    const now = this.clock.now();
    if (p.data[0] === ICMP6.RouterSolicitation) {
      if (!rt.advertiser.absorb(p.source, now)) return false;
      this.counters.rsReceived++;
      return true;
    }
    if (p.data[0] !== ICMP6.RouterAdvertisement || !LINK_LOCAL.test(p.source) || p.source === rt.sourceAddress) return false;
    if (this.isVrrpPeer(rt, p.source) || rt.watch.admit(p.source, now)) return false;
    this.counters.raReceived++;
    this.counters.raUninspected++;
    this.summaryFor(rt); // admit() refused it: counted for this interval's summary line
    return true;
  }

  /** `rt` has counts for the end-of-interval summary line: make sure a timer will write it. */
  private summaryFor(rt: InterfaceRuntime): void {
    if (this.summaryDue.has(rt)) return;
    this.summaryDue.add(rt);
    this.armSummary();
  }

  /** Inconsistency lines, whatever the interfaces, sources and fields. */
  private readonly inconsistencyLines: LineBudget;
  /** Rogue-router lines, whatever the interfaces (each interface has its own budget too). */
  private readonly rogueLines: LineBudget;
  /** Router and rogue events a minute, whatever the interfaces; the rest are told as one count. */
  private readonly routerEvents: LineBudget;
  /** RA, condition, VRRP and reload events a minute; the rest are told as one count. */
  private readonly otherEvents: LineBudget;
  /** Debug lines about malformed options of received RAs. */
  private readonly malformedLines: LineBudget;
  /** Interfaces with rogue detections waiting for their summary line. */
  private readonly summaryDue = new Set<InterfaceRuntime>();
  private summaryTimer: TimerHandle | undefined;

  /**
   * An RA from another router: who it is (VRRP peer, allowed, unknown), how it compares with
   * ours (RFC 4861 6.2.7; RFC 9568 8.2.3 for the other router of our virtual router), and
   * whether it is a rogue (RFC 8475 section 5). Costs no RA build: ours is the last computed.
   */
  private checkRa(rt: InterfaceRuntime, source: string, ra: RouterAdvertisement): void {
    const ours = rt.advertisedRa;
    const vr = rt.config.vrrp !== undefined ? this.vrrp?.router(rt.config.vrrp) : undefined;
    // From the other router of the virtual router our RAs follow: the whole RA must match (RFC 9568 8.2.3).
    const sameVirtualRouter = vr !== undefined && source === vr.virtualLinkLocal;
    // Any VRRP peer on this link is known without being listed.
    const peer = sameVirtualRouter || this.isVrrpPeer(rt, source);
    const issues = ours === undefined ? [] : sameVirtualRouter ? compareVirtualRouterRas(ours, ra) : checkConsistency(ours, ra);
    if (issues.length > 0) this.counters.raInconsistent++;
    const now = this.clock.now();
    const v = rt.watch.heard(source, ra, now, peer, issues);
    for (const issue of v.warn) {
      if (!this.inconsistencyLines.take(now)) continue;
      if (sameVirtualRouter) {
        // Hosts keep the RA they last heard, so a failover would change what they are told.
        this.opts.log.warn(`${rt.name}: vrrp ${rt.config.vrrp}: the Active's RA differs from the one this router sends when Active (RFC 9568 8.2.3: both must advertise the same options): ${issue.field}: ours ${printable(issue.ours, 300)}, the Active's ${printable(issue.theirs, 300)}`);
      } else {
        this.opts.log.warn(`${rt.name}: RA from ${source} is inconsistent with ours (RFC 4861 6.2.7): ${issue.field}: ours ${printable(issue.ours, 300)}, theirs ${printable(issue.theirs, 300)}`);
      }
    }
    // Events about routers heard come from the wire: a budget keeps a flood of spoofed sources
    // from becoming a flood of events to every open page.
    if (v.evicted !== undefined && this.routerEvents.take(now)) this.events.emit({ type: 'router', interface: rt.name, source: v.evicted.source, role: v.evicted.role, rogue: v.evicted.rogue, change: 'evicted' });
    if ((v.isNew || v.changed) && this.routerEvents.take(now)) this.events.emit({ type: 'router', interface: rt.name, source, role: v.router.role, rogue: v.router.rogue, change: v.isNew ? 'new' : 'changed' });
    if (!v.router.rogue) return;
    this.counters.rogueRas++;
    let countered = false;
    if (v.counter) countered = this.counter(rt, source, ra);
    if (v.detected) {
      this.counters.rogueDetections++;
      if (this.routerEvents.take(now)) this.events.emit({ type: 'rogue', interface: rt.name, source, ...(v.router.mac !== undefined ? { mac: v.router.mac } : {}), offers: v.router.offers, countered });
    }
    if (v.logDetail) {
      if (this.rogueLines.take(now)) {
        const what = v.detected ? 'rogue router' : 'rogue router now';
        const action = countered ? '; withdrawn in its name (RogueRAWithdraw)' : rt.watch.action === 'withdraw' ? (v.counter ? '; the withdrawal could not be sent (see status send errors)' : '; withdrawal held back by the rate limit') : '';
        this.opts.log.warn(`${rt.name}: ${what} ${source} (MAC ${v.router.mac ?? 'unknown: no source link-layer option'}) advertises ${describeOffers(v.router.offers)}; not in AllowedRouters (RFC 8475 section 5)${action}`);
      }
    } else if (v.detected) {
      this.summaryFor(rt);
    }
  }

  private isVrrpPeer(rt: InterfaceRuntime, source: string): boolean {
    return this.vrrp !== undefined && this.vrrp.isPeer(rt.name, source);
  }

  /** Send the RA that withdraws what a rogue announced, from the rogue's address. */
  private counter(rt: InterfaceRuntime, source: string, ra: RouterAdvertisement): boolean {
    const answer = withdrawingRa(ra);
    const ifindex = rt.ifindex;
    if (answer === undefined || ifindex === undefined || this.socket === undefined) return false;
    let data: Uint8Array;
    try {
      data = encodeMessage(answer);
    } catch {
      // Something in the rogue's options cannot be encoded again (a name no encoder accepts):
      // the default route, routes and prefixes are what matter most.
      try {
        data = encodeMessage({ ...answer, options: answer.options.filter((o) => o.type !== 'dnssl') });
      } catch {
        return false;
      }
    }
    try {
      this.socket.send(data, ALL_NODES, ifindex, source);
    } catch (e) {
      rt.sendErrors++;
      this.opts.log.debug(`${rt.name}: countermeasure RA for ${source} failed: ${(e as Error).message}`);
      return false;
    }
    this.counters.countermeasuresSent++;
    return true;
  }

  private armSummary(): void {
    if (this.summaryTimer !== undefined) return;
    let due = Infinity;
    for (const rt of this.summaryDue) due = Math.min(due, rt.watch.summaryDueAt ?? Infinity);
    if (due === Infinity) {
      this.summaryDue.clear();
      return;
    }
    this.summaryTimer = this.clock.setTimeout(() => {
      this.summaryTimer = undefined;
      this.writeSummaries();
      this.armSummary();
    }, Math.max(0, due - this.clock.now()));
  }

  /** One line per interface whose rogue detections were not all logged (at most SUMMARY_LINES, then one for the rest). */
  private writeSummaries(): void {
    const now = this.clock.now();
    let lines = 0;
    let restInterfaces = 0;
    let restDetections = 0;
    let restUninspected = 0;
    for (const rt of [...this.summaryDue]) {
      if (!this.runtimes.has(rt.name) || this.runtimes.get(rt.name) !== rt) {
        this.summaryDue.delete(rt);
        continue;
      }
      const s = rt.watch.summary(now);
      if (s === undefined) {
        if (rt.watch.summaryDueAt === undefined) this.summaryDue.delete(rt);
        continue;
      }
      this.summaryDue.delete(rt);
      if (lines < SUMMARY_LINES) {
        lines++;
        const parts: string[] = [];
        if (s.detections > 0) parts.push(`${s.detections} more rogue routers (${s.sourcesCapped ? 'at least ' : ''}${s.sources} distinct sources) and ${s.rogueRas} rogue RAs were not logged one by one`);
        if (s.uninspected > 0) parts.push(`${s.uninspected} RAs from new sources were only counted, not inspected (over ${NEW_SOURCE_RATE} new routers a second: a flood of spoofed sources?)`);
        this.opts.log.warn(`${rt.name}: in the last ${Math.round(s.intervalMs / 1000)} s, ${parts.join('; ')} (see status and metrics)`);
      } else {
        restInterfaces++;
        restDetections += s.detections;
        restUninspected += s.uninspected;
      }
    }
    if (restInterfaces > 0) this.opts.log.warn(`${restInterfaces} more interfaces had ${restDetections} rogue routers not logged one by one and ${restUninspected} RAs from new sources only counted in the last ${SUMMARY_INTERVAL_MS / 1000} s`);
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
    if (this.summaryTimer !== undefined) this.clock.clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    this.summaryDue.clear();
    this.inconsistencyLines.stop();
    this.rogueLines.stop();
    this.routerEvents.stop();
    this.malformedLines.stop();
    this.otherEvents.stop();
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
