/**
 * Conditional RAs (RFC 8475) end to end: firsthop on a router namespace with uplinks to ISP
 * namespaces, the Linux kernel as the host. Each scenario of scenarios.md is driven by a real
 * event (carrier lost on an uplink veth, a route added or deleted in the router's table, a
 * manual condition flipped from the CLI) and judged by the host kernel's addresses and routes.
 * The configs are the shipped examples with test-sized timers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { addresses, defaultRoutes, Lab, prepareHost, prepareRouter, rdisc6, routes, waitFor, waitLinkLocal } from '../../src/lab/netns';
import { FIRSTHOP_MAIN, startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { describePrivileged } from '../helpers/privileged';

const run = promisify(execFile);
const EXAMPLES = resolve(__dirname, '..', '..', '..', 'examples');
const example = (name: string): string => readFileSync(resolve(EXAMPLES, name), 'utf8');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Test-sized timers: triggered RAs 30 ms apart, a 2 s hold-down. */
function fast(conf: string, damping = 'damping { HoldDown 2; };'): string {
  return conf.replace(/AdvSendAdvert on;/g, 'AdvSendAdvert on;\n    MinDelayBetweenRAs 0.03;').replace(/damping on;/g, damping);
}

/**
 * A router namespace whose lan0 faces a host's h0 (prepared to take RAs), plus uplinks:
 * veths from the router to other namespaces, up.
 */
async function lan(lab: Lab, router: string, host: string, uplinks: ReadonlyArray<readonly [string, string, string]>): Promise<void> {
  const made = new Set<string>();
  for (const ns of [router, host, ...uplinks.map((u) => u[1])]) {
    if (made.has(ns)) continue;
    made.add(ns);
    await lab.addNamespace(ns);
  }
  await lab.addVeth(router, 'lan0', host, 'h0', { up: false });
  for (const [ifname, peer, peerIf] of uplinks) await lab.addVeth(router, ifname, peer, peerIf);
  await prepareHost(lab, host, 'h0');
  await prepareRouter(lab, router, 'lan0');
  await lab.linkUp(router, 'lan0');
  await lab.linkUp(host, 'h0');
  await waitLinkLocal(lab, router, 'lan0');
}

/** router: lan0 to the host's h0, wan-a to ispa, wan-b to ispb. */
const uplinkLab = (lab: Lab): Promise<void> => lan(lab, 'router', 'host', [['wan-a', 'ispa', 'up0'], ['wan-b', 'ispb', 'up0']]);

async function preferred(lab: Lab, start: string): Promise<{ preferred: number; valid: number } | undefined> {
  const a = (await addresses(lab, 'host', 'h0')).find((x) => x.address.startsWith(start));
  return a === undefined ? undefined : { preferred: a.preferredLft, valid: a.validLft };
}

async function waitPreferred(lab: Lab, start: string, want: (p: number) => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(async () => {
    const p = await preferred(lab, start);
    return p !== undefined && want(p.preferred) ? p : undefined;
  }, { timeoutMs, intervalMs: 20, what });
  return Date.now() - t0;
}

