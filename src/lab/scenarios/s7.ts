/**
 * S7: first-hop redundancy with VRRPv3 (scenarios.md S7, ipv6-high-availability.md), with two
 * firsthop routers ('S7') and with keepalived as the peer ('S7-keepalived').
 *
 *            host (h0: SLAAC in 2001:db8:1:1::/64, default route via fe80::1)
 *              |
 *          [switch: br0]  the LAN; the host's link is captured (RAs, NAs, VRRP adverts)
 *          /          \
 *   r1 lan0            r2 lan0      virtual router VRID 51: fe80::1, MAC 00:00:5e:00:02:33
 *   r1 up0             r2 up0
 *        \            /
 *     server s1      s2             2001:db8:ff::1 on lo; echo requests captured on s1 and s2
 *
 * (src/lab/vrrp.ts builds it.) The host pings the server every 10 ms. Only the Active sends
 * RAs, from fe80::1 with the virtual MAC. A router dies as on a power loss: its processes are
 * SIGKILLed and its two links go down at once, so nothing says goodbye. It boots again with
 * its interfaces reconfigured and no state left from before (no macvlan, no nftables table),
 * then its daemon starts.
 *
 * Everything is timed from captures on the host's link (VRRP adverts, NAs, RAs), the host's
 * `ip monitor` (its default route must not change; its neighbour entry for fe80::1), ping -D
 * (the outage) and captures on the server's two links (which router forwards). The routers'
 * own words (firsthop's log, keepalived's) are context only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { routes, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import { tailFile } from '../firsthop';
import { S7 as NET, s7Config, s7Lab } from '../vrrp';
import { defaultShow, type KernelEvent, type KernelWatch, type PathWatch, type Pinger, type WirePacket, type WireWatch } from './probes';
import type { Scenario, ScenarioContext } from './scenario';
import { activeDownIntervalMs } from '../../vrrp/machine';
import { fmtMs, longestGap } from './timeline';

const VIP = NET.virtualLinkLocal;
/** VRID 51's virtual MAC (RFC 9568 7.3: 00-00-5E-00-02-{VRID}). */
const VMAC = '00:00:5e:00:02:33';
const KEEPALIVED = 'keepalived';
const PATH_R1 = 'through r1';
const PATH_R2 = 'through r2';

/**
 * RFC 9568 6.1: Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time, Skew_Time =
 * ((256 - Priority) x Master_Adver_Interval) / 256, in ms for an interval in seconds.
 */
export function masterDownMs(priority: number, advertIntS: number): number {
  return activeDownIntervalMs(priority, Math.round(advertIntS * 100));
}

/**
 * When a router that boots (priority 150) preempts a lower-priority Active, in ms after the boot:
 * during preempt_delay the Active's adverts still reset its Active_Down_Timer (as keepalived
 * does); after it they are ignored, so the timer runs out Master_Down_Interval after the last
 * one heard: preempt_delay + Master_Down_Interval, less up to one advert interval, plus the
 * daemon's start (allowed 3 s).
 */
function preemptWindow(preemptDelayS: number, advertIntS: number): { min: number; max: number } {
  const base = preemptDelayS * 1000 + masterDownMs(150, advertIntS);
  return { min: base - advertIntS * 1000 - 30, max: base + 3000 };
}

const ms = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : (b - a) / 1000);
const after = (t0: number, t: number | undefined): string => (t === undefined ? 'not seen' : `${fmtMs((t - t0) / 1000)}`);

// ---------------------------------------------------------------------------------------------
// The boxes

interface Box {
  readonly ns: 'r1' | 'r2';
  readonly ll: string;
  readonly path: string;
  readonly addr: (typeof NET)['r1'] | (typeof NET)['r2'];
}

/** A power loss: every process of the daemon (its process group) SIGKILLed, then both links down at once. */
async function powerOff(lab: Lab, box: Box, child: ChildProcess): Promise<void> {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  await Promise.all([lab.linkDown(box.ns, 'lan0'), lab.linkDown(box.ns, 'up0')]);
}

/**
 * The box boots again: nothing is left of what its daemon made (a killed daemon leaves its
 * macvlan and its nftables table; a reboot does not), its links come up with their addresses
 * and routes (as src/lab/vrrp.ts made them), and the LAN link-local address is back.
 */
async function powerOn(lab: Lab, box: Box): Promise<void> {
  const macvlans = JSON.parse((await lab.ip(box.ns, ['-j', 'link', 'show', 'type', 'macvlan'])).stdout || '[]') as Array<{ ifname: string }>;
  for (const l of macvlans) await lab.ip(box.ns, ['link', 'del', l.ifname.replace(/@.*$/, '')]);
  await lab.exec(box.ns, ['nft', 'flush', 'ruleset']);
  const r = box.addr;
  // The LAN side first: were the uplink up first, the server would send return traffic (its
  // multipath route) to a box whose LAN link has no carrier yet (a veth's can take a second).
  await lab.linkUp(box.ns, 'lan0');
  await lab.ip(box.ns, ['addr', 'replace', `${r.lan6}/64`, 'dev', 'lan0', 'nodad']);
  await lab.ip(box.ns, ['addr', 'replace', `${r.lan4}/24`, 'dev', 'lan0']);
  const ll = await waitLinkLocal(lab, box.ns, 'lan0');
  await lab.linkUp(box.ns, 'up0');
  await lab.ip(box.ns, ['addr', 'replace', `${r.up6}/64`, 'dev', 'up0', 'nodad']);
  await lab.ip(box.ns, ['addr', 'replace', `${r.up4}/30`, 'dev', 'up0']);
  await lab.ip(box.ns, ['-6', 'route', 'replace', `${NET.server6}/128`, 'via', r.server6]);
  await lab.ip(box.ns, ['route', 'replace', `${NET.server4}/32`, 'via', r.server4]);
  await waitLinkLocal(lab, box.ns, 'up0');
  if (ll !== box.ll) throw new Error(`${box.ns}: link-local address ${ll} after the reboot, ${box.ll} before`);
}

