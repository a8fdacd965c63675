/**
 * Ready-made lab topologies and a runner for radvd (the reference RA sender the
 * integration tests compare firsthop against).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './netns';
import { prepareHost, prepareRouter, waitLinkLocal } from './inspect';

export interface RouterHostOptions {
  /** Local namespace names (default 'router' and 'host'). */
  router?: string;
  host?: string;
  /** Interface names (default 'r0' and 'h0'). */
  routerIf?: string;
  hostIf?: string;
  routerMac?: string;
  hostMac?: string;
}

export interface RouterHost {
  /** Full namespace names. */
  router: string;
  host: string;
  routerIf: string;
  hostIf: string;
}

/**
 * Two namespaces joined by a veth: the router side prepared with prepareRouter() (forwarding=1),
 * the host side with prepareHost() (accept_ra=2 ...). Resolves once both ends are up with
 * their link-local addresses.
 */
export async function routerHostPair(lab: Lab, opts: RouterHostOptions = {}): Promise<RouterHost> {
  const routerName = opts.router ?? 'router';
  const hostName = opts.host ?? 'host';
  const routerIf = opts.routerIf ?? 'r0';
  const hostIf = opts.hostIf ?? 'h0';
  const router = await lab.addNamespace(routerName);
  const host = await lab.addNamespace(hostName);
  const veth: { up: boolean; macA?: string; macB?: string } = { up: false };
  if (opts.routerMac) veth.macA = opts.routerMac;
  if (opts.hostMac) veth.macB = opts.hostMac;
  await lab.addVeth(routerName, routerIf, hostName, hostIf, veth);
  await prepareRouter(lab, routerName, routerIf);
  await prepareHost(lab, hostName, hostIf, { bounce: false });
  await waitLinkLocal(lab, routerName, routerIf);
  await waitLinkLocal(lab, hostName, hostIf);
  return { router, host, routerIf, hostIf };
}

export interface SegmentOptions {
  /** Namespace holding the bridge (default 'switch'), bridge name (default 'br0'). */
  switchNs?: string;
  bridge?: string;
}

export interface Segment {
  switchNs: string;
  bridge: string;
  /** Add a namespace (created when new) attached to the segment via `ifname`; prepared as router or host. */
  attach(ns: string, ifname: string, role: 'router' | 'host' | 'none'): Promise<string>;
}

/** An L2 segment: a bridge in its own namespace; routers and hosts attach with veths (several routers, several hosts). */
export async function segment(lab: Lab, opts: SegmentOptions = {}): Promise<Segment> {
  const switchNs = opts.switchNs ?? 'switch';
  const bridge = opts.bridge ?? 'br0';
  await lab.addNamespace(switchNs);
  await lab.addBridge(switchNs, bridge);
  let port = 0;
  return {
    switchNs: lab.ns(switchNs),
    bridge,
    async attach(ns: string, ifname: string, role: 'router' | 'host' | 'none'): Promise<string> {
      let full: string;
      try {
        full = lab.ns(ns);
      } catch {
        full = await lab.addNamespace(ns);
      }
      const portName = `${bridge}p${port++}`;
      await lab.addVeth(switchNs, portName, ns, ifname, { up: false, masterA: bridge });
      await lab.linkUp(switchNs, portName);
      if (role === 'router') await prepareRouter(lab, ns, ifname);
      else if (role === 'host') await prepareHost(lab, ns, ifname, { bounce: false });
      else await lab.linkUp(ns, ifname);
      if (role !== 'none') await waitLinkLocal(lab, ns, ifname);
      return full;
    },
  };
}

export interface RadvdHandle {
  child: ChildProcess;
  configPath: string;
  /** radvd's log so far (it logs to stderr with -m stderr). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Run radvd in the foreground in `ns` (`radvd -n -C CONF -p PIDFILE -m stderr -d 1`), with the
 * config and pid file in the lab's temp directory. Resolves once radvd has started (or throws
 * with its log if it exits or does not report starting within timeoutMs).
 */
export async function startRadvd(lab: Lab, ns: string, config: string, opts: { name?: string; timeoutMs?: number } = {}): Promise<RadvdHandle> {
  const name = opts.name ?? `radvd-${ns}`;
  const dir = lab.dir();
  const configPath = join(dir, `${name}.conf`);
  const pidPath = join(dir, `${name}.pid`);
  writeFileSync(configPath, config);
  const child = lab.spawn(ns, ['radvd', '-n', '-C', configPath, '-p', pidPath, '-m', 'stderr', '-d', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (text.length < 256 * 1024) text += d.toString('utf8');
  });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    const started = (): boolean => /\bstarted\b/.test(text) && !/\bexiting\b/.test(text);
    const timer = setTimeout(() => done(new Error(`radvd in ${ns} did not start within ${timeoutMs} ms:\n${text}`)), timeoutMs);
    const onData = (): void => {
      // radvd prints "version X started" first and then checks the config; give it a moment to fail.
      if (started()) setTimeout(() => (child.exitCode === null && child.signalCode === null ? done() : undefined), 300);
    };
    const onExit = (code: number | null, signal: string | null): void => done(new Error(`radvd in ${ns} exited (${signal ?? code}):\n${text}`));
    function done(err?: Error): void {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  }).catch(async (e: unknown) => {
    await lab.kill(child, 500);
    throw e;
  });
  return {
    child,
    configPath,
    log: () => text,
    stop: () => lab.kill(child),
  };
}
