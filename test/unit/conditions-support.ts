/** Shared set-up for the condition engine tests: a MemoryBackend kernel, NetState, ManualClock. */
import { ConditionEngine, type ConditionEngineOptions } from '../../src/conditions/engine';
import type { ProbeFactory } from '../../src/conditions/probe';
import type { ConditionConfig, ConditionRef, ConditionSpec, ConditionStatus, DampingConfig } from '../../src/conditions/types';
import type { InterfaceConfig } from '../../src/config/types';
import { memoryLogger } from '../../src/daemon/log';
import { ManualClock } from '../../src/iface/clock';
import { NetState } from '../../src/netlink/state';
import type { NetEvent, NetStateView } from '../../src/netlink/types';
import { MemoryBackend, settle, type MemoryKernel } from '../../src/sys/memory';

export const pos = { file: 'firsthop.conf', line: 1, column: 1 };

export function cond(name: string, spec: ConditionSpec, damping?: DampingConfig): ConditionConfig {
  return { name, spec, ...(damping ? { damping } : {}), pos };
}

export const ref = (name: string): ConditionRef => ({ ref: name });
export const inline = (spec: ConditionSpec): ConditionRef => ({ spec });

/** A NetStateView that counts the calls made to it, to check what an event re-evaluates. */
export class CountingView implements NetStateView {
  calls = { links: 0, link: 0, linkByName: 0, addresses: 0, routes: 0 };
  constructor(private readonly inner: NetStateView) {}
  reset(): void {
    this.calls = { links: 0, link: 0, linkByName: 0, addresses: 0, routes: 0 };
  }
  links(): ReturnType<NetStateView['links']> {
    this.calls.links++;
    return this.inner.links();
  }
  link(ifindex: number): ReturnType<NetStateView['link']> {
    this.calls.link++;
    return this.inner.link(ifindex);
  }
  linkByName(name: string): ReturnType<NetStateView['linkByName']> {
    this.calls.linkByName++;
    return this.inner.linkByName(name);
  }
  addresses(ifindex?: number): ReturnType<NetStateView['addresses']> {
    this.calls.addresses++;
    return this.inner.addresses(ifindex);
  }
  routes(): ReturnType<NetStateView['routes']> {
    this.calls.routes++;
    return this.inner.routes();
  }
  on(handler: (event: NetEvent) => void): () => void {
    return this.inner.on(handler);
  }
}

export interface Rig {
  readonly host: MemoryBackend;
  readonly kernel: MemoryKernel;
  readonly state: NetState;
  readonly view: CountingView;
  readonly clock: ManualClock;
  readonly log: ReturnType<typeof memoryLogger>;
  readonly engine: ConditionEngine;
  /** Every onChange call, in order. */
  readonly changes: string[][];
  status(name: string): ConditionStatus;
  effective(name: string): boolean;
  raw(name: string): boolean;
  /** Let netlink deliveries land. */
  settle(): Promise<void>;
  close(): void;
}

export interface RigOptions {
  readonly conditions: readonly ConditionConfig[];
  readonly kernel?: (k: MemoryKernel) => void;
  readonly probes?: ProbeFactory | ((host: MemoryBackend, clock: ManualClock, net: NetStateView) => ProbeFactory);
  readonly vrrp?: ConditionEngineOptions['vrrp'];
  readonly interfaces?: readonly InterfaceConfig[];
  /** Do not call start(). */
  readonly noStart?: boolean;
  readonly clock?: ManualClock;
}

export async function rig(opts: RigOptions): Promise<Rig> {
  const host = new MemoryBackend();
  opts.kernel?.(host.kernel);
  const state = await NetState.open(host);
  const view = new CountingView(state);
  const clock = opts.clock ?? new ManualClock();
  const log = memoryLogger();
  const probes = typeof opts.probes === 'function' ? opts.probes(host, clock, view) : opts.probes;
  const engine = new ConditionEngine({
    conditions: opts.conditions,
    net: view,
    clock,
    log,
    ...(probes ? { probes } : {}),
    ...(opts.vrrp ? { vrrp: opts.vrrp } : {}),
    ...(opts.interfaces ? { interfaces: opts.interfaces } : {}),
  });
  const changes: string[][] = [];
  engine.onChange((c) => changes.push([...c]));
  if (!opts.noStart) engine.start();
  const status = (name: string): ConditionStatus => {
    const s = engine.status().find((x) => x.name === name);
    if (!s) throw new Error(`no status for ${name}`);
    return s;
  };
  return {
    host,
    kernel: host.kernel,
    state,
    view,
    clock,
    log,
    engine,
    changes,
    status,
    effective: (n) => status(n).effective,
    raw: (n) => status(n).raw,
    settle,
    close() {
      engine.stop();
      state.close();
    },
  };
}

/** RFC 8475 3.2.1: the usual uplink. */
export const WAN = { ifindex: 2, name: 'wan0' } as const;
