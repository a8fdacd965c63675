/**
 * firsthop against the Linux kernel as the RA host: each config is checked by what the host
 * namespace's kernel learned (routes with preference and expiry, SLAAC addresses with
 * lifetimes, MTU, hop limit) and by rdisc6 as an independent decoder. Timing, shutdown,
 * interface re-creation and reload are checked the same way.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import {
  addresses,
  capture,
  defaultRoutes,
  hopLimit,
  Lab,
  linkMtu,
  namespaceExists,
  prepareHost,
  rdisc6,
  routerHostPair,
  routes,
  waitFor,
  waitLinkLocal,
  ICMPV6_ROUTER_ADVERTISEMENT,
  ICMPV6_ROUTER_SOLICITATION,
  type RouterHost,
} from '../../src/lab/netns';
import { FIRSTHOP_MAIN, startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { describePrivileged } from '../helpers/privileged';

function fullConfig(ifname: string, extra = ''): string {
  return `# every option the host kernel and rdisc6 can see
interface ${ifname} {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvCurHopLimit 60;
    AdvLinkMTU 1400;
    AdvDefaultLifetime 1800;
    AdvDefaultPreference low;
    AdvReachableTime 30000;
    AdvRetransTimer 1500;
    AdvManagedFlag off;
    AdvOtherConfigFlag on;
    prefix 2001:db8:1::/64 {
        AdvValidLifetime 86400;
        AdvPreferredLifetime 14400;
    };
    route 2001:db8:99::/48 {
        AdvRoutePreference high;
        AdvRouteLifetime 1800;
    };
    RDNSS 2001:db8::53 2001:db8::54 {
        AdvRDNSSLifetime 1800;
    };
    DNSSL example.org corp.example {
        AdvDNSSLLifetime 1800;
    };
${extra}};
`;
}

const near = (value: number | undefined, want: number, slack = 30): boolean => value !== undefined && value <= want && value >= want - slack;

describePrivileged('firsthop with the Linux kernel as host', { timeout: 180_000 }, () => {
  let lab: Lab | undefined;
  let pair: RouterHost;
  let fh: FirsthopHandle;
  let routerLL: string;

  before(async () => {
    lab = Lab.create();
    pair = await routerHostPair(lab);
    routerLL = await waitLinkLocal(lab, 'router', pair.routerIf);
    fh = await startFirsthop(lab, 'router', fullConfig(pair.routerIf));
  });

  after(async () => {
    const names = lab?.namespaceNames() ?? [];
    await lab?.destroy();
    for (const n of names) assert.equal(namespaceExists(n), false, `namespace ${n} left behind`);
  });

  it('the host has a default route with preference low and the router lifetime', async () => {
    const [def] = await waitFor(() => defaultRoutes(lab!, 'host'), { timeoutMs: 10_000, what: 'default route' });
    assert.equal(def?.gateway, routerLL);
    assert.equal(def?.pref, 'low');
    assert.ok(near(def?.expires, 1800), `expires ${def?.expires}`);
  });

  it('the host has the RIO route with preference high and its lifetime', async () => {
    const [rio] = await waitFor(() => routes(lab!, 'host', { dst: '2001:db8:99::/48' }), { timeoutMs: 10_000, what: 'RIO route' });
    assert.equal(rio?.gateway, routerLL);
    assert.equal(rio?.pref, 'high');
    assert.ok(near(rio?.expires, 1800), `expires ${rio?.expires}`);
  });

  it('the host forms a SLAAC address with the advertised lifetimes', async () => {
    const [a] = await waitFor(async () => (await addresses(lab!, 'host', pair.hostIf)).filter((x) => x.address.startsWith('2001:db8:1:')), { timeoutMs: 10_000, what: 'SLAAC address' });
    assert.equal(a?.prefixLength, 64);
    assert.ok(near(a?.validLft, 86400), `valid ${a?.validLft}`);
    assert.ok(near(a?.preferredLft, 14400), `preferred ${a?.preferredLft}`);
  });

  it('the host takes the link MTU and hop limit', async () => {
    await waitFor(async () => ((await linkMtu(lab!, 'host', pair.hostIf)) === 1400 ? true : undefined), { timeoutMs: 10_000, what: 'MTU 1400' });
    assert.equal(await hopLimit(lab!, 'host', pair.hostIf), 60);
  });

  it('rdisc6 decodes the RA to what the config says', async () => {
    const ra = await rdisc6(lab!, 'host', pair.hostIf);
    assert.equal(ra.from, routerLL);
    assert.equal(ra.hopLimit, 60);
    assert.equal(ra.managed, false);
    assert.equal(ra.other, true);
    assert.equal(ra.preference, 'low');
    assert.equal(ra.routerLifetime, 1800);
    assert.equal(ra.reachableTimeMs, 30000);
    assert.equal(ra.retransTimeMs, 1500);
    assert.equal(ra.mtu, 1400);
    assert.deepEqual(ra.prefixes.map((p) => [p.prefix, p.length, p.onLink, p.autonomous, p.validLifetime, p.preferredLifetime]), [['2001:db8:1::', 64, true, true, 86400, 14400]]);
    assert.deepEqual(ra.routes.map((r) => [r.prefix, r.length, r.preference, r.lifetime]), [['2001:db8:99::', 48, 'high', 1800]]);
    assert.deepEqual(ra.rdnss, [{ servers: ['2001:db8::53', '2001:db8::54'], lifetime: 1800 }]);
    assert.deepEqual(ra.dnssl, [{ domains: ['example.org', 'corp.example'], lifetime: 1800 }]);
    assert.ok(ra.sourceLinkLayerAddress !== null, 'source link-layer address option present');
    assert.deepEqual(ra.unparsed, []);
  });

  it('firsthop dump prints the RA heard, in radvd.conf syntax and as JSON', async () => {
    const text = await lab!.exec('host', [process.execPath, FIRSTHOP_MAIN, 'dump', '-i', pair.hostIf, '--count', '1', '--timeout', '15'], { timeoutMs: 20_000 });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`Router Advertisement from ${routerLL}`));
    for (const line of ['AdvCurHopLimit 60;', 'AdvDefaultLifetime 1800;', 'AdvDefaultPreference low;', 'AdvLinkMTU 1400;', 'prefix 2001:db8:1::/64', 'route 2001:db8:99::/48', 'AdvRoutePreference high;', 'RDNSS 2001:db8::53 2001:db8::54', 'DNSSL example.org corp.example']) {
      assert.ok(text.stdout.includes(line), `dump shows ${line}`);
    }
    const json = await lab!.exec('host', [process.execPath, FIRSTHOP_MAIN, 'dump', '-i', pair.hostIf, '--json', '--count', '1', '--timeout', '15'], { timeoutMs: 20_000 });
    const rec = JSON.parse(json.stdout.trim().split('\n')[0]!) as { source: string; ra: { curHopLimit: number; options: Array<{ type: string }> } };
    assert.equal(rec.source, routerLL);
    assert.equal(rec.ra.curHopLimit, 60);
    assert.ok(rec.ra.options.some((o) => o.type === 'dnssl'));
  });

  it('a Router Solicitation is answered within MAX_RA_DELAY_TIME (RFC 4861 6.2.6)', async () => {
    const cap = await capture(lab!, 'host', pair.hostIf, 'icmp6 and (ip6[40] == 133 or ip6[40] == 134)');
    try {
      for (let i = 0; i < 5; i++) {
        // Each RS comes after the per-source limit (1 s) has passed, as a host's own
        // retransmissions do (RTR_SOLICITATION_INTERVAL is 4 s, RFC 4861 10).
        await new Promise((r) => setTimeout(r, 1100));
        const ra = await rdisc6(lab!, 'host', pair.hostIf);
        assert.equal(ra.from, routerLL);
      }
      // rdisc6 exits on the first RA, which may be a periodic one: the unicast answer to the
      // last RS can still be on its way (up to MAX_RA_DELAY_TIME).
      await new Promise((r) => setTimeout(r, 600));
      const pkts = await cap.stop();
      const rs = pkts.filter((p) => p.icmpv6?.type === ICMPV6_ROUTER_SOLICITATION);
      assert.ok(rs.length >= 5, `${rs.length} RS captured`);
      for (const s of rs) {
        // The unicast answer to this host (RFC 7772, AdvRASolicitedUnicast); a periodic
        // multicast RA may fall in between and does not count.
        const answer = pkts.find((p) => p.icmpv6?.type === ICMPV6_ROUTER_ADVERTISEMENT && p.tsMicros >= s.tsMicros && p.icmpv6.dst === s.icmpv6?.src);
        assert.ok(answer !== undefined, `a unicast RA answers the RS from ${s.icmpv6?.src}`);
        const delayMs = (answer.tsMicros - s.tsMicros) / 1000;
        assert.ok(delayMs <= 500 + 20, `answer after ${delayMs} ms`);
      }
    } finally {
      await cap.stop().catch(() => undefined);
    }
  });

  it('a reload with a broken file keeps advertising the old config', async () => {
    const good = fullConfig(pair.routerIf);
    fh.writeConfig(good.replace('AdvCurHopLimit 60;', 'AdvCurHopLimit 60;\n    AdvNoSuchOption on;'));
    fh.signal('SIGHUP');
    await fh.waitLog(/reload rejected/);
    assert.match(fh.log(), /:\d+:\d+: error: .*AdvNoSuchOption/);
    assert.equal(fh.child.exitCode, null, 'still running');
    await new Promise((r) => setTimeout(r, 1100)); // past the per-source limit of the last test's RS
    const ra = await rdisc6(lab!, 'host', pair.hostIf);
    assert.equal(ra.hopLimit, 60);
    assert.equal(ra.routes.length, 1);
    fh.writeConfig(good);
  });

  it('a good reload changes only what changed, at once, and withdraws a removed route', async () => {
    const cap = await capture(lab!, 'host', pair.hostIf, 'icmp6 and ip6[40] == 134');
    try {
      const next = fullConfig(pair.routerIf).replace('AdvCurHopLimit 60;', 'AdvCurHopLimit 50;').replace(/route 2001:db8:99::\/48 \{[^}]*\};/, '');
      fh.writeConfig(next);
      fh.signal('SIGHUP');
      await fh.waitLog(/reloaded/);
      await waitFor(async () => ((await hopLimit(lab!, 'host', pair.hostIf)) === 50 ? true : undefined), { timeoutMs: 4000, what: 'hop limit 50' });
      await waitFor(async () => ((await routes(lab!, 'host', { dst: '2001:db8:99::/48' })).length === 0 ? true : undefined), { timeoutMs: 4000, what: 'RIO route withdrawn' });
      const pkts = await cap.stop();
      const ras = pkts.filter((p) => p.icmpv6?.type === ICMPV6_ROUTER_ADVERTISEMENT);
      // No goodbye: every RA keeps the router lifetime (bytes 6-7 of the ICMPv6 message).
      for (const p of ras) {
        const m = p.icmpv6!.message;
        assert.equal((m[6]! << 8) | m[7]!, 1800, 'router lifetime stays 1800 through the reload');
      }
      const [def] = await defaultRoutes(lab!, 'host');
      assert.ok(near(def?.expires, 1800), 'default route kept');
    } finally {
      await cap.stop().catch(() => undefined);
    }
  });

  it('deleting and re-creating the interface resumes advertising', async () => {
    await lab!.ip('router', ['link', 'del', pair.routerIf]);
    await fh.waitLog(/not ready|not present/);
    await lab!.ip('router', ['link', 'add', pair.routerIf, 'type', 'veth', 'peer', 'name', pair.hostIf, 'netns', pair.host]);
    await prepareHost(lab!, 'host', pair.hostIf);
    await lab!.linkUp('router', pair.routerIf);
    await lab!.linkUp('host', pair.hostIf);
    const ll = await waitLinkLocal(lab!, 'router', pair.routerIf);
    const [def] = await waitFor(() => defaultRoutes(lab!, 'host'), { timeoutMs: 10_000, what: 'default route after re-creation' });
    assert.equal(def?.gateway, ll);
  });

  it('SIGTERM sends a final RA that removes the host default route', async () => {
    await waitFor(() => defaultRoutes(lab!, 'host'), { timeoutMs: 10_000, what: 'default route' });
    const code = await fh.stop();
    assert.equal(code, 0);
    await waitFor(async () => ((await defaultRoutes(lab!, 'host')).length === 0 ? true : undefined), { timeoutMs: 2000, what: 'default route removed' });
  });
});

describePrivileged('firsthop: router lifetime 0, late interfaces, large RAs', { timeout: 120_000 }, () => {
  let lab: Lab | undefined;

  before(() => {
    lab = Lab.create();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('AdvDefaultLifetime 0: no default route, the RIO route is still installed (S1 private-link router)', async () => {
    const pair = await routerHostPair(lab!, { router: 'plr', host: 'h1' });
    await startFirsthop(lab!, 'plr', `interface ${pair.routerIf} {
    AdvSendAdvert on; AdvDefaultLifetime 0; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
    route 2001:db8:2::/48 { AdvRouteLifetime 60; AdvRoutePreference medium; };
};
`);
    const [rio] = await waitFor(() => routes(lab!, 'h1', { dst: '2001:db8:2::/48' }), { timeoutMs: 10_000, what: 'RIO route' });
    assert.equal(rio?.pref, 'medium');
    assert.ok(near(rio?.expires, 60, 10));
    const ra = await rdisc6(lab!, 'h1', pair.hostIf);
    assert.equal(ra.routerLifetime, 0);
    assert.deepEqual(await defaultRoutes(lab!, 'h1'), []);
  });

  it('an interface missing at start is advertised on once it appears', async () => {
    await lab!.addNamespace('late');
    await lab!.addNamespace('h2');
    const fh = await startFirsthop(lab!, 'late', `interface lan7 { AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; prefix 2001:db8:7::/64 { }; };\n`);
    assert.match(fh.log(), /lan7: not present yet/);
    await lab!.addVeth('late', 'lan7', 'h2', 'eth0', { up: false });
    await prepareHost(lab!, 'h2', 'eth0');
    await lab!.linkUp('h2', 'eth0');
    await lab!.linkUp('late', 'lan7');
    const [def] = await waitFor(() => defaultRoutes(lab!, 'h2'), { timeoutMs: 10_000, what: 'default route from the late interface' });
    assert.ok(def);
  });

  it('-u nobody: privileges dropped once the sockets are open; advertising goes on, also after the interface bounces', async () => {
    const pair = await routerHostPair(lab!, { router: 'unpriv', host: 'h4' });
    const fh = await startFirsthop(lab!, 'unpriv', `interface ${pair.routerIf} { AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; prefix 2001:db8:4::/64 { }; };\n`, { args: ['-u', 'nobody'] });
    await fh.waitLog(/dropped privileges to nobody/);
    const status = readFileSync(`/proc/${fh.child.pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^CapEff:\s+0+$/m);
    assert.equal((await rdisc6(lab!, 'h4', pair.hostIf)).prefixes.length, 1);
    await lab!.linkDown('unpriv', pair.routerIf);
    await lab!.linkUp('unpriv', pair.routerIf);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await rdisc6(lab!, 'h4', pair.hostIf)).prefixes.length, 1, 'RS answered after the bounce, as nobody');
    assert.equal(await fh.stop(), 0);
  });

  it('an RA larger than AdvRAMTU is split and the host learns every route', async () => {
    const pair = await routerHostPair(lab!, { router: 'big', host: 'h3' });
    const many = Array.from({ length: 120 }, (_, i) => `    route 2001:db8:${(0x100 + i).toString(16)}::/48 { AdvRouteLifetime 1800; };`).join('\n');
    const fh = await startFirsthop(lab!, 'big', `interface ${pair.routerIf} { AdvSendAdvert on; AdvRAMTU 1280; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;\n${many}\n};\n`);
    await waitFor(async () => ((await routes(lab!, 'h3', { protocol: 'ra' })).filter((r) => r.dst.startsWith('2001:db8:')).length === 120 ? true : undefined), {
      timeoutMs: 10_000,
      what: '120 RIO routes',
    });
    // 1280 - 40 (IPv6) - 16 (RA header) - 8 (SLLAO) = 1216 bytes: 76 RIOs for a /48 (16 bytes,
    // RFC 4191 2.3 Length 2) a packet, so 120 go out in two packets.
    assert.match(fh.log(), /\(2 packet\(s\), 1968 bytes\)/, '120 RIOs go out in two packets');
  });
});

describePrivileged('firsthop: withdrawn prefixes survive a restart (state file)', { timeout: 120_000 }, () => {
  let lab: Lab | undefined;
  before(() => {
    lab = Lab.create();
  });
  after(async () => {
    await lab?.destroy();
  });

  const conf = (ifname: string, withB: boolean): string => `interface ${ifname} {
    AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
    prefix 2001:db8:a::/64 { AdvValidLifetime 86400; AdvPreferredLifetime 14400; };
${withB ? '    prefix 2001:db8:b::/64 { AdvValidLifetime 3600; AdvPreferredLifetime 1800; };\n' : ''}};
`;

  it('a prefix removed by a reload is still deprecated by the next run; one removed while stopped is too', async () => {
    const pair = await routerHostPair(lab!);
    const rdB = async () => (await rdisc6(lab!, 'host', pair.hostIf)).prefixes.find((p) => p.prefix === '2001:db8:b::');
    let fh = await startFirsthop(lab!, 'router', conf(pair.routerIf, true));
    await waitFor(async () => (await addresses(lab!, 'host', pair.hostIf)).find((a) => a.address.startsWith('2001:db8:b:')), { timeoutMs: 10_000, what: 'address in B' });
    fh.writeConfig(conf(pair.routerIf, false));
    fh.signal('SIGHUP');
    await fh.waitLog(/reloaded/);
    const [a] = await waitFor(async () => (await addresses(lab!, 'host', pair.hostIf)).filter((x) => x.address.startsWith('2001:db8:b:') && x.preferredLft === 0), { timeoutMs: 5000, what: 'B deprecated on the host' });
    assert.ok(a);
    await fh.stop();
    fh = await startFirsthop(lab!, 'router', conf(pair.routerIf, false));
    assert.match(fh.log(), /state: restored/);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await rdB();
    assert.ok(b !== undefined, 'B is still in the RA after the restart');
    assert.equal(b.preferredLifetime, 0);
    assert.ok(b.validLifetime > 3500 && b.validLifetime <= 3600, `valid ${b.validLifetime}`);
    await fh.stop();

    // Removed while firsthop was not running: the state file remembers what was advertised.
    await lab!.exec('router', ['true']);
    fh = await startFirsthop(lab!, 'router', conf(pair.routerIf, true));
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await rdB())?.preferredLifetime, 1800, 'B back in the config: advertised normally again');
    await fh.stop();
    fh = await startFirsthop(lab!, 'router', conf(pair.routerIf, false));
    await new Promise((r) => setTimeout(r, 1100));
    const b2 = await rdB();
    assert.equal(b2?.preferredLifetime, 0, 'removed while stopped: deprecated at once after the start');
    await fh.stop();
  });

  it('a corrupt state file is reported and started over', async () => {
    const pair = await routerHostPair(lab!, { router: 'r2', host: 'h2' });
    const fh0 = await startFirsthop(lab!, 'r2', conf(pair.routerIf, false));
    await fh0.stop();
    writeFileSync(fh0.statePath, '{"version": 1, "savedAt": "yesterday"');
    const fh = await startFirsthop(lab!, 'r2', conf(pair.routerIf, false));
    assert.match(fh.log(), /corrupt state file/);
    const ra = await rdisc6(lab!, 'h2', pair.hostIf);
    assert.equal(ra.prefixes.length, 1);
    await fh.stop();
  });
});
