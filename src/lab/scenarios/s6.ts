/**
 * S6: a flapping uplink (scenarios.md S6, RFC 8475 3.2.7).
 *
 *   host (h0) ---- (lan0) r (wan-a) ---- ispa (up0)    primary uplink: prefix A 2001:db8:1:1::/64
 *                         r (wan-b) ---- ispb (up0)    backup uplink:  prefix B 2001:db8:2:1::/64
 *                         r (lo) 2001:db8:ffff::1      what the host's new connections go to
 *
 * r runs examples/s6-flapping-uplink.conf: A preferred while `link wan-a up` holds (damped),
 * B preferred otherwise. The uplink is made to flap by its far end (ispa's up0 down and up:
 * r's wan-a loses and regains carrier, its own configuration untouched): first one flap (the
 * hold-down alone), then down and up every second for a minute (fast: 15 s). What the host
 * sees is sampled the whole time: A's and B's preferred lifetimes from `ip -6 addr` every
 * 100 ms, its kernel's address notifications, and the source address its new connections pick
 * (a `ping -c 1` every 250 ms, captured on r's lan0). The recovery is compared with what the
 * configured damping predicts from the link changes r's kernel reported.
 */
import { addresses, prepareHost, prepareRouter, waitFor, waitLinkLocal } from '../inspect';
import { capture } from '../pcap';
import { poll, raValue, type KernelEvent } from './probes';
import type { Scenario, ScenarioContext } from './scenario';
import { fmtMs } from './timeline';

const A = '2001:db8:1:1::/64';
const B = '2001:db8:2:1::/64';
const A_START = '2001:db8:1:1:';
const B_START = '2001:db8:2:1:';
const SERVER = '2001:db8:ffff::1';

export interface S6Damping {
  readonly holdDown: number;
  readonly penalty: number;
  readonly suppress: number;
  readonly reuse: number;
  readonly halfLife: number;
  readonly maxSuppress: number;
}

/** examples/s6-flapping-uplink.conf with the damping values given (and, fast, a short MinDelayBetweenRAs). */
export function s6Config(d: S6Damping, minDelay?: number): string {
  return `# examples/s6-flapping-uplink.conf (RFC 8475 3.2.7), damping values of this run
condition uplink-a {
    link wan-a up;
    damping {
        HoldDown ${d.holdDown};
        Penalty ${d.penalty};
        Suppress ${d.suppress};
        Reuse ${d.reuse};
        HalfLife ${d.halfLife};
        MaxSuppress ${d.maxSuppress};
    };
};

condition maintenance { manual down; };   # firsthop condition set maintenance up

interface lan0 {
    AdvSendAdvert on;${minDelay !== undefined ? `\n    MinDelayBetweenRAs ${minDelay};` : ''}
    prefix ${A} {
        AdvValidLifetime 2592000;
        AdvPreferredLifetime 604800;
        if uplink-a { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
    };
    prefix ${B} {
        AdvValidLifetime 2592000;
        AdvPreferredLifetime 604800;
        if uplink-a { AdvPreferredLifetime 0; } else { AdvPreferredLifetime 604800; };
    };
    if maintenance { AdvDefaultLifetime 0; } else { AdvDefaultLifetime 1800; };
};
`;
}

/**
 * When the configured damping (RFC 2439's scheme as docs/config-reference.md describes it)
 * announces the uplink again after these link changes: the penalty from every carrier loss,
 * suppression above `suppress` until it decays below `reuse` (or maxSuppress), and the
 * hold-down after the last carrier gain. Times in µs.
 */