describePrivileged('conditional RAs: one router, two ISPs (S2, RFC 8475 3.2.1)', { timeout: 120_000 }, () => {
  let lab: Lab | undefined;
  let fh: FirsthopHandle;
  before(async () => {
    lab = Lab.create();
    await uplinkLab(lab);
    fh = await startFirsthop(lab, 'router', fast(example('rfc8475-3.2.1-primary-backup.conf')));
  });
  after(async () => {
    await lab?.destroy();
  });

  it('A up: A preferred, B deprecated; both valid', async () => {
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p > 600_000, 10_000, 'A preferred');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p === 0, 10_000, 'B deprecated');
    const b = await preferred(lab!, '2001:db8:2:1:');
    assert.ok(b !== undefined && b.valid > 2_500_000, 'B is valid');
  });

  it('A down (carrier lost): A deprecated and B preferred at once; valid lifetimes untouched; A\'s RDNSS withdrawn', async () => {
    const t0 = Date.now();
    await lab!.linkDown('ispa', 'up0');
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p === 0, 1000, 'A deprecated');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p > 600_000, 1000, 'B preferred');
    const ms = Date.now() - t0;
    const a = await preferred(lab!, '2001:db8:1:1:');
    assert.ok(a !== undefined && a.valid > 2_500_000, `A keeps its valid lifetime (${a?.valid})`);
    const ra = await rdisc6(lab!, 'host', 'h0');
    const rdnss = Object.fromEntries(ra.rdnss.map((r) => [r.servers.join(','), r.lifetime]));
    assert.deepEqual(rdnss, { '2001:db8:1::53': 0, '2001:db8:2::53': 1800 });
    assert.equal(ra.rdnss.length, 2, 'each RDNSS once (a zeroed one is not also lingering)');
    assert.deepEqual(ra.prefixes.map((p) => [p.prefix, p.preferredLifetime]), [['2001:db8:1:1::', 0], ['2001:db8:2:1::', 604800], ['fd00:1:2:3::', 14400]]);
    assert.ok(ms < 1000, `host saw it after ${ms} ms`);
  });

  it('firsthop status explains the zeroed lifetimes: which condition, since when', async () => {
    const { stdout } = await run(process.execPath, [FIRSTHOP_MAIN, 'status', '-s', fh.controlPath]);
    assert.match(stdout, /uplink-a: down .*\[link wan-a up\]/);
    assert.match(stdout, /prefix 2001:db8:1:1::\/64 preferredLifetime = 0 \(configured 604800\): condition uplink-a is down.*since/);
    assert.match(stdout, /rdnss 2001:db8:1::53 lifetime = 0 \(configured 1800\): condition uplink-a is down/);
    const { stdout: json } = await run(process.execPath, [FIRSTHOP_MAIN, 'status', '--json', '-s', fh.controlPath]);
    const s = JSON.parse(json) as { conditions: Array<{ name: string; effective: boolean; flaps: number }> };
    assert.deepEqual(s.conditions.map((c) => [c.name, c.effective, c.flaps]), [['uplink-a', false, 1]]);
  });

  it('A back: held down for 2 s, then A preferred and B deprecated again', async () => {
    const t0 = Date.now();
    await lab!.linkUp('ispa', 'up0');
    await sleep(1200);
    assert.equal((await preferred(lab!, '2001:db8:1:1:'))?.preferred, 0, 'still held down after 1.2 s');
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p > 600_000, 4000, 'A preferred after the hold-down');
    const ms = Date.now() - t0;
    assert.ok(ms >= 2000 && ms < 3500, `recovery after ${ms} ms`);
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p === 0, 1000, 'B deprecated');
  });
});

