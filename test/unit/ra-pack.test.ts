/** Splitting RAs to fit AdvRAMTU: every packet is a complete RA, nothing is lost or repeated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { packRa, IPV6_HEADER } from '../../src/ra/pack';
import { encodeMessage } from '../../src/wire';
import type { NdOption, RouterAdvertisement } from '../../src/wire/types';

function ra(options: NdOption[]): RouterAdvertisement {
  return { type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false, routerLifetime: 1800, reachableTime: 0, retransTimer: 0, options };
}

const sll: NdOption = { type: 'sourceLinkLayer', address: Uint8Array.from([2, 0, 0, 0, 0, 1]) };
const mtu: NdOption = { type: 'mtu', mtu: 1400 };
const rio = (i: number): NdOption => ({ type: 'routeInformation', prefix: `2001:db8:${i.toString(16)}::`, prefixLength: 48, preference: 'medium', lifetime: 1800 });

test('an RA that fits goes out as one packet, unchanged', () => {
  const r = ra([sll, mtu, rio(1), rio(2)]);
  assert.deepEqual(packRa(r, 1280), [r]);
});

test('per-link options are repeated in every packet; items are spread in order', () => {
  const items = Array.from({ length: 200 }, (_, i) => rio(i));
  const packets = packRa(ra([sll, ...items, mtu]), 1280);
  assert.ok(packets.length > 1);
  for (const p of packets) {
    assert.ok(encodeMessage(p).length + IPV6_HEADER <= 1280, 'fits');
    assert.deepEqual(p.options.slice(0, 2).map((o) => o.type), ['sourceLinkLayer', 'mtu']);
    assert.equal(p.routerLifetime, 1800);
  }
  assert.deepEqual(packets.flatMap((p) => p.options.slice(2)), items);
});

test('property: packing loses nothing, repeats nothing, and every packet fits', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1280, max: 9000 }), (n, max) => {
      const items = Array.from({ length: n }, (_, i) => rio(i));
      const packets = packRa(ra([sll, ...items]), max);
      assert.deepEqual(packets.flatMap((p) => p.options.filter((o) => o.type !== 'sourceLinkLayer')), items);
      for (const p of packets) assert.ok(encodeMessage(p).length + IPV6_HEADER <= max);
    }),
  );
});
