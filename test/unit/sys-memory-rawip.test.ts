/** The in-memory twin of raw IP sockets (VRRP) and packet sockets. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseIPv6 } from '../../src/net/ipv6';
import type { LinkInfo } from '../../src/netlink/types';
import { MemoryBackend, MemoryLink, settle, type LinkSpec } from '../../src/sys/memory';
import { SysError, type IpPacket, type RawIpSocket } from '../../src/sys/types';

const VRRP = 112;
/** A VRRPv3 advertisement with checksum 0 and one address. */
const ADVERT6 = Buffer.concat([Buffer.from([0x31, 7, 100, 1, 0, 100, 0, 0]), Buffer.from(parseIPv6('fe80::7'))]);
const ADVERT4 = Buffer.from([0x31, 7, 100, 1, 0, 100, 0xab, 0xcd, 10, 0, 0, 100]);

/** Router a (ifindex 2) and router b (ifindex 5) on one link, each with a link-local address. */
function pair(): { link: MemoryLink; a: MemoryBackend; b: MemoryBackend } {
  const link = new MemoryLink('lan');
  const a = new MemoryBackend('a');
  const b = new MemoryBackend('b');
  a.kernel.addLink({ name: 'eth0', ifindex: 2, mac: '02:00:00:00:00:01' });
  a.kernel.addAddress({ ifindex: 2, address: 'fe80::1' });
  b.kernel.addLink({ name: 'eth0', ifindex: 5, mac: '02:00:00:00:00:02' });
  b.kernel.addAddress({ ifindex: 5, address: 'fe80::2' });
  a.attach(link, 2);
  b.attach(link, 5);
  return { link, a, b };
}

/**
 * A macvlan `ifindex` on `parent`. Through the memory kernel when it takes a parentIfindex;
 * otherwise (another change teaches it that) the test reports parentIfindex itself, since
 * the backend only reads `kernel.link(i).parentIfindex`.
 */
function addMacvlan(host: MemoryBackend, ifindex: number, parent: number, opts: { up?: boolean } = {}): void {
  const k = host.kernel;
  k.addLink({ name: `mv${ifindex}`, ifindex, mac: '00:00:5e:00:01:07', kind: 'macvlan', up: opts.up ?? true, parentIfindex: parent } as LinkSpec);
  if (k.link(ifindex)?.parentIfindex === parent) return;
  const link = k.link.bind(k);
  const links = k.links.bind(k);
  const withParent = (l: LinkInfo): LinkInfo => (l.ifindex === ifindex ? { ...l, parentIfindex: parent } : l);
  k.link = (i: number) => {
    const l = link(i);
    return l && withParent(l);
  };
  k.links = () => links().map(withParent);
}

/**
 * IPv4 addresses in the memory kernel: through its addIpv4Address when it has one, else (another
 * change teaches it IPv4) an ipv4Addresses method, which is what the backend reads.
 */
function withIpv4(host: MemoryBackend, addresses: readonly { ifindex: number; address: string }[]): void {
  const k = host.kernel as unknown as {
    addIpv4Address?: (spec: { ifindex: number; address: string }) => unknown;
    ipv4Addresses?: (ifindex?: number) => readonly { ifindex: number; address: string }[];
  };
  if (typeof k.addIpv4Address === 'function') {
    for (const a of addresses) k.addIpv4Address(a);
    return;
  }
  k.ipv4Addresses = (ifindex?: number) => addresses.filter((a) => ifindex === undefined || a.ifindex === ifindex);
}

function collect(s: RawIpSocket): IpPacket[] {
  const got: IpPacket[] = [];
  s.onPacket((p) => got.push(p));
  return got;
}

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

const code = (c: string) => (e: unknown) => e instanceof SysError && e.code === c;

