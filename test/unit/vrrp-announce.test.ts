/**
 * What a new Active says to the link: the unsolicited NA (RFC 4861 7.2.6) and the gratuitous
 * ARP (RFC 5227 3), checked through the ND decoder and byte for byte against what keepalived
 * 2.2 sent (test/fixtures/vrrp/keepalived-2.2.json), modulo the documented differences.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatMac, parseIPv6 } from '../../src/net/ipv6';
import { decodeMessage, validateReceived } from '../../src/wire';
import { gratuitousArp, unsolicitedNa } from '../../src/vrrp/announce';
import { virtualMac } from '../../src/vrrp/codec';

interface NaVector {
  readonly kind: 'ndisc-na';
  readonly description: string;
  readonly source: string;
  readonly destination: string;
  readonly hex: string;
  readonly fields: { readonly router: boolean; readonly solicited: boolean; readonly override: boolean; readonly target: string; readonly checksum: number; readonly options: ReadonlyArray<{ readonly linkLayerAddress: string }> };
}

interface ArpVector {
  readonly kind: 'arp';
  readonly description: string;
  readonly hex: string;
  readonly fields: { readonly senderHardwareAddress: string; readonly senderProtocolAddress: string; readonly targetHardwareAddress: string; readonly targetProtocolAddress: string; readonly operation: number };
}

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'vrrp', 'keepalived-2.2.json');
const vectors = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { vectors: ReadonlyArray<{ kind: string }> }).vectors;
const naVectors = vectors.filter((v): v is NaVector => v.kind === 'ndisc-na');
const arpVectors = vectors.filter((v): v is ArpVector => v.kind === 'arp');

const REAL_MAC = 'f6:59:75:5f:ed:ea'; // the captured interface's own MAC (no use_vmac)

/** ICMPv6 checksum (RFC 4443 2.3, pseudo-header of RFC 8200 8.1), the message's field taken as 0. */
function icmp6Checksum(source: string, destination: string, message: Uint8Array): number {
  const m = Uint8Array.from(message);
  m[2] = m[3] = 0;
  const len = m.length;
  const bytes = [...parseIPv6(source), ...parseIPv6(destination), (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff, 0, 0, 0, 58, ...m];
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The message with the checksum the kernel would write into it (ours leaves it 0). */
function withChecksum(source: string, destination: string, message: Uint8Array): Buffer {
  const b = Buffer.from(message);
  b.writeUInt16BE(icmp6Checksum(source, destination, message), 2);
  return b;
}

describe('unsolicitedNa', () => {
  it('decodes as an NA with R=1 S=0 O=1 and the virtual MAC as Target Link-Layer Address', () => {
    for (const [target, vrid] of [['fe80::1', 51], ['2001:db8:1:1::1', 1], ['fe80::abcd', 255]] as const) {
      const vmac = virtualMac(6, vrid);
      const bytes = unsolicitedNa(target, vmac);
      const msg = decodeMessage(bytes);
      assert.equal(msg.type, 'na');
      if (msg.type !== 'na') return;
      assert.equal(msg.router, true, 'R');
      assert.equal(msg.solicited, false, 'S');
      assert.equal(msg.override, true, 'O');
      assert.equal(msg.target, target);
      assert.equal(msg.options.length, 1);
      const tlla = msg.options[0];
      assert.equal(tlla?.type, 'targetLinkLayer');
      if (tlla?.type !== 'targetLinkLayer') return;
      assert.equal(formatMac(tlla.address), vmac);
      assert.equal(bytes.length, 32, '24-byte NA + one 8-byte option');
      assert.equal(bytes[1], 0, 'code 0');
      assert.equal((bytes[2]! << 8) | bytes[3]!, 0, 'checksum left to the kernel');
      assert.deepEqual([...bytes.subarray(5, 8)], [0, 0, 0], 'reserved');
    }
  });

  it('passes the RFC 4861 7.1.2 receive checks as sent (hop limit 255, to ff02::1, S=0 for a multicast destination)', () => {
    const bytes = withChecksum('fe80::1', 'ff02::1', unsolicitedNa('fe80::1', virtualMac(6, 51)));
    const r = validateReceived(bytes, { source: 'fe80::1', destination: 'ff02::1', hopLimit: 255, ifindex: 2 });
    assert.equal(r.ok, true, JSON.stringify(r));
  });

  it('the fixture has the NA that keepalived sends with forwarding on (R and O)', () => {
    const ro = naVectors.filter((v) => v.fields.router && v.fields.override && !v.fields.solicited);
    assert.equal(ro.length, 1);
  });

  for (const v of naVectors) {
    const mac = v.fields.options[0]!.linkLayerAddress;
    it(`matches keepalived byte for byte but for R (and the checksum that follows): ${v.description}`, () => {
      const theirs = Buffer.from(v.hex, 'hex');
      const ours = withChecksum(v.source, v.destination, unsolicitedNa(v.fields.target, mac));
      assert.equal(ours.length, theirs.length);
      // The independent checksum reproduces keepalived's, so the comparison below is fair.
      assert.equal(icmp6Checksum(v.source, v.destination, theirs), v.fields.checksum);
      if (v.fields.router) {
        assert.equal(ours.toString('hex'), v.hex, 'identical to the forwarding-on capture');
      } else {
        // keepalived with forwarding off sends O only: ours differs in the R bit alone.
        const diff = [...ours].map((b, i) => b ^ theirs[i]!);
        assert.deepEqual(
          diff.map((d, i) => (d === 0 || i === 2 || i === 3 ? 0 : d)),
          diff.map((_, i) => (i === 4 ? 0x80 : 0)),
        );
      }
    });
  }

  it('with the virtual MAC, equals the forwarding-on capture with its MAC replaced', () => {
    const ro = naVectors.find((v) => v.fields.router)!;
    const vmac = virtualMac(6, 51);
    const expected = Buffer.from(ro.hex, 'hex');
    expected.set(Buffer.from(vmac.replace(/:/g, ''), 'hex'), 26);
    expected.writeUInt16BE(icmp6Checksum(ro.source, ro.destination, expected), 2);
    assert.equal(withChecksum(ro.source, ro.destination, unsolicitedNa('fe80::1', vmac)).toString('hex'), expected.toString('hex'));
    // And the use_vmac capture (O only) differs from it in R alone.
    const vmacCapture = naVectors.find((v) => v.fields.options[0]!.linkLayerAddress === vmac)!;
    const theirs = Buffer.from(vmacCapture.hex, 'hex');
    assert.equal(theirs[4]! | 0x80, expected[4]);
    assert.deepEqual(theirs.subarray(5), expected.subarray(5));
  });

  it('throws on a target that is not an IPv6 address, or a bad MAC', () => {
    assert.throws(() => unsolicitedNa('192.0.2.1', virtualMac(6, 1)));
    assert.throws(() => unsolicitedNa('fe80::1', 'zz:00:5e:00:02:01'));
  });
});

describe('gratuitousArp', () => {
  const arp = arpVectors[0]!;

  it('the fixture has one keepalived gratuitous ARP (with ff:ff:ff:ff:ff:ff as target hardware address)', () => {
    assert.equal(arpVectors.length, 1);
    assert.equal(arp.fields.targetHardwareAddress, 'ff:ff:ff:ff:ff:ff');
  });

  it("has keepalived's layout: same bytes but the target hardware address, which is zero in ours (RFC 5227 3: ignored, SHOULD be zero)", () => {
    const theirs = Buffer.from(arp.hex, 'hex');
    const ours = gratuitousArp(arp.fields.senderProtocolAddress, REAL_MAC);
    assert.equal(ours.length, 42);
    assert.equal(ours.length, theirs.length);
    assert.deepEqual([...ours.subarray(32, 38)], [0, 0, 0, 0, 0, 0], 'target hardware address: zero');
    assert.deepEqual([...theirs.subarray(32, 38)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert.equal(ours.subarray(0, 32).toString('hex'), theirs.subarray(0, 32).toString('hex'), 'Ethernet header and ARP up to the sender addresses');
    assert.equal(ours.subarray(38).toString('hex'), theirs.subarray(38).toString('hex'), 'target protocol address');
  });

  it('fields: broadcast from the virtual MAC, Ethernet/IPv4 ARP request, sender = target protocol address', () => {
    const vmac = virtualMac(4, 52);
    const f = gratuitousArp('192.0.2.254', vmac);
    assert.equal(formatMac(f.subarray(0, 6)), 'ff:ff:ff:ff:ff:ff', 'destination: broadcast');
    assert.equal(formatMac(f.subarray(6, 12)), vmac, 'source: the virtual MAC');
    assert.equal(f.readUInt16BE(12), 0x0806, 'EtherType ARP');
    assert.equal(f.readUInt16BE(14), 1, 'hardware type Ethernet');
    assert.equal(f.readUInt16BE(16), 0x0800, 'protocol type IPv4');
    assert.equal(f[18], 6);
    assert.equal(f[19], 4);
    assert.equal(f.readUInt16BE(20), 1, 'operation: request');
    assert.equal(formatMac(f.subarray(22, 28)), vmac, 'sender hardware address');
    assert.deepEqual([...f.subarray(28, 32)], [192, 0, 2, 254], 'sender protocol address');
    assert.deepEqual([...f.subarray(32, 38)], [0, 0, 0, 0, 0, 0], 'target hardware address');
    assert.deepEqual([...f.subarray(38, 42)], [192, 0, 2, 254], 'target protocol address = sender');
  });

  it('the keepalived capture decodes to its recorded fields at the same offsets', () => {
    const theirs = Buffer.from(arp.hex, 'hex');
    assert.equal(theirs.readUInt16BE(20), arp.fields.operation);
    assert.equal(formatMac(theirs.subarray(22, 28)), arp.fields.senderHardwareAddress);
    assert.equal([...theirs.subarray(28, 32)].join('.'), arp.fields.senderProtocolAddress);
    assert.equal([...theirs.subarray(38, 42)].join('.'), arp.fields.targetProtocolAddress);
  });

  it('throws on an address that is not IPv4', () => {
    assert.throws(() => gratuitousArp('fe80::1', virtualMac(4, 1)), RangeError);
    assert.throws(() => gratuitousArp('192.0.2.256', virtualMac(4, 1)), RangeError);
  });
});
