/**
 * Two daemons running VRRPv3 over the in-memory backend (one simulated LAN, manual clocks):
 * election, the macvlan and addresses of the Active only, RAs from the virtual router only,
 * failover on shutdown without a goodbye RA, priority from a condition, and cleanup.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Daemon } from '../../src/daemon/daemon';
import { MemoryBackend, MemoryLink, settle } from '../../src/sys/memory';
import { ManualClock } from '../../src/iface/clock';
import { memoryLogger } from '../../src/daemon/log';
import { decodeMessage, encodeMessage } from '../../src/wire';
import { formatMac } from '../../src/net/ipv6';
import type { RouterAdvertisement } from '../../src/wire/types';
import { decodeAdvertisement } from '../../src/vrrp/codec';

function conf(priority: number, routerLifetime = 1800): string {
  return `condition uplink { manual up; };

vrrp lan {
    interface lan0;
    virtual_router_id 51;
    priority ${priority};
    advert_int 1;
    virtual_ipaddress { fe80::1; };
    track uplink weight -60;
};

interface lan0 {
    AdvSendAdvert on;
    vrrp lan;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime ${routerLifetime};
    prefix 2001:db8:1:1::/64 { };
    RDNSS 2001:db8:1::53 { AdvRDNSSLifetime 1800; };
    DNSSL example.net { AdvDNSSLLifetime 1800; };
};
`;
}

interface Router {
  readonly backend: MemoryBackend;
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly log: ReturnType<typeof memoryLogger>;
  readonly sysctls: string[];
}

/** Two daemons on one simulated LAN; stopped and their files removed when the test ends. */
async function pair(t: TestContext, r2RouterLifetime = 1800) {
  const dir = mkdtempSync(join(tmpdir(), 'fh-vrrp-'));
  const lan = new MemoryLink('lan');
  const mk = async (name: string, priority: number, ll: string, mac: string, lifetime = 1800): Promise<Router> => {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, conf(priority, lifetime));
    const backend = new MemoryBackend(name);
    const link = backend.kernel.addLink({ name: 'lan0', mac, mtu: 1500 });
    backend.kernel.addAddress({ ifindex: link.ifindex, address: ll });
    backend.attach(lan, link.ifindex);
    const clock = new ManualClock();
    const log = memoryLogger();
    const sysctls: string[] = [];
    const daemon = new Daemon({ configPath: file, backend, log, clock, random: () => 0.5, sysctl: (p, v) => sysctls.push(`${p}=${v}`) });
    await daemon.start();
    await settle();
    return { backend, daemon, clock, log, sysctls };
  };
  const r1 = await mk('r1', 150, 'fe80::a', '02:00:00:00:00:0a');
  const r2 = await mk('r2', 100, 'fe80::b', '02:00:00:00:00:0b', r2RouterLifetime);
  t.after(async () => {
    r1.daemon.stop(false);
    r2.daemon.stop(false);
    await settle();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Move both clocks `ms` in 10 ms steps, letting every delivery land between steps. */
  const step = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 10) {
      r1.clock.advance(10);
      r2.clock.advance(10);
      await settle();
    }
  };
  const ras = () =>
    lan.packets
      .filter((p) => p.data[0] === 134)
      .map((p) => ({ from: p.from === r1.backend ? 'r1' : 'r2', source: p.source, ifindex: p.ifindex, ra: decodeMessage(p.data) as RouterAdvertisement }));
  const adverts = () =>
    lan.ipPackets.map((p) => {
      const d = decodeAdvertisement(6, p.data, p.source, p.destination, p.hopLimit);
      assert.ok(d.ok, 'every advertisement on the wire passes our own receive checks');
      return { from: p.from === r1.backend ? 'r1' : 'r2', source: p.source, priority: d.adv.priority };
    });
  return { dir, lan, r1, r2, step, ras, adverts };
}

