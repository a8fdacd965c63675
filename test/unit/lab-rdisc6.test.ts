import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INFINITE_LIFETIME, parseRdisc6, parseRdisc6All, Rdisc6ParseError } from '../../src/lab/netns';
import { readFixtureText } from '../helpers/fixtures';

describe('parseRdisc6', () => {
  it('decodes rdisc6 output for radvd with the basic lab config', () => {
    const ra = parseRdisc6(readFixtureText('rdisc6-radvd-basic.txt'));
    assert.deepEqual(ra, {
      hopLimit: 60,
      managed: false,
      other: false,
      homeAgent: false,
      preference: 'low',
      ndProxy: false,
      routerLifetime: 1800,
      reachableTimeMs: 0,
      retransTimeMs: 0,
      prefixes: [{ prefix: '2001:db8:1::', length: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 }],
      routes: [{ prefix: '2001:db8:99::', length: 48, preference: 'high', lifetime: 1800 }],
      rdnss: [{ servers: ['2001:db8:1::53', '2001:db8:1::54'], lifetime: 600 }],
      dnssl: [{ domains: ['example.com', 'lab.example.org'], lifetime: 600 }],
      dnsServers: ['2001:db8:1::53', '2001:db8:1::54'],
      searchList: ['example.com', 'lab.example.org'],
      mtu: 1400,
      sourceLinkLayerAddress: '02:00:5e:10:00:01',
      from: 'fe80::5eff:fe10:1',
      unparsed: [],
    });
  });

  it('decodes infinite lifetimes, timers, flags, undefined hop limit and several options of a kind', () => {
    const ra = parseRdisc6(readFixtureText('rdisc6-radvd-rich.txt'));
    assert.equal(ra.hopLimit, 0);
    assert.equal(ra.managed, true);
    assert.equal(ra.other, true);
    assert.equal(ra.preference, 'high');
    assert.equal(ra.reachableTimeMs, 30000);
    assert.equal(ra.retransTimeMs, 1000);
    assert.equal(ra.mtu, 1280);
    assert.deepEqual(ra.prefixes[1], { prefix: '2001:db8:2::', length: 64, onLink: false, autonomous: false, validLifetime: INFINITE_LIFETIME, preferredLifetime: INFINITE_LIFETIME });
    assert.deepEqual(ra.routes, [
      { prefix: '2001:db8:99::', length: 48, preference: 'high', lifetime: 1800 },
      { prefix: '2001:db8:98::', length: 64, preference: 'low', lifetime: INFINITE_LIFETIME },
    ]);
    assert.deepEqual(ra.rdnss, [
      { servers: ['2001:db8:1::53', '2001:db8:1::54'], lifetime: 600 },
      { servers: ['2001:db8:1::55'], lifetime: INFINITE_LIFETIME },
    ]);
    assert.deepEqual(ra.unparsed, []);
  });

  it('returns every advertisement of rdisc6 -m output', () => {
    const all = parseRdisc6All(readFixtureText('rdisc6-radvd-two-routers.txt'));
    assert.equal(all.length, 2);
    assert.deepEqual(all.map((a) => a.preference).sort(), ['high', 'low']);
    assert.notEqual(all[0]?.from, all[1]?.from);
    for (const a of all) assert.deepEqual(a.unparsed, []);
  });

  it('finds no advertisement in a timed-out run', () => {
    const text = readFixtureText('rdisc6-no-response.txt');
    assert.deepEqual(parseRdisc6All(text), []);
    assert.throws(() => parseRdisc6(text), Rdisc6ParseError);
  });

  it('handles the reserved preference, an invalid MTU, singular units and unknown lines', () => {
    const text = [
      '',
      'Hop limit                 :          255 (      0xff)',
      'Stateful address conf.    :           No',
      'Stateful other conf.      :           No',
      'Mobile home agent         :          Yes',
      'Router preference         : medium (invalid)',
      'Neighbor discovery proxy  :          Yes',
      'Router lifetime           :            1 (0x00000001) second',
      'Reachable time            :            1 (0x00000001) millisecond',
      'Retransmit time           :  unspecified (0x00000000)',
      ' Route                    : ::/0',
      '  Route preference        : medium (invalid)',
      '  Route lifetime          :            0 (0x00000000) seconds',
      ' DNS search list          : ',
      '  DNS search list lifetime:            0 (0x00000000) seconds',
      ' MTU                      :         1000 bytes (invalid)',
      ' Something new            : 42',
      ' from fe80::1',
    ].join('\n');
    const ra = parseRdisc6(text);
    assert.equal(ra.hopLimit, 255);
    assert.equal(ra.homeAgent, true);
    assert.equal(ra.ndProxy, true);
    assert.equal(ra.preference, 'invalid');
    assert.equal(ra.routerLifetime, 1);
    assert.equal(ra.reachableTimeMs, 1);
    assert.deepEqual(ra.routes, [{ prefix: '::', length: 0, preference: 'invalid', lifetime: 0 }]);
    assert.deepEqual(ra.dnssl, [{ domains: [], lifetime: 0 }]);
    assert.equal(ra.mtu, 1000);
    assert.equal(ra.sourceLinkLayerAddress, null);
    assert.deepEqual(ra.unparsed, [' Something new            : 42']);
  });

  it('rejects malformed values instead of guessing', () => {
    assert.throws(() => parseRdisc6('Hop limit : 60\nStateful address conf. : maybe\n from fe80::1\n'), Rdisc6ParseError);
    assert.throws(() => parseRdisc6('Hop limit : 60\n  On-link : Yes\n from fe80::1\n'), /outside a prefix/);
  });
});
