/**
 * /metrics: a prom-client Registry whose collectors read one daemon status() per scrape. Nothing
 * is counted per packet here: the daemon keeps its own counters (status, `firsthop status`)
 * and a scrape copies them. Label values come from the config (interface, condition and
 * virtual-router names) or from fixed vocabularies in the code (RA kinds, drop reasons,
 * inconsistency kinds, router roles, VRRP states), never from an address heard on the wire.
 */
import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { DaemonStatus, InterfaceStatus } from '../daemon/daemon';
import type { StatusSource } from './types';

const INFINITY = 0xffffffff;
/** RFC 4861 lifetimes: 0xffffffff is infinity, exported as +Inf. */
const lifetime = (n: number): number => (n === INFINITY ? Infinity : n);

/** Inconsistency kinds per interface beyond which the rest are summed under `other`. */
export const MAX_FIELD_LABELS = 32;
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
const VRRP_STATES = ['initialize', 'backup', 'active'] as const;
const ROLES = ['vrrp-peer', 'allowed', 'unknown'] as const;

/**
 * An inconsistency kind as a label. The kinds come from src/observe/consistency.ts; a DNSSL
 * difference with a VRRP peer includes its single-label names ('dnssl_foo'), which the wire
 * chooses, so every dnssl kind is reported as `dnssl`.
 */
export function fieldLabel(kind: string): string {
  return kind.startsWith('dnssl') ? 'dnssl' : kind;
}

type Labels<T extends string> = Partial<Record<T, string | number>>;

export class FirsthopMetrics {
  readonly registry = new Registry();
  private snapshot: DaemonStatus | undefined;