test('VRRP pair on the memory backend: election, RAs from the virtual router, failover without a goodbye', async (t) => {
  const p = await pair(t);
  await p.step(4000);
  const s1 = p.r1.daemon.status().vrrp?.routers[0];
  const s2 = p.r2.daemon.status().vrrp?.routers[0];
  assert.equal(s1?.state, 'active', 'r1 (priority 150) is Active');
  assert.equal(s2?.state, 'backup', 'r2 (priority 100) is Backup');
  assert.equal(s2?.activeRouter?.address, 'fe80::a', 'r2 knows the Active by its primary address');

  // The macvlan of the Active is up with the virtual link-local; the Backup's is down and empty.
  const v1 = p.r1.backend.kernel.linkByName(s1?.vmacInterface ?? '');
  const v2 = p.r2.backend.kernel.linkByName(s2?.vmacInterface ?? '');
  assert.ok(v1 && v2, 'both routers created their macvlan');
  assert.equal(v1.mac, '00:00:5e:00:02:33');
  assert.equal(v1.up, true);
  assert.equal(v2.up, false, "the Backup's macvlan is down: it claims nothing");
  assert.deepEqual(p.r1.backend.kernel.addresses(v1.ifindex).map((a) => a.address), ['fe80::1']);
  assert.deepEqual(p.r2.backend.kernel.addresses(v2.ifindex).map((a) => a.address), []);
  assert.equal(p.r1.backend.kernel.addrGenMode(v1.ifindex), 'none', 'RFC 9568 7.4: no address generated from the virtual MAC');
  assert.ok(p.r1.sysctls.includes(`net/ipv6/conf/${s1?.vmacInterface}/accept_ra=0`));
  // Accept_Mode off (the default): packets to fe80::1 other than NS/NA are dropped on this link.
  const fw = p.r1.backend.firewall.get('firsthop_vrrp') ?? '';
  assert.match(fw, /type filter hook input priority filter; policy accept;/);
  assert.match(fw, new RegExp(`iifname \\{ "lan0", "${s1?.vmacInterface}" \\} ip6 daddr \\{ fe80::1 \\} icmpv6 type \\{ nd-neighbor-solicit, nd-neighbor-advert \\} accept`));
  assert.match(fw, /ip6 daddr \{ fe80::1 \} drop comment "vrrp lan: Accept_Mode off"/);

  // Only the Active advertises VRRP, from its own link-local, and only it sends RAs: from fe80::1, with the virtual MAC.
  assert.ok(p.adverts().length >= 1);
  assert.deepEqual([...new Set(p.adverts().map((a) => `${a.from} ${a.source}`))], ['r1 fe80::a']);
  const ras = p.ras();
  assert.ok(ras.length >= 1, `the Active sent RAs onto the LAN (sent ${p.r1.backend.sent.length} ICMPv6 packets)`);
  for (const r of ras) {
    assert.equal(r.from, 'r1');
    assert.equal(r.source, 'fe80::1');
    assert.equal(r.ifindex, v1.ifindex, 'through the macvlan');
    const slla = r.ra.options.find((o) => o.type === 'sourceLinkLayer');
    assert.ok(slla && slla.type === 'sourceLinkLayer');
    assert.equal(formatMac(slla.address), '00:00:5e:00:02:33');
    assert.equal(r.ra.routerLifetime, 1800);
    // FRR #10344: the interface's RDNSS and DNSSL stay in the virtual router's RAs.
    assert.deepEqual(r.ra.options.filter((o) => o.type === 'rdnss' || o.type === 'dnssl').map((o) => o.type), ['rdnss', 'dnssl']);
  }
  // An unsolicited NA for fe80::1 with R and O set announced the Active.
  const nas = p.lan.packets.filter((x) => x.data[0] === 136).map((x) => decodeMessage(x.data));
  assert.ok(nas.some((n) => n.type === 'na' && n.target === 'fe80::1' && n.router && n.override && !n.solicited));

  // r1's uplink condition goes down: priority 90 < 100, r2 preempts.
  p.r1.daemon.setCondition('uplink', false);
  await p.step(4000);
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.priority, 90);
  assert.deepEqual(p.r1.daemon.status().vrrp?.routers[0]?.priorityChanges, [{ condition: 'uplink', weight: -60 }]);
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.state, 'active', 'r2 preempted the lower-priority Active');
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.state, 'backup');
  assert.equal(p.r1.backend.kernel.linkByName(s1?.vmacInterface ?? '')?.up, false);
  p.r1.daemon.setCondition('uplink', true);
  await p.step(4000);
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.state, 'active', 'r1 took the LAN back (preempt, no delay)');

  // SIGTERM on the Active: priority 0, the Backup takes over after Skew_Time; no RA with lifetime 0.
  const before = p.lan.packets.length;
  const beforeAdv = p.lan.ipPackets.length;
  p.r1.daemon.stop(true);
  await p.r1.daemon.stopped;
  await p.step(1000);
  assert.equal(p.adverts().slice(beforeAdv).find((a) => a.from === 'r1')?.priority, 0, 'r1 said goodbye with priority 0');
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.state, 'active', 'r2 took over within Skew_Time');
  const late = p.lan.packets.slice(before).filter((x) => x.data[0] === 134).map((x) => decodeMessage(x.data) as RouterAdvertisement);
  assert.ok(late.length >= 1, 'the new Active sent an RA');
  assert.ok(late.every((ra) => ra.routerLifetime === 1800), 'no RA with router lifetime 0 (no goodbye)');
  assert.equal(p.r1.backend.kernel.linkByName(s1?.vmacInterface ?? ''), undefined, 'the macvlan is deleted at exit');
  assert.equal(p.r1.backend.firewall.size, 0, 'and the Accept_Mode table');
});

