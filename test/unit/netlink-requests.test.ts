/**
 * The rtnetlink change requests (src/netlink/codec.ts), NetlinkRequester
 * (src/netlink/requests.ts), the in-memory kernel's handling of them (src/sys/memory.ts) and
 * NetState's IPv4 addresses. Golden request bytes are built by hand in the kernel's layout
 * (and checked against Linux by test/integration/netlink-requests.test.ts); the IPv4 address
 * dump was captured from Linux 6.18 (x86_64). Netlink integers are host-endian, so the byte
 * vectors only hold on little-endian machines.
 */
import { strict as assert } from 'node:assert';
import { endianness } from 'node:os';
import { describe, it } from 'node:test';
import {
  addressDumpRequest,
  deleteAddressRequest,
  deleteLinkRequest,
  encodeError,
  encodeIpv4AddressMessage,
  encodeLinkMessage,
  encodeMessage,
  getLinkRequest,
  newAddressRequest,
  newMacvlanRequest,
  parseAddressMessage,
  parseLinkMessage,
  parseMessages,
  setLinkRequest,
  type NetlinkMessage,
} from '../../src/netlink/codec';
import { AF_INET, AF_UNSPEC, errnoName, NLM_F, RTM, RTNLGRP } from '../../src/netlink/constants';
import { NetlinkRequester } from '../../src/netlink/requests';
import { NetlinkError, NetState } from '../../src/netlink/state';
import type { Ipv4AddressInfo, Ipv4Event, LinkInfo } from '../../src/netlink/types';
import { MemoryBackend, settle } from '../../src/sys/memory';
import { SysError, type RawNetlinkSocket } from '../../src/sys/types';