export function predictRecovery(changes: ReadonlyArray<{ readonly tUs: number; readonly up: boolean }>, d: S6Damping): { penalty: number; lastDownUs: number; suppressedSinceUs?: number; releaseUs?: number; holdDownEndsUs: number; recoveryUs: number } | undefined {
  const hl = d.halfLife * 1e6;
  let p = 0;
  let at = 0;
  let since: number | undefined;
  let lastDown = 0;
  let lastUp: number | undefined;
  const release = (): number | undefined => (since === undefined ? undefined : Math.min(p > d.reuse ? at + hl * Math.log2(p / d.reuse) : at, since + d.maxSuppress * 1e6));
  for (const c of changes) {
    const r = release();
    if (r !== undefined && c.tUs >= r) since = undefined;
    if (c.up) {
      lastUp = c.tUs;
      continue;
    }
    p = p * Math.pow(2, -(c.tUs - at) / hl) + d.penalty;
    at = c.tUs;
    lastDown = c.tUs;
    lastUp = undefined;
    if (since === undefined && p > d.suppress) since = c.tUs;
  }
  if (lastUp === undefined) return undefined;
  const holdDownEndsUs = lastUp + d.holdDown * 1e6;
  const releaseUs = release();
  return { penalty: p, lastDownUs: lastDown, ...(since !== undefined ? { suppressedSinceUs: since } : {}), ...(releaseUs !== undefined ? { releaseUs } : {}), holdDownEndsUs, recoveryUs: Math.max(holdDownEndsUs, releaseUs ?? 0) };
}

interface HostSample {
  readonly tUs: number;
  readonly a: number | undefined;
  readonly b: number | undefined;
}