test('sync group on the memory backend: an IPv6 and an IPv4 virtual router move together; gratuitous ARPs; a peer with other addresses is dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fh-vrrp-'));
  const lan6 = new MemoryLink('lan6');
  const lan4 = new MemoryLink('lan4');
  const text = (priority: number, v4: string) => `condition uplink { manual up; };
vrrp v6 {
    interface lan0;
    virtual_router_id 51;
    priority ${priority};
    advert_int 1;
    virtual_ipaddress { fe80::1; };
    track uplink weight -60;
};
vrrp v4 {
    interface lan1;
    virtual_router_id 52;
    priority ${priority};
    advert_int 1;
    virtual_ipaddress { ${v4}; };
    garp_master_repeat 3;
};
vrrp_sync_group both {
    group v6 v4;
};
`;
  const mk = async (name: string, priority: number, n: number, v4: string) => {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, text(priority, v4));
    const backend = new MemoryBackend(name);
    const l0 = backend.kernel.addLink({ name: 'lan0', mac: `02:00:00:00:00:0${n}`, mtu: 1500 });
    const l1 = backend.kernel.addLink({ name: 'lan1', mac: `02:00:00:00:01:0${n}`, mtu: 1500 });
    backend.kernel.addAddress({ ifindex: l0.ifindex, address: `fe80::1${n}` });
    backend.kernel.addIpv4Address({ ifindex: l1.ifindex, address: `192.0.2.${10 + n}`, prefixLength: 24 });
    backend.attach(lan6, l0.ifindex);
    backend.attach(lan4, l1.ifindex);
    const clock = new ManualClock();
    const log = memoryLogger();
    const daemon = new Daemon({ configPath: file, backend, log, clock, random: () => 0.5, sysctl: () => undefined });
    await daemon.start();
    await settle();
    return { backend, daemon, clock, log };
  };
  const r1 = await mk('r1', 150, 1, '192.0.2.1/24');
  const r2 = await mk('r2', 100, 2, '192.0.2.1/24');
  const step = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 10) {
      r1.clock.advance(10);
      r2.clock.advance(10);
      await settle();
    }
  };
  const states = (d: Daemon) => Object.fromEntries((d.status().vrrp?.routers ?? []).map((r) => [r.name, r.state]));
  try {
    await step(4000);
    assert.deepEqual(states(r1.daemon), { v6: 'active', v4: 'active' }, JSON.stringify(r1.daemon.status().vrrp?.routers.map((r) => [r.name, r.fault])));
    assert.deepEqual(states(r2.daemon), { v6: 'backup', v4: 'backup' });
    const garps = lan4.frames.filter((f) => f.frame.readUInt16BE(12) === 0x0806);
    assert.equal(garps.length, 3, 'garp_master_repeat 3: three gratuitous ARPs for 192.0.2.1');
    assert.equal(formatMac(garps[0]!.frame.subarray(6, 12)), '00:00:5e:00:01:34', 'from the IPv4 virtual MAC');
    assert.deepEqual([...garps[0]!.frame.subarray(28, 32)], [192, 0, 2, 1]);
    const v4adv = lan4.ipPackets.map((p) => decodeAdvertisement(4, p.data, p.source, p.destination, p.hopLimit));
    assert.ok(v4adv.length > 0 && v4adv.every((d) => d.ok && d.adv.addresses[0] === '192.0.2.1'), 'IPv4 advertisements pass the receive checks');
    assert.equal(lan4.ipPackets[0]?.source, '192.0.2.11', "from the LAN interface's primary IPv4 address");

    // The uplink (tracked by v6 only) fails: the group shares its tracking, so both move to r2.
    r1.daemon.setCondition('uplink', false);
    await step(5000);
    assert.deepEqual(states(r1.daemon), { v6: 'backup', v4: 'backup' });
    assert.deepEqual(states(r2.daemon), { v6: 'active', v4: 'active' });
    assert.equal(r1.daemon.status().vrrp?.routers.find((r) => r.name === 'v4')?.priority, 90, 'the v4 member is lowered by the tracked condition of v6');
    r1.daemon.setCondition('uplink', true);
    await step(5000);
    assert.deepEqual(states(r1.daemon), { v6: 'active', v4: 'active' });
  } finally {
    r1.daemon.stop(false);
    r2.daemon.stop(false);
    await settle();
  }

  // A third router whose IPv4 instance lists another address: its advertisements are dropped
  // (RFC 9568 7.1, not the owner) and the misconfiguration is logged once.
  const r3 = await mk('r3', 100, 3, '192.0.2.99/24');
  const r4 = await mk('r4', 200, 4, '192.0.2.1/24');
  try {
    for (let t = 0; t < 6000; t += 10) {
      r3.clock.advance(10);
      r4.clock.advance(10);
      await settle();
    }
    const v4 = r3.daemon.status().vrrp?.routers.find((r) => r.name === 'v4');
    assert.ok((v4?.counters.dropped['addresses'] ?? 0) > 0, 'r3 dropped the advertisements with the other address list');
    assert.equal(r3.log.lines.filter((l) => l.includes('advertises VRID 52 with 192.0.2.1')).length, 1, 'logged once');
  } finally {
    r3.daemon.stop(false);
    r4.daemon.stop(false);
    await settle();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Backup warns, once, when the Active advertises other RA values than it would (RFC 9568 8.2.3)', async (t) => {
  const p = await pair(t, 1200);
  await p.step(20_000);
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.state, 'backup');
  const lines = p.r2.log.lines.filter((l) => l.includes('RFC 9568 8.2.3'));
  assert.equal(lines.length, 1, `one warning per field within a minute: ${lines.join('; ')}`);
  assert.match(lines[0] ?? '', /lan0: vrrp lan: the Active's RA differs .*: router lifetime: ours 1200, the Active's 1800/);
  assert.equal(p.r1.log.lines.filter((l) => l.includes('8.2.3')).length, 0, 'the Active hears no RA from the Backup');
});