/** Hex with spaces, newlines and `# comments` allowed. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
}

const LE = endianness() === 'LE';
const golden = { skip: !LE && 'golden vectors are little-endian' };

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<NetlinkError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NetlinkError, `a NetlinkError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(errnoName(e.errno), code);
    assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a rejection with ${code}`);
}

// `ip addr add 192.0.2.1/24 dev v0; ip addr add 192.0.2.2/24 dev v0`, then an AF_INET
// RTM_GETADDR dump: one datagram of two messages (captured, Linux 6.18).
const IPV4_DUMP = hex(`
  4c000000 1400 0200 01000000 ba2d0000
  02 18 80 00 03000000                     # AF_INET, /24, IFA_F_PERMANENT, scope universe, ifindex 3
  0800 0100 c0000201                       # IFA_ADDRESS 192.0.2.1
  0800 0200 c0000201                       # IFA_LOCAL 192.0.2.1
  0700 0300 763000 00                      # IFA_LABEL "v0"
  0800 0800 80000000                       # IFA_FLAGS PERMANENT
  1400 0600 ffffffff ffffffff a13a0100 a13a0100   # IFA_CACHEINFO forever
  4c000000 1400 0200 01000000 ba2d0000
  02 18 81 00 03000000                     # flags SECONDARY|PERMANENT
  0800 0100 c0000202
  0800 0200 c0000202
  0700 0300 763000 00
  0800 0800 81000000
  1400 0600 ffffffff ffffffff a13a0100 a13a0100
`);

describe('netlink codec: change requests', golden, () => {
  it('creates a macvlan down with its name, parent, MAC and mode (NLM_F_CREATE | NLM_F_EXCL)', () => {
    assert.deepEqual(
      newMacvlanRequest(7, { name: 'vrrp10', parentIfindex: 2, mac: '00:00:5E:00:01:0A', mode: 'bridge' }),
      hex(`
        5c000000 1000 0506 07000000 00000000     # len 92, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 7
        00 00 0000 00000000 00000000 00000000    # ifinfomsg: AF_UNSPEC, index 0, flags 0 (down), change 0
        0b00 0300 767272703130 00 00             # IFLA_IFNAME "vrrp10"
        0800 0500 02000000                       # IFLA_LINK 2
        0a00 0100 00005e00010a 0000              # IFLA_ADDRESS
        1c00 1280                                # IFLA_LINKINFO | NLA_F_NESTED
          0c00 0100 6d6163766c616e00             #   IFLA_INFO_KIND "macvlan"
          0c00 0280                              #   IFLA_INFO_DATA | NLA_F_NESTED
            0800 0100 04000000                   #     IFLA_MACVLAN_MODE bridge (4)
      `),
    );
  });

  it('sets IFF_UP through ifi_flags / ifi_change, and addr_gen_mode in IFLA_AF_SPEC', () => {
    assert.deepEqual(setLinkRequest(8, 5, { up: true }), hex('20000000 1000 0500 08000000 00000000  00 00 0000 05000000 01000000 01000000'));
    assert.deepEqual(setLinkRequest(8, 5, { up: false }), hex('20000000 1000 0500 08000000 00000000  00 00 0000 05000000 00000000 01000000'));
    assert.deepEqual(
      setLinkRequest(9, 5, { addrGenMode: 'none' }),
      hex(`
        30000000 1000 0500 09000000 00000000     # len 48, RTM_NEWLINK, REQUEST|ACK (no CREATE)
        00 00 0000 05000000 00000000 00000000    # ifindex 5, no flag changes
        1000 1a80                                # IFLA_AF_SPEC | NLA_F_NESTED
          0c00 0a80                              #   AF_INET6 | NLA_F_NESTED
            0500 0800 01 000000                  #     IFLA_INET6_ADDR_GEN_MODE none (1)
      `),
    );
    assert.throws(() => setLinkRequest(1, 5, { addrGenMode: 'bogus' }), RangeError);
  });

  it('deletes and reads a link by ifindex or by name', () => {
    assert.deepEqual(deleteLinkRequest(10, { ifindex: 5 }), hex('20000000 1100 0500 0a000000 00000000  00 00 0000 05000000 00000000 00000000'));
    assert.deepEqual(
      deleteLinkRequest(11, { name: 'vrrp10' }),
      hex('2c000000 1100 0500 0b000000 00000000  00 00 0000 00000000 00000000 00000000  0b00 0300 767272703130 0000'),
    );
    assert.deepEqual(
      getLinkRequest(12, { name: 'vrrp10' }),
      hex('34000000 1200 0500 0c000000 00000000  00 00 0000 00000000 00000000 00000000  0b00 0300 767272703130 0000  0800 1d00 08000000'),
    );
    assert.throws(() => deleteLinkRequest(1, { name: 'a-name-too-long-for-linux' }), RangeError);
  });

  it('adds an IPv6 address with IFA_F_NODAD, an IPv4 one, and deletes one', () => {
    assert.deepEqual(
      newAddressRequest(13, { ifindex: 5, family: 6, address: 'fe80::1', prefixLength: 64, nodad: true }),
      hex(`
        48000000 1400 0506 0d000000 00000000     # len 72, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
        0a 40 02 00 05000000                     # AF_INET6, /64, ifa_flags NODAD, scope 0, ifindex 5
        1400 0200 fe800000000000000000000000000001   # IFA_LOCAL
        1400 0100 fe800000000000000000000000000001   # IFA_ADDRESS
        0800 0800 02000000                       # IFA_FLAGS NODAD
      `),
    );
    assert.deepEqual(
      newAddressRequest(14, { ifindex: 5, family: 4, address: '192.0.2.1', prefixLength: 24 }),
      hex('28000000 1400 0506 0e000000 00000000  02 18 00 00 05000000  0800 0200 c0000201  0800 0100 c0000201'),
    );
    assert.deepEqual(
      deleteAddressRequest(15, { ifindex: 5, family: 4, address: '192.0.2.1', prefixLength: 24 }),
      hex('28000000 1500 0500 0f000000 00000000  02 18 00 00 05000000  0800 0200 c0000201  0800 0100 c0000201'),
    );
    assert.throws(() => newAddressRequest(1, { ifindex: 5, family: 4, address: '2001:db8::1', prefixLength: 24 }), RangeError);
    assert.throws(() => newAddressRequest(1, { ifindex: 5, family: 4, address: '192.0.2.1', prefixLength: 33 }), RangeError);
  });

  it('asks for the addresses of one family or of all', () => {
    assert.deepEqual(addressDumpRequest(5, AF_INET), hex('18000000 1600 0103 05000000 00000000  02 00 00 00 00000000'));
    assert.deepEqual(addressDumpRequest(5, AF_UNSPEC), hex('18000000 1600 0103 05000000 00000000  00 00 00 00 00000000'));
  });
});

describe('netlink codec: macvlan links and IPv4 addresses', golden, () => {
  const MACVLAN = hex(`
    00 00 0100 09000000 03100100 00000000    # ARPHRD_ETHER, ifindex 9, UP|BROADCAST|MULTICAST|LOWER_UP
    0b00 0300 767272703130 00 00             # IFLA_IFNAME "vrrp10"
    0800 0400 dc050000                       # IFLA_MTU 1500
    0500 1000 06000000                       # IFLA_OPERSTATE up
    0a00 0100 00005e00010a 0000              # IFLA_ADDRESS
    0800 0500 02000000                       # IFLA_LINK 2
    2400 1200                                # IFLA_LINKINFO (the kernel does not set NLA_F_NESTED here)
      0c00 0100 6d6163766c616e00             #   IFLA_INFO_KIND "macvlan"
      1400 0200                              #   IFLA_INFO_DATA
        0800 0100 04000000                   #     IFLA_MACVLAN_MODE bridge
        0600 0200 0000 0000                  #     IFLA_MACVLAN_FLAGS 0
  `);

  it('decodes a macvlan: parent from IFLA_LINK, mode from IFLA_INFO_DATA', () => {
    const { link } = parseLinkMessage(MACVLAN);
    assert.deepEqual(link, {
      ifindex: 9,
      name: 'vrrp10',
      up: true,
      carrier: true,
      operState: 'up',
      mtu: 1500,
      mac: '00:00:5e:00:01:0a',
      flags: 0x11003,
      kind: 'macvlan',
      parentIfindex: 2,
      macvlanMode: 'bridge',
    } satisfies LinkInfo);
  });

  it('reports no parent for a link in another namespace (IFLA_LINK_NETNSID) or a veth (IFLA_LINK is its peer)', () => {
    const netnsid = Buffer.concat([MACVLAN, hex('0800 2500 00000000')]);
    assert.equal(parseLinkMessage(netnsid).link.parentIfindex, undefined);
    const veth: LinkInfo = { ifindex: 3, name: 'v0', up: false, carrier: false, operState: 'down', mtu: 1500, mac: '02:00:00:00:00:03', flags: 0x1002, kind: 'veth', parentIfindex: 4 };
    assert.equal(parseLinkMessage(encodeLinkMessage(veth)).link.parentIfindex, undefined);
  });

  it('encodes what it decodes, parent and mode included', () => {
    const l: LinkInfo = { ifindex: 9, name: 'vrrp10', up: false, carrier: false, operState: 'down', mtu: 1500, mac: '00:00:5e:00:01:0a', flags: 0x1002, kind: 'macvlan', parentIfindex: 2, macvlanMode: 'private' };
    assert.deepEqual(parseLinkMessage(encodeLinkMessage(l)).link, l);
  });

  it('decodes IPv4 addresses, primary and secondary, from a captured dump', () => {
    const [a, b] = parseMessages(IPV4_DUMP);
    assert.ok(a && b);
    const first = parseAddressMessage(a.payload);
    assert.equal(first.address, undefined, 'not an IPv6 address');
    assert.deepEqual(first.ipv4, {
      ifindex: 3,
      address: '192.0.2.1',
      prefixLength: 24,
      scope: 0,
      tentative: false,
      deprecated: false,
      dadFailed: false,
      secondary: false,
      label: 'v0',
      preferredLifetime: 0xffffffff,
      validLifetime: 0xffffffff,
    } satisfies Ipv4AddressInfo);
    assert.equal(parseAddressMessage(b.payload).ipv4?.secondary, true);
    assert.equal(parseAddressMessage(b.payload).ipv4?.address, '192.0.2.2');
  });

  it('encodes IPv4 addresses as it decodes them', () => {
    const a: Ipv4AddressInfo = { ifindex: 4, address: '10.1.2.3', prefixLength: 8, scope: 0, tentative: false, deprecated: true, dadFailed: false, secondary: true, label: 'eth0:1', broadcast: '10.255.255.255', preferredLifetime: 0, validLifetime: 600 };
    assert.deepEqual(parseAddressMessage(encodeIpv4AddressMessage(a)).ipv4, a);
  });
});

// ---------------------------------------------------------------------------------------
// NetlinkRequester against a scripted socket

class ScriptedSocket implements RawNetlinkSocket {
  readonly sent: NetlinkMessage[] = [];
  closed = false;
  sendError: Error | undefined;
  private onData: ((d: Buffer) => void) | undefined;
  private onOver: (() => void) | undefined;
  send(datagram: Uint8Array): void {
    if (this.sendError) throw this.sendError;
    this.sent.push(...parseMessages(datagram));
  }
  onDatagram(h: (d: Buffer) => void): void {
    this.onData = h;
  }
  onOverflow(h: () => void): void {
    this.onOver = h;
  }
  close(): void {
    this.closed = true;
  }
  /** Answer the n-th request sent with `errno` (0: ack). */
  answer(n: number, errno: number): void {
    const m = this.sent[n];
    assert.ok(m, `request ${n} was sent`);
    this.onData?.(encodeError(m.seq, 77, errno, m));
  }
  deliver(d: Buffer): void {
    this.onData?.(d);
  }
  overflow(): void {
    this.onOver?.();
  }
}