describe('memory backend: raw IP sockets', () => {
  it('delivers IPv6 multicast to sockets of the same protocol that joined the group on that interface, with the checksum filled in', async () => {
    const { link, a, b } = pair();
    const sa = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const sb = b.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const idle = b.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 }); // joins nothing
    const other = b.openRawIp({ family: 6, protocol: 113 });
    const v4 = b.openRawIp({ family: 4, protocol: VRRP });
    const icmp = b.openIcmp6({ types: [0x31] });
    const [gotA, gotB, gotIdle, gotOther, gotV4] = [sa, sb, idle, other, v4].map(collect);
    const gotIcmp: unknown[] = [];
    icmp.onPacket((p) => gotIcmp.push(p));
    assert.equal(sa.family, 6);
    other.joinGroup('ff02::12', 5);

    sa.send(ADVERT6, 'ff02::12', 2);
    await settle();
    assert.equal(gotB?.length, 0, 'not joined yet');

    sb.joinGroup('ff02::12', 5);
    sb.joinGroup('ff02::12', 5); // twice is fine
    assert.deepEqual(b.ipMemberships(6, 5), ['ff02::12']);
    assert.deepEqual(b.ipMemberships(4, 5), []);
    sa.send(ADVERT6, 'ff02::12', 2);
    await settle();
    const p = gotB?.[0];
    assert.ok(p);
    assert.equal(gotB?.length, 1);
    assert.deepEqual([p.source, p.destination, p.ifindex, p.hopLimit], ['fe80::1', 'ff02::12', 5, 255]);
    assert.notEqual(p.data.readUInt16BE(6), 0);
    assert.ok(checksum6Ok(p.source, p.destination, VRRP, p.data), 'checksum over the pseudo-header, as IPV6_CHECKSUM does');
    assert.deepEqual(p.data.subarray(8), ADVERT6.subarray(8));
    assert.deepEqual([gotA?.length, gotIdle?.length, gotOther?.length, gotV4?.length, gotIcmp.length], [0, 0, 0, 0, 0]);

    assert.equal(a.sentIp.length, 2);
    assert.deepEqual(a.sentIp[1], { family: 6, protocol: VRRP, data: p.data, destination: 'ff02::12', ifindex: 2, source: 'fe80::1', hopLimit: 255 });
    assert.deepEqual(a.sent, [], 'ICMPv6 records are separate');
    assert.equal(link.ipPackets.length, 2);
    assert.equal(link.ipPackets[0]?.from, a);
    assert.deepEqual(link.packets, []);

    sb.leaveGroup('ff02::12', 5);
    sa.send(ADVERT6, 'ff02::12', 2);
    await settle();
    assert.equal(gotB?.length, 1);

    for (const s of [sa, sb, idle, other, v4]) s.close();
    assert.equal(a.openRawIpSockets + b.openRawIpSockets, 0);
    assert.throws(() => sa.send(ADVERT6, 'ff02::12', 2), code('EBADF'));
    assert.throws(() => sa.joinGroup('ff02::12', 2), code('EBADF'));
    icmp.close();
  });

  it('delivers unicast to every socket of the protocol on the owner of the address, with an explicit source', async () => {
    const { a, b } = pair();
    b.kernel.addAddress({ ifindex: 5, address: '2001:db8::2' });
    a.kernel.addAddress({ ifindex: 2, address: '2001:db8::1' });
    const sa = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const sb = b.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const got = collect(sb);
    sa.send(ADVERT6, 'fe80::2', 2, 'fe80::1');
    sa.send(ADVERT6, '2001:db8::2', 2, '2001:db8::1');
    sa.send(ADVERT6, 'fe80::99', 2); // nobody's
    await settle();
    assert.deepEqual(
      got.map((p) => [p.source, p.destination, p.ifindex, p.hopLimit]),
      [
        ['fe80::1', 'fe80::2', 5, 255],
        ['2001:db8::1', '2001:db8::2', 5, 255],
      ],
    );
    assert.ok(got.every((p) => checksum6Ok(p.source, p.destination, VRRP, p.data)));
  });

  it('verifies IPv6 checksums on receive like the kernel: wrong ones never reach a socket with checksumOffset', async () => {
    const { b } = pair();
    const checked = b.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const plain = b.openRawIp({ family: 6, protocol: VRRP });
    checked.joinGroup('ff02::12', 5);
    plain.joinGroup('ff02::12', 5);
    const [gotChecked, gotPlain] = [checked, plain].map(collect);
    const bad = Buffer.from(ADVERT6);
    bad.writeUInt16BE(0x1234, 6);
    b.injectIp({ family: 6, protocol: VRRP, data: bad, source: 'fe80::1', destination: 'ff02::12', ifindex: 5 });
    await settle();
    assert.deepEqual([gotChecked?.length, gotPlain?.length], [0, 1]);
    assert.equal(gotPlain?.[0]?.data.readUInt16BE(6), 0x1234);

    // A sender without checksumOffset sends its bytes unchanged.
    const { a, b: b2 } = pair();
    const raw = a.openRawIp({ family: 6, protocol: VRRP });
    const rx = b2.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const rxPlain = b2.openRawIp({ family: 6, protocol: VRRP });
    rx.joinGroup('ff02::12', 5);
    rxPlain.joinGroup('ff02::12', 5);
    const [gotRx, gotRxPlain] = [rx, rxPlain].map(collect);
    raw.send(bad, 'ff02::12', 2);
    await settle();
    assert.deepEqual([gotRx?.length, gotRxPlain?.length], [0, 1]);

    // injectIp with a right checksum, hop limit as given, only to joined sockets.
    const good = Buffer.from(ADVERT6);
    const sum = Buffer.concat([Buffer.from(parseIPv6('fe80::1')), Buffer.from(parseIPv6('ff02::12')), Buffer.from([0, 0, 0, good.length, 0, 0, 0, VRRP]), good]);
    let s = 0;
    for (let i = 0; i < sum.length; i += 2) s += sum.readUInt16BE(i);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    good.writeUInt16BE(~s & 0xffff, 6);
    b.injectIp({ family: 6, protocol: VRRP, data: good, source: 'fe80:0::1', destination: 'ff02::12', ifindex: 5, hopLimit: 254 });
    b.injectIp({ family: 6, protocol: VRRP, data: good, source: 'fe80::1', destination: 'ff02::12', ifindex: 6 });
    await settle();
    assert.equal(gotChecked?.length, 1);
    assert.deepEqual([gotChecked?.[0]?.source, gotChecked?.[0]?.hopLimit, gotChecked?.[0]?.ifindex], ['fe80::1', 254, 5]);
  });

  it('refuses what the kernel refuses', () => {
    const { a } = pair();
    assert.throws(() => a.openRawIp({ family: 4, protocol: VRRP, checksumOffset: 6 }), code('EINVAL'));
    assert.throws(() => a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 5 }), code('EINVAL'));
    assert.throws(() => a.openRawIp({ family: 5 as 4, protocol: VRRP }), code('EAFNOSUPPORT'));
    assert.throws(() => a.openRawIp({ family: 4, protocol: 255 }), TypeError);
    assert.throws(() => a.openRawIp({ family: 6, protocol: 0 }), TypeError);
    const s6 = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const s4 = a.openRawIp({ family: 4, protocol: VRRP });
    assert.throws(() => s6.send(Buffer.alloc(7), 'ff02::12', 2), code('EINVAL'), 'data shorter than the checksum field');
    assert.throws(() => s6.send(ADVERT6, 'ff02::12', 99), code('ENODEV'));
    assert.throws(() => s4.send(ADVERT4, '224.0.0.18', 99), code('ENODEV'));
    assert.throws(() => s6.send(ADVERT6, 'ff02::12', 2, '2001:db8::99'), code('EINVAL'), 'a source that is no address of the host');
    assert.throws(() => s4.send(ADVERT4, 'ff02::12', 2), code('EINVAL'));
    assert.throws(() => s4.joinGroup('10.0.0.1', 2), code('EINVAL'));
    assert.throws(() => s6.joinGroup('fe80::1', 2), code('EINVAL'));
    assert.equal(a.sentIp.length, 0);
  });

  it('applies sendFault to raw IP sends', async () => {
    const { link, a } = pair();
    const s = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    a.sendFault = (p) => ('protocol' in p && p.protocol === VRRP ? 'ENETDOWN' : undefined);
    assert.throws(() => s.send(ADVERT6, 'ff02::12', 2), (e: unknown) => e instanceof SysError && e.code === 'ENETDOWN' && e.errno === 100);
    await settle();
    assert.deepEqual([a.sentIp.length, link.ipPackets.length], [0, 0]);
  });

  it('sends from a macvlan over its parent link; a link-local source of the parent needs freebind', async () => {
    const { link, a, b } = pair();
    addMacvlan(a, 10, 2);
    a.kernel.addAddress({ ifindex: 10, address: 'fe80::10' });
    const plain = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const free = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6, freebind: true });
    const sb = b.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const gotA = collect(plain);
    sb.joinGroup('ff02::12', 5);
    plain.joinGroup('ff02::12', 2); // the parent does not hear its own macvlan
    const got = collect(sb);

    assert.throws(() => plain.send(ADVERT6, 'ff02::12', 10, 'fe80::1'), code('EINVAL'));
    free.send(ADVERT6, 'ff02::12', 10, 'fe80::1');
    plain.send(ADVERT6, 'ff02::12', 10); // the macvlan's own link-local
    await settle();
    assert.deepEqual(
      got.map((p) => [p.source, p.ifindex, p.hopLimit]),
      [
        ['fe80::1', 5, 255],
        ['fe80::10', 5, 255],
      ],
    );
    assert.ok(got.every((p) => checksum6Ok(p.source, p.destination, VRRP, p.data)));
    assert.deepEqual(a.sentIp.map((p) => [p.ifindex, p.source]), [
      [10, 'fe80::1'],
      [10, 'fe80::10'],
    ]);
    assert.equal(link.ipPackets.length, 2);
    assert.equal(gotA.length, 0);
  });

  it('receives on an up macvlan of the receiving interface under its own ifindex', async () => {
    const { a, b } = pair();
    addMacvlan(b, 11, 5);
    addMacvlan(b, 12, 5, { up: false });
    b.kernel.addAddress({ ifindex: 11, address: '2001:db8::11' });
    const sa = a.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    const sb = b.openRawIp({ family: 6, protocol: VRRP, checksumOffset: 6 });
    sb.joinGroup('ff02::12', 11);
    sb.joinGroup('ff02::12', 12);
    const got = collect(sb);
    sa.send(ADVERT6, 'ff02::12', 2);
    sa.send(ADVERT6, '2001:db8::11', 2);
    await settle();
    assert.deepEqual(
      got.map((p) => [p.destination, p.ifindex]),
      [
        ['ff02::12', 11],
        ['2001:db8::11', 11],
      ],
    );
  });

  it('IPv4: multicast to joined sockets with TTL 255 and the payload as sent; sources and unicast from the kernel addresses', async () => {
    const { link, a, b } = pair();
    withIpv4(a, [
      { ifindex: 2, address: '10.0.0.1' },
      { ifindex: 3, address: '10.1.0.1' },
    ]);
    withIpv4(b, [{ ifindex: 5, address: '10.0.0.2' }]);
    const sa = a.openRawIp({ family: 4, protocol: VRRP });
    const free = a.openRawIp({ family: 4, protocol: VRRP, freebind: true });
    const sb = b.openRawIp({ family: 4, protocol: VRRP });
    const idle = b.openRawIp({ family: 4, protocol: VRRP });
    const s6 = b.openRawIp({ family: 6, protocol: VRRP });
    const got = collect(sb);
    const gotIdle = collect(idle);
    const got6 = collect(s6);
    assert.equal(sa.family, 4);
    s6.joinGroup('ff02::12', 5);
    sb.joinGroup('224.0.0.18', 5);
    assert.deepEqual(b.ipMemberships(4, 5), ['224.0.0.18']);

    sa.send(ADVERT4, '224.0.0.18', 2); // the interface's address
    sa.send(ADVERT4, '224.0.0.18', 2, '10.1.0.1'); // another interface's address is fine
    sa.send(ADVERT4, '10.0.0.2', 2);
    // The kernel refuses a source that is no address of the host; IP_FREEBIND does not help.
    assert.throws(() => sa.send(ADVERT4, '224.0.0.18', 2, '10.0.0.100'), code('ENETUNREACH'));
    assert.throws(() => free.send(ADVERT4, '224.0.0.18', 2, '10.0.0.100'), code('ENETUNREACH'));
    await settle();
    assert.deepEqual(
      got.map((p) => [p.source, p.destination, p.ifindex, p.hopLimit, p.data]),
      [
        ['10.0.0.1', '224.0.0.18', 5, 255, ADVERT4],
        ['10.1.0.1', '224.0.0.18', 5, 255, ADVERT4],
        ['10.0.0.1', '10.0.0.2', 5, 255, ADVERT4],
      ],
    );
    assert.deepEqual(
      gotIdle.map((p) => p.destination),
      ['10.0.0.2'],
      'unicast reaches every socket of the protocol; multicast only the joined ones',
    );
    assert.equal(got6.length, 0);
    assert.deepEqual(
      link.ipPackets.map((p) => [p.family, p.protocol, p.ifindex]),
      [
        [4, VRRP, 2],
        [4, VRRP, 2],
        [4, VRRP, 2],
      ],
    );
  });
});