test('the LAN interface deleted and re-created: the Active leaves, the peer takes over, the macvlan comes back and the router rejoins', async (t) => {
  const p = await pair(t);
  await p.step(4000);
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.state, 'active');
  const old = p.r1.backend.kernel.linkByName('lan0')!;
  p.r1.backend.detach(old.ifindex);
  p.r1.backend.kernel.removeLink(old.ifindex); // the kernel deletes its macvlan with it
  // No priority 0 can leave without the link: r2 waits Active_Down_Interval (3.61 s at 1 s, priority 100).
  await p.step(4000);
  const s1 = p.r1.daemon.status().vrrp?.routers[0];
  assert.equal(s1?.state, 'initialize');
  assert.match(s1?.fault ?? '', /lan0 is gone/);
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.state, 'active', 'the peer took over');
  const again = p.r1.backend.kernel.addLink({ name: 'lan0', mac: '02:00:00:00:00:0a', mtu: 1500 });
  p.r1.backend.kernel.addAddress({ ifindex: again.ifindex, address: 'fe80::a' });
  p.r1.backend.attach(p.lan, again.ifindex);
  await p.step(6000);
  const s = p.r1.daemon.status().vrrp?.routers[0];
  assert.equal(s?.vmacIfindex !== undefined && p.r1.backend.kernel.link(s.vmacIfindex)?.parentIfindex, again.ifindex, 'a new macvlan on the new lan0');
  assert.equal(s?.state, 'active', 'r1 (150) rejoined and preempted r2 (100)');
  assert.ok(p.r1.log.lines.some((l) => /lan0 is back: .* re-created/.test(l)));
});

test('SIGHUP: a new priority applies without a restart; an instance removed from the config leaves with priority 0 and its macvlan goes', async (t) => {
  const p = await pair(t);
  await p.step(4000);
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.state, 'active');
  writeFileSync(join(p.dir, 'r2.conf'), conf(200));
  assert.equal(await p.r2.daemon.reload(), true);
  await p.step(4000);
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.priority, 200);
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.state, 'active', 'r2 (now 200) preempted r1 (150)');
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.state, 'backup');

  const vmac = p.r2.daemon.status().vrrp?.routers[0]?.vmacInterface ?? '';
  const before = p.lan.ipPackets.length;
  writeFileSync(join(p.dir, 'r2.conf'), 'interface lan0 {\n    AdvSendAdvert on;\n    AdvDefaultLifetime 1800;\n    prefix 2001:db8:1:1::/64 { };\n};\n');
  assert.equal(await p.r2.daemon.reload(), true);
  await settle();
  const sent = p.lan.ipPackets.slice(before).filter((x) => x.from === p.r2.backend).map((x) => decodeAdvertisement(6, x.data, x.source, x.destination, x.hopLimit));
  assert.ok(sent.some((d) => d.ok && d.adv.priority === 0), 'r2 left the virtual router with priority 0');
  assert.equal(p.r2.backend.kernel.linkByName(vmac), undefined, 'its macvlan is deleted');
  await p.step(1000);
  assert.equal(p.r1.daemon.status().vrrp?.routers[0]?.state, 'active', 'r1 took over after Skew_Time');
});

