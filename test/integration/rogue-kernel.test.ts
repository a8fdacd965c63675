/**
 * Rogue routers (scenario S8, RFC 8475 section 5) with the Linux kernel as the host: a LAN with
 * firsthop, an allowed peer (radvd), a host and a rogue sending RAs from its own namespace.
 * firsthop reports the rogue on its first RA (source, MAC, what it offers), leaves the allowed
 * peer alone, and with RogueRAWithdraw on the host's default route through the rogue is gone
 * within 100 ms of the rogue's RA (timed by the host kernel's own route notifications).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { addresses, defaultRoutes, Lab, routes, linkInfo, namespaceExists, segment, startRadvd, waitFor, waitLinkLocal, type RadvdHandle } from '../../src/lab/netns';
import { startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { RaSender, rogueRa } from '../../src/lab/rogue';
import { controlRequest } from '../../src/control/client';
import type { DaemonStatus } from '../../src/daemon/daemon';
import { parseMac } from '../../src/net/ipv6';
import { describePrivileged } from '../helpers/privileged';

const config = (peerLL: string, withdraw: boolean): string => `interface lan0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime 1800;
    RogueRAWithdraw ${withdraw ? 'on' : 'off'};
    AllowedRouters { ${peerLL}; };
    prefix 2001:db8:1::/64 { };
};
`;

describePrivileged('rogue routers with the Linux kernel as host', { timeout: 120_000, tools: ['radvd'] }, () => {
  let lab: Lab | undefined;
  let fh: FirsthopHandle;
  let radvd: RadvdHandle;
  let sender: RaSender | undefined;
  let monitor: ChildProcess | undefined;
  let peerLL: string;
  let rogueLL: string;
  let rogueMac: string;

  before(async () => {
    lab = Lab.create();
    const seg = await segment(lab);
    await seg.attach('router', 'lan0', 'router');
    await seg.attach('peer', 'lan0', 'router');
    await seg.attach('host', 'lan0', 'host');
    await seg.attach('rogue', 'lan0', 'router');
    peerLL = await waitLinkLocal(lab, 'peer', 'lan0');
    rogueLL = await waitLinkLocal(lab, 'rogue', 'lan0');
    rogueMac = (await linkInfo(lab, 'rogue', 'lan0')).address ?? '';
    fh = await startFirsthop(lab, 'router', config(peerLL, false));
    radvd = await startRadvd(lab, 'peer', `interface lan0 {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 10;\n prefix 2001:db8:2::/64 { };\n};\n`);
    sender = await RaSender.open(lab, 'rogue', 'lan0');
  });

  after(async () => {
    sender?.close();
    if (monitor !== undefined) await lab?.kill(monitor, 200);
    await radvd?.stop();
    await fh?.stop();
    const names = lab?.namespaceNames() ?? [];
    await lab?.destroy();
    for (const n of names) assert.equal(namespaceExists(n), false, `namespace ${n} left behind`);
  });

  const status = async (): Promise<DaemonStatus> => {
    const r = await controlRequest(fh.controlPath, { cmd: 'status' });
    assert.ok(r.ok);
    return r.result as DaemonStatus;
  };

  it('the allowed peer (radvd) is heard and not reported', async () => {
    const peer = await waitFor(async () => (await status()).interfaces[0]?.watch.routers.find((r) => r.source === peerLL), { timeoutMs: 15_000, what: "radvd's RA heard by firsthop" });
    assert.equal(peer?.role, 'allowed');
    assert.equal(peer?.rogue, false);
    assert.doesNotMatch(fh.log(), /rogue router/);
  });

  it('a rogue is reported on its first RA with its source, MAC and what it offers', async (t) => {
    const t0 = Date.now();
    sender!.send(rogueRa({ options: [{ type: 'sourceLinkLayer', address: parseMac(rogueMac) }, ...rogueRa().options] }));
    await fh.waitLog(/lan0: rogue router/, 5000);
    const ms = Date.now() - t0;
    const line = fh.log().split('\n').find((l) => /rogue router/.test(l)) ?? '';
    assert.ok(line.includes(`rogue router ${rogueLL} (MAC ${rogueMac})`), line);
    assert.match(line, /router lifetime 1800s, prefixes 2001:db8:bad::\/64, routes -, RDNSS 2001:db8:bad::53/);
    const r = (await status()).interfaces[0]?.watch.routers.find((x) => x.source === rogueLL);
    assert.deepEqual([r?.role, r?.rogue, r?.count, r?.mac], ['unknown', true, 1, rogueMac]);
    assert.ok(ms < 2000, `reported ${ms} ms after the RA was sent`);
    t.diagnostic(`reported in the log ${ms} ms after the RA was sent (includes reading the log pipe)`);
    // The host did take the rogue's default route: this is what the report is about.
    const defs = await waitFor(async () => (await defaultRoutes(lab!, 'host')).filter((d) => d.gateway === rogueLL), { timeoutMs: 3000, what: "the host's default route via the rogue" });
    assert.equal(defs.length, 1);
  });

  it('RogueRAWithdraw on: the host drops the default route via the rogue within 100 ms of its RA', async (t) => {
    fh.writeConfig(config(peerLL, true));
    fh.signal('SIGHUP');
    await fh.waitLog(/reloaded /, 5000);
    // The host's kernel timestamps its own route changes: the add (the rogue's RA) and the delete (our answer).
    monitor = lab!.spawn('host', ['ip', '-ts', '-6', 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    monitor.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    await new Promise((r) => setTimeout(r, 300));
    // Ask the host to forget the route from the earlier test first, so the next RA re-adds it.
    await lab!.ip('host', ['-6', 'route', 'del', 'default', 'via', rogueLL, 'dev', 'lan0']).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    out = '';
    sender!.send(rogueRa({ routerLifetime: 1700 }));
    const deleted = new RegExp(`\\[([^\\]]+)\\]\\s*Deleted default via ${rogueLL.replace(/\./g, '\\.')} `);
    const added = new RegExp(`\\[([^\\]]+)\\]\\s*default via ${rogueLL.replace(/\./g, '\\.')} `);
    await waitFor(() => deleted.test(out), { timeoutMs: 3000, what: `the host deleting its default route via the rogue:\n${out}` });
    const at = (re: RegExp): number => Date.parse(`${(re.exec(out)?.[1] ?? '').replace(/(\.\d{3})\d*/, '$1')}Z`);
    const tAdd = at(added);
    const tDel = at(deleted);
    assert.ok(Number.isFinite(tAdd) && Number.isFinite(tDel), out);
    assert.ok(tDel - tAdd < 100, `default route via the rogue lived ${tDel - tAdd} ms on the host`);
    t.diagnostic(`the default route via the rogue lived ${tDel - tAdd} ms on the host`);
    assert.deepEqual((await defaultRoutes(lab!, 'host')).filter((d) => d.gateway === rogueLL), []);
    // The rogue's on-link prefix is gone at once; the address formed from it is deprecated
    // (preferred 0) and expires within two hours (RFC 4862 5.5.3 e allows no less).
    await waitFor(async () => (await routes(lab!, 'host')).every((r) => r.dst !== '2001:db8:bad::/64'), { timeoutMs: 2000, what: "the rogue's on-link route removed" });
    const bad = (await addresses(lab!, 'host', 'lan0')).find((a) => a.address.startsWith('2001:db8:bad:'));
    assert.ok(bad !== undefined, 'the host formed an address from the rogue prefix');
    assert.equal(bad.preferredLft, 0, 'deprecated');
    assert.ok(bad.validLft !== undefined && bad.validLft <= 7200, `valid ${bad.validLft} s`);
    const s = await status();
    assert.ok(s.counters.countermeasuresSent >= 1);
    // The allowed peer's default route is untouched.
    assert.equal((await defaultRoutes(lab!, 'host')).filter((d) => d.gateway === peerLL).length, 1);
  });
});