describePrivileged('conditional RAs: load balancing, route presence, border routers (S3, S4, S5)', { timeout: 120_000 }, () => {
  let lab: Lab | undefined;
  before(async () => {
    lab = Lab.create();
    await uplinkLab(lab);
  });
  after(async () => {
    await lab?.destroy();
  });

  it('S3 (3.2.3): both preferred; each deprecated while its own uplink is down', async () => {
    const fh = await startFirsthop(lab!, 'router', fast(example('rfc8475-3.2.3-load-balancing.conf')), { name: 's3' });
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p > 600_000, 10_000, 'A preferred');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p > 600_000, 10_000, 'B preferred');
    await lab!.linkDown('ispb', 'up0');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p === 0, 1000, 'B deprecated');
    assert.ok(((await preferred(lab!, '2001:db8:1:1:'))?.preferred ?? 0) > 600_000, 'A still preferred');
    await lab!.linkDown('ispa', 'up0');
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p === 0, 1000, 'A deprecated');
    await waitFor(async () => ((await defaultRoutes(lab!, 'host')).length === 0 ? true : undefined), { timeoutMs: 1000, what: 'no default route with no uplink' });
    await lab!.linkUp('ispa', 'up0');
    await lab!.linkUp('ispb', 'up0');
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p > 600_000, 5000, 'A preferred again');
    await fh.stop();
  });

  it('S4 (3.2.2, R2): B deprecated while the BGP route to ISP A is in table 100, preferred when it goes', async () => {
    const fh = await startFirsthop(lab!, 'router', fast(example('rfc8475-3.2.2-r2-route-presence.conf')), { name: 's4' });
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p > 600_000, 10_000, 'B preferred (no route yet)');
    // A static route to the same prefix does not count: the condition asks for proto bgp.
    await lab!.ip('router', ['-6', 'route', 'add', '2001:db8:1::/48', 'dev', 'wan-a', 'proto', 'static', 'table', '100']);
    await sleep(300);
    assert.ok(((await preferred(lab!, '2001:db8:2:1:'))?.preferred ?? 0) > 600_000, 'static route ignored');
    await lab!.ip('router', ['-6', 'route', 'replace', '2001:db8:1::/48', 'dev', 'wan-a', 'proto', 'bgp', 'table', '100']);
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p === 0, 1000, 'B deprecated while the BGP route is present');
    await lab!.ip('router', ['-6', 'route', 'del', '2001:db8:1::/48', 'table', '100']);
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p > 600_000, 1000, 'B preferred once the route is gone');
    await fh.stop();
  });

  it('S5 (3.2.5): first-hop router follows the border routers\' default routes', async () => {
    const fh = await startFirsthop(lab!, 'router', fast(example('rfc8475-3.2.5-border-routers.conf')), { name: 's5' });
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p === 0, 10_000, 'A deprecated: no route from R3');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p > 600_000, 10_000, 'B preferred');
    await lab!.ip('router', ['-6', 'route', 'add', 'default', 'via', 'fe80::3', 'dev', 'wan-a', 'proto', 'ospf', 'metric', '10']);
    await lab!.ip('router', ['-6', 'route', 'add', 'default', 'via', 'fe80::4', 'dev', 'wan-b', 'proto', 'ospf', 'metric', '20']);
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p > 600_000, 1000, 'A preferred with R3\'s route');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p === 0, 1000, 'B deprecated');
    const [rio] = await waitFor(() => routes(lab!, 'host', { dst: '2001:db8:2::/48' }), { timeoutMs: 2000, what: 'RIO for ISP B' });
    assert.ok(rio);
    await lab!.ip('router', ['-6', 'route', 'del', 'default', 'via', 'fe80::3', 'dev', 'wan-a']);
    await waitPreferred(lab!, '2001:db8:1:1:', (p) => p === 0, 1000, 'A deprecated when R3\'s route goes');
    await waitPreferred(lab!, '2001:db8:2:1:', (p) => p > 600_000, 1000, 'B preferred');
    await lab!.ip('router', ['-6', 'route', 'del', 'default', 'via', 'fe80::4', 'dev', 'wan-b']);
    await waitFor(async () => ((await routes(lab!, 'host', { dst: '2001:db8:2::/48' })).length === 0 ? true : undefined), { timeoutMs: 1000, what: 'RIO withdrawn with R4\'s route' });
    await fh.stop();
  });
});

