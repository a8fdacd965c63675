/**
 * The condition engine (RFC 8475): evaluates named conditions from the kernel's state (links,
 * routes, addresses), reachability probes, manual settings and VRRP mastership, combines them
 * (all / any / not), damps them (RFC 8475 3.2.7, src/conditions/damping.ts), and turns the
 * policies of an interface into the overrides the RA builder applies (src/ra/build.ts).
 *
 * Every condition, named or written inline, is a node of an acyclic graph. A node has a raw
 * value (from its source, or for all/any/not from the EFFECTIVE values of what it refers to)
 * and an effective value: the raw value through its damper. Inline conditions are not damped.
 *
 * Start-up is not a recovery: a condition's first value (the netlink state at start(), a
 * probe's first verdict, a manual condition's initial value, a condition added by a reload) is
 * announced at once, without hold-down, so a restart does not deprecate prefixes for a hold-down.
 *
 * Events: each NetEvent re-evaluates only the conditions it can affect (evaluate.ts
 * `affects`), then the combinations above them in topological order; listeners hear once per
 * event which effective values changed. Damping timers run on the injected Clock, one per node.
 */
import type { InterfaceConfig } from '../config/types';
import type { Logger } from '../daemon/log';
import type { Clock, TimerHandle } from '../iface/clock';
import type { NetEvent, NetStateView, RouteInfo } from '../netlink/types';
import type { Override } from '../ra/build';
import { Damper, dampingProblem, type DampingChange } from './damping';
import { ConditionError } from './errors';
import { compileNetLeaf, describe, netLeafValue, routeIndexKey, routeValue, affects, type NetLeaf } from './evaluate';
import { overrideKey, policiesOf } from './policy';
import { probeProblem, type Probe, type ProbeCondition, type ProbeFactory } from './probe';
import type { ConditionConfig, ConditionHistoryEntry, ConditionRef, ConditionSpec, ConditionStatus, DampingConfig } from './types';

export { DEFAULT_DAMPING } from './damping';
export { ConditionError } from './errors';

export interface ConditionEngineOptions {
  readonly conditions: readonly ConditionConfig[];
  readonly net: NetStateView;
  readonly clock: Clock;
  readonly log: Logger;
  /** Runs probe conditions; without it they stay false (pending). */
  readonly probes?: ProbeFactory;
  /** Whether this router is VRRP master of an instance; undefined (or no callback) is false. */
  readonly vrrp?: (instance: string) => boolean | undefined;
  /**
   * Interfaces whose policies overridesFor() will be asked about: their references are checked
   * now and their inline conditions tracked from start(). Optional: an inline condition first
   * seen by overridesFor() is tracked from then on.
   */
  readonly interfaces?: readonly InterfaceConfig[];
}

/** Where a node's raw value comes from. */
type Source =
  | { readonly kind: 'net'; readonly leaf: NetLeaf }
  | { readonly kind: 'probe'; readonly spec: ProbeCondition }
  | { readonly kind: 'manual'; readonly initial: boolean }
  | { readonly kind: 'vrrp'; readonly instance: string }
  | { readonly kind: 'combine'; readonly op: 'all' | 'any' | 'not' };

interface Node {
  /** The name, or '[description]' for an inline condition. */
  readonly id: string;
  readonly name: string | undefined;
  /** 'name <name>' or 'inline <canonical spec>': identity across reconfigure(). */
  readonly key: string;
  readonly spec: ConditionSpec;
  readonly specKey: string;
  readonly description: string;
  readonly source: Source;
  readonly children: readonly Node[];
  readonly damping: DampingConfig | undefined;
  /** Listeners hear about it: a named condition, or an inline one a policy refers to directly. */
  reported: boolean;
  damper: Damper;
  /** The value a probe last reported, or a manual condition was set to. */
  held: boolean;
  /** A probe without a verdict yet. */
  pending: boolean;
  probe: Probe | undefined;
  /** Identifies the probe start whose reports this node accepts. */
  probeToken: object | undefined;
  timer: TimerHandle | undefined;
  timerAt: number | undefined;
  /** The latest changes (raw, effective, suppression), oldest first, at most HISTORY_LENGTH. */
  history: ConditionHistoryEntry[];
}

/** Changes kept per condition for `status` and the live page's timeline. */
export const HISTORY_LENGTH = 32;

