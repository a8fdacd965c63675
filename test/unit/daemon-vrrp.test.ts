/**
 * Two daemons running VRRPv3 over the in-memory backend (one simulated LAN, manual clocks):
 * election, the macvlan and addresses of the Active only, RAs from the virtual router only,
 * failover on shutdown without a goodbye RA, priority from a condition, and cleanup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Daemon } from '../../src/daemon/daemon';
import { MemoryBackend, MemoryLink, settle } from '../../src/sys/memory';
import { ManualClock } from '../../src/iface/clock';
import { memoryLogger } from '../../src/daemon/log';
import { decodeMessage } from '../../src/wire';
import { formatMac } from '../../src/net/ipv6';
import type { RouterAdvertisement } from '../../src/wire/types';
import { decodeAdvertisement } from '../../src/vrrp/codec';

function conf(priority: number): string {
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
    AdvDefaultLifetime 1800;
    prefix 2001:db8:1:1::/64 { };
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

async function pair(dir: string) {
  const lan = new MemoryLink('lan');
  const mk = async (name: string, priority: number, ll: string, mac: string): Promise<Router> => {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, conf(priority));
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
  const r2 = await mk('r2', 100, 'fe80::b', '02:00:00:00:00:0b');
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
  return { lan, r1, r2, step, ras, adverts };
}

test('VRRP pair on the memory backend: election, RAs from the virtual router, failover without a goodbye', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fh-vrrp-'));
  const p = await pair(dir);
  try {
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
  } finally {
    p.r1.daemon.stop(false);
    p.r2.daemon.stop(false);
    await settle();
    rmSync(dir, { recursive: true, force: true });
  }
});