function scripted(options: { timeoutMs?: number } = {}): { socket: ScriptedSocket; r: NetlinkRequester; groups: (readonly number[])[] } {
  const socket = new ScriptedSocket();
  const groups: (readonly number[])[] = [];
  const r = NetlinkRequester.open(
    {
      openRouteNetlink: (o) => {
        groups.push(o.groups);
        return socket;
      },
    },
    options,
  );
  return { socket, r, groups };
}

describe('NetlinkRequester: acknowledgements', () => {
  it('opens a socket without groups and sends each request at once, with NLM_F_ACK and its own sequence number', async () => {
    const { socket, r, groups } = scripted();
    assert.deepEqual(groups, [[]]);
    const up = r.setLinkUp(5, true);
    const down = r.setLinkUp(6, false);
    assert.equal(socket.sent.length, 2, 'sent before the call returned');
    assert.equal(r.inFlight, 2);
    const [a, b] = socket.sent;
    assert.ok(a && b);
    assert.equal(a.type, RTM.NEWLINK);
    assert.ok(a.flags & NLM_F.ACK && a.flags & NLM_F.REQUEST);
    assert.notEqual(a.seq, b.seq);
    // Answers are matched by sequence number, whatever their order.
    socket.answer(1, 0);
    await down;
    assert.equal(r.inFlight, 1);
    socket.answer(0, 0);
    await up;
    assert.equal(r.inFlight, 0);
    r.close();
    assert.ok(socket.closed);
  });

  it('rejects with a NetlinkError naming the operation, the interface and the errno', async () => {
    const { socket, r } = scripted();
    const p = r.setLinkUp(42, true);
    socket.answer(0, 19);
    const e = await rejectsWith(p, 'ENODEV', /^set ifindex 42 up: ENODEV$/);
    assert.equal(e.errno, 19);
    const add = r.addAddress({ ifindex: 42, family: 6, address: '2001:db8::1', prefixLength: 64, nodad: true });
    socket.answer(1, 1);
    await rejectsWith(add, 'EPERM', /^add 2001:db8::1\/64 nodad to ifindex 42: EPERM$/);
    r.close();
  });

  it('treats "already there" and "already gone" as results, not errors', async () => {
    const { socket, r } = scripted();
    const spec = { ifindex: 3, family: 4, address: '192.0.2.1', prefixLength: 24 } as const;
    const added = [r.addAddress(spec), r.addAddress(spec)];
    socket.answer(0, 0);
    socket.answer(1, 17); // EEXIST
    assert.deepEqual(await Promise.all(added), [true, false]);
    const removed = [r.removeAddress(spec), r.removeAddress(spec), r.removeAddress(spec), r.removeAddress(spec)];
    socket.answer(2, 0);
    socket.answer(3, 99); // EADDRNOTAVAIL
    socket.answer(4, 19); // ENODEV
    socket.answer(5, 3); // ESRCH
    assert.deepEqual(await Promise.all(removed), [true, false, false, false]);
    const deleted = [r.deleteLink(3), r.deleteLink(3), r.deleteLinkByName('vrrp1')];
    socket.answer(6, 0);
    socket.answer(7, 19);
    socket.answer(8, 19);
    assert.deepEqual(await Promise.all(deleted), [true, false, false]);
    const bad = r.removeAddress(spec);
    socket.answer(9, 22);
    await rejectsWith(bad, 'EINVAL', /remove 192\.0\.2\.1\/24 from ifindex 3: EINVAL/);
    r.close();
  });

  it('reads a link back (the reply before the ack), undefined for ENODEV', async () => {
    const { socket, r } = scripted();
    const link: LinkInfo = { ifindex: 9, name: 'vrrp10', up: false, carrier: false, operState: 'down', mtu: 1500, mac: '00:00:5e:00:01:0a', flags: 0x1002, kind: 'macvlan', parentIfindex: 2, macvlanMode: 'bridge' };
    const p = r.getLink('vrrp10');
    const req = socket.sent[0];
    assert.ok(req);
    assert.equal(req.type, RTM.GETLINK);
    socket.deliver(Buffer.concat([encodeMessage({ type: RTM.NEWLINK, flags: 0, seq: req.seq, pid: 77 }, encodeLinkMessage(link)), encodeError(req.seq, 77, 0, req)]));
    assert.deepEqual(await p, link);
    const missing = r.getLink(99);
    socket.answer(1, 19);
    assert.equal(await missing, undefined);
    r.close();
  });

  it('creates a macvlan in three steps: create, read back, addr_gen_mode none; deletes it again when the last fails', async () => {
    const { socket, r } = scripted();
    const link: LinkInfo = { ifindex: 9, name: 'vrrp10', up: false, carrier: false, operState: 'down', mtu: 1500, mac: '00:00:5e:00:01:0a', flags: 0x1002, kind: 'macvlan', parentIfindex: 2, macvlanMode: 'bridge' };
    const created = r.createMacvlan({ name: 'vrrp10', parentIfindex: 2, mac: '00:00:5e:00:01:0a', mode: 'bridge' });
    assert.deepEqual(socket.sent.map((m) => m.type), [RTM.NEWLINK, RTM.GETLINK], 'both sent at once');
    const [create, read] = socket.sent;
    assert.ok(create && read);
    socket.answer(0, 0);
    socket.deliver(Buffer.concat([encodeMessage({ type: RTM.NEWLINK, flags: 0, seq: read.seq, pid: 77 }, encodeLinkMessage(link)), encodeError(read.seq, 77, 0, read)]));
    await settle();
    assert.equal(socket.sent.length, 3);
    assert.deepEqual(socket.sent[2]?.payload, setLinkRequest(0, 9, { addrGenMode: 'none' }).subarray(16), 'addr_gen_mode none alone, by ifindex');
    socket.answer(2, 0);
    assert.deepEqual(await created, link);

    const failing = r.createMacvlan({ name: 'vrrp10', parentIfindex: 2 });
    const [c2, r2] = socket.sent.slice(3);
    assert.ok(c2 && r2);
    socket.answer(3, 0);
    socket.deliver(Buffer.concat([encodeMessage({ type: RTM.NEWLINK, flags: 0, seq: r2.seq, pid: 77 }, encodeLinkMessage(link)), encodeError(r2.seq, 77, 0, r2)]));
    await settle();
    socket.answer(5, 1); // addr_gen_mode refused
    await settle();
    assert.equal(socket.sent[6]?.type, RTM.DELLINK);
    socket.answer(6, 0);
    await rejectsWith(failing, 'EPERM', /set addr_gen_mode none on vrrp10 \(ifindex 9\): EPERM/);

    const exists = r.createMacvlan({ name: 'vrrp10', parentIfindex: 2 });
    socket.answer(7, 17);
    socket.answer(8, 0);
    await rejectsWith(exists, 'EEXIST', /^create macvlan vrrp10 on ifindex 2: EEXIST$/);
    assert.equal(socket.sent.length, 9, 'nothing more after a refused creation');
    r.close();
  });

  it('rejects what it could not send, and what is pending at an overflow, a close or a timeout', async () => {
    const { socket, r } = scripted({ timeoutMs: 20 });
    socket.sendError = new SysError('sendto: ENOBUFS', 'ENOBUFS', 105);
    await rejectsWith(r.setLinkUp(1, true), 'ENOBUFS', /set ifindex 1 up: sending failed/);
    socket.sendError = undefined;
    assert.equal(r.inFlight, 0);

    const lost = r.setLinkUp(1, true);
    socket.overflow();
    await rejectsWith(lost, 'ENOBUFS', /acknowledgement lost/);

    const slow = r.setLinkUp(1, true);
    await rejectsWith(slow, 'ETIMEDOUT', /no acknowledgement after 20 ms/);

    const cut = r.deleteLink(1);
    r.close();
    await rejectsWith(cut, 'EBADF', /closed before the acknowledgement/);
    await rejectsWith(r.setLinkUp(1, false), 'EBADF', /requester closed/);
  });

  it('ignores answers to requests it did not send, and undecodable datagrams', async () => {
    const { socket, r } = scripted();
    const p = r.setLinkUp(1, true);
    socket.deliver(encodeError(12345, 77, 19));
    socket.deliver(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]));
    assert.equal(r.inFlight, 1);
    socket.answer(0, 0);
    await p;
    r.close();
  });
});