describePrivileged('conditional RAs: private link (S1), manual condition, flapping uplink (S6)', { timeout: 180_000 }, () => {
  let lab: Lab | undefined;
  before(async () => {
    lab = Lab.create();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('S1: private-link carrier lost: the host drops the RIO route at once, not after its lifetime', async () => {
    await lan(lab!, 'plr', 'h1', [['priv0', 'b2', 'priv0']]);
    const conf = fast(example('s1-private-link.conf')).replace('MinRtrAdvInterval 30;', 'MinRtrAdvInterval 3;').replace('MaxRtrAdvInterval 120;', 'MaxRtrAdvInterval 10;');
    const fh = await startFirsthop(lab!, 'plr', conf, { name: 's1' });
    const [rio] = await waitFor(() => routes(lab!, 'h1', { dst: '2001:db8:2::/48' }), { timeoutMs: 10_000, what: 'RIO route' });
    assert.equal(rio?.pref, 'high');
    assert.deepEqual(await defaultRoutes(lab!, 'h1'), [], 'not a default router');
    const t0 = Date.now();
    await lab!.linkDown('b2', 'priv0');
    await waitFor(async () => ((await routes(lab!, 'h1', { dst: '2001:db8:2::/48' })).length === 0 ? true : undefined), { timeoutMs: 1000, intervalMs: 10, what: 'RIO route gone' });
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `route gone after ${ms} ms (its lifetime was 360 s)`);
    await lab!.linkUp('b2', 'priv0');
    await waitFor(() => routes(lab!, 'h1', { dst: '2001:db8:2::/48' }), { timeoutMs: 2000, what: 'RIO route back' });
    await fh.stop();
  });

  it('a manual condition flipped from the CLI drains the router (router lifetime 0) and back', async () => {
    await lan(lab!, 'mr', 'mh', [['wan-a', 'mh', 'dummy0']]);
    const fh = await startFirsthop(lab!, 'mr', fast(example('s6-flapping-uplink.conf')), { name: 'manual' });
    await waitFor(() => defaultRoutes(lab!, 'mh'), { timeoutMs: 10_000, what: 'default route' });
    const set = await run(process.execPath, [FIRSTHOP_MAIN, 'condition', 'set', 'maintenance', 'up', '-s', fh.controlPath]);
    assert.match(set.stdout, /condition maintenance set up/);
    await waitFor(async () => ((await defaultRoutes(lab!, 'mh')).length === 0 ? true : undefined), { timeoutMs: 1000, what: 'default route removed' });
    const bad = await run(process.execPath, [FIRSTHOP_MAIN, 'condition', 'set', 'uplink-a', 'up', '-s', fh.controlPath]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /not a manual condition|manual/);
    await run(process.execPath, [FIRSTHOP_MAIN, 'condition', 'set', 'maintenance', 'down', '-s', fh.controlPath]);
    await waitFor(() => defaultRoutes(lab!, 'mh'), { timeoutMs: 1000, what: 'default route back' });
    await fh.stop();
  });

  it('S6: an uplink flapping every second for 20 s keeps the primary prefix deprecated until it has been stable', async () => {
    await lan(lab!, 'fr', 'fh', [['wan-a', 'fi', 'up0']]);
    const conf = fast(example('s6-flapping-uplink.conf')).replace('HoldDown 10;', 'HoldDown 2;').replace('HalfLife 30;', 'HalfLife 4;').replace('MaxSuppress 300;', 'MaxSuppress 60;');
    const fh = await startFirsthop(lab!, 'fr', conf, { name: 's6' });
    const pref = async (): Promise<number | undefined> => (await addresses(lab!, 'fh', 'h0')).find((a) => a.address.startsWith('2001:db8:1:1:'))?.preferredLft;
    await waitFor(async () => (((await pref()) ?? 0) > 600_000 ? true : undefined), { timeoutMs: 10_000, what: 'A preferred' });
    await lab!.linkDown('fi', 'up0');
    await waitFor(async () => ((await pref()) === 0 ? true : undefined), { timeoutMs: 1000, intervalMs: 10, what: 'A deprecated on the first down' });
    let flips = 0;
    let sampledPreferred = 0;
    const flapEnd = Date.now() + 20_000;
    let up = false;
    while (Date.now() < flapEnd) {
      up = !up;
      if (up) await lab!.linkUp('fi', 'up0');
      else await lab!.linkDown('fi', 'up0');
      flips++;
      const half = Date.now() + 500;
      while (Date.now() < half) {
        if (((await pref()) ?? 0) > 0) sampledPreferred++;
        await sleep(100);
      }
    }
    await lab!.linkUp('fi', 'up0');
    const stableAt = Date.now();
    assert.ok(flips >= 35, `${flips} link changes`);
    assert.equal(sampledPreferred, 0, 'the host never saw A preferred while the uplink flapped');
    const { stdout } = await run(process.execPath, [FIRSTHOP_MAIN, 'status', '--json', '-s', fh.controlPath]);
    const c = (JSON.parse(stdout) as { conditions: Array<{ name: string; flaps: number; penalty: number; suppressed: boolean }> }).conditions.find((x) => x.name === 'uplink-a');
    assert.ok(c !== undefined && c.flaps >= 15 && c.suppressed && c.penalty > 2000, `damping state visible: ${JSON.stringify(c)}`);
    await sleep(2500);
    assert.equal(await pref(), 0, 'still deprecated after the hold-down: suppressed by the penalty');
    await waitFor(async () => (((await pref()) ?? 0) > 600_000 ? true : undefined), { timeoutMs: 40_000, intervalMs: 200, what: 'A preferred once the penalty decayed' });
    const recoveredAfter = Date.now() - stableAt;
    assert.ok(recoveredAfter > 4000, `recovery announced ${recoveredAfter} ms after the link became stable`);
    await fh.stop();
  });
});
