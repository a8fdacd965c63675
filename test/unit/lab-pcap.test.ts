import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  extractIcmpv6,
  ICMPV6_ROUTER_ADVERTISEMENT,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV6,
  PcapError,
  PcapStreamReader,
  readPcap,
  readPcapFile,
} from '../../src/lab/netns';
import { readFixture } from '../helpers/fixtures';

/** A minimal Ethernet + IPv6 + ICMPv6 frame (payload bytes after the ICMPv6 type/code). */
function frame(opts: { vlan?: number; hopByHop?: boolean; type?: number; body?: number[] } = {}): Uint8Array {
  const eth = [0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0x5e, 0x10, 0, 1];
  if (opts.vlan !== undefined) eth.push(0x81, 0x00, (opts.vlan >> 8) & 0x0f, opts.vlan & 0xff);
  eth.push(0x86, 0xdd);
  const icmp = [opts.type ?? 134, 0, 0, 0, ...(opts.body ?? [64, 0, 0x07, 0x08])];
  const ext = opts.hopByHop ? [58, 0, 5, 2, 0, 0, 1, 0] : [];
  const payload = [...ext, ...icmp];
  const src = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const dst = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const ip = [0x60, 0, 0, 0, payload.length >> 8, payload.length & 0xff, opts.hopByHop ? 0 : 58, 255, ...src, ...dst];
  return Uint8Array.from([...eth, ...ip, ...payload, 0xee, 0xee]); // trailing Ethernet padding
}

function pcap(records: { sec: number; frac: number; bytes: Uint8Array }[], opts: { bigEndian?: boolean; nano?: boolean; linkType?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number): number => (opts.bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  const w16 = (b: Buffer, v: number, o: number): number => (opts.bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  w32(h, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 65535, 16);
  w32(h, opts.linkType ?? LINKTYPE_ETHERNET, 20);
  parts.push(h);
  for (const r of records) {
    const rh = Buffer.alloc(16);
    w32(rh, r.sec, 0);
    w32(rh, r.frac, 4);
    w32(rh, r.bytes.length, 8);
    w32(rh, r.bytes.length, 12);
    parts.push(rh, Buffer.from(r.bytes));
  }
  return Buffer.concat(parts);
}

describe('readPcap', () => {
  it('reads the radvd RA captured by tcpdump and finds the ICMPv6 RA in it', () => {
    const { header, records } = readPcapFile(readFixture('radvd-ra.pcap'));
    assert.equal(header.linkType, LINKTYPE_ETHERNET);
    assert.equal(records.length, 1);
    const [rec] = records;
    assert.ok(rec);
    assert.ok(rec.tsMicros > 1_600_000_000_000_000, 'timestamp is wall-clock microseconds');
    assert.equal(rec.tsNanos / 1000n, BigInt(rec.tsMicros));
    const p = extractIcmpv6(rec.bytes, header.linkType);
    assert.ok(p);
    assert.equal(p.type, ICMPV6_ROUTER_ADVERTISEMENT);
    assert.equal(p.code, 0);
    assert.equal(p.hopLimit, 255);
    assert.equal(p.src, 'fe80::5eff:fe10:1');
    assert.equal(p.dst, 'ff02::1');
    assert.equal(p.srcMac, '02:00:5e:10:00:01');
    assert.equal(p.dstMac, '33:33:00:00:00:01');
    assert.equal(p.message[4], 60, 'Cur Hop Limit of the basic config');
  });

  it('parses the same records when fed one byte at a time', () => {
    const buf = pcap([
      { sec: 1700000000, frac: 123456, bytes: frame() },
      { sec: 1700000001, frac: 999999, bytes: frame({ type: 133 }) },
    ]);
    const whole = readPcap(buf);
    const r = new PcapStreamReader();
    const streamed = [];
    for (const byte of buf) streamed.push(...r.push(Uint8Array.of(byte)));
    assert.deepEqual(streamed, whole);
    assert.equal(r.leftover, 0);
    assert.equal(whole.length, 2);
    assert.equal(whole[0]?.tsMicros, 1700000000123456);
    assert.equal(whole[1]?.tsMicros, 1700000001999999);
  });

  it('reads big-endian and nanosecond files', () => {
    const be = readPcap(pcap([{ sec: 10, frac: 20, bytes: frame() }], { bigEndian: true }));
    assert.equal(be[0]?.tsMicros, 10_000_020);
    const ns = readPcap(pcap([{ sec: 10, frac: 123_456_789, bytes: frame() }], { nano: true }));
    assert.equal(ns[0]?.tsMicros, 10_123_456);
    assert.equal(ns[0]?.tsNanos, 10_123_456_789n);
  });

  it('drops a truncated last record and rejects non-pcap data', () => {
    const buf = pcap([{ sec: 1, frac: 0, bytes: frame() }, { sec: 2, frac: 0, bytes: frame() }]);
    assert.equal(readPcap(buf.subarray(0, buf.length - 3)).length, 1);
    assert.throws(() => readPcap(Buffer.from('0a0d0d0a00000000000000000000000000000000000000000000', 'hex')), PcapError);
    assert.throws(() => readPcap(Buffer.alloc(10)), PcapError);
  });
});

describe('extractIcmpv6', () => {
  it('handles VLAN tags, hop-by-hop headers and raw IPv6', () => {
    const tagged = extractIcmpv6(frame({ vlan: 42 }));
    assert.equal(tagged?.vlan, 42);
    assert.equal(tagged?.type, 134);
    const hbh = extractIcmpv6(frame({ hopByHop: true, type: 143 }));
    assert.equal(hbh?.type, 143);
    const raw = frame().subarray(14);
    assert.equal(extractIcmpv6(raw, LINKTYPE_IPV6)?.dst, 'ff02::1');
  });

  it('bounds the message by the IPv6 payload length (no Ethernet padding)', () => {
    const p = extractIcmpv6(frame({ body: [1, 2, 3, 4] }));
    assert.deepEqual(Array.from(p?.message ?? []), [134, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('returns undefined for non-IPv6, truncated or unknown frames', () => {
    const v4 = frame();
    v4[12] = 0x08;
    v4[13] = 0x00;
    assert.equal(extractIcmpv6(v4), undefined);
    assert.equal(extractIcmpv6(frame().subarray(0, 40)), undefined);
    assert.equal(extractIcmpv6(frame(), 9999), undefined);
  });
});