// ---------------------------------------------------------------------------------------------
// keepalived

function keepalivedConf(ns: string, priority: number, advertIntS: number): string {
  return `# S7-keepalived: the peer of firsthop, VRRPv3 for fe80::1 (VRID 51) on lan0
global_defs {
    router_id ka_${ns}
    vrrp_version 3
}

vrrp_instance VI_1 {
    state BACKUP
    version 3
    interface lan0
    virtual_router_id 51
    priority ${priority}
    advert_int ${advertIntS}
    use_vmac
    virtual_ipaddress {
        ${VIP}/64
    }
}
`;
}

interface KeepalivedHandle {
  readonly child: ChildProcess;
  log(): string;
  waitLog(re: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start keepalived in the foreground (its output in the lab directory), following its log for
 * the waits and for the daemon lane (stamped when the lab read the line: context only).
 */
function startKeepalived(ctx: ScenarioContext, ns: string, priority: number, advertIntS: number, label: string): KeepalivedHandle {
  const dir = ctx.lab.dir();
  const conf = join(dir, `keepalived-${ns}-${priority}.conf`);
  writeFileSync(conf, keepalivedConf(ns, priority, advertIntS));
  const d = ctx.daemon(ns, `keepalived-${ns}-${priority}`, [KEEPALIVED, '-n', '-l', '-D', '-f', conf, '-p', join(dir, `keepalived-${ns}.pid`), '-r', join(dir, `keepalived-vrrp-${ns}.pid`)]);
  let text = '';
  const read = tailFile(d.logPath, (buf) => {
    const chunk = buf.toString('utf8');
    text += chunk;
    const now = ctx.now();
    for (const line of chunk.split('\n')) {
      const m = /\((VI_1)\) (Entering \w+ STATE|received (?:higher|lower) prio.*|.*priority 0.*)$/.exec(line);
      if (m !== null) ctx.event('daemon', now, `${label}: ${m[2]}`, 'keepalived log, as the lab read it (context only, not timed from)');
    }
  }, d.child, 20);
  return {
    child: d.child,
    log: () => {
      read();
      return text;
    },
    waitLog: async (re, timeoutMs) => {
      await waitFor(() => {
        read();
        return re.test(text) ? true : undefined;
      }, { timeoutMs, intervalMs: 20, what: `keepalived in ${ns}: ${re}` }).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\n--- keepalived log ---\n${text}`);
      });
    },
    stop: async () => {
      await ctx.lab.kill(d.child, 3000); // tailFile reads the rest when it exits
      read();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What every S7 run watches

interface Probes {
  readonly wire: WireWatch;
  readonly host: KernelWatch;
  readonly paths: PathWatch;
  readonly r1: Box;
  readonly r2: Box;
  readonly advertInt: number;
}

async function buildS7(ctx: ScenarioContext, advertInt: number): Promise<Probes> {
  const { lab } = ctx;
  await s7Lab(lab);
  const r1: Box = { ns: 'r1', ll: await waitLinkLocal(lab, 'r1', 'lan0'), path: PATH_R1, addr: NET.r1 };
  const r2: Box = { ns: 'r2', ll: await waitLinkLocal(lab, 'r2', 'lan0'), path: PATH_R2, addr: NET.r2 };
  const names = new Map([[VIP, 'virtual router'], [r1.ll, 'r1'], [r2.ll, 'r2']]);
  const wire = await ctx.wire('host', 'h0', { track: ['router'], names });
  const state = new Map<string, string>();
  const host = await ctx.kernel('host', {
    label: 'host',
    show: (e) => {
      if (e.kind === 'neigh' && e.text.startsWith(`${VIP} `)) {
        const what = e.deleted ? 'deleted' : e.text.replace(/^\S+ dev \S+ /, '');
        if (state.get('neigh') === what) return undefined;
        state.set('neigh', what);
        return `neighbour ${VIP}: ${what}`;
      }
      return defaultShow(e, state);
    },
  });
  const paths = await ctx.paths([
    { label: PATH_R1, ns: 'server', ifname: 's1' },
    { label: PATH_R2, ns: 'server', ifname: 's2' },
  ], `icmp6 and ip6[40] == 128 and ip6 dst ${NET.server6}`);
  return { wire, host, paths, r1, r2, advertInt };
}

const isVrrp = (src: string) => (p: WirePacket): boolean => p.kind === 'vrrp' && p.src === src;

/** The host's default routes now, as 'GATEWAY dev DEV'. */
async function hostDefaults(lab: Lab): Promise<string[]> {
  return (await routes(lab, 'host')).filter((r) => r.dst === 'default').map((r) => `${r.gateway ?? '-'} dev ${r.dev ?? '-'}${r.expires !== undefined ? ` (expires in ${r.expires} s)` : ''}`);
}

async function neighbourOfVip(lab: Lab): Promise<string> {
  return (await lab.ip('host', ['-6', 'neigh', 'show', VIP, 'dev', 'h0'])).stdout.trim();
}

/** Default-route notifications in the host since `fromUs` (added, deleted or replaced). */
function defaultRouteEvents(host: KernelWatch, fromUs: number): KernelEvent[] {
  return host.all().filter((e) => e.kind === 'route' && e.tUs >= fromUs && /^default /.test(e.text));
}

/** Steady state: one default route via fe80::1, the neighbour entry at the virtual MAC, the ping through `via`; returns the ping and when the host had its route. */
async function steady(ctx: ScenarioContext, p: Probes, activeLL: string, via: Box, settleMs: number): Promise<{ ping: Pinger; from: number }> {
  const { lab } = ctx;
  const defs = (await waitFor(async () => {
    const d = await hostDefaults(lab);
    return d.length === 1 && d[0]?.startsWith(`${VIP} dev h0`) === true ? d : undefined;
  }, { timeoutMs: 15_000, intervalMs: 50, what: `the host's only default route via ${VIP}` })) ?? [];
  const t = ctx.now();
  // ping gives up at once without a route: it starts once the host has its default route.
  const ping = ctx.ping('host', NET.server6);
  const first = await p.paths.waitFirst(via.path, t, 5000);
  const reply = await ping.waitReply(t, 3000);
  await ctx.sleep(settleMs);
  const neigh = await neighbourOfVip(lab);
  ctx.say(`  the host: default via ${defs.join(', ')}; neighbour ${neigh}`);
  ctx.check('normal: the host routes via the virtual router only', defs.length === 1, `default route(s): ${defs.join('; ')}`);
  ctx.check('normal: the neighbour entry of fe80::1 is the virtual MAC', new RegExp(`lladdr ${VMAC}`).test(neigh), neigh || 'no entry');
  ctx.check(`normal: the host's traffic goes ${via.path}`, first !== undefined && reply !== undefined, first !== undefined ? `echo requests on the server's link from ${via.ns}, replies ${reply !== undefined ? 'arrive' : 'missing'}` : `no echo request ${via.path} within 5 s`);
  const adv = p.wire.packets().filter((x) => x.kind === 'vrrp' && x.tUs >= t && x.tUs < ctx.now());
  const others = adv.filter((x) => x.src !== activeLL || x.srcMac !== VMAC);
  ctx.check('normal: only the Active advertises, from the virtual MAC', adv.length >= Math.floor(settleMs / 1000 / p.advertInt) - 1 && others.length === 0,
    `${adv.length} adverts in ${fmtMs(ms(t, ctx.now()))} (interval ${p.advertInt * 1000} ms), ${others.length} from elsewhere (${[...new Set(others.map((x) => `${x.src} ${x.srcMac}`))].join(', ') || 'none'})`);
  return { ping, from: t };
}

interface Takeover {
  readonly oldLast: WirePacket | undefined;
  readonly newFirst: WirePacket | undefined;
  readonly na: WirePacket | undefined;
  readonly ra: WirePacket | undefined;
  readonly path: number | undefined;
  readonly reply: number | undefined;
  /** The longest gap between replies (the whole round trip). */
  readonly gapMs: number | undefined;
  /** The longest gap between the host's echo requests reaching the server, by either router: the first hop alone. */
  readonly fwdGapMs: number | undefined;
}

/**
 * What follows a change of Active from `from` to `to` at t0: the old Active's last advert
 * before the new one's first, the new Active's unsolicited NA for fe80::1 and its first RA from
 * fe80::1 (waited `raWaitMs`), the first echo request on the new path and the reply after it.
 */
async function takeover(ctx: ScenarioContext, p: Probes, ping: Pinger, t0: number, from: Box, to: Box, o: { readonly waitMs: number; readonly raWaitMs: number }): Promise<Takeover> {
  const newFirst = await p.wire.wait((x) => isVrrp(to.ll)(x) && (x.vrrpPriority ?? 0) > 0, t0, o.waitMs);
  const base = newFirst?.tUs ?? t0;
  const olds = p.wire.packets().filter((x) => isVrrp(from.ll)(x) && x.tUs < base);
  const oldLast = olds[olds.length - 1];
  const na = await p.wire.wait((x) => x.kind === 'na' && x.na !== undefined && !x.na.solicited && x.na.target === VIP, base - 50_000, 1000);
  const ra = await p.wire.wait((x) => x.kind === 'ra' && x.src === VIP, base - 50_000, o.raWaitMs);
  const path = await p.paths.waitFirst(to.path, t0, o.waitMs);
  const reply = await ping.waitReply(path ?? t0, 3000);
  const gap = longestGap(ping.replies(), t0, (reply ?? ctx.now()) + 1);
  const fwd = longestGap([...p.paths.times(PATH_R1), ...p.paths.times(PATH_R2)], t0, (path ?? ctx.now()) + 1);
  return { oldLast, newFirst, na, ra, path, reply, gapMs: gap?.ms, fwdGapMs: fwd?.ms };
}

/**
 * What the return path may add to the outage. The server reaches the LAN over both routers (a
 * multipath route skipping a nexthop whose link lost carrier); when the dead router carried the
 * replies, the server moves them only once the kernel's linkwatch handles its link's carrier
 * loss, which it may defer by up to 1 s (non-urgent events: a veth whose ifindex equals its
 * peer's, as s2 and r2's up0 are, 3 and 3; a physical NIC too). Seen in about half the fast
 * runs of S7-keepalived when r2 dies: requests through r1 after Master_Down_Interval, replies
 * 0.55 to 1.04 s after the death. The first hop is judged on the requests; the round trip gets this allowance.
 */
const RETURN_PATH_MS = 1000;

/** The outage of a takeover: the host's requests reach the server again within `boundMs`, the replies within boundMs + RETURN_PATH_MS. */
function checkOutage(ctx: ScenarioContext, name: string, t: Takeover, t0: number, boundMs: number, via: string): void {
  ctx.check(name, t.path !== undefined && t.fwdGapMs !== undefined && t.fwdGapMs <= boundMs && t.reply !== undefined && t.gapMs !== undefined && t.gapMs <= boundMs + RETURN_PATH_MS,
    `the host's echo requests reached the server ${via} ${after(t0, t.path)} after the failure, longest gap ${fmtMs(t.fwdGapMs)} (bound ${fmtMs(boundMs)}); replies: longest gap ${fmtMs(t.gapMs)} (bound ${fmtMs(boundMs + RETURN_PATH_MS)}, the server's return path included)`);
}

/** The takeover's NA: from fe80::1 and the virtual MAC, R=1 S=0 O=1, target link-layer address the virtual MAC. */
function naDetail(na: WirePacket | undefined): { ok: boolean; text: string } {
  if (na?.na === undefined) return { ok: false, text: 'no unsolicited NA for fe80::1' };
  const tlla = na.na.options.find((o) => o.type === 'targetLinkLayer');
  const mac = tlla?.type === 'targetLinkLayer' ? Array.from(tlla.address, (b) => b.toString(16).padStart(2, '0')).join(':') : 'none';
  const f = na.na;
  const ok = na.src === VIP && na.srcMac === VMAC && f.router && !f.solicited && f.override && mac === VMAC;
  return { ok, text: `from ${na.src} (MAC ${na.srcMac}), R=${f.router ? 1 : 0} S=${f.solicited ? 1 : 0} O=${f.override ? 1 : 0}, target link-layer ${mac}` };
}

/** Every RA on the host's link over the run: from fe80::1, the virtual MAC, router lifetime > 0. */
function checkRasOnlyFromVip(ctx: ScenarioContext, p: Probes): void {
  const ras = p.wire.packets().filter((x) => x.kind === 'ra');
  const bad = ras.filter((x) => x.src !== VIP || x.srcMac !== VMAC || (x.ra?.routerLifetime ?? 0) === 0);
  ctx.check('all along: RAs only from the virtual router, never with router lifetime 0', ras.length > 0 && bad.length === 0,
    `${ras.length} RAs on the host's link, ${bad.length} otherwise (${bad.map((x) => `${x.src} MAC ${x.srcMac} lifetime ${x.ra?.routerLifetime}`).join(', ') || 'none'})`);
}

/** The host's default route via fe80::1 was neither added nor deleted nor replaced since `fromUs`. */
async function checkDefaultUntouched(ctx: ScenarioContext, p: Probes, fromUs: number, what: string): Promise<void> {
  const ev = defaultRouteEvents(p.host, fromUs);
  const defs = await hostDefaults(ctx.lab);
  ctx.check(`${what}: the host's default route is untouched`, ev.length === 0 && defs.length === 1 && defs[0]?.startsWith(`${VIP} dev h0`) === true,
    `${ev.length} default-route notifications (${ev.map((e) => `${e.deleted ? 'Deleted ' : ''}${e.text}`).join(' | ') || 'ip monitor: none'}); now: ${defs.join('; ') || 'none'}`);
}

/** The neighbour entry of fe80::1 holds the virtual MAC and was never FAILED or given another MAC since `fromUs`. */
async function checkNeighbour(ctx: ScenarioContext, p: Probes, fromUs: number, what: string): Promise<void> {
  const ev = p.host.all().filter((e) => e.kind === 'neigh' && e.tUs >= fromUs && e.text.startsWith(`${VIP} `));
  const bad = ev.filter((e) => e.deleted || /FAILED|INCOMPLETE/.test(e.text) || (/ lladdr /.test(e.text) && !e.text.includes(`lladdr ${VMAC}`)));
  const now = await neighbourOfVip(ctx.lab);
  ctx.check(`${what}: the host's neighbour entry for fe80::1 stays at the virtual MAC`, bad.length === 0 && now.includes(`lladdr ${VMAC}`),
    `${ev.length} notifications (${[...new Set(ev.map((e) => e.text.replace(/^\S+ dev \S+ /, '')))].join(', ') || 'none'}); now: ${now || 'no entry'}`);
}

// ---------------------------------------------------------------------------------------------
// S7: two firsthop routers

export const S7: Scenario = {
  name: 'S7',
  title: 'VRRPv3 pair: the Active dies -> the Backup takes over in ~3 advert intervals, the host keeps its default route; it comes back and preempts',
  needs: ['nft'],
  seconds: { fast: 8, full: 30 },
  async run(ctx) {
    const { lab } = ctx;
    const advertInt = ctx.pick(0.1, 1);
    const preemptDelay = ctx.pick(1, 5);
    const mdi = masterDownMs(100, advertInt);
    const margin = ctx.pick(100, 200);
    ctx.say(`Building S7: a LAN with r1 (priority 150) and r2 (priority 100), the host, and a server behind both routers.`);
    ctx.say(`  advert_int ${advertInt} s (${ctx.fast ? 'the fast setting' : "RFC 9568's default, as an operator would start"}), preempt_delay ${preemptDelay} s; r2's Master_Down_Interval = 3 x ${advertInt} s + Skew_Time = ${fmtMs(mdi)}.`);
    const p = await buildS7(ctx, advertInt);
    const { r1, r2 } = p;
    const cfg = (priority: number): string => s7Config({ priority, advertInt, preemptDelay });
    const fh1 = await ctx.firsthop('r1', cfg(150));
    await ctx.firsthop('r2', cfg(100));
    const { ping, from } = await steady(ctx, p, r1.ll, r1, ctx.pick(1000, 3000));

    // 1. The Active dies.
    const dies = await ctx.inject('r1, the Active, dies (power loss: SIGKILL, both links down at once; no priority 0, no goodbye)', () => powerOff(lab, r1, fh1.child));
    const t = await takeover(ctx, p, ping, dies, r1, r2, { waitMs: mdi + 3000, raWaitMs: 1000 });
    ctx.chain('the Active dies', dies, [
      ['last VRRP advert from r1', t.oldLast?.tUs, 'capture on the host link'],
      ['first VRRP advert from r2 (Active)', t.newFirst?.tUs, 'capture on the host link'],
      ['unsolicited NA for fe80::1 (Router flag) from r2', t.na?.tUs, 'capture on the host link'],
      ['first RA from fe80::1 after the takeover', t.ra?.tUs, 'capture on the host link'],
      ['first echo request through r2', t.path, "capture on the server's link to r2"],
      ['first reply after it', t.reply, 'ping -D'],
    ]);
    const take = ms(t.oldLast?.tUs, t.newFirst?.tUs);
    ctx.check('dies: r2 takes over after Master_Down_Interval, not before, not much later', take !== undefined && take >= mdi - 30 && take <= mdi + margin,
      take !== undefined ? `r1's last advert -> r2's first: ${fmtMs(take)} (Master_Down_Interval ${fmtMs(mdi)}, allowed ${fmtMs(mdi - 30)} .. ${fmtMs(mdi + margin)}); the kill came ${fmtMs(ms(t.oldLast?.tUs, dies))} after r1's last advert` : 'no takeover seen');
    const na = naDetail(t.na);
    ctx.check('dies: r2 announces fe80::1 with an unsolicited NA, Router flag set', na.ok && t.na !== undefined && t.newFirst !== undefined && t.na.tUs - t.newFirst.tUs < 50_000,
      `${na.text}${t.na !== undefined && t.newFirst !== undefined ? `, ${fmtMs(ms(t.newFirst.tUs, t.na.tUs))} after its first advert` : ''}`);
    ctx.check('dies: r2 sends an RA from fe80::1 at once', t.ra !== undefined && t.newFirst !== undefined && t.ra.tUs - t.newFirst.tUs < 50_000 && t.ra.srcMac === VMAC,
      t.ra !== undefined ? `RA from ${t.ra.src} (MAC ${t.ra.srcMac}) ${fmtMs(ms(t.newFirst?.tUs, t.ra.tUs))} after r2's first advert` : 'no RA from fe80::1 within 1 s');
    ctx.check('dies: r2 forwards nothing while it is Backup (RFC 9568 6.4.2: its virtual MAC is not up)', t.path !== undefined && t.newFirst !== undefined && t.path >= t.newFirst.tUs - 1000,
      `first echo request through r2 ${fmtMs(ms(t.newFirst?.tUs, t.path))} after its first advert`);
    checkOutage(ctx, 'dies: the outage is bounded by Master_Down_Interval', t, dies, mdi + margin, 'through r2');
    await ctx.sleep(ctx.pick(1000, 3000));
    await checkDefaultUntouched(ctx, p, dies, 'dies');
    await checkNeighbour(ctx, p, dies, 'dies');

    // 2. r1 boots again and preempts after its preempt_delay.
    const boots = await ctx.inject(`r1 boots again (links up, firsthop starts with preempt_delay ${preemptDelay} s)`, async () => {
      await powerOn(lab, r1);
      await ctx.firsthop('r1', cfg(150), { label: 'r1 (rebooted)', name: 'firsthop-r1-boot2' });
    });
    const back = await takeover(ctx, p, ping, boots, r2, r1, { waitMs: preemptDelay * 1000 + mdi + 5000, raWaitMs: 1000 });
    const r2After = back.newFirst !== undefined ? p.wire.packets().filter((x) => isVrrp(r2.ll)(x) && x.tUs > back.newFirst!.tUs + 20_000) : [];
    ctx.chain('r1 back: it preempts', boots, [
      ['first VRRP advert from r1 (priority 150)', back.newFirst?.tUs, 'capture on the host link'],
      ['last VRRP advert from r2', p.wire.packets().filter(isVrrp(r2.ll)).at(-1)?.tUs, 'capture on the host link'],
      ['unsolicited NA for fe80::1 from r1', back.na?.tUs, 'capture on the host link'],
      ['first RA from fe80::1 from r1', back.ra?.tUs, 'capture on the host link'],
      ['first echo request through r1', back.path, "capture on the server's link to r1"],
      ['first reply after it', back.reply, 'ping -D'],
    ]);
    const pre = ms(boots, back.newFirst?.tUs);
    const hold = preemptWindow(preemptDelay, advertInt);
    ctx.check(`back: r1 waits preempt_delay (${preemptDelay} s) and Master_Down_Interval, then preempts`, pre !== undefined && pre >= hold.min && pre <= hold.max,
      pre !== undefined ? `r1's first advert ${fmtMs(pre)} after it booted (allowed ${fmtMs(hold.min)} .. ${fmtMs(hold.max)}, the daemon's start included)` : 'r1 never advertised');
    ctx.check('back: one Active: r2 falls silent at once', back.newFirst !== undefined && r2After.length === 0,
      `${r2After.length} adverts from r2 more than 20 ms after r1's first`);
    ctx.check('back: r1 sends its NA and RA from fe80::1', naDetail(back.na).ok && back.ra !== undefined && back.ra.srcMac === VMAC, `${naDetail(back.na).text}; RA ${back.ra !== undefined ? `${fmtMs(ms(back.newFirst?.tUs, back.ra.tUs))} after r1's first advert` : 'not seen'}`);
    // Judged like a takeover: the first hop on the host's requests reaching the server, the
    // replies with RETURN_PATH_MS more (a full run saw a 1.02 s reply gap with requests flowing).
    checkOutage(ctx, 'back: the preemption costs the host (almost) nothing', back, boots, ctx.pick(150, 250), 'through r1');
    await ctx.sleep(ctx.pick(500, 1500));
    await checkDefaultUntouched(ctx, p, from, 'all along (death, takeover, preemption)');
    checkRasOnlyFromVip(ctx, p);
    await ping.stop();
  },
};

// ---------------------------------------------------------------------------------------------
// S7-keepalived: firsthop and keepalived as peers

export const S7_KEEPALIVED: Scenario = {
  name: 'S7-keepalived',
  title: 'VRRPv3 with keepalived as the peer: each direction of failover; keepalived sends no RAs, the host keeps its route',
  needs: ['keepalived', 'nft'],
  seconds: { fast: 12, full: 45 },
  async run(ctx) {
    const { lab } = ctx;
    const advertInt = ctx.pick(0.1, 1);
    const preemptDelay = ctx.pick(1, 5);
    const margin = ctx.pick(100, 200);
    ctx.say('Building S7 with keepalived: r1 runs firsthop (priority 150), r2 runs keepalived (priority 100, VRRPv3, use_vmac, fe80::1).');
    ctx.say(`  advert_int ${advertInt} s on both (${ctx.fast ? 'the fast setting' : "RFC 9568's and keepalived's default"}), firsthop's preempt_delay ${preemptDelay} s.`);
    const p = await buildS7(ctx, advertInt);
    const { r1, r2 } = p;
    const cfg = s7Config({ priority: 150, advertInt, preemptDelay });
    const fh1 = await ctx.firsthop('r1', cfg);
    await waitFor(async () => ((await hostDefaults(lab)).length === 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50, what: 'firsthop Active, the host routing via fe80::1' });
    let ka = startKeepalived(ctx, 'r2', 100, advertInt, 'r2 keepalived');
    await ka.waitLog(/\(VI_1\) Entering BACKUP STATE/, 10_000);
    const { ping, from } = await steady(ctx, p, r1.ll, r1, ctx.pick(1000, 3000));
    const vmacs = JSON.parse((await lab.ip('r2', ['-j', 'link', 'show', 'type', 'macvlan'])).stdout || '[]') as Array<{ ifname: string; address?: string; flags?: string[]; operstate?: string }>;
    const kaVmac = vmacs.map((l) => `${l.ifname.replace(/@.*$/, '')} MAC ${l.address ?? '?'} ${l.flags?.includes('UP') === true ? 'UP' : 'down'} (${l.operstate ?? '?'})`).join(', ') || 'none';
    ctx.say(`  keepalived, Backup on r2: its macvlan ${kaVmac}`);
    ctx.event('failure', ctx.now(), `r2 keepalived (Backup): macvlan ${kaVmac}`, 'ip link in r2');

    // 1. firsthop (Active) dies: keepalived takes over and sends no RA.
    const mdiKa = masterDownMs(100, advertInt);
    const dies = await ctx.inject('r1 (firsthop, Active) dies: SIGKILL, both links down', () => powerOff(lab, r1, fh1.child));
    const t = await takeover(ctx, p, ping, dies, r1, r2, { waitMs: mdiKa + 3000, raWaitMs: ctx.pick(1500, 4000) });
    ctx.chain('firsthop dies, keepalived takes over', dies, [
      ['last VRRP advert from r1 (firsthop)', t.oldLast?.tUs, 'capture on the host link'],
      ['first VRRP advert from r2 (keepalived)', t.newFirst?.tUs, 'capture on the host link'],
      ['unsolicited NA for fe80::1 from r2', t.na?.tUs, 'capture on the host link'],
      ['an RA from fe80::1 (keepalived sends none)', t.ra?.tUs, 'capture on the host link'],
      ['first echo request through r2', t.path, "capture on the server's link to r2"],
      ['first reply after it', t.reply, 'ping -D'],
    ]);
    const take = ms(t.oldLast?.tUs, t.newFirst?.tUs);
    ctx.check('firsthop dies: keepalived takes over after Master_Down_Interval', take !== undefined && take >= mdiKa - 30 && take <= mdiKa + margin,
      take !== undefined ? `firsthop's last advert -> keepalived's first: ${fmtMs(take)} (Master_Down_Interval ${fmtMs(mdiKa)}, allowed ${fmtMs(mdiKa - 30)} .. ${fmtMs(mdiKa + margin)})` : 'no advert from keepalived');
    ctx.check('firsthop dies: keepalived advertises from the virtual MAC', t.newFirst?.srcMac === VMAC, `keepalived's adverts from MAC ${t.newFirst?.srcMac ?? '-'}`);
    if (t.path !== undefined && t.newFirst !== undefined && t.path < t.newFirst.tUs) {
      ctx.say(`    the host's traffic went through r2 ${fmtMs(ms(t.path, t.newFirst.tUs))} before keepalived's first advert: keepalived keeps its macvlan with the virtual MAC up while Backup, the switch floods frames for the virtual MAC once r1's port is gone, and r2's kernel forwards them (RFC 9568 6.4.2: a Backup MUST NOT forward packets whose destination MAC is the virtual router MAC; see also docs/benchmarks.md)`);
    }
    const naKa = naDetail(t.na);
    ctx.say(`    keepalived's NA: ${naKa.text}`);
    const defs = await hostDefaults(lab);
    ctx.say(`    no RA from keepalived (${t.ra === undefined ? 'none' : 'one'} within ${ctx.pick(1.5, 4)} s); the host's default route: ${defs.join('; ')}`);
    ctx.check('firsthop dies: the host keeps its default route on its remaining lifetime', defs.length === 1 && defs[0]?.startsWith(`${VIP} dev h0`) === true,
      `${t.ra === undefined ? 'no RA from keepalived' : 'an RA came'}; default ${defs.join('; ') || 'none'}`);
    checkOutage(ctx, 'firsthop dies: the traffic flows through keepalived via the virtual MAC, outage bounded', t, dies, mdiKa + margin, 'through r2');
    await checkDefaultUntouched(ctx, p, dies, 'firsthop dies');
    await checkNeighbour(ctx, p, dies, 'firsthop dies');
    await ctx.sleep(ctx.pick(500, 2000));

    // 2. r1 boots: firsthop preempts keepalived after its preempt_delay and sends RAs again.
    const boots = await ctx.inject(`r1 boots again: firsthop starts (preempt_delay ${preemptDelay} s)`, async () => {
      await powerOn(lab, r1);
      await ctx.firsthop('r1', cfg, { label: 'r1 (rebooted)', name: 'firsthop-r1-boot2' });
    });
    const back = await takeover(ctx, p, ping, boots, r2, r1, { waitMs: preemptDelay * 1000 + mdiKa + 5000, raWaitMs: 1000 });
    const kaAfter = back.newFirst !== undefined ? p.wire.packets().filter((x) => isVrrp(r2.ll)(x) && x.tUs > back.newFirst!.tUs + 20_000) : [];
    ctx.chain('r1 back: firsthop preempts keepalived', boots, [
      ['first VRRP advert from r1 (firsthop, 150)', back.newFirst?.tUs, 'capture on the host link'],
      ['last VRRP advert from r2 (keepalived)', p.wire.packets().filter(isVrrp(r2.ll)).at(-1)?.tUs, 'capture on the host link'],
      ['unsolicited NA for fe80::1 from r1', back.na?.tUs, 'capture on the host link'],
      ['first RA from fe80::1 again', back.ra?.tUs, 'capture on the host link'],
      ['first echo request through r1', back.path, "capture on the server's link to r1"],
    ]);
    const pre = ms(boots, back.newFirst?.tUs);
    const hold = preemptWindow(preemptDelay, advertInt);
    ctx.check(`back: firsthop waits preempt_delay (${preemptDelay} s) and Master_Down_Interval, then preempts; keepalived yields`, pre !== undefined && pre >= hold.min && pre <= hold.max && kaAfter.length === 0,
      `firsthop's first advert ${fmtMs(pre)} after the boot (allowed ${fmtMs(hold.min)} .. ${fmtMs(hold.max)}); ${kaAfter.length} adverts from keepalived after it`);
    ctx.check('back: firsthop announces fe80::1 (NA with R, RA)', naDetail(back.na).ok && back.ra !== undefined, `${naDetail(back.na).text}; RA ${back.ra !== undefined ? `${fmtMs(ms(back.newFirst?.tUs, back.ra.tUs))} after its first advert` : 'not seen'}`);
    await ctx.sleep(ctx.pick(500, 2000));

    // 3. keepalived is made the preferred router (priority 200): it preempts firsthop.
    const reconf = await ctx.inject('r2: keepalived restarted with priority 200 (made the preferred router)', async () => {
      await ka.stop();
      ka = startKeepalived(ctx, 'r2', 200, advertInt, 'r2 keepalived (200)');
    });
    const pk = await takeover(ctx, p, ping, reconf, r1, r2, { waitMs: mdiKa + 5000, raWaitMs: 0 });
    const fhAfter = pk.newFirst !== undefined ? p.wire.packets().filter((x) => isVrrp(r1.ll)(x) && x.tUs > pk.newFirst!.tUs + 20_000) : [];
    ctx.chain('keepalived (200) preempts firsthop', reconf, [
      ['first VRRP advert from r2 (keepalived, 200)', pk.newFirst?.tUs, 'capture on the host link'],
      ['last VRRP advert from r1 (firsthop)', p.wire.packets().filter(isVrrp(r1.ll)).at(-1)?.tUs, 'capture on the host link'],
      ['first echo request through r2', pk.path, "capture on the server's link to r2"],
    ]);
    ctx.check('keepalived preempts: firsthop yields at once', pk.newFirst !== undefined && pk.newFirst.vrrpPriority === 200 && fhAfter.length === 0 && pk.path !== undefined,
      `keepalived's first advert ${after(reconf, pk.newFirst?.tUs)} after its start (priority ${pk.newFirst?.vrrpPriority ?? '-'}); ${fhAfter.length} adverts from firsthop after it; traffic through r2 ${after(reconf, pk.path)}, longest gap ${fmtMs(pk.gapMs)}`);
    await ctx.sleep(ctx.pick(700, 2500));

    // 4. keepalived (Active) dies: firsthop takes over and sends RAs from the virtual router.
    const mdiFh = masterDownMs(150, advertInt);
    const kdies = await ctx.inject('r2 (keepalived, Active) dies: SIGKILL, both links down', () => powerOff(lab, r2, ka.child));
    const f = await takeover(ctx, p, ping, kdies, r2, r1, { waitMs: mdiFh + 3000, raWaitMs: 1000 });
    ctx.chain('keepalived dies, firsthop takes over', kdies, [
      ['last VRRP advert from r2 (keepalived)', f.oldLast?.tUs, 'capture on the host link'],
      ['first VRRP advert from r1 (firsthop)', f.newFirst?.tUs, 'capture on the host link'],
      ['unsolicited NA for fe80::1 (Router flag) from r1', f.na?.tUs, 'capture on the host link'],
      ['first RA from fe80::1 (firsthop)', f.ra?.tUs, 'capture on the host link'],
      ['first echo request through r1', f.path, "capture on the server's link to r1"],
      ['first reply after it', f.reply, 'ping -D'],
    ]);
    const take2 = ms(f.oldLast?.tUs, f.newFirst?.tUs);
    ctx.check('keepalived dies: firsthop takes over after Master_Down_Interval', take2 !== undefined && take2 >= mdiFh - 30 && take2 <= mdiFh + margin,
      take2 !== undefined ? `keepalived's last advert -> firsthop's first: ${fmtMs(take2)} (Master_Down_Interval for priority 150: ${fmtMs(mdiFh)}, allowed ${fmtMs(mdiFh - 30)} .. ${fmtMs(mdiFh + margin)})` : 'no takeover seen');
    ctx.check('keepalived dies: firsthop sends the NA (Router flag) and an RA from fe80::1', naDetail(f.na).ok && f.ra !== undefined && f.newFirst !== undefined && f.ra.tUs - f.newFirst.tUs < 50_000,
      `${naDetail(f.na).text}; RA ${f.ra !== undefined ? `${fmtMs(ms(f.newFirst?.tUs, f.ra.tUs))} after firsthop's first advert, MAC ${f.ra.srcMac}` : 'not seen'}`);
    ctx.check('keepalived dies: firsthop forwarded nothing while it was Backup', f.path !== undefined && f.newFirst !== undefined && f.path >= f.newFirst.tUs - 1000,
      `first echo request through r1 ${fmtMs(ms(f.newFirst?.tUs, f.path))} after its first advert`);
    checkOutage(ctx, 'keepalived dies: the outage is bounded by Master_Down_Interval', f, kdies, mdiFh + margin, 'through r1');
    await ctx.sleep(ctx.pick(700, 2000));
    await checkDefaultUntouched(ctx, p, from, 'all along (both failovers, both preemptions)');
    await checkNeighbour(ctx, p, from, 'all along');
    checkRasOnlyFromVip(ctx, p);
    await ping.stop();
  },
};
