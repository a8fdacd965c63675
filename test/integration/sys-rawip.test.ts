/**
 * Raw IP sockets (VRRP, protocol 112) and packet sockets of the Linux backend against the
 * real kernel, inside network namespaces these tests create (src/lab) and always delete:
 * two namespaces joined by veth pairs, plus a macvlan on a's side. Needs root, ip and
 * tcpdump: outside CI the suite is skipped without them; in CI (CI=true) it fails instead.
 */
import { strict as assert } from 'node:assert';
import { it, type TestContext } from 'node:test';
import { capture, Lab, linkInfo, waitFor, waitLinkLocal } from '../../src/lab/netns';
import { parseIPv6, parseMac } from '../../src/net/ipv6';
import { linuxBackend } from '../../src/sys/linux';
import { SysError, type IpPacket, type RawIpSocket } from '../../src/sys/types';
import { describePrivileged } from '../helpers/privileged';

const VRRP = 112;
const VRRP_GROUP6 = 'ff02::12';
const VRRP_GROUP4 = '224.0.0.18';

async function newLab(t: TestContext): Promise<Lab> {
  const lab = Lab.create('fhraw');
  t.after(() => lab.destroy());
  return lab;
}

/** The Internet checksum over the IPv6 pseudo-header and `data` is right when the sum is 0xffff. */
function checksum6Ok(source: string, destination: string, protocol: number, data: Uint8Array): boolean {
  const pseudo = Buffer.alloc(40);
  pseudo.set(parseIPv6(source), 0);
  pseudo.set(parseIPv6(destination), 16);
  pseudo.writeUInt32BE(data.length, 32);
  pseudo[39] = protocol;
  const all = Buffer.concat([pseudo, data, Buffer.alloc(data.length % 2)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/** A VRRPv3 advertisement (RFC 9568 5.1): version 3, type 1, VRID, priority, count, interval, checksum 0, addresses. */
function advert(vrid: number, priority: number, addresses: readonly Uint8Array[]): Buffer {
  const head = Buffer.from([0x31, vrid, priority, addresses.length, 0x00, 100, 0, 0]);
  return Buffer.concat([head, ...addresses.map((a) => Buffer.from(a))]);
}

function collect(s: RawIpSocket): IpPacket[] {
  const got: IpPacket[] = [];
  s.onPacket((p) => got.push(p));
  return got;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** a: veth xa0 (and xa1) to b: xb0 (and xb1); a macvlan mv0 (bridge mode) on xa0; IPv4 10.0.0.0/24 and 10.1.0.0/24. */
async function topology(lab: Lab) {
  const nsA = await lab.addNamespace('a');
  const nsB = await lab.addNamespace('b');
  await lab.addVeth('a', 'xa0', 'b', 'xb0');
  await lab.addVeth('a', 'xa1', 'b', 'xb1');
  await lab.ip('a', ['link', 'add', 'mv0', 'link', 'xa0', 'type', 'macvlan', 'mode', 'bridge']);
  await lab.linkUp('a', 'mv0');
  await lab.ip('a', ['addr', 'add', '10.0.0.1/24', 'dev', 'xa0']);
  await lab.ip('b', ['addr', 'add', '10.0.0.2/24', 'dev', 'xb0']);
  await lab.ip('a', ['addr', 'add', '10.1.0.1/24', 'dev', 'xa1']);
  await lab.ip('b', ['addr', 'add', '10.1.0.2/24', 'dev', 'xb1']);
  const [llA, llB, llMv] = await Promise.all([waitLinkLocal(lab, 'a', 'xa0'), waitLinkLocal(lab, 'b', 'xb0'), waitLinkLocal(lab, 'a', 'mv0')]);
  const [xa0, xa1, mv0, xb0, xb1] = await Promise.all([
    linkInfo(lab, 'a', 'xa0'),
    linkInfo(lab, 'a', 'xa1'),
    linkInfo(lab, 'a', 'mv0'),
    linkInfo(lab, 'b', 'xb0'),
    linkInfo(lab, 'b', 'xb1'),
  ]);
  return { nsA, nsB, llA, llB, llMv, xa0, xa1, mv0, xb0, xb1 };
}

/** Ethernet source MAC of a captured frame (link type Ethernet on a veth). */
function ethSource(frame: Uint8Array): string {
  return Array.from(frame.subarray(6, 12), (b) => b.toString(16).padStart(2, '0')).join(':');
}

describePrivileged('linux backend: raw IP sockets (VRRP) and packet sockets', { timeout: 120_000 }, () => {
  it('IPv6 protocol 112: the kernel computes (and the receiver verifies) the checksum at offset 6; hop limit 255, packet info, membership', async (t) => {
    const lab = await newLab(t);
    const { nsA, nsB, llA, llB, xa0, xb0 } = await topology(lab);
    const a = linuxBackend({ netns: nsA }).openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    t.after(() => a.close());
    const b = linuxBackend({ netns: nsB }).openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    t.after(() => b.close());
    // A second receiver without IPV6_CHECKSUM, and one that joins nothing.
    const bPlain = linuxBackend({ netns: nsB }).openRawIp({ family: 6, protocol: VRRP });
    t.after(() => bPlain.close());
    const bIdle = linuxBackend({ netns: nsB }).openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    t.after(() => bIdle.close());
    assert.equal(a.family, 6);
    const gotA = collect(a);
    const gotB = collect(b);
    const gotPlain = collect(bPlain);
    const gotIdle = collect(bIdle);

    const msg = advert(7, 100, [parseIPv6('fe80::7'), parseIPv6('2001:db8::7')]);
    a.send(msg, VRRP_GROUP6, xa0.ifindex);
    await sleep(200);
    assert.equal(gotB.length, 0, 'nothing before joining ff02::12');

    b.joinGroup(VRRP_GROUP6, xb0.ifindex);
    b.joinGroup(VRRP_GROUP6, xb0.ifindex); // twice is not an error
    bPlain.joinGroup(VRRP_GROUP6, xb0.ifindex);
    a.send(msg, VRRP_GROUP6, xa0.ifindex);
    await waitFor(() => gotB.length > 0, { what: 'VRRP advert in b' });
    const got = gotB[0];
    assert.ok(got);
    assert.deepEqual([got.source, got.destination, got.ifindex, got.hopLimit], [llA, VRRP_GROUP6, xb0.ifindex, 255]);
    assert.equal(got.data.length, msg.length, 'the IPv6 header is stripped');
    assert.deepEqual(got.data.subarray(0, 6), msg.subarray(0, 6));
    assert.deepEqual(got.data.subarray(8), msg.subarray(8));
    assert.notEqual(got.data.readUInt16BE(6), 0, 'the sending kernel filled in the checksum');
    assert.ok(checksum6Ok(got.source, got.destination, VRRP, got.data), 'checksum verifies over the pseudo-header');
    await waitFor(() => gotPlain.length === 1, { what: 'advert on the socket without IPV6_CHECKSUM' });
    assert.equal(gotA.length, 0, 'multicast loop is off');
    assert.deepEqual(gotIdle, [], 'a socket that joined nothing gets no multicast, though another socket of the host joined the group');

    // The receiver's kernel verifies: a wrong checksum (sent from a socket without
    // IPV6_CHECKSUM) reaches the plain socket but not the one with checksumOffset 6.
    const aPlain = linuxBackend({ netns: nsA }).openRawIp({ family: 6, protocol: VRRP });
    t.after(() => aPlain.close());
    const bad = Buffer.from(msg);
    bad.writeUInt16BE(0x1234, 6);
    aPlain.send(bad, VRRP_GROUP6, xa0.ifindex);
    await waitFor(() => gotPlain.length === 2, { what: 'bad-checksum advert on the plain socket' });
    assert.equal(gotPlain[1]?.data.readUInt16BE(6), 0x1234, 'sent unchanged without IPV6_CHECKSUM');
    await sleep(100);
    assert.equal(gotB.length, 1, 'the socket with IPV6_CHECKSUM never sees a bad checksum');

    // Unicast with an explicit source, back to a.
    b.send(msg, llA, xb0.ifindex, llB);
    await waitFor(() => gotA.length > 0, { what: 'unicast advert in a' });
    const uni = gotA[0];
    assert.ok(uni);
    assert.deepEqual([uni.source, uni.destination, uni.ifindex, uni.hopLimit], [llB, llA, xa0.ifindex, 255]);
    assert.ok(checksum6Ok(uni.source, uni.destination, VRRP, uni.data));

    // Leaving: no more adverts on b (the plain socket still has the group).
    b.leaveGroup(VRRP_GROUP6, xb0.ifindex);
    b.leaveGroup(VRRP_GROUP6, xb0.ifindex); // nor is leaving twice
    a.send(msg, VRRP_GROUP6, xa0.ifindex);
    await waitFor(() => gotPlain.length === 3, { what: 'third advert on the plain socket' });
    await sleep(100);
    assert.equal(gotB.length, 1);

    // Refusals: data shorter than the checksum field, a missing interface, a closed socket.
    assert.throws(() => a.send(Buffer.alloc(7), VRRP_GROUP6, xa0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EINVAL');
    assert.throws(() => a.send(msg, VRRP_GROUP6, 9999), (e: unknown) => e instanceof SysError && e.code === 'ENODEV');
    assert.throws(() => a.joinGroup('2001:db8::1', xa0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EINVAL');
    a.close();
    a.close();
    assert.throws(() => a.send(msg, VRRP_GROUP6, xa0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EBADF');
  });

  it('IPv6 from a macvlan with the parent link-local as source needs freebind; the frame carries the macvlan MAC', async (t) => {
    const lab = await newLab(t);
    const { nsA, nsB, llA, llMv, xa0, mv0, xb0 } = await topology(lab);
    assert.notEqual(mv0.address, xa0.address);
    const plain = linuxBackend({ netns: nsA }).openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    t.after(() => plain.close());
    const free = linuxBackend({ netns: nsA }).openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6, freebind: true });
    t.after(() => free.close());
    const b = linuxBackend({ netns: nsB }).openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    t.after(() => b.close());
    b.joinGroup(VRRP_GROUP6, xb0.ifindex);
    const got = collect(b);
    const cap = await capture(lab, 'b', 'xb0', { filter: 'ip6 proto 112' });

    const msg = advert(9, 200, [parseIPv6('fe80::9')]);
    // ip6_datagram_send_ctl: a link-local IPV6_PKTINFO source must be on the outgoing device.
    assert.throws(() => plain.send(msg, VRRP_GROUP6, mv0.ifindex, llA), (e: unknown) => e instanceof SysError && e.code === 'EINVAL' && e.errno === 22);
    free.send(msg, VRRP_GROUP6, mv0.ifindex, llA);
    await waitFor(() => got.length > 0, { what: 'freebind advert in b' });
    const p = got[0];
    assert.ok(p);
    assert.deepEqual([p.source, p.destination, p.ifindex, p.hopLimit], [llA, VRRP_GROUP6, xb0.ifindex, 255]);
    assert.ok(checksum6Ok(p.source, p.destination, VRRP, p.data), 'checksum over the given (parent) source');
    const frame = await cap.waitForPacket(() => true);
    assert.equal(ethSource(frame.bytes), mv0.address, 'Ethernet source is the macvlan MAC, not the parent one');
    assert.deepEqual(Buffer.from(frame.bytes.subarray(0, 6)), Buffer.from([0x33, 0x33, 0, 0, 0, 0x12]), 'to the ff02::12 multicast MAC');

    // Without a source the kernel picks the macvlan's own link-local.
    plain.send(msg, VRRP_GROUP6, mv0.ifindex);
    await waitFor(() => got.length === 2, { what: 'second advert in b' });
    assert.equal(got[1]?.source, llMv);
    await cap.stop();
  });

  it('IPv4 protocol 112 to 224.0.0.18: TTL 255, IPv4 header stripped, and the packet leaves by ifindex', async (t) => {
    const lab = await newLab(t);
    const { nsA, nsB, xa0, xa1, xb0, xb1 } = await topology(lab);
    const a = linuxBackend({ netns: nsA }).openRawIp({ family: 4, protocol: VRRP });
    t.after(() => a.close());
    const b = linuxBackend({ netns: nsB }).openRawIp({ family: 4, protocol: VRRP });
    t.after(() => b.close());
    const bIdle = linuxBackend({ netns: nsB }).openRawIp({ family: 4, protocol: VRRP });
    t.after(() => bIdle.close());
    assert.equal(a.family, 4);
    const gotA = collect(a);
    const gotB = collect(b);
    const gotIdle = collect(bIdle);
    const msg = advert(5, 150, [Uint8Array.from([10, 0, 0, 100]), Uint8Array.from([10, 0, 0, 101])]);

    b.joinGroup(VRRP_GROUP4, xb0.ifindex);
    b.joinGroup(VRRP_GROUP4, xb0.ifindex); // twice is not an error
    b.joinGroup(VRRP_GROUP4, xb1.ifindex);
    a.send(msg, VRRP_GROUP4, xa0.ifindex);
    await waitFor(() => gotB.length > 0, { what: 'IPv4 advert in b' });
    const p = gotB[0];
    assert.ok(p);
    assert.deepEqual([p.source, p.destination, p.ifindex, p.hopLimit], ['10.0.0.1', VRRP_GROUP4, xb0.ifindex, 255]);
    assert.deepEqual(p.data, msg, 'payload without the IPv4 header, unchanged (no checksum offload for IPv4)');

    // The same group out of the other interface: IP_PKTINFO's ifindex picks it.
    a.send(msg, VRRP_GROUP4, xa1.ifindex);
    await waitFor(() => gotB.length === 2, { what: 'advert out of xa1' });
    assert.deepEqual([gotB[1]?.source, gotB[1]?.ifindex], ['10.1.0.1', xb1.ifindex]);
    // An explicit source that belongs to another interface of the host is accepted.
    a.send(msg, VRRP_GROUP4, xa0.ifindex, '10.1.0.1');
    await waitFor(() => gotB.length === 3, { what: 'advert with explicit source' });
    assert.deepEqual([gotB[2]?.source, gotB[2]?.ifindex], ['10.1.0.1', xb0.ifindex]);

    // Unicast (to b's address) reaches every raw socket of the protocol there, joined or not.
    a.send(msg, '10.0.0.2', xa0.ifindex, '10.0.0.1');
    await waitFor(() => gotB.length === 4 && gotIdle.length === 1, { what: 'unicast IPv4 advert' });
    assert.deepEqual([gotB[3]?.source, gotB[3]?.destination, gotB[3]?.hopLimit], ['10.0.0.1', '10.0.0.2', 255]);
    assert.equal(gotIdle.filter((x) => x.destination === VRRP_GROUP4).length, 0, 'IP_MULTICAST_ALL 0: no multicast without a join');
    assert.deepEqual(gotA, [], 'multicast loop is off');

    b.leaveGroup(VRRP_GROUP4, xb0.ifindex);
    b.leaveGroup(VRRP_GROUP4, xb0.ifindex);
    a.send(msg, VRRP_GROUP4, xa0.ifindex);
    a.send(msg, VRRP_GROUP4, xa1.ifindex);
    await waitFor(() => gotB.length === 5, { what: 'advert on the still-joined xb1' });
    await sleep(100);
    assert.equal(gotB.length, 5);
    assert.equal(gotB[4]?.ifindex, xb1.ifindex);

    // Refusals.
    assert.throws(() => a.send(msg, VRRP_GROUP4, xa0.ifindex, '10.9.9.9'), (e: unknown) => e instanceof SysError && e.code === 'ENETUNREACH', 'a source that is no address of the host');
    assert.throws(() => a.send(msg, VRRP_GROUP4, 9999), (e: unknown) => e instanceof SysError && e.code === 'ENODEV');
    assert.throws(() => a.send(msg, 'ff02::12', xa0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EINVAL');
    assert.throws(() => a.joinGroup('10.0.0.2', xa0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EINVAL');
    assert.throws(() => linuxBackend({ netns: nsA }).openRawIp({ family: 4, protocol: VRRP, checksumOffset: 6 }), (e: unknown) => e instanceof SysError && e.code === 'EINVAL');
  });

  it('IPv4 from a macvlan: the parent address as source and the macvlan MAC on the wire; IP_FREEBIND does not allow a foreign source', async (t) => {
    const lab = await newLab(t);
    const { nsA, nsB, xa0, mv0, xb0 } = await topology(lab);
    const a = linuxBackend({ netns: nsA }).openRawIp({ family: 4, protocol: VRRP });
    t.after(() => a.close());
    const free = linuxBackend({ netns: nsA }).openRawIp({ family: 4, protocol: VRRP, freebind: true });
    t.after(() => free.close());
    const b = linuxBackend({ netns: nsB }).openRawIp({ family: 4, protocol: VRRP });
    t.after(() => b.close());
    b.joinGroup(VRRP_GROUP4, xb0.ifindex);
    const got = collect(b);
    const cap = await capture(lab, 'b', 'xb0', { filter: 'ip proto 112' });
    const msg = advert(5, 150, [Uint8Array.from([10, 0, 0, 100])]);

    // The macvlan has no IPv4 address: the parent's is a local address, so no freebind needed.
    a.send(msg, VRRP_GROUP4, mv0.ifindex, '10.0.0.1');
    await waitFor(() => got.length > 0, { what: 'IPv4 advert from the macvlan' });
    const p = got[0];
    assert.deepEqual([p?.source, p?.ifindex, p?.hopLimit], ['10.0.0.1', xb0.ifindex, 255]);
    const frame = await cap.waitForPacket(() => true);
    assert.equal(ethSource(frame.bytes), mv0.address, 'Ethernet source is the macvlan MAC');
    assert.deepEqual(Buffer.from(frame.bytes.subarray(0, 6)), Buffer.from([0x01, 0x00, 0x5e, 0, 0, 0x12]), 'to the 224.0.0.18 multicast MAC');
    assert.notEqual(mv0.address, xa0.address);

    // IP_FREEBIND only affects bind(): a source that is no address of the host is refused either way.
    assert.throws(() => free.send(msg, VRRP_GROUP4, mv0.ifindex, '10.0.0.100'), (e: unknown) => e instanceof SysError && e.code === 'ENETUNREACH');
    await cap.stop();
  });

  it('a packet socket sends a gratuitous ARP that the peer sees and learns from (arp_accept=1)', async (t) => {
    const lab = await newLab(t);
    const { nsA, mv0 } = await topology(lab);
    await lab.sysctl('b', 'net.ipv4.conf.xb0.arp_accept', 1);
    const sock = linuxBackend({ netns: nsA }).openPacket();
    t.after(() => sock.close());
    const cap = await capture(lab, 'b', 'xb0', { filter: 'arp' });

    const vmac = '00:00:5e:00:01:05'; // the VRRP virtual router MAC of VRID 5 (RFC 9568 7.3)
    const vip = [10, 0, 0, 100];
    const mac = parseMac(vmac);
    const frame = Buffer.from([
      ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // destination: broadcast
      ...mac, // source
      0x08, 0x06, // ARP
      0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, // Ethernet/IPv4, request
      ...mac, ...vip, // sender: the virtual MAC and address
      ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ...vip, // target: the same address (gratuitous)
      ...new Array<number>(18).fill(0), // padding to 60 octets
    ]);
    assert.equal(frame.length, 60);
    sock.send(frame, mv0.ifindex);
    const seen = await cap.waitForPacket(() => true);
    assert.deepEqual(Buffer.from(seen.bytes.subarray(0, 42)), frame.subarray(0, 42), 'the frame arrives as sent');
    const neigh = await waitFor(
      async () => {
        const out = await lab.ip('b', ['-j', 'neigh', 'show', 'dev', 'xb0', 'to', '10.0.0.100']);
        const entries = JSON.parse(out.stdout.trim() || '[]') as { dst?: string; lladdr?: string }[];
        return entries.find((e) => e.dst === '10.0.0.100' && e.lladdr !== undefined);
      },
      { what: 'neighbour entry for 10.0.0.100 in b' },
    );
    assert.equal(neigh?.lladdr, vmac);
    await cap.stop();

    // Refusals: no such interface, a frame larger than the MTU, a runt, a closed socket.
    assert.throws(() => sock.send(frame, 9999), (e: unknown) => e instanceof SysError && e.code === 'ENXIO');
    assert.throws(() => sock.send(Buffer.concat([frame, Buffer.alloc(1500)]), mv0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EMSGSIZE');
    assert.throws(() => sock.send(frame.subarray(0, 13), mv0.ifindex), TypeError);
    sock.close();
    sock.close();
    assert.throws(() => sock.send(frame, mv0.ifindex), (e: unknown) => e instanceof SysError && e.code === 'EBADF');
  });
});