describe('memory backend: packet sockets', () => {
  const frame = Buffer.concat([Buffer.alloc(6, 0xff), Buffer.from([0, 0, 0x5e, 0, 1, 7, 0x08, 0x06]), Buffer.alloc(46)]);

  it('records frames on the host and on the link (a macvlan uses its parent link)', async () => {
    const { link, a } = pair();
    addMacvlan(a, 10, 2);
    const s = a.openPacket();
    assert.equal(a.openPacketSockets, 1);
    s.send(frame, 2);
    s.send(frame, 10);
    assert.deepEqual(a.sentFrames, [
      { frame, ifindex: 2 },
      { frame, ifindex: 10 },
    ]);
    assert.equal(link.frames.length, 0, 'delivery is asynchronous');
    await settle();
    assert.deepEqual(
      link.frames.map((f) => [f.from, f.ifindex, f.frame]),
      [
        [a, 2, frame],
        [a, 10, frame],
      ],
    );
    s.close();
    s.close();
    assert.equal(a.openPacketSockets, 0);
    assert.throws(() => s.send(frame, 2), code('EBADF'));
  });

  it('refuses runts, unknown interfaces, frames over the MTU, and injected faults', async () => {
    const { link, a } = pair();
    const s = a.openPacket();
    assert.throws(() => s.send(frame.subarray(0, 13), 2), TypeError);
    assert.throws(() => s.send(frame, 0), TypeError);
    assert.throws(() => s.send(frame, 99), code('ENODEV'));
    assert.throws(() => s.send(Buffer.alloc(1515), 2), code('EMSGSIZE'));
    s.send(Buffer.alloc(1514), 2);
    a.frameFault = () => 'ENETDOWN';
    assert.throws(() => s.send(frame, 2), code('ENETDOWN'));
    await settle();
    assert.deepEqual([a.sentFrames.length, link.frames.length], [1, 1]);
  });
});