// ---------------------------------------------------------------------------------------
// Against the in-memory kernel

function host(): { host: MemoryBackend; parent: LinkInfo; r: NetlinkRequester } {
  const h = new MemoryBackend();
  h.kernel.addLink({ name: 'lo', ifindex: 1, mac: '00:00:00:00:00:00' });
  const parent = h.kernel.addLink({ name: 'eth0', ifindex: 2, mac: '02:00:00:00:00:02', kind: 'veth' });
  return { host: h, parent, r: NetlinkRequester.open(h) };
}

describe('NetlinkRequester on the memory kernel', () => {
  it('creates a macvlan down with addr_gen_mode none, in effect as soon as the call returns', async () => {
    const { host: h, r } = host();
    const state = await NetState.open(h);
    try {
      const p = r.createMacvlan({ name: 'vrrp10', parentIfindex: 2, mac: '00:00:5e:00:01:0a', mode: 'bridge' });
      const made = h.kernel.links().find((l) => l.name === 'vrrp10');
      assert.ok(made, 'the link exists before the Promise settles');
      const link = await p;
      assert.deepEqual(link, made);
      assert.deepEqual(
        [link.kind, link.parentIfindex, link.mac, link.macvlanMode, link.up, link.carrier, link.operState],
        ['macvlan', 2, '00:00:5e:00:01:0a', 'bridge', false, false, 'down'],
      );
      assert.equal(h.kernel.addrGenMode(link.ifindex), 'none');
      assert.deepEqual(h.kernel.changeRequests.map((m) => m.type), [RTM.NEWLINK, RTM.GETLINK, RTM.NEWLINK]);
      await settle();
      assert.deepEqual(state.link(link.ifindex), link);

      const up = r.setLinkUp(link.ifindex, true);
      assert.equal(h.kernel.link(link.ifindex)?.up, true, 'up before the ack is read');
      await up;
      await settle();
      assert.deepEqual([state.link(link.ifindex)?.up, state.link(link.ifindex)?.carrier, state.link(link.ifindex)?.operState], [true, true, 'up']);
      assert.deepEqual(h.kernel.addresses(link.ifindex), [], 'no link-local with addr_gen_mode none');
      assert.deepEqual(state.addresses(link.ifindex), []);
    } finally {
      state.close();
      r.close();
    }
    assert.equal(h.kernel.openSockets, 0);
  });

  it('gives a macvlan the carrier of its parent', async () => {
    const { host: h, r } = host();
    const link = await r.createMacvlan({ name: 'vrrp10', parentIfindex: 2 });
    await r.setLinkUp(link.ifindex, true);
    h.kernel.setLink(2, { carrier: false });
    assert.deepEqual([h.kernel.link(link.ifindex)?.carrier, h.kernel.link(link.ifindex)?.operState], [false, 'lowerlayerdown']);
    h.kernel.setLink(2, { carrier: true });
    assert.deepEqual([h.kernel.link(link.ifindex)?.carrier, h.kernel.link(link.ifindex)?.operState], [true, 'up']);
    await r.setLinkUp(link.ifindex, false);
    assert.deepEqual([h.kernel.link(link.ifindex)?.up, h.kernel.link(link.ifindex)?.carrier, h.kernel.link(link.ifindex)?.operState], [false, false, 'down']);
    r.close();
  });

  it('makes a link-local when addr_gen_mode is left eui64, or set in the same message as IFF_UP (keepalived #2026)', async () => {
    const { host: h, r } = host();
    const socket = h.openRouteNetlink({ groups: [] });
    socket.onDatagram(() => undefined);
    socket.send(newMacvlanRequest(1, { name: 'mv1', parentIfindex: 2, mac: '00:00:5e:00:01:01' }));
    socket.send(newMacvlanRequest(2, { name: 'mv2', parentIfindex: 2, mac: '00:00:5e:00:01:02' }));
    const mv1 = h.kernel.links().find((l) => l.name === 'mv1');
    const mv2 = h.kernel.links().find((l) => l.name === 'mv2');
    assert.ok(mv1 && mv2);
    assert.equal(mv1.macvlanMode, 'bridge');
    assert.equal(h.kernel.addrGenMode(mv1.ifindex), 'eui64');
    await r.setLinkUp(mv1.ifindex, true);
    assert.deepEqual(h.kernel.addresses(mv1.ifindex).map((a) => a.address), ['fe80::200:5eff:fe00:101']);
    socket.send(setLinkRequest(3, mv2.ifindex, { up: true, addrGenMode: 'none' }));
    assert.equal(h.kernel.addrGenMode(mv2.ifindex), 'none');
    assert.deepEqual(h.kernel.addresses(mv2.ifindex).map((a) => a.address), ['fe80::200:5eff:fe00:102'], 'the flags were applied first');
    socket.close();
    r.close();
  });

  it('refuses like the kernel: EEXIST for a taken name, ENODEV for a missing parent or link, EAFNOSUPPORT for IFLA_AF_SPEC at creation', async () => {
    const { host: h, r } = host();
    await r.createMacvlan({ name: 'vrrp10', parentIfindex: 2 });
    await rejectsWith(r.createMacvlan({ name: 'vrrp10', parentIfindex: 2 }), 'EEXIST', /^create macvlan vrrp10 on ifindex 2: EEXIST$/);
    await rejectsWith(r.createMacvlan({ name: 'eth0', parentIfindex: 2 }), 'EEXIST', /create macvlan eth0/);
    await rejectsWith(r.createMacvlan({ name: 'vrrp11', parentIfindex: 99 }), 'ENODEV', /^create macvlan vrrp11 on ifindex 99: ENODEV$/);
    await rejectsWith(r.setLinkUp(99, true), 'ENODEV', /set ifindex 99 up/);
    await rejectsWith(r.setAddrGenMode(99, 'none'), 'ENODEV', /set addr_gen_mode none on ifindex 99/);
    assert.equal(h.kernel.links().filter((l) => l.kind === 'macvlan').length, 1);
    // Linux cannot take IFLA_AF_SPEC with the creation: no device to validate it against yet.
    const socket = h.openRouteNetlink({ groups: [] });
    const answers: number[] = [];
    socket.onDatagram((d) => {
      for (const m of parseMessages(d)) answers.push(m.payload.readInt32LE(0));
    });
    const create = newMacvlanRequest(5, { name: 'mv9', parentIfindex: 2 });
    const afSpec = setLinkRequest(0, 0, { addrGenMode: 'none' }).subarray(32);
    socket.send(encodeMessage({ type: RTM.NEWLINK, flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq: 5 }, Buffer.concat([create.subarray(16), afSpec])));
    await settle();
    assert.deepEqual(answers, [-97]);
    assert.equal(h.kernel.linkByName('mv9'), undefined);
    socket.close();
    h.kernel.requestFault = (m) => (m.type === RTM.NEWADDR ? 1 : undefined);
    await rejectsWith(r.addAddress({ ifindex: 2, family: 6, address: '2001:db8::1', prefixLength: 64 }), 'EPERM', /^add 2001:db8::1\/64 to ifindex 2: EPERM$/);
    r.close();
  });

  it('adds and removes IPv6 and IPv4 addresses; NetState sees them', async () => {
    const { host: h, r } = host();
    const state = await NetState.open(h);
    const v4events: Ipv4Event[] = [];
    state.onIpv4((e) => v4events.push(e));
    try {
      const link = await r.createMacvlan({ name: 'vrrp10', parentIfindex: 2, mac: '00:00:5e:00:01:0a' });
      await r.setLinkUp(link.ifindex, true);
      const i = link.ifindex;
      const adding = r.addAddress({ ifindex: i, family: 6, address: 'fe80::1', prefixLength: 64, nodad: true });
      assert.equal(h.kernel.addresses(i).length, 1, 'on the link before the ack');
      assert.equal(await adding, true);
      assert.equal(await r.addAddress({ ifindex: i, family: 6, address: 'fe80::1', prefixLength: 64, nodad: true }), false, 'EEXIST');
      assert.equal(await r.addAddress({ ifindex: i, family: 6, address: '2001:db8::1', prefixLength: 64 }), true);
      assert.equal(await r.addAddress({ ifindex: i, family: 4, address: '192.0.2.1', prefixLength: 24 }), true);
      assert.equal(await r.addAddress({ ifindex: i, family: 4, address: '192.0.2.2', prefixLength: 24 }), true);
      assert.equal(await r.addAddress({ ifindex: i, family: 4, address: '192.0.2.1', prefixLength: 24 }), false);
      await settle();
      assert.deepEqual(
        state.addresses(i).map((a) => [a.address, a.scope, a.tentative]),
        [
          ['fe80::1', 253, false],
          ['2001:db8::1', 0, true],
        ],
        'IPv6 only; DAD pending without nodad',
      );
      h.kernel.completeDad(i);
      await settle();
      assert.equal(state.addresses(i).find((a) => a.address === '2001:db8::1')?.tentative, false);
      assert.deepEqual(state.ipv4Addresses(i).map((a) => [a.address, a.prefixLength, a.secondary]), [
        ['192.0.2.1', 24, false],
        ['192.0.2.2', 24, true],
      ]);
      assert.equal(state.primaryIpv4(i)?.address, '192.0.2.1');
      assert.deepEqual(v4events.map((e) => (e.kind === 'resync' ? e.kind : `${e.kind} ${e.address.address}`)), ['ipv4Address 192.0.2.1', 'ipv4Address 192.0.2.2']);

      assert.equal(await r.removeAddress({ ifindex: i, family: 6, address: 'fe80::1', prefixLength: 48 }), false, 'another prefix length');
      assert.equal(await r.removeAddress({ ifindex: i, family: 6, address: 'fe80::1', prefixLength: 64 }), true);
      assert.equal(await r.removeAddress({ ifindex: i, family: 6, address: 'fe80::1', prefixLength: 64 }), false);
      assert.equal(await r.removeAddress({ ifindex: 99, family: 4, address: '192.0.2.1', prefixLength: 24 }), false, 'ENODEV');
      // Setting the link down takes its IPv6 addresses away (keep_addr_on_down 0), not its IPv4 ones.
      await r.setLinkUp(i, false);
      await settle();
      assert.deepEqual(state.addresses(i), []);
      assert.equal(state.ipv4Addresses(i).length, 2);
      // Removing the primary takes the secondaries of its subnet along (promote_secondaries 0).
      v4events.length = 0;
      assert.equal(await r.removeAddress({ ifindex: i, family: 4, address: '192.0.2.1', prefixLength: 24 }), true);
      assert.equal(await r.removeAddress({ ifindex: i, family: 4, address: '192.0.2.2', prefixLength: 24 }), false);
      await settle();
      assert.deepEqual(state.ipv4Addresses(i), []);
      assert.deepEqual(v4events.map((e) => (e.kind === 'resync' ? e.kind : `${e.kind} ${e.address.address}`)), ['ipv4AddressRemoved 192.0.2.2', 'ipv4AddressRemoved 192.0.2.1']);
    } finally {
      state.close();
      r.close();
    }
  });

  it('deletes links by ifindex and by name, and a parent takes its macvlans along', async () => {
    const { host: h, r } = host();
    const state = await NetState.open(h);
    try {
      const a = await r.createMacvlan({ name: 'mva', parentIfindex: 2 });
      const b = await r.createMacvlan({ name: 'mvb', parentIfindex: 2 });
      const c = await r.createMacvlan({ name: 'mvc', parentIfindex: 2 });
      await r.addAddress({ ifindex: c.ifindex, family: 4, address: '198.51.100.1', prefixLength: 24 });
      const deleting = r.deleteLink(a.ifindex);
      assert.equal(h.kernel.link(a.ifindex), undefined, 'gone before the ack');
      assert.equal(await deleting, true);
      assert.equal(await r.deleteLink(a.ifindex), false);
      assert.equal(await r.deleteLinkByName('mvb'), true);
      assert.equal(await r.deleteLinkByName('mvb'), false);
      await settle();
      assert.deepEqual(state.links().map((l) => l.name), ['lo', 'eth0', 'mvc']);
      assert.equal(state.ipv4Addresses(c.ifindex).length, 1);
      h.kernel.removeLink(2);
      await settle();
      assert.deepEqual(state.links().map((l) => l.name), ['lo']);
      assert.deepEqual(state.ipv4Addresses(), []);
      assert.equal(await r.getLink('mvc'), undefined);
      assert.equal((await r.getLink(1))?.name, 'lo');
    } finally {
      state.close();
      r.close();
    }
  });
});