test('forged RAs from the virtual link-local with random prefixes: bounded warnings and a bounded table', async (t) => {
  const p = await pair(t);
  await p.step(4000);
  assert.equal(p.r2.daemon.status().vrrp?.routers[0]?.state, 'backup');
  const lan0 = p.r2.backend.kernel.linkByName('lan0')!;
  const before = p.r2.log.lines.length;
  for (let i = 0; i < 2000; i++) {
    const ra: RouterAdvertisement = {
      type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false,
      routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
      options: Array.from({ length: 10 }, (_, k) => ({ type: 'prefixInformation' as const, prefix: `2001:db8:${(i % 65536).toString(16)}:${k}::`, prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 })),
    };
    p.r2.backend.inject({ data: encodeMessage(ra), source: 'fe80::1', ifindex: lan0.ifindex });
    if (i % 100 === 99) await settle();
  }
  await settle();
  const lines = p.r2.log.lines.slice(before).filter((l) => l.startsWith('warn:'));
  assert.ok(lines.length <= 21, `${lines.length} warning lines for 20,000 differing fields`);
  assert.ok(p.r2.daemon.status().counters.raInconsistent >= 2000, 'every inconsistent RA is still counted');
  p.r2.clock.advance(61_000);
  p.r1.clock.advance(61_000);
  p.r2.backend.inject({ data: encodeMessage({ type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false, routerLifetime: 1800, reachableTime: 0, retransTimer: 0, options: [] }), source: 'fe80::1', ifindex: lan0.ifindex });
  await settle();
  assert.ok(p.r2.log.lines.some((l) => /more inconsistent RA fields in the last minute were not logged/.test(l)), 'a summary says how many were not logged');
});

test('a refused address change is retried from the state the router is in then', async (t) => {
  const p = await pair(t);
  let refused = 0;
  p.r1.backend.kernel.requestFault = (m) => {
    if (m.type === 20 /* RTM_NEWADDR */ && refused === 0) {
      refused++;
      return 1; // EPERM, once
    }
    return undefined;
  };
  await p.step(4000);
  const s1 = p.r1.daemon.status().vrrp?.routers[0];
  assert.equal(s1?.state, 'active');
  assert.equal(refused, 1);
  assert.ok(p.r1.log.lines.some((l) => /cannot add fe80::1\/64: .*retrying in 1 s/.test(l)));
  await p.step(1500);
  assert.deepEqual(p.r1.backend.kernel.addresses(s1?.vmacIfindex).map((a) => a.address), ['fe80::1'], 'added on the retry');
});

test('VRRP peers are known without AllowedRouters: RAs from the virtual link-local or from the Active heard are never rogue', async (t) => {
  const p = await pair(t);
  await p.step(4000);
  const st = p.r2.daemon.status().vrrp?.routers[0];
  assert.equal(st?.state, 'backup');
  const activeAddr = st?.activeRouter?.address;
  assert.ok(activeAddr !== undefined);
  const lan0 = p.r2.backend.kernel.linkByName('lan0')!;
  const ra: RouterAdvertisement = {
    type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false,
    routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
    options: [{ type: 'prefixInformation', prefix: '2001:db8:1:1::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 }],
  };
  p.r2.backend.inject({ data: encodeMessage(ra), source: 'fe80::1', ifindex: lan0.ifindex });
  p.r2.backend.inject({ data: encodeMessage(ra), source: activeAddr, ifindex: lan0.ifindex });
  p.r2.backend.inject({ data: encodeMessage(ra), source: 'fe80::bad', ifindex: lan0.ifindex });
  await settle();
  const routers = p.r2.daemon.status().interfaces.find((i) => i.name === 'lan0')!.watch.routers;
  assert.deepEqual(
    routers.map((r) => [r.source, r.role, r.rogue]).sort(),
    [[activeAddr, 'vrrp-peer', false], ['fe80::1', 'vrrp-peer', false], ['fe80::bad', 'unknown', true]].sort(),
  );
  assert.equal(p.r2.log.lines.filter((l) => /rogue router/.test(l)).length, 1);
});