/** Sample the host's A and B preferred lifetimes every intervalMs until stopped. */
function sampleHost(ctx: ScenarioContext, intervalMs: number): { samples: HostSample[]; stop: () => Promise<void> } {
  const samples: HostSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = ctx.now();
      try {
        const addrs = (await addresses(ctx.lab, 'host', 'h0')).filter((x) => x.scope === 'global' && !x.flags.temporary);
        const t = Math.round((t0 + ctx.now()) / 2);
        const a = addrs.find((x) => x.address.startsWith(A_START))?.preferredLft;
        const b = addrs.find((x) => x.address.startsWith(B_START))?.preferredLft;
        samples.push({ tUs: t, a, b });
        ctx.tl.sample(`host: A ${A} preferred_lft`, 'host', 's', t, a ?? 0);
        ctx.tl.sample(`host: B ${B} preferred_lft`, 'host', 's', t, b ?? 0);
      } catch {
        // the lab is being torn down
      }
      await ctx.sleep(Math.max(0, intervalMs - (ctx.now() - t0) / 1000));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** A new connection (one echo request) from the host to SERVER every intervalMs until stopped. */
function connect(ctx: ScenarioContext, intervalMs: number): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = ctx.now();
      await ctx.lab.exec('host', ['ping', '-6', '-n', '-c', '1', '-W', '1', SERVER], { timeoutMs: 3000 }).catch(() => undefined);
      await ctx.sleep(Math.max(0, intervalMs - (ctx.now() - t0) / 1000));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const isWanA = (e: KernelEvent): boolean => e.kind === 'link' && /^\d+: wan-a[:@]/.test(e.text);
const carrierOf = (e: KernelEvent): boolean | undefined => (/NO-CARRIER/.test(e.text) || !/LOWER_UP/.test(e.text) ? false : true);

export const S6: Scenario = {
  name: 'S6',
  title: 'a flapping primary uplink: hosts never see its prefix come back until the uplink has been stable',
  seconds: { fast: 30, full: 155 },
  async run(ctx) {
    const { lab } = ctx;
    // Full: the example's values, but HalfLife 15 s instead of 30: after 60 s of flapping the
    // penalty (~20 000, ~33 000 with 30 s) decays below Reuse in ~72 s instead of ~163 s, which
    // keeps the run under 3 minutes; 15 s is within what routers use for interface damping
    // (Cisco IP event dampening: half-life 1-30 s, default 5 s).
    const damping: S6Damping = ctx.pick(
      { holdDown: 2, penalty: 1000, suppress: 2000, reuse: 750, halfLife: 3, maxSuppress: 60 },
      { holdDown: 10, penalty: 1000, suppress: 2000, reuse: 750, halfLife: 15, maxSuppress: 300 },
    );
    const flaps = ctx.pick(15, 60);
    const minDelay = ctx.pick<number | undefined>(0.03, undefined); // full: the example's (radvd's) 3 s
    const minDelaySec = minDelay ?? 3;
    ctx.say(`Building S6: host -- r, r's uplinks wan-a (ispa, primary) and wan-b (ispb). Damping: HoldDown ${damping.holdDown}, Penalty ${damping.penalty}, Suppress ${damping.suppress}, Reuse ${damping.reuse}, HalfLife ${damping.halfLife}, MaxSuppress ${damping.maxSuppress}.`);
    for (const ns of ['r', 'host', 'ispa', 'ispb']) await lab.addNamespace(ns);
    await lab.addVeth('r', 'lan0', 'host', 'h0');
    await lab.addVeth('r', 'wan-a', 'ispa', 'up0');
    await lab.addVeth('r', 'wan-b', 'ispb', 'up0');
    await prepareRouter(lab, 'r', 'lan0');
    await prepareHost(lab, 'host', 'h0');
    await lab.ip('r', ['addr', 'add', '2001:db8:1:1::1/64', 'dev', 'lan0', 'nodad']);
    await lab.ip('r', ['addr', 'add', '2001:db8:2:1::1/64', 'dev', 'lan0', 'nodad']);
    await lab.ip('r', ['addr', 'add', `${SERVER}/128`, 'dev', 'lo']);
    const rLL = await waitLinkLocal(lab, 'r', 'lan0');
    await waitLinkLocal(lab, 'host', 'h0');

    const wire = await ctx.wire('host', 'h0', { track: [A, B], names: new Map([[rLL, 'r']]) });
    const host = await ctx.kernel('host', { label: 'host' });
    const rk = await ctx.kernel('r', { lane: 'failure', label: 'r kernel', show: () => undefined });
    const conns = await capture(lab, 'r', 'lan0', `icmp6 and ip6[40] == 128 and dst host ${SERVER}`);
    const connSrc = (from: number, to = Infinity): Array<{ tUs: number; a: boolean }> =>
      conns.packets.filter((p) => p.tsMicros >= from && p.tsMicros < to && p.icmpv6 !== undefined).map((p) => ({ tUs: p.tsMicros, a: p.icmpv6!.src.startsWith(A_START) }));
    const firstConn = async (fromA: boolean, after: number, timeoutMs: number): Promise<number | undefined> =>
      poll(() => connSrc(after).find((c) => c.a === fromA)?.tUs, timeoutMs, 20);
    const wanA = (): Array<{ tUs: number; up: boolean }> => {
      const out: Array<{ tUs: number; up: boolean }> = [];
      for (const e of rk.all()) {
        if (!isWanA(e) || e.deleted) continue;
        const up = carrierOf(e) === true;
        if (out.length > 0 && out[out.length - 1]!.up === up) continue;
        out.push({ tUs: e.tUs, up });
      }
      return out;
    };
    const waitWanA = (up: boolean, after: number): Promise<number | undefined> => poll(() => wanA().find((c) => c.tUs >= after && c.up === up)?.tUs, 2000);
    const hostAddr = (addr: string, state: 'deprecated' | 'preferred', after: number, timeoutMs: number): Promise<KernelEvent | undefined> =>
      host.wait((e) => e.kind === 'address' && !e.deleted && e.text.includes(`inet6 ${addr}`) && (state === 'deprecated' ? /preferred_lft 0sec/.test(e.text) : !/preferred_lft 0sec/.test(e.text)), after, timeoutMs);
    const raA = (want: (v: number) => boolean, after: number, timeoutMs: number) => wire.waitRa(A, want, after, timeoutMs, rLL);

    const tUp = ctx.now(); // wan-a has had carrier since it was made
    await ctx.firsthop('r', s6Config(damping, minDelay));
    const sampler = sampleHost(ctx, 100);
    const connector = connect(ctx, 250);
    let hostA = '';
    try {
      // ---- Steady state.
      const found = await waitFor(async () => {
        const addrs = (await addresses(lab, 'host', 'h0')).filter((x) => x.scope === 'global' && !x.flags.temporary);
        const a = addrs.find((x) => x.address.startsWith(A_START));
        const b = addrs.find((x) => x.address.startsWith(B_START));
        return a !== undefined && b !== undefined && a.preferredLft > 0 ? { a, b } : undefined;
      }, { timeoutMs: 20_000, intervalMs: 100, what: 'the host configuring A and B' });
      if (found === undefined) throw new Error('the host configured no addresses');
      const steady = found;
      hostA = steady.a.address;
      const hostB = steady.b.address;
      ctx.say(`  the host: A ${hostA} preferred ${steady.a.preferredLft} s, B ${hostB} preferred ${steady.b.preferredLft} s`);
      ctx.check('normal: A preferred, B deprecated', steady.a.preferredLft > 600_000 && steady.b.preferredLft === 0, `A preferred_lft ${steady.a.preferredLft} s, B ${steady.b.preferredLft} s`);
      const tS = ctx.now();
      const fromA0 = await firstConn(true, tS, 3000);
      ctx.check('normal: new connections use A', fromA0 !== undefined && connSrc(tS, ctx.now()).every((c) => c.a), fromA0 !== undefined ? `${connSrc(tS, ctx.now()).length} new connection(s), all from A` : 'no connection from A within 3 s');
      await ctx.sleep(Math.max(500, minDelaySec * 1000 + 200));

      // ---- One flap: down at once, up after the hold-down.
      const down1 = await ctx.inject('wan-a loses carrier (one flap: its far end goes down)', () => lab.linkDown('ispa', 'up0'));
      const k1 = (await waitWanA(false, down1)) ?? down1;
      const ra1 = await raA((v) => v === 0, k1, 2000);
      const h1 = await hostAddr(hostA, 'deprecated', k1, 2000);
      const c1 = await firstConn(false, k1, 2000);
      ctx.chain('wan-a down (one flap)', k1, [
        ['r kernel: wan-a lost carrier', k1, 'ip monitor in r'],
        ['RA: A preferred 0, B preferred 604800', ra1?.tUs, 'capture on the host link'],
        ['host kernel: A deprecated', h1?.tUs, 'ip monitor in host'],
        ['first new connection from B', c1, 'capture on r lan0'],
      ]);
      ctx.check('down: A deprecated at once', ra1 !== undefined && ra1.tUs - k1 < 1_000_000 && h1 !== undefined && c1 !== undefined && raValue(ra1.ra!, B) === 604800,
        ra1 !== undefined ? `RA ${fmtMs((ra1.tUs - k1) / 1000)} after the carrier loss (B preferred ${raValue(ra1.ra!, B)}); host: A deprecated ${h1 !== undefined ? `${fmtMs((h1.tUs - k1) / 1000)}` : 'not seen'}, new connections from B ${c1 !== undefined ? `${fmtMs((c1 - k1) / 1000)}` : 'not seen'} after it` : 'no RA deprecating A within 2 s');
      await ctx.sleep(1000);
      const up1 = await ctx.inject('wan-a carrier back', () => lab.linkUp('ispa', 'up0'));
      const k1u = (await waitWanA(true, up1)) ?? up1;
      const ra1u = await raA((v) => v > 0, k1u, (damping.holdDown + 3) * 1000);
      const h1u = await hostAddr(hostA, 'preferred', k1u, (damping.holdDown + 3) * 1000);
      const c1u = await firstConn(true, k1u, (damping.holdDown + 3) * 1000);
      ctx.chain('wan-a back after one flap', k1u, [
        ['r kernel: wan-a carrier up', k1u, 'ip monitor in r'],
        [`hold-down ends (${damping.holdDown} s)`, k1u + damping.holdDown * 1e6, 'configured'],
        ['RA: A preferred 604800, B preferred 0', ra1u?.tUs, 'capture on the host link'],
        ['host kernel: A preferred', h1u?.tUs, 'ip monitor in host'],
        ['first new connection from A', c1u, 'capture on r lan0'],
      ]);
      const d1 = ra1u !== undefined ? (ra1u.tUs - k1u) / 1e6 : undefined;
      ctx.check(`one flap: A announced again after the hold-down (${damping.holdDown} s), not before`, d1 !== undefined && d1 >= damping.holdDown - 0.05 && d1 <= damping.holdDown + 1 && c1u !== undefined,
        d1 !== undefined ? `RA with A preferred ${fmtMs(d1 * 1000)} after the carrier came back; new connections from A ${c1u !== undefined ? `${fmtMs((c1u - k1u) / 1000)} after it` : 'not seen'}` : `A not announced within ${damping.holdDown + 3} s`);
      await ctx.sleep(Math.max(500, minDelaySec * 1000 + 500));

      // ---- A minute of flapping.
      const flapStart = await ctx.inject(`wan-a flaps: down and up every second, ${flaps} times`, async () => undefined);
      let lastUp = flapStart;
      for (let i = 0; i < flaps; i++) {
        const dAt = flapStart / 1000 + i * 1000;
        await ctx.sleep(Math.max(0, dAt - ctx.now() / 1000));
        await lab.linkDown('ispa', 'up0');
        await ctx.sleep(Math.max(0, dAt + 500 - ctx.now() / 1000));
        lastUp = ctx.now();
        await lab.linkUp('ispa', 'up0');
      }
      const kStable = (await waitWanA(true, lastUp)) ?? lastUp;
      ctx.event('failure', kStable, `wan-a stable (up) after ${flaps} flaps`, 'ip monitor in r', true);
      const changes = wanA();
      const flapChanges = changes.filter((c) => c.tUs >= flapStart && c.tUs <= kStable);
      const firstDown = flapChanges.find((c) => !c.up)?.tUs ?? flapStart;
      // Waited for from the start of the flapping, not from r's carrier notification: `ip monitor`
      // stamps that when it reads it, which under load can come after the RA's capture stamp.
      const raF = await raA((v) => v === 0, flapStart, 1000 + (firstDown - flapStart) / 1000);
      const hF = await hostAddr(hostA, 'deprecated', flapStart, 1000 + (firstDown - flapStart) / 1000);
      const cF = await firstConn(false, firstDown, 1000);
      ctx.chain('first down of the flapping', firstDown, [
        ['r kernel: wan-a lost carrier', firstDown, 'ip monitor in r'],
        ['RA: A preferred 0', raF?.tUs, 'capture on the host link'],
        ['host kernel: A deprecated', hF?.tUs, 'ip monitor in host'],
        ['first new connection from B', cF, 'capture on r lan0'],
      ]);
      ctx.check('flapping: A deprecated on the first down at once', raF !== undefined && raF.tUs - firstDown < 1_000_000 && hF !== undefined,
        raF !== undefined ? `RA ${fmtMs((raF.tUs - firstDown) / 1000)} after the first carrier loss; host: A deprecated ${hF !== undefined ? fmtMs((hF.tUs - firstDown) / 1000) : 'not seen'} after it` : 'no RA deprecating A within 1 s');

      // After the hold-down from the last carrier gain, A must still be deprecated: suppressed.
      const pred = predictRecovery(changes, damping);
      await ctx.sleep(Math.max(0, (kStable + (damping.holdDown + 0.5) * 1e6 - ctx.now()) / 1000));
      const afterHold = sampler.samples.filter((s) => s.tUs >= kStable + damping.holdDown * 1e6 + 200_000);
      const lastHold = afterHold[afterHold.length - 1] ?? sampler.samples[sampler.samples.length - 1];
      ctx.check('flapping: after the hold-down the uplink stays deprecated (suppressed by the penalty)', lastHold !== undefined && lastHold.a === 0 && pred !== undefined && pred.recoveryUs > pred.holdDownEndsUs + 1e6,
        `host A preferred_lft ${lastHold?.a ?? '-'} s ${fmtMs(((lastHold?.tUs ?? 0) - kStable) / 1000)} after the uplink became stable; penalty at the last flap ${pred !== undefined ? pred.penalty.toFixed(0) : '-'} (Suppress ${damping.suppress}), predicted release ${pred?.releaseUs !== undefined ? `${fmtMs((pred.releaseUs - kStable) / 1000)} after it` : '- (not suppressed)'}`);

      const waitMs = pred !== undefined ? Math.max(3000, (pred.recoveryUs - ctx.now()) / 1000 + 10_000) : damping.maxSuppress * 1000;
      ctx.say(`  waiting for the recovery (predicted ${pred !== undefined ? `${fmtMs((pred.recoveryUs - kStable) / 1000)} after the uplink became stable` : '-'}; giving up ${fmtMs(waitMs)} from now)`);
      const raR = await raA((v) => v > 0, kStable, waitMs);
      const hR = await hostAddr(hostA, 'preferred', kStable, waitMs + 2000);
      const cR = await firstConn(true, raR?.tUs ?? kStable, 3000);
      const end = raR?.tUs ?? ctx.now();
      ctx.chain('wan-a stable after the flapping', kStable, [
        ['r kernel: wan-a carrier up, for good', kStable, 'ip monitor in r'],
        [`hold-down ends (${damping.holdDown} s): still suppressed`, pred?.holdDownEndsUs, 'configured'],
        [`penalty decays below Reuse ${damping.reuse} (predicted from the carrier losses)`, pred?.releaseUs, 'ip monitor in r + the damping parameters'],
        ['RA: A preferred 604800, B preferred 0', raR?.tUs, 'capture on the host link'],
        ['host kernel: A preferred', hR?.tUs, 'ip monitor in host'],
        ['first new connection from A', cR, 'capture on r lan0'],
      ]);
      const marginUs = ctx.pick(500_000, 1_000_000);
      ctx.check(`flapping: A announced again only once the penalty decayed (predicted, +- ${fmtMs(marginUs / 1000)})`,
        raR !== undefined && pred !== undefined && Math.abs(raR.tUs - pred.recoveryUs) <= marginUs && raR.tUs - kStable > (damping.holdDown + 1) * 1e6 && hR !== undefined && cR !== undefined,
        raR !== undefined && pred !== undefined
          ? `RA with A preferred ${fmtMs((raR.tUs - kStable) / 1000)} after the uplink became stable (hold-down ${damping.holdDown} s); predicted ${fmtMs((pred.recoveryUs - kStable) / 1000)} (penalty ${pred.penalty.toFixed(0)} halving every ${damping.halfLife} s to ${damping.reuse}): ${fmtMs((raR.tUs - pred.recoveryUs) / 1000)} off; host A preferred ${hR !== undefined ? 'seen' : 'not seen'}, new connections from A ${cR !== undefined ? `${fmtMs((cR - raR.tUs) / 1000)} after the RA` : 'not seen'}`
          : `A not announced again within ${fmtMs(waitMs)}`);

      // What the host saw during the whole flap, from the first deprecation to the recovery.
      const from = (raF?.tUs ?? firstDown) + 1000;
      const to = end - 1000;
      const inWindow = sampler.samples.filter((s) => s.tUs > from + 50_000 && s.tUs < to);
      const seenPreferred = inWindow.filter((s) => (s.a ?? 0) > 0);
      const monPreferred = host.all().filter((e) => e.kind === 'address' && !e.deleted && e.text.includes(`inet6 ${hostA}`) && !/preferred_lft 0sec/.test(e.text) && e.tUs > from && e.tUs < to);
      const connA = connSrc(from + 50_000, to).filter((c) => c.a);
      ctx.check('flapping: the host never sees A preferred while the uplink is unstable', inWindow.length > 0 && seenPreferred.length === 0 && monPreferred.length === 0 && connA.length === 0,
        `${inWindow.length} samples of the host's addresses over ${fmtMs((to - from) / 1000)}: ${seenPreferred.length} with A preferred; ${monPreferred.length} kernel notification(s) of A preferred; ${connA.length} of ${connSrc(from + 50_000, to).length} new connections from A`);
      // RAs that changed A's lifetimes during the flap vs link changes.
      const ras = wire.packets().filter((p) => p.kind === 'ra' && p.src === rLL && p.ra !== undefined);
      let prev: string | undefined;
      let changed = 0;
      let sent = 0;
      for (const p of ras) {
        const v = `${raValue(p.ra!, A)}/${raValue(p.ra!, `valid ${A}`)}`;
        if (p.tUs >= flapStart && p.tUs < end - 1000) {
          sent++;
          if (prev !== undefined && v !== prev) changed++;
        }
        prev = v;
      }
      ctx.check('flapping: one RA changed A\'s lifetimes, against every link change', changed === 1 && flapChanges.length >= 2 * flaps - 2,
        `${flapChanges.length} carrier changes of wan-a (${flapChanges.filter((c) => !c.up).length} losses) from the start of the flapping to the recovery; ${sent} RA(s) from r, ${changed} of them changing A's preferred/valid lifetimes (the deprecation at the first down)`);
      await ctx.sleep(500);
    } finally {
      await connector.stop();
      await sampler.stop();
      await conns.stop().catch(() => undefined);
      // The uplink's carrier (r's kernel) and the host's new connections as series.
      ctx.tl.sample('wan-a carrier (r kernel)', 'failure', '1 = up', tUp, 1);
      for (const c of wanA()) ctx.tl.sample('wan-a carrier (r kernel)', 'failure', '1 = up', c.tUs, c.up ? 1 : 0);
      for (const c of connSrc(0)) ctx.tl.sample('new connection from A (1) or B (0)', 'data', 'A?', c.tUs, c.a ? 1 : 0);
    }
  },
};