describe('NetState: IPv4 addresses', () => {
  it('dumps IPv4 and IPv6 addresses in one AF_UNSPEC dump, and keeps them apart', async () => {
    const h = new MemoryBackend();
    h.kernel.dumpChunk = 1;
    h.kernel.addLink({ name: 'eth0', ifindex: 2 });
    h.kernel.addLink({ name: 'eth1', ifindex: 3 });
    h.kernel.addAddress({ ifindex: 2, address: 'fe80::2' });
    h.kernel.addIpv4Address({ ifindex: 3, address: '10.0.0.3', prefixLength: 8 });
    h.kernel.addIpv4Address({ ifindex: 2, address: '127.0.0.5', prefixLength: 8 });
    h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.9', prefixLength: 24 });
    h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.10', prefixLength: 24 });
    const state = await NetState.open(h);
    try {
      assert.deepEqual(h.kernel.dumpRequests, [RTM.GETLINK, RTM.GETADDR, RTM.GETROUTE]);
      assert.deepEqual(state.addresses().map((a) => a.address), ['fe80::2']);
      assert.deepEqual(state.ipv4Addresses().map((a) => `${a.ifindex} ${a.address}/${a.prefixLength}${a.secondary ? ' secondary' : ''}`), [
        '2 192.0.2.9/24',
        '2 127.0.0.5/8',
        '2 192.0.2.10/24 secondary',
        '3 10.0.0.3/8',
      ]);
      assert.equal(state.primaryIpv4(2)?.address, '192.0.2.9', 'the widest scope first');
      assert.equal(state.primaryIpv4(3)?.address, '10.0.0.3');
      assert.equal(state.primaryIpv4(4), undefined);
      assert.equal(state.ipv4Addresses(2)[0]?.label, 'eth0');
    } finally {
      state.close();
    }
  });

  it('follows IPv4 events apart from the NetEvents, drops them with their link, and resynchronises them', async () => {
    const h = new MemoryBackend();
    h.kernel.addLink({ name: 'eth0', ifindex: 2 });
    const state = await NetState.open(h);
    const events: string[] = [];
    const netEvents: string[] = [];
    state.on((e) => netEvents.push(e.kind));
    const off = state.onIpv4((e) => events.push(e.kind === 'resync' ? 'resync' : `${e.kind} ${e.address.address}${e.kind === 'ipv4Address' && e.previous ? ' (changed)' : ''}`));
    try {
      h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.1', prefixLength: 24 });
      h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.1', prefixLength: 24 }); // no change: no event
      h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.1', prefixLength: 24, preferredLifetime: 0 });
      h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.1', prefixLength: 16 }); // another subnet: another address
      await settle();
      assert.deepEqual(events, ['ipv4Address 192.0.2.1', 'ipv4Address 192.0.2.1 (changed)', 'ipv4Address 192.0.2.1']);
      assert.deepEqual(netEvents, [], 'IPv4 changes are no NetEvents');
      assert.equal(state.ipv4Addresses(2).length, 2);
      assert.equal(state.ipv4Addresses(2).find((a) => a.prefixLength === 24)?.deprecated, true);

      events.length = 0;
      h.kernel.silently(() => {
        h.kernel.removeIpv4Address(2, '192.0.2.1', 16);
        h.kernel.addLink({ name: 'eth1', ifindex: 3 });
        h.kernel.addIpv4Address({ ifindex: 3, address: '198.51.100.3', prefixLength: 24 });
      });
      h.kernel.overflow();
      await settle();
      assert.deepEqual(events, ['resync']);
      assert.deepEqual(netEvents, ['resync']);
      assert.deepEqual(state.ipv4Addresses().map((a) => `${a.address}/${a.prefixLength}`), ['192.0.2.1/24', '198.51.100.3/24']);

      events.length = 0;
      h.kernel.inject(RTNLGRP.LINK, encodeMessage({ type: RTM.DELLINK, flags: 0, seq: 0 }, encodeLinkMessage(h.kernel.link(3) as LinkInfo)));
      await settle();
      assert.deepEqual(events, ['ipv4AddressRemoved 198.51.100.3'], 'a vanished link loses its IPv4 addresses');
      off();
      h.kernel.addIpv4Address({ ifindex: 2, address: '192.0.2.7', prefixLength: 24 });
      await settle();
      assert.deepEqual(events, ['ipv4AddressRemoved 198.51.100.3']);
      assert.equal(state.ipv4Addresses(2).length, 2);
    } finally {
      state.close();
    }
  });
});
