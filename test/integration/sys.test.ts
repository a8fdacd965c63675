/**
 * The Linux backend against the real kernel, inside network namespaces these tests create
 * (src/lab) and always delete. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns), ip and
 * rdisc6: outside CI the suites are skipped without them; in CI (CI=true) they fail instead.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { Lab, linkInfo, waitFor, waitLinkLocal } from '../../src/lab/netns';
import { parseIPv6 } from '../../src/net/ipv6';
import { NetState } from '../../src/netlink/state';
import type { NetEvent, RouteInfo } from '../../src/netlink/types';
import { linuxBackend } from '../../src/sys/linux';
import { SysError, type IcmpPacket } from '../../src/sys/types';
import { describePrivileged } from '../helpers/privileged';

async function newLab(t: TestContext): Promise<Lab> {
  const lab = Lab.create('fhsys');
  t.after(() => lab.destroy());
  return lab;
}

/** ICMPv6 checksum check over the IPv6 pseudo-header (RFC 4443 2.3): the sum must be 0xffff. */
function checksumOk(source: string, destination: string, icmp: Uint8Array): boolean {
  const pseudo = Buffer.alloc(40);
  pseudo.set(parseIPv6(source), 0);
  pseudo.set(parseIPv6(destination), 16);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  const all = Buffer.concat([pseudo, icmp, Buffer.alloc(icmp.length % 2)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

function recorder(state: NetState): NetEvent[] {
  const events: NetEvent[] = [];
  state.on((e) => events.push(e));
  return events;
}

async function waitEvent<T extends NetEvent>(events: NetEvent[], what: string, match: (e: NetEvent) => e is T, timeoutMs = 5000): Promise<T> {
  return (await waitFor(() => events.find(match), { timeoutMs, intervalMs: 10, what })) as T;
}

describePrivileged('linux backend: NetState on the real kernel', { timeout: 120_000 }, () => {
  it('follows a veth from creation to deletion, its link-local address and a route in table 100', async (t) => {
    const lab = await newLab(t);
    const ns = await lab.addNamespace('kern', { dad: true });
    const state = await NetState.open(linuxBackend({ netns: ns }));
    t.after(() => state.close());
    assert.ok(state.synced);
    assert.deepEqual(state.links().map((l) => l.name), ['lo']);
    const events = recorder(state);

    await lab.ip('kern', ['link', 'add', 'fhv0', 'type', 'veth', 'peer', 'name', 'fhv1']);
    const created = await waitEvent(events, 'fhv0 created', (e): e is Extract<NetEvent, { kind: 'link' }> => e.kind === 'link' && e.link.name === 'fhv0');
    assert.equal(created.previous, undefined);
    assert.equal(created.link.up, false);
    assert.equal(created.link.kind, 'veth');
    assert.match(created.link.mac ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.equal(created.link.mtu, 1500);
    const ifindex = created.link.ifindex;
    await waitFor(() => state.linkByName('fhv1'), { what: 'fhv1 in the state' });

    await lab.ip('kern', ['link', 'set', 'fhv0', 'up']);
    const up = await waitEvent(events, 'fhv0 up', (e): e is Extract<NetEvent, { kind: 'link' }> => e.kind === 'link' && e.link.name === 'fhv0' && e.link.up);
    assert.equal(up.previous?.up, false);
    assert.equal(up.link.carrier, false, 'no carrier while the peer is down');
    assert.equal(up.link.operState, 'lowerlayerdown');

    await lab.ip('kern', ['link', 'set', 'fhv1', 'up']);
    const carrier = await waitEvent(events, 'fhv0 carrier', (e): e is Extract<NetEvent, { kind: 'link' }> => e.kind === 'link' && e.link.name === 'fhv0' && e.link.carrier);
    assert.equal(carrier.link.operState, 'up');
    assert.equal(state.link(ifindex)?.carrier, true);

    // The kernel announces an autoconfigured link-local address only once DAD is done (or
    // at once when optimistic); a dump taken during DAD would show it tentative.
    type AddrEvent = Extract<NetEvent, { kind: 'address' }>;
    const ll = await waitEvent(events, 'link-local after DAD', (e): e is AddrEvent => e.kind === 'address' && e.address.ifindex === ifindex && e.address.scope === 253 && !e.address.tentative, 10_000);
    assert.match(ll.address.address, /^fe80::/);
    assert.equal(ll.address.prefixLength, 64);
    assert.equal(ll.address.validLifetime, 0xffffffff);
    assert.equal(ll.address.dadFailed, false);
    assert.equal(state.addresses(ifindex).find((a) => a.scope === 253)?.tentative, false);

    // An address added by hand is announced tentative, then again when DAD succeeds.
    await lab.ip('kern', ['-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'fhv0', 'preferred_lft', '1000', 'valid_lft', '2000']);
    const isGlobal = (e: NetEvent): e is AddrEvent => e.kind === 'address' && e.address.address === '2001:db8:1::1';
    const tentative = await waitEvent(events, 'tentative 2001:db8:1::1', (e): e is AddrEvent => isGlobal(e) && e.address.tentative);
    assert.deepEqual([tentative.address.ifindex, tentative.address.prefixLength, tentative.address.scope], [ifindex, 64, 0]);
    const preferred = await waitEvent(events, '2001:db8:1::1 after DAD', (e): e is AddrEvent => isGlobal(e) && !e.address.tentative, 10_000);
    assert.ok(preferred.address.validLifetime <= 2000 && preferred.address.validLifetime > 1900, `valid ${preferred.address.validLifetime}`);
    assert.ok(preferred.address.preferredLifetime <= 1000 && preferred.address.preferredLifetime > 900);
    assert.ok(events.indexOf(tentative) < events.indexOf(preferred));

    await lab.ip('kern', ['-6', 'route', 'add', '2001:db8:100::/48', 'via', 'fe80::1', 'dev', 'fhv0', 'proto', 'static', 'metric', '100', 'table', '100', 'pref', 'high', 'expires', '300']);
    type RouteEvent = Extract<NetEvent, { kind: 'route' | 'routeRemoved' }>;
    const isOurs = (e: NetEvent): boolean => (e.kind === 'route' || e.kind === 'routeRemoved') && e.route.table === 100;
    const added = await waitEvent(events, 'route in table 100', (e): e is RouteEvent => e.kind === 'route' && isOurs(e));
    const { expires, ...rest } = added.route;
    assert.deepEqual(rest, {
      table: 100,
      destination: '2001:db8:100::',
      prefixLength: 48,
      gateway: 'fe80::1',
      oif: ifindex,
      protocol: 4,
      metric: 100,
      type: 1,
      preference: 1,
    } satisfies Omit<RouteInfo, 'expires'>);
    assert.ok(expires !== undefined && expires > 290 && expires <= 300, `expires ${expires}`);
    assert.equal(state.routes().filter((r) => r.table === 100).length, 1);

    await lab.ip('kern', ['-6', 'route', 'del', '2001:db8:100::/48', 'via', 'fe80::1', 'dev', 'fhv0', 'metric', '100', 'table', '100']);
    const removed = await waitEvent(events, 'route removed', (e): e is RouteEvent => e.kind === 'routeRemoved' && isOurs(e));
    assert.equal(removed.route.destination, '2001:db8:100::');
    assert.equal(state.routes().filter((r) => r.table === 100).length, 0);

    await lab.ip('kern', ['link', 'del', 'fhv0']);
    await waitFor(() => events.filter((e) => e.kind === 'linkRemoved').length === 2, { what: 'both veth ends removed' });
    const gone = events.filter((e): e is Extract<NetEvent, { kind: 'linkRemoved' }> => e.kind === 'linkRemoved').map((e) => e.link.name).sort();
    assert.deepEqual(gone, ['fhv0', 'fhv1']);
    assert.deepEqual(state.links().map((l) => l.name), ['lo']);
    assert.deepEqual(state.addresses(ifindex), []);
    assert.deepEqual(state.routes().filter((r) => r.oif === ifindex), []);
    assert.equal(state.stats.overflows, 0);
  });

  it('dumps a large routing table, and resynchronises after a real ENOBUFS', async (t) => {
    const lab = await newLab(t);
    const ns = await lab.addNamespace('big');
    await lab.ip('big', ['link', 'add', 'fhd0', 'type', 'veth', 'peer', 'name', 'fhd1']); // (no dummy module everywhere)
    await lab.ip('big', ['link', 'set', 'fhd0', 'up']);
    await lab.ip('big', ['link', 'set', 'fhd1', 'up']);
    const N = 20_000;
    const batch = (from: number, count: number, table: number): string => {
      const file = join(lab.dir(), `routes-${from}.txt`);
      const lines: string[] = [];
      for (let i = from; i < from + count; i++) lines.push(`route add 2001:db8:${(i >> 8).toString(16)}:${(i & 0xff).toString(16)}::/64 dev fhd0 table ${table} proto static`);
      writeFileSync(file, lines.join('\n') + '\n');
      return file;
    };
    await lab.ip('big', ['-batch', batch(0, N, 200)], { timeoutMs: 60_000 });

    const t0 = performance.now();
    const state = await NetState.open(linuxBackend({ netns: ns }));
    const openMs = performance.now() - t0;
    t.after(() => state.close());
    assert.equal(state.routes().filter((r) => r.table === 200).length, N);
    t.diagnostic(`full dump of ${state.routes().length} routes, ${state.links().length} links: ${openMs.toFixed(0)} ms`);

    // A socket with the smallest receive buffer, then a burst of changes while the event loop
    // is blocked (execFileSync): the kernel must drop notifications.
    const small = await NetState.open(linuxBackend({ netns: ns, netlinkReceiveBuffer: 1 }));
    t.after(() => small.close());
    const events = recorder(small);
    const M = 3000;
    execFileSync('ip', ['-n', ns, '-batch', batch(N, M, 201)], { stdio: 'ignore', timeout: 60_000 });
    await waitFor(() => events.some((e) => e.kind === 'resync') && small.synced, { timeoutMs: 30_000, what: 'resync after overflow' });
    assert.ok(small.stats.overflows >= 1, `overflows ${small.stats.overflows}`);
    await waitFor(() => small.synced && small.routes().filter((r) => r.table === 201).length === M, { timeoutMs: 30_000, what: `${M} routes after resync` });
    t.diagnostic(`overflow: ${small.stats.overflows} ENOBUFS, ${small.stats.syncs} dump sequences, last ${small.stats.lastSyncMs} ms`);
    // The big-buffer state saw every event without loss.
    await waitFor(() => state.routes().filter((r) => r.table === 201).length === M, { timeoutMs: 30_000, what: 'events on the large socket' });
    assert.equal(state.stats.overflows, 0);
  });
});

describePrivileged('linux backend: ICMPv6 sockets across a veth pair', { timeout: 60_000 }, () => {
  it('sends and receives Neighbor Discovery packets with hop limit 255 and packet info', async (t) => {
    const lab = await newLab(t);
    const nsA = await lab.addNamespace('a');
    const nsB = await lab.addNamespace('b');
    await lab.addVeth('a', 'fhsa0', 'b', 'fhsb0');
    const llA = await waitLinkLocal(lab, 'a', 'fhsa0');
    const llB = await waitLinkLocal(lab, 'b', 'fhsb0');
    const ifA = (await linkInfo(lab, 'a', 'fhsa0')).ifindex;
    const ifB = (await linkInfo(lab, 'b', 'fhsb0')).ifindex;

    const sockA = linuxBackend({ netns: nsA }).openIcmp6({ types: [133, 134] });
    t.after(() => sockA.close());
    const sockB = linuxBackend({ netns: nsB }).openIcmp6({ types: [133, 134] });
    t.after(() => sockB.close());
    const gotA: IcmpPacket[] = [];
    const gotB: IcmpPacket[] = [];
    sockA.onPacket((p) => gotA.push(p));
    sockB.onPacket((p) => gotB.push(p));

    // A Router Advertisement: type 134, checksum left 0 for the kernel, hop limit 64,
    // router lifetime 1800, reachable/retrans 0, then a source link-layer address option.
    // (b learns the link-layer address from the option, so it must be a's real one.)
    const macA = (await linkInfo(lab, 'a', 'fhsa0')).address ?? '';
    const slla = macA.split(':').map((h) => parseInt(h, 16));
    const ra = Buffer.from([134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, ...slla]);
    sockA.send(ra, 'ff02::1', ifA);
    const [got] = await waitFor(() => gotB.filter((p) => p.data[0] === 134), { what: 'RA in b' });
    assert.ok(got);
    assert.equal(got.hopLimit, 255);
    assert.equal(got.ifindex, ifB);
    assert.equal(got.source, llA);
    assert.equal(got.destination, 'ff02::1');
    assert.equal(got.data.length, ra.length);
    assert.deepEqual(got.data.subarray(4), ra.subarray(4));
    assert.notEqual(got.data.readUInt16BE(2), 0, 'the kernel filled in the checksum');
    assert.ok(checksumOk(got.source, got.destination, got.data), 'checksum verifies over the pseudo-header');
    assert.equal(gotA.length, 0, "IPV6_MULTICAST_LOOP is off");

    // Unicast reply with an explicit source (IPV6_PKTINFO).
    sockB.send(ra, llA, ifB, llB);
    const [uni] = await waitFor(() => gotA.filter((p) => p.data[0] === 134), { what: 'unicast RA in a' });
    assert.ok(uni);
    assert.deepEqual([uni.source, uni.destination, uni.ifindex, uni.hopLimit], [llB, llA, ifA, 255]);

    // Router Solicitations go to ff02::2, which b (not forwarding) receives only once joined.
    const rdisc6 = (): Promise<unknown> => lab.exec('a', ['rdisc6', '-1', '-r', '1', '-w', '300', 'fhsa0']);
    await rdisc6();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(gotB.filter((p) => p.data[0] === 133), [], 'no RS before joining ff02::2');
    sockB.joinGroup('ff02::2', ifB);
    sockB.joinGroup('ff02::2', ifB); // joining twice is not an error
    await rdisc6();
    const [rs] = await waitFor(() => gotB.filter((p) => p.data[0] === 133), { what: 'RS in b' });
    assert.ok(rs);
    assert.deepEqual([rs.source, rs.destination, rs.ifindex, rs.hopLimit], [llA, 'ff02::2', ifB, 255]);
    sockB.leaveGroup('ff02::2', ifB);
    sockB.leaveGroup('ff02::2', ifB); // nor is leaving twice

    // Kernel refusals surface as SysError with the errno name.
    assert.throws(
      () => sockA.send(ra, 'ff02::1', 9999),
      (e: unknown) => e instanceof SysError && e.code === 'ENODEV' && e.errno === 19,
    );
    assert.throws(
      () => linuxBackend({ netns: 'fhsys-no-such-namespace' }).openIcmp6({ types: [134] }),
      (e: unknown) => e instanceof SysError && e.code === 'ENOENT' && e.errno === 2,
    );
    sockA.close();
    sockA.close(); // idempotent
    assert.throws(() => sockA.send(ra, 'ff02::1', ifA), (e: unknown) => e instanceof SysError && e.code === 'EBADF');
  });
});