interface Graph {
  /** Named conditions in configuration order. */
  readonly named: ReadonlyMap<string, Node>;
  readonly byKey: ReadonlyMap<string, Node>;
  /** Every node, what a node refers to before the node. */
  readonly order: readonly Node[];
  readonly netNodes: readonly Node[];
  readonly hasRoutes: boolean;
}

/** One unit of work (an event, a timer, a call): what it touched and what it changed. */
interface Batch {
  readonly now: number;
  readonly touched: Set<Node>;
  readonly changed: Set<Node>;
}

/** JSON with sorted keys and no undefined members: equal specs give equal text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? String(v); // undefined (an absent damping config) has no JSON
}

function refsOf(spec: ConditionSpec): readonly ConditionRef[] {
  switch (spec.kind) {
    case 'all':
    case 'any':
      return spec.of;
    case 'not':
      return [spec.of];
    case 'link':
    case 'route':
    case 'address':
    case 'probe':
    case 'manual':
    case 'vrrp':
      return [];
  }
}

/** Every name a reference depends on, however deep. */
function namesIn(ref: ConditionRef, out: Set<string> = new Set()): Set<string> {
  if ('ref' in ref) out.add(ref.ref);
  else for (const r of refsOf(ref.spec)) namesIn(r, out);
  return out;
}