  constructor(private readonly source: StatusSource) {
    // The process: CPU, RSS, open files, heap, GC and event-loop delay (nodejs_eventloop_lag_*),
    // under prom-client's standard names. Three of them are gauges named *_total, which
    // Prometheus reserves for counters (promtool check metrics rejects them): left out.
    collectDefaultMetrics({ register: this.registry });
    for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    const r = this.registry;
    const st = (): DaemonStatus => (this.snapshot ??= this.source.status());
    // Each metric is a small object Registry formats like its own Gauge and Counter: get()
    // returns the samples read from the scrape's status. prom-client's Gauge and Counter would
    // hash every label set into a map on each scrape only to be read back once (about 1.5 times
    // the cost at 1,000 interfaces, docs/benchmarks.md).
    const define = <T extends string>(type: 'gauge' | 'counter', name: string, help: string, fill: (set: (labels: Labels<T>, v: number) => void, s: DaemonStatus) => void): void => {
      const metric = {
        name,
        help,
        type,
        aggregator: 'sum' as const,
        reset: (): void => undefined,
        get: async () => {
          const values: Array<{ labels: Labels<T>; value: number }> = [];
          fill((labels, value) => values.push({ labels, value }), st());
          return { name, help, type, aggregator: 'sum' as const, values };
        },
      };
      r.registerMetric(metric as unknown as Metric);
    };
    const gauge = <T extends string>(name: string, help: string, _labelNames: readonly T[], fill: (set: (labels: Labels<T>, v: number) => void, s: DaemonStatus) => void): void => define('gauge', name, help, fill);
    const counter = <T extends string>(name: string, help: string, _labelNames: readonly T[], fill: (set: (labels: Labels<T>, v: number) => void, s: DaemonStatus) => void): void => define('counter', name, help, fill);
    const perIface = <T extends string>(name: string, help: string, labelNames: readonly T[], kind: 'counter' | 'gauge', fill: (i: InterfaceStatus, set: (labels: Labels<T>, v: number) => void) => void): void => {
      const f = (set: (labels: Labels<T | 'interface'>, v: number) => void, s: DaemonStatus): void => {
        for (const i of s.interfaces) fill(i, (labels, v) => set({ ...labels, interface: i.name } as Labels<T | 'interface'>, v));
      };
      if (kind === 'counter') counter<T | 'interface'>(name, help, ['interface', ...labelNames], f);
      else gauge<T | 'interface'>(name, help, ['interface', ...labelNames], f);
    };

    gauge('firsthop_build_info', 'firsthop version and the Node.js running it (always 1).', ['version', 'nodejs'], (set, s) => set({ version: s.version, nodejs: process.versions.node }, 1));
    gauge('firsthop_start_time_seconds', 'When the daemon started, seconds since the epoch.', [], (set, s) => set({}, s.startedAt / 1000));

    // ---- Router Advertisements sent, solicitations ------------------------------------------
    perIface('firsthop_ras_sent_total', 'RAs sent, by kind: initial, periodic, solicited (answers to RSs), triggered (config or condition change), final (goodbye, router lifetime 0), client (unicast to a clients list).', ['kind'], 'counter', (i, set) => {
      for (const [kind, n] of Object.entries(i.sent)) set({ kind }, n);
    });
    perIface('firsthop_ra_packets_sent_total', 'RA packets sent, by destination: multicast (all nodes) or unicast.', ['destination'], 'counter', (i, set) => {
      set({ destination: 'multicast' }, i.stats.multicastSent);
      set({ destination: 'unicast' }, i.stats.unicastSent);
    });
    perIface('firsthop_ra_send_errors_total', 'RAs the kernel refused to send.', [], 'counter', (i, set) => set({}, i.sendErrors));
    perIface('firsthop_rs_received_total', 'Router Solicitations received.', [], 'counter', (i, set) => set({}, i.stats.solicitationsReceived));
    perIface('firsthop_rs_answered_total', 'Router Solicitations answered (solicited RAs sent).', [], 'counter', (i, set) => set({}, i.sent.solicited));
    perIface('firsthop_rs_rate_limited_total', 'Router Solicitations not answered by their own RA: an RA was sent or scheduled within MinDelayBetweenRAs (RFC 4861 6.2.6).', [], 'counter', (i, set) => set({}, i.stats.solicitationsRateLimited));
    perIface('firsthop_rs_ignored_total', 'Router Solicitations ignored (not advertising, not a listed client, unicast-only interface).', [], 'counter', (i, set) => set({}, i.stats.solicitationsIgnored));
    counter('firsthop_packets_dropped_total', 'ICMPv6 packets dropped by validation (RFC 4861 6.1), by reason.', ['reason'], (set, s) => {
      for (const [reason, n] of Object.entries(s.drops)) set({ reason }, n);
    });

    // ---- what is advertised now -------------------------------------------------------------
    perIface('firsthop_interface_advertising', '1 while the interface sends RAs (up, carrier, source address, Active virtual router), else 0.', [], 'gauge', (i, set) => set({}, i.advSendAdvert && i.ready ? 1 : 0));
    perIface('firsthop_interface_monitor_only', '1 for an interface with AdvSendAdvert off: firsthop only watches the routers on it.', [], 'gauge', (i, set) => set({}, i.advSendAdvert ? 0 : 1));
    perIface('firsthop_router_lifetime_seconds', 'The router lifetime in the RA as it is sent now (0: not a default router).', [], 'gauge', (i, set) => {
      if (i.ra !== undefined && i.advSendAdvert) set({}, i.ra.routerLifetime);
    });
    perIface('firsthop_prefix_valid_lifetime_seconds', 'Valid lifetime of each prefix in the RA as it is sent now (+Inf: infinity).', ['prefix'], 'gauge', (i, set) => {
      if (i.advSendAdvert) for (const o of i.ra?.options ?? []) if (o.type === 'prefixInformation') set({ prefix: `${o.prefix}/${o.prefixLength}` }, lifetime(o.validLifetime));
    });
    perIface('firsthop_prefix_preferred_lifetime_seconds', 'Preferred lifetime of each prefix in the RA as it is sent now (+Inf: infinity; 0: deprecated).', ['prefix'], 'gauge', (i, set) => {
      if (i.advSendAdvert) for (const o of i.ra?.options ?? []) if (o.type === 'prefixInformation') set({ prefix: `${o.prefix}/${o.prefixLength}` }, lifetime(o.preferredLifetime));
    });
    perIface('firsthop_values_changed', 'Values of the RA that differ from the config now (policies, rules, withdrawals).', [], 'gauge', (i, set) => set({}, i.reasons.length));

    // ---- conditions -------------------------------------------------------------------------
    gauge('firsthop_condition_up', 'The effective value of each condition (after damping): 1 true, 0 false.', ['condition'], (set, s) => {
      for (const c of s.conditions) set({ condition: c.name }, c.effective ? 1 : 0);
    });
    gauge('firsthop_condition_raw_up', 'The raw value of each condition (before damping): 1 true, 0 false.', ['condition'], (set, s) => {
      for (const c of s.conditions) set({ condition: c.name }, c.raw ? 1 : 0);
    });
    counter('firsthop_condition_flaps_total', 'Transitions of the raw value from true to false (each one adds the damping penalty).', ['condition'], (set, s) => {
      for (const c of s.conditions) set({ condition: c.name }, c.flaps);
    });
    gauge('firsthop_condition_damping_penalty', 'Damping penalty of each condition, decayed to now (RFC 8475 3.2.7; 0 without damping).', ['condition'], (set, s) => {
      for (const c of s.conditions) set({ condition: c.name }, c.penalty);
    });
    gauge('firsthop_condition_suppressed', '1 while damping suppresses the recovery of a condition.', ['condition'], (set, s) => {
      for (const c of s.conditions) set({ condition: c.name }, c.suppressed ? 1 : 0);
    });
    gauge('firsthop_condition_last_change_seconds', 'When the effective value last changed, seconds since the epoch.', ['condition'], (set, s) => {
      for (const c of s.conditions) set({ condition: c.name }, c.since / 1000);
    });

    // ---- VRRP -------------------------------------------------------------------------------
    gauge('firsthop_vrrp_state', '1 for the state each virtual router is in (initialize, backup, active), 0 for the others.', ['vrouter', 'state'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) for (const state of VRRP_STATES) set({ vrouter: v.name, state }, v.state === state ? 1 : 0);
    });
    gauge('firsthop_vrrp_priority', 'Priority of each virtual router now (configured priority plus tracked conditions).', ['vrouter'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) set({ vrouter: v.name }, v.priority);
    });
    counter('firsthop_vrrp_transitions_total', 'State changes of each virtual router.', ['vrouter'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) set({ vrouter: v.name }, v.counters.transitions);
    });
    counter('firsthop_vrrp_became_active_total', 'Times each virtual router became Active.', ['vrouter'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) set({ vrouter: v.name }, v.counters.becameActive);
    });
    counter('firsthop_vrrp_advertisements_sent_total', 'VRRP advertisements sent (including priority 0).', ['vrouter'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) set({ vrouter: v.name }, v.counters.advertisementsSent);
    });
    counter('firsthop_vrrp_advertisements_received_total', 'VRRP advertisements received and accepted.', ['vrouter'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) set({ vrouter: v.name }, v.counters.advertisementsReceived);
    });
    counter('firsthop_vrrp_advertisements_dropped_total', 'VRRP advertisements dropped, by reason (vrouter empty: before they could be matched to a virtual router).', ['vrouter', 'reason'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) for (const [reason, n] of Object.entries(v.counters.dropped)) set({ vrouter: v.name, reason }, n);
      for (const [reason, n] of Object.entries(s.vrrp?.dropped ?? {})) set({ vrouter: '', reason }, n);
    });
    counter('firsthop_vrrp_send_errors_total', 'VRRP advertisements and announcements the kernel refused to send.', ['vrouter'], (set, s) => {
      for (const v of s.vrrp?.routers ?? []) set({ vrouter: v.name }, v.counters.sendErrors);
    });

    // ---- the other routers on the link ------------------------------------------------------
    perIface('firsthop_routers_seen', 'Other routers heard on the link and still in the table, by role (vrrp-peer, allowed, unknown).', ['role'], 'gauge', (i, set) => {
      const n: Record<string, number> = { 'vrrp-peer': 0, allowed: 0, unknown: 0 };
      for (const r of i.watch.routers) n[r.role] = (n[r.role] ?? 0) + 1;
      for (const role of ROLES) set({ role }, n[role] ?? 0);
    });
    perIface('firsthop_rogue_routers', 'Routers in the table that are rogues now (unknown and offering something, RFC 8475 section 5).', [], 'gauge', (i, set) => set({}, i.watch.routers.filter((r) => r.rogue).length));
    perIface('firsthop_ras_received_total', 'RAs heard from other routers and inspected.', [], 'counter', (i, set) => set({}, i.watch.received));
    perIface('firsthop_ras_uninspected_total', 'RAs from new sources only counted, not inspected (over the inspection rate: a flood of spoofed sources).', [], 'counter', (i, set) => set({}, i.watch.uninspected));
    perIface('firsthop_rogue_ras_total', 'RAs heard from rogue routers.', [], 'counter', (i, set) => set({}, i.watch.rogueRas));
    perIface('firsthop_rogue_detections_total', 'Rogue routers detected (a new unknown router offering something, or a known one starting to).', [], 'counter', (i, set) => set({}, i.watch.rogueDetections));
    perIface('firsthop_rogue_countermeasures_total', 'Withdrawing RAs sent in a rogue\'s name (RogueRAWithdraw), and those the rate limit held back.', ['result'], 'counter', (i, set) => {
      set({ result: 'sent' }, i.watch.countermeasuresSent);
      set({ result: 'limited' }, i.watch.countermeasuresLimited);
    });
    perIface('firsthop_routers_evicted_total', 'Routers dropped from the full table (least recently heard first).', [], 'counter', (i, set) => set({}, i.watch.evicted));
    perIface('firsthop_ra_inconsistencies_total', 'Inconsistent fields in RAs of other routers (RFC 4861 6.2.7; RFC 9568 8.2.3 with a VRRP peer), by kind of field.', ['field'], 'counter', (i, set) => {
      const sums = new Map<string, number>();
      for (const [kind, n] of Object.entries(i.watch.inconsistencies)) {
        let label = fieldLabel(kind);
        if (!sums.has(label) && sums.size >= MAX_FIELD_LABELS) label = 'other';
        sums.set(label, (sums.get(label) ?? 0) + n);
      }
      for (const [field, n] of sums) set({ field }, n);
    });

    // ---- the daemon -------------------------------------------------------------------------
    counter('firsthop_reloads_total', 'Config reloads (SIGHUP), by result: ok, failed (the running config stayed in force, or in part).', ['result'], (set, s) => {
      set({ result: 'ok' }, Math.max(0, s.counters.reloads - s.counters.reloadFailures));
      set({ result: 'failed' }, s.counters.reloadFailures);
    });
    counter('firsthop_packets_received_total', 'ICMPv6 packets (RS and RA) received on all interfaces.', [], (set, s) => set({}, s.counters.packetsReceived));
  }

  /** The Prometheus text exposition; one status() for the whole scrape. */
  async render(): Promise<string> {
    this.snapshot = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
