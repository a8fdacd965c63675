/**
 * VRRPv3 (RFC 9568) on the real kernel: scenario S7 (src/lab/vrrp.ts) with two firsthop
 * routers, with keepalived as the peer, for IPv4, and with the RFC 8475 3.2.2 example.
 *
 * Every figure is measured on the wire: tcpdump in the switch namespace (on br0, promiscuous,
 * so it sees every frame the bridge receives) with nanosecond kernel timestamps, and ping -D in
 * the host for outages. Log lines are only waited on, never timed. Each test builds its own lab
 * ('fhvrrp') and destroys it in t.after, whatever happens. The figures are printed as test
 * diagnostics ('# ...' lines).
 *
 * Needs root, ip, tcpdump, ping (and keepalived for its tests): skipped elsewhere, failing in CI
 * (test/helpers/privileged).
 */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it, type TestContext } from 'node:test';
import { FIRSTHOP_MAIN, startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { Lab, addresses, capture, defaultRoutes, realtimeMicros, run, waitFor, waitLinkLocal, type Capture, type CapturedPacket } from '../../src/lab/netns';
import { S7, s7Config, s7Lab } from '../../src/lab/vrrp';
import { formatIPv6, formatMac } from '../../src/net/ipv6';
import { decodeAdvertisement } from '../../src/vrrp/codec';
import { formatIPv4 } from '../../src/net/ipv4';
import type { VrrpRouterStatus } from '../../src/vrrp/router';
import { decodeMessage, type NdMessage } from '../../src/wire';
import { describePrivileged } from '../helpers/privileged';

const REPO = resolve(__dirname, '..', '..', '..');
const VMAC6 = '00:00:5e:00:02:33'; // VRID 51
const VMAC4 = '00:00:5e:00:01:34'; // VRID 52
const KEEPALIVED = '/usr/sbin/keepalived';

/** RFC 9568 6.1, computed here independently of src/vrrp/machine.ts. Interval in centiseconds. */
const skewMs = (priority: number, intervalCs: number): number => ((256 - priority) * intervalCs * 10) / 256;
const downIntervalMs = (priority: number, intervalCs: number): number => 3 * intervalCs * 10 + skewMs(priority, intervalCs);
/** Priority 100 at 10 cs: 300 + 60.94 = 360.94 ms; Skew_Time 60.94 ms. */
const MDI_100 = downIntervalMs(100, 10);
const SKEW_100 = skewMs(100, 10);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nowMs = (): number => realtimeMicros() / 1000;
const f1 = (x: number): string => x.toFixed(1);

// ---------------------------------------------------------------------------------------------
// Frames

interface Vrrp {
  readonly family: 4 | 6;
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
  readonly intervalCs: number;
  readonly addresses: readonly string[];
}

interface Arp {
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

interface Frame {
  /** Kernel capture timestamp, ms since the epoch (µs precision). */
  readonly t: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly vrrp?: Vrrp;
  /** A VRRP packet the codec refused (never expected). */
  readonly badVrrp?: string;
  readonly nd?: { readonly src: string; readonly dst: string; readonly msg: NdMessage };
  readonly arp?: Arp;
}

function frameTime(p: CapturedPacket): number {
  return Number(p.tsNanos / 1000n) / 1000;
}

function mac(b: Uint8Array, o: number): string {
  return formatMac(b.subarray(o, o + 6));
}

function parseFrame(p: CapturedPacket): Frame {
  const b = Buffer.from(p.bytes);
  const base = { t: frameTime(p), dstMac: mac(b, 0), srcMac: mac(b, 6) };
  if (b.length < 14) return base;
  const type = b.readUInt16BE(12);
  if (type === 0x86dd && b.length >= 54) {
    const next = b[20]!;
    const src = formatIPv6(b, 22);
    const dst = formatIPv6(b, 38);
    if (next === 112) {
      const d = decodeAdvertisement(6, b.subarray(54, 54 + b.readUInt16BE(18)), src, dst, b[21]!);
      if (!d.ok) return { ...base, badVrrp: `${src}: ${d.reason} ${d.detail}` };
      return { ...base, vrrp: { family: 6, src, vrid: d.adv.vrid, priority: d.adv.priority, intervalCs: d.adv.maxAdvertIntervalCs, addresses: d.adv.addresses } };
    }
    const icmp = p.icmpv6;
    if (icmp !== undefined && icmp.type >= 133 && icmp.type <= 137) {
      try {
        return { ...base, nd: { src: icmp.src, dst: icmp.dst, msg: decodeMessage(icmp.message) } };
      } catch {
        return base;
      }
    }
    return base;
  }
  if (type === 0x0800 && b.length >= 34) {
    const ihl = (b[14]! & 0x0f) * 4;
    if (b[23] !== 112) return base;
    const src = formatIPv4(b, 26);
    const d = decodeAdvertisement(4, b.subarray(14 + ihl, 14 + b.readUInt16BE(16)), src, formatIPv4(b, 30), b[22]!);
    if (!d.ok) return { ...base, badVrrp: `${src}: ${d.reason} ${d.detail}` };
    return { ...base, vrrp: { family: 4, src, vrid: d.adv.vrid, priority: d.adv.priority, intervalCs: d.adv.maxAdvertIntervalCs, addresses: d.adv.addresses } };
  }
  if (type === 0x0806 && b.length >= 42) {
    return { ...base, arp: { op: b.readUInt16BE(20), senderMac: mac(b, 22), senderIp: formatIPv4(b, 28), targetMac: mac(b, 32), targetIp: formatIPv4(b, 38) } };
  }
  return base;
}

/** VRRP (both families), ND messages and ARP: everything these tests look at, no echo traffic. */
const FILTER = '(ip6 and (ip6 proto 112 or (icmp6 and ip6[40] >= 133 and ip6[40] <= 137))) or (ip and ip proto 112) or arp';

async function switchCapture(lab: Lab): Promise<Capture> {
  return capture(lab, 'switch', 'br0', { filter: FILTER });
}

async function frames(cap: Capture): Promise<Frame[]> {
  const all = (await cap.stop()).map(parseFrame);
  const bad = all.filter((f) => f.badVrrp !== undefined).map((f) => f.badVrrp);
  assert.deepEqual(bad, [], 'every VRRP packet on the LAN passes the RFC 9568 7.1 checks');
  return all;
}

const adverts = (fs: readonly Frame[], family: 4 | 6, src?: string): (Frame & { vrrp: Vrrp })[] =>
  fs.filter((f): f is Frame & { vrrp: Vrrp } => f.vrrp !== undefined && f.vrrp.family === family && (src === undefined || f.vrrp.src === src));

type RaFrame = Frame & { nd: { src: string; dst: string; msg: Extract<NdMessage, { type: 'ra' }> } };
const ras = (fs: readonly Frame[]): RaFrame[] => fs.filter((f): f is RaFrame => f.nd?.msg.type === 'ra');

type NaFrame = Frame & { nd: { src: string; dst: string; msg: Extract<NdMessage, { type: 'na' }> } };
const nas = (fs: readonly Frame[]): NaFrame[] => fs.filter((f): f is NaFrame => f.nd?.msg.type === 'na');

function optionMac(msg: NdMessage, type: 'sourceLinkLayer' | 'targetLinkLayer'): string | undefined {
  const o = msg.options.find((x) => x.type === type);
  return o !== undefined && (o.type === 'sourceLinkLayer' || o.type === 'targetLinkLayer') ? formatMac(o.address) : undefined;
}

function summary(fs: readonly Frame[]): string {
  const c = new Map<string, number>();
  for (const f of fs) {
    const k =
      f.vrrp ? `VRRPv3/IPv${f.vrrp.family} ${f.vrrp.src} (${f.srcMac}) prio ${f.vrrp.priority}`
      : f.nd ? `${f.nd.msg.type} ${f.nd.src} (${f.srcMac})${f.nd.msg.type === 'ra' ? ` lifetime ${f.nd.msg.routerLifetime}` : ''}`
      : f.arp ? `arp op ${f.arp.op} ${f.arp.senderIp} (${f.arp.senderMac})`
      : `other ${f.srcMac}`;
    c.set(k, (c.get(k) ?? 0) + 1);
  }
  return [...c].map(([k, n]) => `${n} x ${k}`).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Lab helpers

async function newS7(t: TestContext): Promise<{ lab: Lab; r1ll: string; r2ll: string }> {
  const lab = Lab.create('fhvrrp');
  t.after(() => lab.destroy());
  await s7Lab(lab);
  return { lab, r1ll: await waitLinkLocal(lab, 'r1', 'lan0'), r2ll: await waitLinkLocal(lab, 'r2', 'lan0') };
}

async function vrrpStatus(fh: FirsthopHandle): Promise<VrrpRouterStatus[]> {
  const r = await run([process.execPath, FIRSTHOP_MAIN, 'status', '--json', '-s', fh.controlPath], { check: true });
  const s = JSON.parse(r.stdout) as { vrrp?: { routers: VrrpRouterStatus[] } };
  assert.ok(s.vrrp !== undefined, `firsthop status --json has a vrrp section: ${r.stdout.slice(0, 500)}`);
  return s.vrrp.routers;
}

async function routerStatus(fh: FirsthopHandle, name = 'lan'): Promise<VrrpRouterStatus> {
  const r = (await vrrpStatus(fh)).find((x) => x.name === name);
  assert.ok(r !== undefined, `status shows virtual router ${name}`);
  return r;
}

const transitions = (fh: FirsthopHandle, name: string, to: string): number => (fh.log().match(new RegExp(`vrrp ${name}: \\w+ -> ${to}:`, 'g')) ?? []).length;

/** Wait until the daemon logged its `n`th transition of `name` to `to`. */
async function waitTransition(fh: FirsthopHandle, name: string, to: string, n = 1, timeoutMs = 5000): Promise<void> {
  await waitFor(() => transitions(fh, name, to) >= n, { timeoutMs, intervalMs: 10, what: `vrrp ${name} -> ${to} #${n}` }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n--- daemon log ---\n${fh.log()}`);
  });
}

async function vmacLinks(lab: Lab, ns: string): Promise<string[]> {
  const out = (await lab.ip(ns, ['-j', 'link', 'show'])).stdout;
  return (JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname).filter((n) => n.startsWith('fhv'));
}

/** SIGTERM the daemon, expect a clean exit, and no macvlan (fhv*) left in its namespace. */
async function stopClean(lab: Lab, ns: string, fh: FirsthopHandle): Promise<void> {
  const code = await fh.stop();
  assert.equal(code, 0, `firsthop in ${ns} exits 0 on SIGTERM\n${fh.log()}`);
  assert.deepEqual(await vmacLinks(lab, ns), [], `no macvlan (fhv*) left in ${ns} after firsthop stopped`);
}

/** A dead box: SIGKILL the daemon, then take its LAN interface and uplink down at once. */
async function killBox(lab: Lab, ns: string, fh: { readonly child: ChildProcess }): Promise<number> {
  const at = nowMs();
  // The whole process group (keepalived forks its VRRP process; lab.spawn makes each a group leader).
  const pid = fh.child.pid;
  assert.ok(pid !== undefined);
  process.kill(-pid, 'SIGKILL');
  await Promise.all([lab.ip(ns, ['link', 'set', 'lan0', 'down']), lab.ip(ns, ['link', 'set', 'up0', 'down'])]);
  return at;
}

interface PingRun {
  /** SIGINT the ping and return the kernel-side times (ping -D) of the replies, ms. */
  stop(): Promise<number[]>;
}

/** ping every 10 ms from the host (ping -D prints each reply's receive time). */
function startPing(lab: Lab, argv: readonly string[]): PingRun {
  const child = lab.spawn('host', ['ping', '-n', '-D', '-i', '0.01', ...argv]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGINT');
      await Promise.race([exited, sleep(2000)]);
      await lab.kill(child, 500);
      const times: number[] = [];
      for (const m of out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)/gm)) times.push(Number(m[1]) * 1000);
      return times;
    },
  };
}

/** The largest gap between consecutive replies after `from` (ms), and the times around it. */
function largestGap(times: readonly number[], from: number): { gap: number; before: number; after: number } {
  let best = { gap: 0, before: 0, after: 0 };
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1]!;
    const b = times[i]!;
    if (b < from) continue;
    if (b - a > best.gap) best = { gap: b - a, before: a, after: b };
  }
  return best;
}

/** `ip -6 route show default` in the host every ~20 ms until stop(); returns the samples lacking fe80::1. */
function pollDefaultRoute(lab: Lab, family: 4 | 6, gateway: string): { stop(): Promise<{ samples: number; missing: { t: number; text: string }[] }> } {
  let running = true;
  let samples = 0;
  const missing: { t: number; text: string }[] = [];
  const loop = (async () => {
    while (running) {
      const t = nowMs();
      const r = await run(['ip', '-n', lab.ns('host'), `-${family}`, 'route', 'show', 'default']);
      samples++;
      if (!r.stdout.includes(`default via ${gateway} dev h0`)) missing.push({ t, text: r.stdout.trim() });
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, missing };
    },
  };
}

/** `ip -ts monitor link` in a namespace: stop() returns when `ifname` got its carrier (ms, each time). */
function watchCarrier(lab: Lab, ns: string, ifname: string): { stop(): Promise<number[]> } {
  const child = lab.spawn(ns, ['ip', '-ts', 'monitor', 'link']);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const re = new RegExp(`^\\[(\\d{4}-\\d\\d-\\d\\dT[\\d:.]+)\\] \\d+: ${ifname}(?:@\\S+)?: <([^>]*)>`, 'gm');
  return {
    async stop() {
      await lab.kill(child, 500);
      // ip prints local time without a zone, as new Date() reads such a string.
      return [...out.matchAll(re)].filter((m) => !m[2]!.split(',').includes('NO-CARRIER') && m[2]!.split(',').includes('UP')).map((m) => new Date(m[1]!).getTime());
    },
  };
}

/** `ip monitor route` in the host: every line it printed. */
function monitorRoutes(lab: Lab, family: 4 | 6): { stop(): Promise<string[]> } {
  const child = lab.spawn('host', ['ip', `-${family}`, 'monitor', 'route']);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  return {
    async stop() {
      await lab.kill(child, 500);
      return out.split('\n').filter((l) => l.trim() !== '');
    },
  };
}

async function neighbour(lab: Lab, family: 4 | 6, address: string): Promise<string> {
  return (await lab.ip('host', [`-${family}`, 'neigh', 'show', address, 'dev', 'h0'])).stdout.trim();
}

async function hostDefaultsVia(lab: Lab, gateway: string, timeoutMs = 5000): Promise<void> {
  await waitFor(async () => (await defaultRoutes(lab, 'host')).map((r) => r.gateway), {
    timeoutMs,
    intervalMs: 50,
    until: (g) => g.length === 1 && g[0] === gateway,
    what: `the host's only default route via ${gateway}`,
  });
}

// keepalived -----------------------------------------------------------------------------------

interface Keepalived {
  readonly child: ChildProcess;
  log(): string;
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
}

function keepalivedConf(priority: number, ipv4 = false): string {
  return `global_defs {
    router_id ka_${priority}
    vrrp_version 3
}

vrrp_instance VI_1 {
    state BACKUP
    version 3
    interface lan0
    virtual_router_id 51
    priority ${priority}
    advert_int 0.1
    use_vmac
    virtual_ipaddress {
        ${S7.virtualLinkLocal}/64
    }
}
${ipv4 ? `
vrrp_instance VI_4 {
    state BACKUP
    version 3
    interface lan0
    virtual_router_id 52
    priority ${priority}
    advert_int 0.1
    use_vmac
    virtual_ipaddress {
        ${S7.virtual4}/24
    }
}
` : ''}`;
}

function startKeepalived(lab: Lab, ns: string, priority: number, ipv4 = false): Keepalived {
  const conf = join(lab.dir(), `keepalived-${ns}.conf`);
  writeFileSync(conf, keepalivedConf(priority, ipv4));
  const child = lab.spawn(ns, [KEEPALIVED, '-n', '-l', '-D', '-f', conf, '-p', join(lab.dir(), `keepalived-${ns}.pid`), '-r', join(lab.dir(), `keepalived-vrrp-${ns}.pid`)]);
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return {
    child,
    log: () => text,
    waitLog: (re, timeoutMs = 5000) =>
      waitFor(() => re.test(text), { timeoutMs, intervalMs: 20, what: `keepalived in ${ns}: ${re}` }).then(
        () => undefined,
        (e: unknown) => {
          throw new Error(`${(e as Error).message}\n--- keepalived log ---\n${text}`);
        },
      ),
  };
}

// ---------------------------------------------------------------------------------------------

describePrivileged('VRRPv3 on the real kernel (scenario S7)', { tools: ['ip', 'tcpdump', 'ping', 'nft'], timeout: 240_000 }, () => {
  it('1. two firsthop routers: the host routes via fe80::1 at the virtual MAC; only the Active advertises, RAs only from fe80::1', { timeout: 40_000 }, async (t) => {
    const { lab, r1ll, r2ll } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150 }));
    const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100 }));
    await waitTransition(r1, 'lan', 'active');
    await hostDefaultsVia(lab, S7.virtualLinkLocal);

    const cap = await switchCapture(lab);
    const start = nowMs();
    // A Router Solicitation: only the Active may answer it, from fe80::1.
    await lab.exec('host', ['rdisc6', '-1', '-w', '500', 'h0']);
    const ping = await lab.exec('host', ['ping', '-6', '-n', '-c', '3', '-i', '0.2', '-W', '1', S7.server6]);
    assert.equal(ping.code, 0, `ping from the host to the server through the virtual router:\n${ping.stdout}${ping.stderr}`);
    const neigh = await neighbour(lab, 6, S7.virtualLinkLocal);
    assert.match(neigh, new RegExp(`lladdr ${VMAC6}`), `the host's neighbour entry for fe80::1 holds the virtual MAC: ${neigh}`);
    const defaults = await defaultRoutes(lab, 'host');
    assert.deepEqual(defaults.map((r) => `${r.gateway} ${r.dev}`), [`${S7.virtualLinkLocal} h0`], 'the host has exactly one default route, via fe80::1');
    await sleep(Math.max(0, 2000 - (nowMs() - start)));
    const fs = await frames(cap);
    t.diagnostic(`steady state, ${f1(nowMs() - start)} ms: ${summary(fs)}`);

    const raList = ras(fs);
    assert.ok(raList.length >= 1, `at least one RA in the window (answer to the RS): ${summary(fs)}`);
    for (const ra of raList) {
      assert.equal(ra.nd.src, S7.virtualLinkLocal, `RAs come only from fe80::1, not ${ra.nd.src} (r1 ${r1ll}, r2 ${r2ll})`);
      assert.equal(ra.srcMac, VMAC6, 'RA frames leave from the virtual MAC');
      assert.equal(optionMac(ra.nd.msg, 'sourceLinkLayer'), VMAC6, "the RA's source link-layer option is the virtual MAC");
      assert.ok(ra.nd.msg.routerLifetime > 0, 'a default router lifetime');
    }
    const adv = adverts(fs, 6);
    assert.ok(adv.length >= 15, `about 20 advertisements in 2 s at 100 ms: ${adv.length}`);
    for (const a of adv) {
      assert.equal(a.vrrp.src, r1ll, `advertisements come only from r1's lan0 link-local ${r1ll} (r2 is ${r2ll}), not ${a.vrrp.src}`);
      assert.equal(a.srcMac, VMAC6, 'advertisements leave from the virtual MAC (RFC 9568 7.3)');
      assert.deepEqual([a.vrrp.vrid, a.vrrp.priority, a.vrrp.intervalCs, a.vrrp.addresses], [51, 150, 10, [S7.virtualLinkLocal]]);
    }
    assert.equal((await routerStatus(r1)).state, 'active');
    const s2 = await routerStatus(r2);
    assert.equal(s2.state, 'backup');
    assert.equal(s2.activeRouter?.address, r1ll, "r2's status names r1 as the Active");

    await stopClean(lab, 'r2', r2);
    await stopClean(lab, 'r1', r1);
  });

  it('2. the Active dies (SIGKILL, links down): r2 takes over within Master_Down_Interval, NA with R, RA follows, no outage of the default route', { timeout: 40_000 }, async (t) => {
    const { lab, r1ll, r2ll } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150 }));
    const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100 }));
    await waitTransition(r1, 'lan', 'active');
    await hostDefaultsVia(lab, S7.virtualLinkLocal);
    const warm = await lab.exec('host', ['ping', '-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', S7.server6]);
    assert.equal(warm.code, 0, `ping works before the failure:\n${warm.stdout}`);

    const cap = await switchCapture(lab);
    const monitor = monitorRoutes(lab, 6);
    const poll = pollDefaultRoute(lab, 6, S7.virtualLinkLocal);
    const ping = startPing(lab, ['-6', S7.server6]);
    await sleep(500);
    const killedAt = await killBox(lab, 'r1', r1);
    await waitTransition(r2, 'lan', 'active', 1, 3000);
    await sleep(1000);
    const replies = await ping.stop();
    const routePoll = await poll.stop();
    const routeEvents = await monitor.stop();
    const fs = await frames(cap);

    const r2adv = adverts(fs, 6, r2ll);
    assert.ok(r2adv.length > 0, `r2 advertises after r1 died: ${summary(fs)}`);
    const r2first = r2adv[0]!.t;
    assert.ok(r2first > killedAt, 'r2 was silent while r1 was Active');
    const r1last = adverts(fs, 6, r1ll).filter((a) => a.t < r2first).at(-1);
    assert.ok(r1last !== undefined, 'r1 advertised before it died');
    const takeover = r2first - r1last.t;
    const na = nas(fs).find((f) => f.t >= killedAt && f.nd.msg.target === S7.virtualLinkLocal);
    const ra = ras(fs).find((f) => f.t >= killedAt && f.nd.src === S7.virtualLinkLocal);
    const gap = largestGap(replies, killedAt - 1000);
    t.diagnostic(`takeover (r1's last advertisement -> r2's first): ${f1(takeover)} ms (Master_Down_Interval ${f1(MDI_100)} ms; kill ${f1(killedAt - r1last.t)} ms after r1's last)`);
    t.diagnostic(`unsolicited NA: ${na === undefined ? 'none' : `${f1(na.t - r2first)} ms after r2's first advertisement`}; first RA from fe80::1: ${ra === undefined ? 'none' : `${f1(ra.t - r2first)} ms after`}`);
    t.diagnostic(`ping -i 0.01: ${replies.length} replies, largest gap ${f1(gap.gap)} ms (bound ${f1(MDI_100 + 100)} ms); default route polled ${routePoll.samples} times`);

    assert.ok(takeover <= MDI_100 + 50, `takeover ${f1(takeover)} ms <= Master_Down_Interval + 50 = ${f1(MDI_100 + 50)} ms`);
    assert.ok(takeover >= MDI_100 - 110, `takeover ${f1(takeover)} ms is not early (Master_Down_Interval ${f1(MDI_100)} ms)`);
    assert.ok(na !== undefined, `r2 sends an unsolicited NA for fe80::1: ${summary(fs.filter((f) => f.t >= killedAt))}`);
    assert.equal(na.nd.src, S7.virtualLinkLocal, 'the NA comes from fe80::1');
    assert.equal(na.srcMac, VMAC6, 'the NA leaves from the virtual MAC');
    assert.deepEqual({ router: na.nd.msg.router, solicited: na.nd.msg.solicited, override: na.nd.msg.override }, { router: true, solicited: false, override: true }, 'NA flags R=1 S=0 O=1');
    assert.equal(optionMac(na.nd.msg, 'targetLinkLayer'), VMAC6, 'the NA carries the virtual MAC as target link-layer address');
    assert.ok(ra !== undefined, 'an RA from fe80::1 follows the takeover');
    assert.ok(ra.t - r2first <= 50, `the first RA from fe80::1 follows r2's first advertisement within 50 ms (target 5 ms): ${f1(ra.t - r2first)} ms`);
    assert.equal(optionMac(ra.nd.msg, 'sourceLinkLayer'), VMAC6);
    assert.ok(ras(fs).every((f) => f.nd.src === S7.virtualLinkLocal && f.nd.msg.routerLifetime > 0), `only fe80::1 sends RAs, never with lifetime 0: ${summary(ras(fs))}`);
    assert.deepEqual(routePoll.missing, [], "the host's default route via fe80::1 is present at every poll");
    assert.deepEqual(routeEvents.filter((l) => /^Deleted .*default/.test(l)), [], `ip monitor: no default route deleted (${routeEvents.join(' | ')})`);
    assert.ok(replies.length > 50 && replies.at(-1)! > r2first, 'pings were answered before and after the takeover');
    assert.ok(gap.gap <= MDI_100 + 100, `ping outage ${f1(gap.gap)} ms <= Master_Down_Interval + 100 = ${f1(MDI_100 + 100)} ms`);
    assert.match(await neighbour(lab, 6, S7.virtualLinkLocal), new RegExp(`lladdr ${VMAC6}`));

    await stopClean(lab, 'r2', r2);
  });

  it('3. SIGTERM on the Active: priority 0, r2 follows within Skew_Time, the host never sees a router lifetime 0', { timeout: 40_000 }, async (t) => {
    const { lab, r1ll, r2ll } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150 }));
    const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100 }));
    await waitTransition(r1, 'lan', 'active');
    await hostDefaultsVia(lab, S7.virtualLinkLocal);
    const hostCap = await capture(lab, 'host', 'h0', { filter: 'icmp6 and ip6[40] == 134' });
    const cap = await switchCapture(lab);
    const ping = startPing(lab, ['-6', S7.server6]);
    await sleep(500);
    const stoppedAt = nowMs();
    await stopClean(lab, 'r1', r1);
    await waitTransition(r2, 'lan', 'active', 1, 3000);
    await sleep(1000);
    const replies = await ping.stop();
    // r2 stops too: the last Active leaves without a goodbye RA as well.
    await stopClean(lab, 'r2', r2);
    await sleep(300);
    const fs = await frames(cap);
    const hostRas = (await hostCap.stop()).map(parseFrame);

    const zero = adverts(fs, 6, r1ll).find((a) => a.vrrp.priority === 0);
    assert.ok(zero !== undefined, `r1 sends a priority-0 advertisement on SIGTERM: ${summary(fs.filter((f) => f.t >= stoppedAt))}`);
    const r2first = adverts(fs, 6, r2ll).find((a) => a.t > zero.t && a.vrrp.priority > 0);
    assert.ok(r2first !== undefined, 'r2 advertises after it');
    const takeover = r2first.t - zero.t;
    const gap = largestGap(replies, stoppedAt - 1000);
    t.diagnostic(`takeover after priority 0: ${f1(takeover)} ms (Skew_Time ${f1(SKEW_100)} ms); ping outage ${f1(gap.gap)} ms; RAs seen by the host: ${summary(hostRas)}`);
    assert.ok(takeover <= SKEW_100 + 50, `r2's first advertisement ${f1(takeover)} ms after the priority 0 <= Skew_Time + 50 = ${f1(SKEW_100 + 50)} ms`);
    assert.ok(hostRas.length > 0, 'the host saw RAs (the capture works)');
    const bad = ras(hostRas).filter((f) => f.nd.msg.routerLifetime === 0);
    assert.deepEqual(bad.map((f) => `${f.nd.src} at ${f1(f.t - stoppedAt)} ms`), [], 'the host sees no RA with router lifetime 0');
    assert.deepEqual(ras(fs).filter((f) => f.nd.src !== S7.virtualLinkLocal).map((f) => f.nd.src), [], 'only fe80::1 sends RAs');
  });

  it('4. the Active loses its uplink: priority 90, r2 preempts; uplink back: r1 waits preempt_delay 2 s, then preempts', { timeout: 40_000 }, async (t) => {
    const { lab, r1ll, r2ll } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150, preemptDelay: 2 }));
    const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100 }));
    await waitTransition(r1, 'lan', 'active');
    await hostDefaultsVia(lab, S7.virtualLinkLocal);
    const cap = await switchCapture(lab);
    const carrier = watchCarrier(lab, 'r1', 'up0');
    await sleep(300);

    const downAt = nowMs();
    await lab.ip('server', ['link', 'set', 's1', 'down']);
    await waitTransition(r2, 'lan', 'active', 1, 3000);
    await waitTransition(r1, 'lan', 'backup', 2, 3000);
    const s1 = await routerStatus(r1);
    assert.equal(s1.state, 'backup');
    assert.equal(s1.priority, 90, 'r1 priority 150 - 60 while up0 has no carrier');
    assert.deepEqual(s1.priorityChanges, [{ condition: 'uplink', weight: -60 }], 'status names the uplink condition as what lowered the priority');
    assert.equal((await routerStatus(r2)).state, 'active');
    await sleep(500);

    const upAt = nowMs();
    await lab.ip('server', ['link', 'set', 's1', 'up']);
    await sleep(1000);
    const mid = await routerStatus(r1);
    assert.equal(mid.priority, 150, 'priority back to 150 once up0 has carrier again');
    assert.deepEqual(mid.priorityChanges, []);
    assert.equal(mid.state, 'backup', 'r1 is still Backup 1 s after the uplink returned (preempt_delay 2 s)');
    await waitTransition(r1, 'lan', 'active', 2, 5000);
    await waitTransition(r2, 'lan', 'backup', 2, 2000);
    await sleep(300);
    const carrierOn = (await carrier.stop()).find((x) => x >= upAt - 50);
    const fs = await frames(cap);

    const r1adv = adverts(fs, 6, r1ll);
    const r2adv = adverts(fs, 6, r2ll);
    const low = r1adv.find((a) => a.t > downAt && a.vrrp.priority === 90);
    const r2first = r2adv.find((a) => a.t > downAt);
    assert.ok(low !== undefined, `r1 advertises priority 90 at once: ${summary(fs)}`);
    assert.ok(r2first !== undefined, 'r2 advertises');
    const back = r1adv.find((a) => a.t > upAt && a.vrrp.priority === 150);
    assert.ok(back !== undefined, 'r1 advertises 150 again');
    t.diagnostic(`uplink down -> r1's priority-90 advertisement ${f1(low.t - downAt)} ms, -> r2's first advertisement ${f1(r2first.t - downAt)} ms`);
    t.diagnostic(`uplink up -> r1 Active again (its first priority-150 advertisement) ${f1(back.t - upAt)} ms${carrierOn !== undefined ? ` (up0 carrier seen in r1 ${f1(carrierOn - upAt)} ms after 'link set s1 up')` : ''}`);
    assert.ok(r2first.t - downAt <= 1000, `r2 Active within 1 s of the uplink loss: ${f1(r2first.t - downAt)} ms`);
    assert.ok(back.t - upAt >= 2000, `r1 does not preempt before preempt_delay: ${f1(back.t - upAt)} ms after the uplink returned`);
    assert.ok(back.t - upAt <= 2500, `r1 preempts within preempt_delay + 0.5 s of the uplink's return: ${f1(back.t - upAt)} ms`);
    // Exactly one Active: after r2's first advertisement and before r1's return only r2 advertises, after it only r1.
    assert.deepEqual(r1adv.filter((a) => a.t > r2first.t + 50 && a.t < back.t).map((a) => a.vrrp.priority), [], 'r1 is silent while r2 is Active');
    assert.deepEqual(r2adv.filter((a) => a.t > back.t + 50).map((a) => a.vrrp.priority), [], 'r2 is silent once r1 is Active again');

    await stopClean(lab, 'r2', r2);
    await stopClean(lab, 'r1', r1);
  });

  it('4b. examples/s7-vrrp-r1.conf and -r2.conf as shipped: r1 Active, the host routes via fe80::1; the Active loses its uplink, r2 takes over within 1 s', { timeout: 40_000 }, async (t) => {
    const { lab, r2ll } = await newS7(t);
    const example = (n: number): string => readFileSync(join(REPO, 'examples', `s7-vrrp-r${n}.conf`), 'utf8');
    const r1 = await startFirsthop(lab, 'r1', example(1));
    const r2 = await startFirsthop(lab, 'r2', example(2));
    await waitTransition(r1, 'lan', 'active');
    await hostDefaultsVia(lab, S7.virtualLinkLocal);
    assert.equal((await routerStatus(r2)).state, 'backup');
    // Both routers have been up for longer than their preempt delay (5 s), as in production.
    await sleep(5500);
    const cap = await switchCapture(lab);
    const downAt = nowMs();
    await lab.ip('server', ['link', 'set', 's1', 'down']);
    await waitTransition(r2, 'lan', 'active', 1, 4000);
    const fs = await frames(cap);
    const r2first = adverts(fs, 6, r2ll).find((a) => a.t > downAt);
    assert.ok(r2first !== undefined, 'r2 advertises');
    const ms = r2first.t - downAt;
    t.diagnostic(`uplink of the Active down -> r2's first advertisement ${f1(ms)} ms (r2 preempt_delay 5 s, running for longer)`);
    // The delay protects a router that just started or recovered, not an Active that failed:
    // r2, stable for longer than its delay, preempts after Active_Down_Interval (361 ms).
    assert.ok(ms <= 1000, `r2 took ${f1(ms)} ms to replace an Active whose uplink failed (priority 150 -> 90 < 100); its own preempt_delay must not hold it`);
    await stopClean(lab, 'r2', r2);
    await stopClean(lab, 'r1', r1);
  });

  it('8. Accept_Mode: off (the default) the host cannot ping fe80::1 but resolves it and routes through it; `accept;` on reload lets the ping through; the table goes at exit', { timeout: 40_000 }, async (t) => {
    const { lab } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150 }));
    await waitTransition(r1, 'lan', 'active');
    await hostDefaultsVia(lab, S7.virtualLinkLocal);
    const toServer = await lab.exec('host', ['ping', '-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', S7.server6]);
    assert.equal(toServer.code, 0, `forwarding through the virtual router works with accept off:\n${toServer.stdout}`);
    const off = await lab.exec('host', ['ping', '-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', `${S7.virtualLinkLocal}%h0`]);
    assert.notEqual(off.code, 0, `accept off: no echo reply from fe80::1:\n${off.stdout}`);
    assert.match(await neighbour(lab, 6, S7.virtualLinkLocal), new RegExp(`lladdr ${VMAC6}`), 'Neighbor Solicitations are still answered (RFC 9568 6.4.3)');
    const table = await lab.exec('r1', ['nft', 'list', 'table', 'inet', 'firsthop_vrrp']);
    assert.match(table.stdout, /drop comment "vrrp lan: Accept_Mode off"/);
    r1.writeConfig(s7Config({ priority: 150, accept: true }));
    r1.signal('SIGHUP');
    await r1.waitLog(/reloaded /);
    const on = await lab.exec('host', ['ping', '-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', `${S7.virtualLinkLocal}%h0`]);
    assert.equal(on.code, 0, `accept on: fe80::1 answers:\n${on.stdout}`);
    await stopClean(lab, 'r1', r1);
    const after = await lab.exec('r1', ['nft', 'list', 'tables']);
    assert.doesNotMatch(after.stdout, /firsthop_vrrp/, 'no table left after exit');
    t.diagnostic('accept off: ping to fe80::1 unanswered, NS answered, forwarding works; accept on after SIGHUP: answered');
  });

  describePrivileged('with keepalived as the peer', { tools: ['ip', 'tcpdump', 'ping', 'keepalived'] }, () => {
    it('5a. keepalived 150 Active, firsthop 100 Backup; keepalived killed: firsthop takes over', { timeout: 40_000 }, async (t) => {
      const { lab, r1ll, r2ll } = await newS7(t);
      const cap = await switchCapture(lab);
      const ka = startKeepalived(lab, 'r1', 150);
      await ka.waitLog(/\(VI_1\) Entering MASTER STATE/);
      const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100 }));
      await waitFor(async () => (await routerStatus(r2)).activeRouter?.address === r1ll, { timeoutMs: 3000, intervalMs: 50, what: 'firsthop hears keepalived' });
      const steadyFrom = nowMs();
      await sleep(1500);
      const s2 = await routerStatus(r2);
      assert.equal(s2.state, 'backup', 'firsthop stays Backup under keepalived priority 150');
      assert.deepEqual([s2.activeRouter?.address, s2.activeRouter?.priority], [r1ll, 150]);
      const killedAt = await killBox(lab, 'r1', ka);
      await waitTransition(r2, 'lan', 'active', 1, 3000);
      await hostDefaultsVia(lab, S7.virtualLinkLocal);
      const ping = await lab.exec('host', ['ping', '-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', S7.server6]);
      const fs = await frames(cap);
      assert.equal(ping.code, 0, `the host reaches the server through firsthop after the takeover:\n${ping.stdout}`);

      const steady = fs.filter((f) => f.t >= steadyFrom && f.t < killedAt);
      t.diagnostic(`steady state (1.5 s): ${summary(steady)}`);
      assert.ok(adverts(steady, 6, r1ll).length >= 10, 'keepalived advertises');
      assert.ok(adverts(steady, 6, r1ll).every((a) => a.vrrp.priority === 150 && a.srcMac === VMAC6));
      assert.deepEqual(adverts(fs, 6, r2ll).filter((a) => a.t < killedAt).length, 0, 'firsthop never advertised while keepalived was Active');
      assert.deepEqual(ras(steady).length, 0, 'no RAs: keepalived sends none, firsthop as Backup sends none');
      const r2first = adverts(fs, 6, r2ll)[0];
      assert.ok(r2first !== undefined, 'firsthop advertises after keepalived died');
      const kaLast = adverts(fs, 6, r1ll).filter((a) => a.t < r2first.t).at(-1)!;
      const takeover = r2first.t - kaLast.t;
      t.diagnostic(`takeover from keepalived: ${f1(takeover)} ms (Master_Down_Interval ${f1(MDI_100)} ms)`);
      assert.ok(takeover <= MDI_100 + 50, `takeover ${f1(takeover)} ms <= ${f1(MDI_100 + 50)} ms`);
      assert.ok(adverts(fs, 6, r1ll).every((a) => a.t < r2first.t), 'exactly one Active: nothing from keepalived after firsthop took over');
      await stopClean(lab, 'r2', r2);
    });

    it('5c. IPv4: keepalived 150 Active for VRID 52 (checksum over the IPv4 pseudo-header), firsthop 100 Backup hears it; keepalived killed: firsthop takes over', { timeout: 40_000 }, async (t) => {
      const { lab } = await newS7(t);
      const cap = await switchCapture(lab);
      const ka = startKeepalived(lab, 'r1', 150, true);
      await ka.waitLog(/\(VI_4\) Entering MASTER STATE/);
      const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100, ipv4: true }));
      await waitFor(async () => (await routerStatus(r2, 'lan4')).activeRouter?.address === S7.r1.lan4, { timeoutMs: 3000, intervalMs: 50, what: "firsthop accepts keepalived's IPv4 advertisements" });
      await sleep(1000);
      const s2 = await routerStatus(r2, 'lan4');
      assert.equal(s2.state, 'backup');
      assert.deepEqual([s2.activeRouter?.priority, s2.counters.dropped], [150, {}], 'nothing of keepalived dropped (checksum, addresses)');
      const killedAt = await killBox(lab, 'r1', ka);
      await waitTransition(r2, 'lan4', 'active', 1, 3000);
      const fs = await frames(cap);
      const r2first = adverts(fs, 4, S7.r2.lan4)[0];
      assert.ok(r2first !== undefined && r2first.t > killedAt - 200, 'firsthop advertises VRID 52 only after keepalived died');
      const kaLast = adverts(fs, 4, S7.r1.lan4).filter((a) => a.t < r2first.t).at(-1)!;
      const takeover = r2first.t - kaLast.t;
      t.diagnostic(`IPv4 takeover from keepalived: ${f1(takeover)} ms (Master_Down_Interval ${f1(MDI_100)} ms)`);
      assert.ok(takeover <= MDI_100 + 50, `takeover ${f1(takeover)} ms <= ${f1(MDI_100 + 50)} ms`);
      await stopClean(lab, 'r2', r2);
    });

    it("5d. IPv4: firsthop 150 Active for VRID 52, keepalived 100 stays Backup (it accepts firsthop's checksum)", { timeout: 40_000 }, async (t) => {
      const { lab } = await newS7(t);
      const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150, ipv4: true }));
      await waitTransition(r1, 'lan4', 'active');
      const ka = startKeepalived(lab, 'r2', 100, true);
      await ka.waitLog(/\(VI_4\) Entering BACKUP STATE/);
      await sleep(2000);
      assert.doesNotMatch(ka.log(), /\(VI_4\) Entering MASTER STATE/, `keepalived never took VRID 52 from firsthop:\n${ka.log()}`);
      assert.doesNotMatch(ka.log(), /checksum|invalid/i, 'keepalived found nothing wrong with the advertisements');
      t.diagnostic('keepalived stayed Backup for 2 s under firsthop IPv4 advertisements');
      await stopClean(lab, 'r1', r1);
    });

    it('5b. firsthop 150 Active, keepalived 100 Backup; firsthop SIGTERM: keepalived takes over', { timeout: 40_000 }, async (t) => {
      const { lab, r1ll, r2ll } = await newS7(t);
      const cap = await switchCapture(lab);
      const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150 }));
      await waitTransition(r1, 'lan', 'active');
      const ka = startKeepalived(lab, 'r2', 100);
      await ka.waitLog(/\(VI_1\) Entering BACKUP STATE/);
      await hostDefaultsVia(lab, S7.virtualLinkLocal);
      const steadyFrom = nowMs();
      await sleep(1500);
      assert.doesNotMatch(ka.log(), /Entering MASTER STATE/, `keepalived stays Backup:\n${ka.log()}`);
      const stoppedAt = nowMs();
      await stopClean(lab, 'r1', r1);
      await ka.waitLog(/\(VI_1\) Entering MASTER STATE/, 3000);
      await sleep(500);
      const ping = await lab.exec('host', ['ping', '-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', S7.server6]);
      const fs = await frames(cap);
      assert.equal(ping.code, 0, `the host reaches the server through keepalived after the takeover:\n${ping.stdout}`);

      const steady = fs.filter((f) => f.t >= steadyFrom && f.t < stoppedAt);
      t.diagnostic(`steady state (1.5 s): ${summary(steady)}`);
      assert.ok(adverts(steady, 6, r1ll).length >= 10, 'firsthop advertises');
      assert.deepEqual(adverts(fs, 6, r2ll).filter((a) => a.t < stoppedAt).length, 0, 'keepalived never advertised while firsthop was Active');
      const zero = adverts(fs, 6, r1ll).find((a) => a.vrrp.priority === 0);
      assert.ok(zero !== undefined, 'firsthop sends priority 0 on SIGTERM');
      const kaFirst = adverts(fs, 6, r2ll).find((a) => a.t > zero.t);
      assert.ok(kaFirst !== undefined, `keepalived's advertisements appear: ${summary(fs.filter((f) => f.t >= stoppedAt))}`);
      const takeover = kaFirst.t - zero.t;
      t.diagnostic(`keepalived's first advertisement ${f1(takeover)} ms after firsthop's priority 0 (Skew_Time ${f1(SKEW_100)} ms)`);
      assert.ok(takeover <= MDI_100, `keepalived takes over after the priority 0 well before Master_Down_Interval: ${f1(takeover)} ms`);
      assert.ok(adverts(fs, 6, r1ll).every((a) => a.t <= zero.t), 'exactly one Active: nothing from firsthop after its priority 0');
      assert.deepEqual(ras(fs).filter((f) => f.nd.msg.routerLifetime === 0).length, 0, 'no goodbye RA from firsthop');
    });
  });

  it('6. IPv4 virtual router: default via 192.0.2.1 at 00:00:5e:00:01:34; dead Active: gratuitous ARP from r2, bounded outage', { timeout: 40_000 }, async (t) => {
    const { lab } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150, ipv4: true }));
    const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100, ipv4: true }));
    await waitTransition(r1, 'lan4', 'active');
    await waitTransition(r2, 'lan4', 'backup');
    await lab.ip('host', ['route', 'add', 'default', 'via', S7.virtual4]);
    const warm = await lab.exec('host', ['ping', '-4', '-n', '-c', '2', '-i', '0.2', '-W', '1', S7.server4]);
    assert.equal(warm.code, 0, `IPv4 ping through the virtual router:\n${warm.stdout}${warm.stderr}`);
    const before = await neighbour(lab, 4, S7.virtual4);
    assert.match(before, new RegExp(`lladdr ${VMAC4}`), `the host's ARP entry for 192.0.2.1 is the virtual MAC: ${before}`);

    const cap = await switchCapture(lab);
    const poll = pollDefaultRoute(lab, 4, S7.virtual4);
    const ping = startPing(lab, ['-4', S7.server4]);
    await sleep(500);
    const killedAt = await killBox(lab, 'r1', r1);
    await waitTransition(r2, 'lan4', 'active', 1, 3000);
    await sleep(1000);
    const replies = await ping.stop();
    const routePoll = await poll.stop();
    const fs = await frames(cap);
    const after = await neighbour(lab, 4, S7.virtual4);

    const r2adv = adverts(fs, 4, S7.r2.lan4);
    assert.ok(r2adv.length > 0, `r2 advertises for VRID 52: ${summary(fs)}`);
    const r2first = r2adv[0]!;
    const r1last = adverts(fs, 4, S7.r1.lan4).filter((a) => a.t < r2first.t).at(-1);
    assert.ok(r1last !== undefined);
    assert.deepEqual([r2first.vrrp.vrid, r2first.srcMac, r2first.vrrp.addresses], [52, VMAC4, [S7.virtual4]]);
    const takeover = r2first.t - r1last.t;
    const garp = fs.find((f) => f.t >= killedAt && f.arp !== undefined && f.arp.senderIp === S7.virtual4 && f.arp.targetIp === S7.virtual4);
    const gap = largestGap(replies, killedAt - 1000);
    t.diagnostic(`IPv4 takeover ${f1(takeover)} ms (Master_Down_Interval ${f1(MDI_100)} ms); gratuitous ARP ${garp === undefined ? 'none' : `${f1(garp.t - r2first.t)} ms after r2's first advertisement`}; ping outage ${f1(gap.gap)} ms over ${replies.length} replies`);
    assert.ok(takeover <= MDI_100 + 50, `IPv4 takeover ${f1(takeover)} ms <= ${f1(MDI_100 + 50)} ms`);
    assert.ok(garp?.arp !== undefined, `r2 sends a gratuitous ARP for 192.0.2.1: ${summary(fs.filter((f) => f.t >= killedAt))}`);
    assert.deepEqual([garp.srcMac, garp.dstMac, garp.arp.senderMac], [VMAC4, 'ff:ff:ff:ff:ff:ff', VMAC4], 'gratuitous ARP: broadcast from and announcing the virtual MAC');
    assert.match(after, new RegExp(`lladdr ${VMAC4}`), `the host's ARP entry stays at the virtual MAC: ${after}`);
    assert.deepEqual(routePoll.missing, [], 'the IPv4 default route is there all along');
    assert.ok(replies.length > 50 && replies.at(-1)! > r2first.t, 'pings answered before and after');
    assert.ok(gap.gap <= MDI_100 + 100, `IPv4 ping outage ${f1(gap.gap)} ms <= Master_Down_Interval + 100 = ${f1(MDI_100 + 100)} ms`);
    assert.equal(await lab.sysctlGet('r2', 'net.ipv4.conf.lan0.arp_ignore'), '1', 'while it runs, lan0 answers ARP only for its own addresses');
    await stopClean(lab, 'r2', r2);
    assert.equal(await lab.sysctlGet('r2', 'net.ipv4.conf.lan0.arp_ignore'), '0', "lan0's arp_ignore is restored at exit");
  });

  it('7. RFC 8475 3.2.2 with VRRP (examples/rfc8475-3.2.2-r1-vrrp.conf): the Active\'s prefix is preferred, the other deprecated', { timeout: 60_000 }, async (t) => {
    const example = readFileSync(join(REPO, 'examples', 'rfc8475-3.2.2-r1-vrrp.conf'), 'utf8');
    const replaceOnce = (text: string, from: RegExp, to: string): string => {
      assert.equal((text.match(new RegExp(from.source, 'gm')) ?? []).length, 1, `the example holds ${from} once`);
      return text.replace(new RegExp(from.source, 'm'), to);
    };
    // The lab's uplink is up0 (the example calls it wan0); R2: its own prefix and priority 100.
    const r1conf = replaceOnce(example, /^(\s*)link wan0 up;/, '$1link up0 up;');
    const r2conf = replaceOnce(replaceOnce(r1conf, /^(\s*)priority 150;/, '$1priority 100;'), /^(\s*)prefix 2001:db8:1:1::\/64/, '$1prefix 2001:db8:2:1::/64');
    const { lab, r1ll, r2ll } = await newS7(t);
    const r1 = await startFirsthop(lab, 'r1', r1conf, { name: 'rfc8475-r1' });
    const r2 = await startFirsthop(lab, 'r2', r2conf, { name: 'rfc8475-r2' });
    const advInt = (await routerStatus(r1, 'VI_1')).advertIntervalCs;
    await waitTransition(r1, 'VI_1', 'active', 1, 8000);

    const pa = (a: string): boolean => a.startsWith('2001:db8:1:1:');
    const pb = (a: string): boolean => a.startsWith('2001:db8:2:1:');
    const flags = async (): Promise<string> => {
      const all = (await addresses(lab, 'host', 'h0')).filter((a) => a.scope === 'global');
      const one = (p: (a: string) => boolean): string => all.filter((a) => p(a.address)).map((a) => (a.flags.deprecated || a.preferredLft === 0 ? 'deprecated' : 'preferred')).join(',') || 'none';
      return `PA ${one(pa)} PB ${one(pb)}`;
    };
    const expect = async (want: string, what: string, timeoutMs = 6000): Promise<number> => {
      const from = nowMs();
      await waitFor(flags, { timeoutMs, intervalMs: 50, until: (s) => s === want, what });
      return nowMs() - from;
    };
    await expect('PA preferred PB deprecated', 'R1 Active: its prefix preferred, R2\'s deprecated');
    const d = await defaultRoutes(lab, 'host');
    assert.deepEqual(d.map((r) => r.gateway).sort(), [r1ll, r2ll].sort(), 'each router advertises from its own link-local (not tied to the virtual router): two default routes');

    // RFC 8475 3.2.2's failure: ISP A (R1's uplink) goes away; R1 drops to 50, R2 becomes Active.
    await lab.ip('server', ['link', 'set', 's1', 'down']);
    const tA = await expect('PA deprecated PB preferred', 'R1 uplink down: R2 Active, R2\'s prefix preferred, R1\'s deprecated');
    assert.equal((await routerStatus(r2, 'VI_1')).state, 'active');
    // ISP A back: R1 preempts (no preempt_delay in the example).
    await lab.ip('server', ['link', 'set', 's1', 'up']);
    const tB = await expect('PA preferred PB deprecated', 'R1 uplink back: R1 Active again');
    // The Active dies: R2 takes over after Master_Down_Interval; nobody is left to deprecate PA.
    await killBox(lab, 'r1', r1);
    const tC = await expect('PA preferred PB preferred', 'R1 dead: R2 Active, its prefix preferred', 8000);
    t.diagnostic(`advert_int ${advInt} cs; host flags followed: uplink loss ${f1(tA)} ms, uplink back ${f1(tB)} ms, R1 killed ${f1(tC)} ms (Master_Down_Interval for 100: ${f1(downIntervalMs(100, advInt))} ms). After R1 died its prefix stays preferred: only R1 could deprecate it.`);
    assert.equal((await routerStatus(r2, 'VI_1')).state, 'active');
    await stopClean(lab, 'r2', r2);
  });
});