function where(pos: { file: string; line: number; column: number } | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.column}: ` : '';
}

/**
 * The graph of `conditions` plus the inline conditions of `policyRefs`. Throws ConditionError
 * on a duplicate name, an unknown reference, a cycle or a spec that cannot be evaluated.
 */
function buildGraph(conditions: readonly ConditionConfig[], policyRefs: readonly { ref: ConditionRef; pos?: ConditionConfig['pos'] }[], now: number): Graph {
  const configs = new Map<string, ConditionConfig>();
  for (const c of conditions) {
    if (configs.has(c.name)) throw new ConditionError(`${where(c.pos)}condition ${c.name} is defined twice`, 'E_CONDITION_DUPLICATE');
    configs.set(c.name, c);
  }
  const byKey = new Map<string, Node>();
  const order: Node[] = [];
  const visiting: string[] = [];

  const make = (id: string, name: string | undefined, key: string, spec: ConditionSpec, damping: DampingConfig | undefined, children: Node[], what: string): Node => {
    let source: Source;
    switch (spec.kind) {
      case 'link':
      case 'route':
      case 'address':
        source = { kind: 'net', leaf: compileNetLeaf(spec, what) };
        break;
      case 'probe': {
        const problem = probeProblem(spec);
        if (problem !== undefined) throw new ConditionError(`${what}: ${problem}`, 'E_CONDITION_INVALID');
        source = { kind: 'probe', spec };
        break;
      }
      case 'manual':
        source = { kind: 'manual', initial: spec.initial };
        break;
      case 'vrrp':
        source = { kind: 'vrrp', instance: spec.instance };
        break;
      case 'all':
      case 'any':
      case 'not':
        source = { kind: 'combine', op: spec.kind };
        break;
    }
    if (damping) {
      const problem = dampingProblem(damping);
      if (problem !== undefined) throw new ConditionError(`${what}: damping: ${problem}`, 'E_CONDITION_INVALID');
    }
    const initial = source.kind === 'manual' ? source.initial : false;
    const node: Node = {
      id,
      name,
      key,
      spec,
      specKey: canonicalJson(spec),
      description: describe(spec),
      source,
      children,
      damping,
      reported: name !== undefined,
      damper: new Damper(damping, initial, now),
      held: initial,
      pending: source.kind === 'probe',
      probe: undefined,
      probeToken: undefined,
      timer: undefined,
      timerAt: undefined,
      history: [],
    };
    byKey.set(key, node);
    order.push(node); // after its children: post-order is topological
    return node;
  };

  const named = (name: string, from: string): Node => {
    const existing = byKey.get(`name ${name}`);
    if (existing) return existing;
    const cfg = configs.get(name);
    if (!cfg) throw new ConditionError(`${from} refers to unknown condition ${name}`, 'E_CONDITION_UNKNOWN');
    const at = visiting.indexOf(name);
    if (at >= 0) {
      const loop = [...visiting.slice(at), name].join(' -> ');
      throw new ConditionError(`${where(cfg.pos)}conditions refer to each other in a loop: ${loop}`, 'E_CONDITION_CYCLE');
    }
    visiting.push(name);
    const what = `${where(cfg.pos)}condition ${name}`;
    const children = refsOf(cfg.spec).map((r) => ref(r, what));
    visiting.pop();
    return make(name, name, `name ${name}`, cfg.spec, cfg.damping, children, what);
  };

  const ref = (r: ConditionRef, from: string): Node => {
    if ('ref' in r) return named(r.ref, from);
    const key = `inline ${canonicalJson(r.spec)}`;
    const existing = byKey.get(key);
    if (existing) return existing;
    const id = `[${describe(r.spec)}]`;
    const children = refsOf(r.spec).map((c) => ref(c, from));
    return make(id, undefined, key, r.spec, undefined, children, `${from}: condition ${id}`);
  };

  for (const c of conditions) named(c.name, `condition ${c.name}`);
  for (const p of policyRefs) ref(p.ref, `${where(p.pos)}policy`).reported = true;

  const namedNodes = new Map<string, Node>();
  for (const c of conditions) {
    const n = byKey.get(`name ${c.name}`);
    if (n) namedNodes.set(c.name, n);
  }
  const netNodes = order.filter((n) => n.source.kind === 'net');
  return {
    named: namedNodes,
    byKey,
    order,
    netNodes,
    hasRoutes: netNodes.some((n) => n.source.kind === 'net' && n.source.leaf.kind === 'route'),
  };
}

/** Local wall-clock time as HH:MM:SS, as `why` texts show it. */
export function formatClockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

interface PolicyRef {
  readonly ref: ConditionRef;
  readonly pos?: ConditionConfig['pos'];
}

/**
 * Policies that depend on the link state of the interface they advertise on. When that link
 * is down no RA reaches the hosts anyway, and treating the LAN's own link as the uplink is the
 * classic mistake (odhcpd#423): on recovery it only delays the RA hosts need.
 */
function selfLinkPolicies(interfaces: readonly InterfaceConfig[], conditions: readonly ConditionConfig[]): string[] {
  const byName = new Map(conditions.map((c) => [c.name, c.spec]));
  const links = (ref: ConditionRef, seen: Set<string>, out: Set<string>): Set<string> => {
    if ('ref' in ref) {
      const spec = byName.get(ref.ref);
      if (spec === undefined || seen.has(ref.ref)) return out;
      seen.add(ref.ref);
      return links({ spec }, seen, out);
    }
    if (ref.spec.kind === 'link') out.add(ref.spec.interface);
    for (const r of refsOf(ref.spec)) links(r, seen, out);
    return out;
  };
  const out: string[] = [];
  for (const i of interfaces) {
    for (const { policy } of policiesOf(i)) {
      if (!links(policy.condition, new Set(), new Set()).has(i.name)) continue;
      out.push(`${where(policy.pos)}a policy of interface ${i.name} depends on the link state of ${i.name} itself: when it is down no RA reaches its hosts anyway; watch the uplink instead`);
    }
  }
  return out;
}

function policyRefsOf(interfaces: readonly InterfaceConfig[]): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const i of interfaces) for (const { policy } of policiesOf(i)) out.push({ ref: policy.condition, pos: policy.pos });
  return out;
}

export class ConditionEngine {
  private readonly net: NetStateView;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly probes: ProbeFactory | undefined;
  private readonly vrrp: ((instance: string) => boolean | undefined) | undefined;
  private conditions: readonly ConditionConfig[];
  /** References in policies, checked and tracked (see ConditionEngineOptions.interfaces). */
  private policyRefs: PolicyRef[];
  private graph: Graph;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(changed: readonly string[]) => void>();
  /** (interface, field) pairs already warned about: a policy field in the wrong block. */
  private readonly warned = new Set<string>();

  /** Throws ConditionError on a duplicate name, an unknown reference, a cycle or an invalid spec. */
  constructor(opts: ConditionEngineOptions) {
    this.net = opts.net;
    this.clock = opts.clock;
    this.log = opts.log;
    this.probes = opts.probes;
    this.vrrp = opts.vrrp;
    this.conditions = opts.conditions;
    this.policyRefs = policyRefsOf(opts.interfaces ?? []);
    this.graph = buildGraph(this.conditions, this.policyRefs, this.clock.now());
    for (const w of selfLinkPolicies(opts.interfaces ?? [], this.conditions)) this.log.warn(w);
  }

  /** Evaluate every condition from the current state, start probes and follow NetEvents. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.net.on((e) => this.onNetEvent(e));
    const batch = this.batch();
    const index = this.routeIndex(this.graph);
    for (const n of this.graph.order) this.initNode(n, batch, index);
    this.finish(batch, [], false);
  }

  /** Stop following events, cancel timers, stop probes. Values stay readable. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const n of this.graph.order) {
      this.clearTimer(n);
      this.stopProbe(n);
    }
  }

  /**
   * `cb` hears, once per event, timer or call, which conditions changed their effective value:
   * named conditions by name, inline conditions that policies refer to directly by
   * '[description]'. After reconfigure(): also the names added and removed.
   */
  onChange(cb: (changed: readonly string[]) => void): () => void {
    const h = (c: readonly string[]): void => cb(c); // a distinct entry even when subscribed twice
    this.listeners.add(h);
    return () => {
      this.listeners.delete(h);
    };
  }

  /** Set a manual condition (`firsthop condition set NAME up|down`). */
  setManual(name: string, value: boolean): void {
    const n = this.graph.named.get(name);
    if (!n) throw new ConditionError(`no condition named ${name}`, 'E_CONDITION_UNKNOWN');
    if (n.source.kind !== 'manual') throw new ConditionError(`condition ${name} is a ${n.spec.kind} condition, not manual`, 'E_CONDITION_NOT_MANUAL');
    n.held = value;
    if (!this.started) return;
    this.log.info(`condition ${name} set ${value ? 'up' : 'down'} by hand`);
    const batch = this.batch();
    this.apply(n, value, batch);
    this.propagate(batch);
    this.finish(batch);
  }

  /** The VRRP state of `instance` changed: re-read it for the vrrp conditions that watch it. */
  vrrpChanged(instance: string): void {
    if (!this.started) return;
    const batch = this.batch();
    for (const n of this.graph.order) if (n.source.kind === 'vrrp' && n.source.instance === instance) this.apply(n, this.vrrpValue(instance), batch);
    this.propagate(batch);
    this.finish(batch);
  }

  /** The effective (damped) value of a named condition; undefined for an unknown name. */
  value(name: string): boolean | undefined {
    return this.graph.named.get(name)?.damper.effective;
  }

  /** Named conditions in configuration order. */
  status(): ConditionStatus[] {
    const now = this.clock.now();
    return [...this.graph.named.values()].map((n) => {
      const d = n.damper;
      const suppressedUntil = d.suppressedUntil();
      const holdDownUntil = d.holdDownUntil();
      return {
        name: n.id,
        kind: n.spec.kind,
        description: n.description,
        raw: d.raw,
        effective: d.effective,
        since: d.effectiveSince,
        lastRawChange: d.rawSince,
        flaps: d.flaps,
        penalty: d.penalty(now),
        suppressed: d.suppressed,
        ...(suppressedUntil !== undefined ? { suppressedUntil } : {}),
        ...(holdDownUntil !== undefined ? { holdDownUntil } : {}),
        pending: n.pending,
        ...(n.damping ? { damping: n.damping } : {}),
        history: [...n.history],
      };
    });
  }

  /**
   * A new set of conditions (a reload). Conditions whose name and spec are unchanged keep their
   * state (values, penalty, flaps, suppression, running probe; a changed damping config applies
   * from now on); new ones are evaluated fresh; removed ones are dropped and their probes
   * stopped. `interfaces`, when given, replaces the policies checked and tracked; otherwise the
   * inline policy conditions tracked so far are kept while their references still exist.
   * Throws ConditionError, changing nothing, when the new set is invalid.
   */
  reconfigure(conditions: readonly ConditionConfig[], interfaces?: readonly InterfaceConfig[]): void {
    const names = new Set(conditions.map((c) => c.name));
    const policyRefs = interfaces !== undefined ? policyRefsOf(interfaces) : this.policyRefs.filter((p) => [...namesIn(p.ref)].every((n) => names.has(n)));
    this.rebuild(conditions, policyRefs, true);
    for (const w of selfLinkPolicies(interfaces ?? [], conditions)) this.log.warn(w);
  }

  /**
   * The overrides for `iface`'s RA from every policy in the interface and its blocks, keyed by
   * the builder's field names (src/ra/build.ts). When several policies set the same field, the
   * first one in the file wins (the interface's own, then prefixes, routes, RDNSS, DNSSL, each in
   * order). Policy values are always included, even when equal to the configured value: the
   * builder leaves equal values out of its reasons.
   */
  overridesFor(iface: InterfaceConfig): Map<string, Override> {
    const out = new Map<string, Override>();
    for (const { block, policy } of policiesOf(iface)) {
      const key = overrideKey(block, policy.field);
      if (key === undefined) {
        const w = `${iface.name} ${block.kind} ${policy.field}`;
        if (!this.warned.has(w)) {
          this.warned.add(w);
          this.log.warn(`${where(policy.pos)}${policy.field} cannot be set by a policy in a ${block.kind} block; ignored`);
        }
        continue;
      }
      if (out.has(key)) continue; // the first policy for a field wins
      const n = this.nodeFor(policy.condition, policy.pos);
      const d = n.damper;
      out.set(key, { value: d.effective ? policy.whenTrue : policy.whenFalse, why: this.why(n), since: d.effectiveSince });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------
  // Evaluation

  private batch(): Batch {
    return { now: this.clock.now(), touched: new Set(), changed: new Set() };
  }

  private vrrpValue(instance: string): boolean {
    return this.vrrp?.(instance) === true;
  }

  /** Routes by destination, for evaluating every route condition at once (start, resync). */
  private routeIndex(graph: Graph): Map<string, RouteInfo[]> | undefined {
    if (!graph.hasRoutes) return undefined;
    const index = new Map<string, RouteInfo[]>();
    for (const r of this.net.routes()) {
      const k = routeIndexKey(r.destination, r.prefixLength);
      const list = index.get(k);
      if (list) list.push(r);
      else index.set(k, [r]);
    }
    return index;
  }

  /** The raw value of `n` from its source now. */
  private evaluate(n: Node, index?: Map<string, RouteInfo[]>): boolean {
    const s = n.source;
    switch (s.kind) {
      case 'net':
        if (s.leaf.kind === 'route' && index) return routeValue(s.leaf, this.net, index.get(routeIndexKey(s.leaf.destination, s.leaf.prefixLength)) ?? []);
        return netLeafValue(s.leaf, this.net);
      case 'probe':
      case 'manual':
        return n.held;
      case 'vrrp':
        return this.vrrpValue(s.instance);
      case 'combine':
        switch (s.op) {
          case 'all':
            return n.children.every((c) => c.damper.effective);
          case 'any':
            return n.children.some((c) => c.damper.effective);
          case 'not':
            return !(n.children[0]?.damper.effective ?? false);
        }
    }
  }

  /** A fresh node: its first value (or `carried`, a pending probe's until its verdict), announced at once; its probe started. */
  private initNode(n: Node, batch: Batch, index?: Map<string, RouteInfo[]>, carried?: boolean): void {
    const before = n.damper.effective;
    n.damper.reset(carried ?? this.evaluate(n, index), batch.now);
    batch.touched.add(n);
    if (n.damper.effective !== before) batch.changed.add(n);
    if (n.source.kind === 'probe') this.startProbe(n, n.source.spec);
    this.log.debug(`condition ${n.id} (${n.description}) starts ${n.damper.effective ? 'up' : 'down'}${n.pending ? ' (probe pending)' : ''}`);
  }

  private startProbe(n: Node, spec: ProbeCondition): void {
    if (!this.probes) {
      this.log.warn(`condition ${n.id}: no prober available, ${n.description} stays down`);
      return;
    }
    const token = {};
    n.probeToken = token;
    try {
      n.probe = this.probes.start(spec, (up) => this.onProbe(n.key, token, up));
    } catch (e) {
      n.probeToken = undefined;
      this.log.error(`condition ${n.id}: cannot start ${n.description}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private stopProbe(n: Node): void {
    n.probeToken = undefined;
    const p = n.probe;
    n.probe = undefined;
    p?.stop();
  }

  /** A new raw value for `n`, through its damper. */
  private apply(n: Node, raw: boolean, batch: Batch): void {
    const wasRaw = n.damper.raw;
    const ch = n.damper.setRaw(raw, batch.now);
    batch.touched.add(n);
    if (wasRaw !== raw) this.log.debug(`condition ${n.id}: ${n.description} is ${raw ? 'true' : 'false'}`);
    this.note(n, ch, batch, wasRaw !== raw);
  }

  private note(n: Node, ch: DampingChange, batch: Batch, rawChanged = false): void {
    if (rawChanged || ch.effectiveChanged || ch.suppressed || ch.reused) {
      const event = ch.suppressed ? 'suppressed' : ch.reused ? 'reused' : undefined;
      n.history.push({ at: batch.now, raw: n.damper.raw, effective: n.damper.effective, penalty: Math.round(n.damper.penalty(batch.now)), ...(event !== undefined ? { event } : {}) });
      if (n.history.length > HISTORY_LENGTH) n.history.splice(0, n.history.length - HISTORY_LENGTH);
    }
    if (ch.suppressed) {
      this.log.warn(
        `condition ${n.id} is flapping (${n.damper.flaps} flaps, penalty ${Math.round(ch.suppressed.penalty)}): recovery suppressed until ${formatClockTime(ch.suppressed.until)} (RFC 8475 3.2.7)`,
      );
    }
    if (ch.reused) this.log.info(`condition ${n.id}: suppression ended (${ch.reused === 'max' ? 'maximum suppression time reached' : 'penalty decayed below reuse'})`);
    if (!ch.effectiveChanged) return;
    batch.changed.add(n);
    const log = n.name !== undefined ? this.log.info.bind(this.log) : this.log.debug.bind(this.log);
    log(`condition ${n.id} is now ${n.damper.effective ? 'up' : 'down'} (${n.description})`);
  }

  /** Re-evaluate the combinations above what changed, in topological order. */
  private propagate(batch: Batch): void {
    if (batch.changed.size === 0) return;
    for (const n of this.graph.order) {
      if (n.source.kind !== 'combine' || !n.children.some((c) => batch.changed.has(c))) continue;
      this.apply(n, this.evaluate(n), batch);
    }
  }

  /** Re-arm the timers of what was touched and tell the listeners what changed. */
  private finish(batch: Batch, extra: readonly string[] = [], notify = true): void {
    for (const n of batch.touched) this.arm(n);
    if (!notify) return;
    const changed = [...new Set([...[...batch.changed].filter((n) => n.reported).map((n) => n.id), ...extra])];
    if (changed.length === 0) return;
    for (const l of [...this.listeners]) {
      try {
        l(changed);
      } catch (e) {
        this.log.error(`condition listener failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Sources

  private onNetEvent(e: NetEvent): void {
    if (!this.started) return;
    const batch = this.batch();
    const index = e.kind === 'resync' ? this.routeIndex(this.graph) : undefined;
    for (const n of this.graph.netNodes) {
      if (n.source.kind !== 'net' || !affects(n.source.leaf, e, this.net)) continue;
      this.apply(n, this.evaluate(n, index), batch);
    }
    this.propagate(batch);
    this.finish(batch);
  }

  private onProbe(key: string, token: object, up: boolean): void {
    const n = this.graph.byKey.get(key);
    if (!n || n.probeToken !== token || !this.started) return; // a stopped or replaced probe
    n.held = up;
    const batch = this.batch();
    if (n.pending) {
      // The first verdict is start-up, not a recovery: announced at once.
      n.pending = false;
      const before = n.damper.effective;
      n.damper.reset(up, batch.now);
      batch.touched.add(n);
      if (n.damper.effective !== before) this.note(n, { effectiveChanged: true }, batch);
    } else {
      this.apply(n, up, batch);
    }
    this.propagate(batch);
    this.finish(batch);
  }

  // -------------------------------------------------------------------------------------
  // Timers: one per node, at its damper's next deadline.

  private arm(n: Node): void {
    const at = this.started ? n.damper.nextDeadline() : undefined;
    if (at === n.timerAt && (at === undefined || n.timer !== undefined)) return;
    this.clearTimer(n);
    if (at === undefined) return;
    n.timerAt = at;
    n.timer = this.clock.setTimeout(() => this.onTimer(n), Math.max(0, Math.ceil(at - this.clock.now())));
  }

  private clearTimer(n: Node): void {
    if (n.timer) this.clock.clearTimeout(n.timer);
    n.timer = undefined;
    n.timerAt = undefined;
  }

  private onTimer(n: Node): void {
    n.timer = undefined;
    n.timerAt = undefined;
    if (!this.started || this.graph.byKey.get(n.key) !== n) return;
    const batch = this.batch();
    batch.touched.add(n);
    this.note(n, n.damper.tick(batch.now), batch);
    this.propagate(batch);
    this.finish(batch);
  }

  // -------------------------------------------------------------------------------------
  // Reconfiguration and policies

  private rebuild(conditions: readonly ConditionConfig[], policyRefs: PolicyRef[], notify: boolean): void {
    const now = this.clock.now();
    const next = buildGraph(conditions, policyRefs, now); // throws before anything changes
    const old = this.graph;
    const kept = new Set<Node>();
    const before = new Map<Node, boolean>();
    for (const n of next.order) {
      const o = old.byKey.get(n.key);
      if (!o || o.specKey !== n.specKey) continue;
      kept.add(o);
      before.set(n, o.damper.effective);
      n.damper = o.damper;
      n.held = o.held;
      n.pending = o.pending;
      n.probe = o.probe;
      n.probeToken = o.probeToken;
      n.history = o.history;
    }
    for (const o of old.order) {
      this.clearTimer(o);
      if (!kept.has(o)) this.stopProbe(o);
    }
    this.graph = next;
    this.conditions = conditions;
    this.policyRefs = policyRefs;

    const batch = this.batch();
    for (const n of next.order) batch.touched.add(n); // the old nodes' timers are gone
    if (this.started) {
      const index = this.routeIndex(next);
      for (const n of next.order) {
        if (!before.has(n)) {
          // A named condition whose definition changed to a probe keeps its value until the
          // new probe's first verdict: a reload must not withdraw what it guards in between
          // (found by lab S1-vxlan: link -> probe withdrew the route for 0.2-2 s).
          const previous = n.name !== undefined && n.source.kind === 'probe' ? old.named.get(n.name)?.damper.effective : undefined;
          this.initNode(n, batch, index, previous);
          continue;
        }
        if (canonicalJson(n.damper.config) !== canonicalJson(n.damping)) this.note(n, n.damper.reconfigure(n.damping, now), batch);
        // Kept: its source may have moved on (a combination whose parts changed). A running
        // probe carries on: it reports to the node with its key, and its token came along.
        if (n.source.kind !== 'probe') this.apply(n, this.evaluate(n, index), batch);
      }
    } else {
      for (const n of next.order) if (before.has(n) && canonicalJson(n.damper.config) !== canonicalJson(n.damping)) n.damper.reconfigure(n.damping, now);
    }
    // Tell: kept conditions whose value changed, new and removed (or replaced) named ones.
    const ids = new Set<string>();
    for (const n of next.order) {
      const b = before.get(n);
      if (n.reported && (b === undefined || b !== n.damper.effective)) ids.add(n.id);
    }
    for (const o of old.named.values()) if (!kept.has(o)) ids.add(o.id);
    batch.changed.clear();
    this.finish(batch, [...ids], notify && this.started);
  }

  /** The node a policy refers to; an inline condition not seen before is tracked from now on. */
  private nodeFor(ref: ConditionRef, pos: PolicyRef['pos']): Node {
    if ('ref' in ref) {
      const n = this.graph.named.get(ref.ref);
      if (!n) throw new ConditionError(`${where(pos)}policy refers to unknown condition ${ref.ref}`, 'E_CONDITION_UNKNOWN');
      return n;
    }
    const key = `inline ${canonicalJson(ref.spec)}`;
    const known = this.graph.byKey.get(key);
    if (known) return known;
    // Tracked from now on; the value computed here is the one returned, so nothing is stale
    // and nobody needs telling (listeners are not called from inside an RA build).
    this.rebuild(this.conditions, [...this.policyRefs, { ref, ...(pos ? { pos } : {}) }], false);
    const n = this.graph.byKey.get(key);
    if (!n) throw new Error(`condition engine: inline condition ${key} was not registered`);
    return n;
  }

  /** Why a policy's value is what it is, for `firsthop status`. */
  private why(n: Node): string {
    const label = `condition ${n.id}`;
    const d = n.damper;
    if (d.effective) return `${label} is up`;
    if (!d.raw) return n.pending ? `${label} is down (no probe verdict yet)` : `${label} is down`;
    const hold = d.holdDownUntil();
    const suppressed = d.suppressedUntil();
    if (suppressed !== undefined) return `${label} is up (flapping: suppressed until ${formatClockTime(Math.max(suppressed, hold ?? 0))})`;
    if (hold !== undefined) return `${label} is up (held down until ${formatClockTime(hold)})`;
    return `${label} is down`;
  }
}
