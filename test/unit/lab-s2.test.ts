/** S2/S3 lab scenarios: their configs are the shipped examples, and their parsers read what the probes print. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../../src/config';
import { formatDiagnostic } from '../../src/config/types';
import { LOAD_BALANCING_CONF, PRIMARY_BACKUP_CONF, R1_ROUTES, addrState, fastConfig, ispOf } from '../../src/lab/scenarios/s2';
import { decodeSyn, parseAttempts, synFilter, type Start } from '../../src/lab/scenarios/conns';
import { parseMonitor } from '../../src/lab/scenarios/probes';

const example = (name: string): string => readFileSync(resolve(__dirname, '..', '..', '..', 'examples', name), 'utf8');

test('S2 and S3 run the shipped examples, and their fast settings parse', () => {
  assert.equal(PRIMARY_BACKUP_CONF, example('rfc8475-3.2.1-primary-backup.conf'));
  assert.equal(LOAD_BALANCING_CONF, example('rfc8475-3.2.3-load-balancing.conf'));
  for (const conf of [PRIMARY_BACKUP_CONF, LOAD_BALANCING_CONF]) {
    const fast = fastConfig(conf, 2);
    assert.match(fast, /damping \{ HoldDown 2; \};/);
    assert.doesNotMatch(fast, /damping on;/);
    assert.match(fast, /MinDelayBetweenRAs 0\.03;/);
    const r = parseConfig(fast, 'fast');
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatDiagnostic).join('\n'));
  }
});

test("R1's routing: a source-specific default and an unreachable backstop per ISP block, plain defaults for R1 itself", () => {
  const text = R1_ROUTES.map((a) => a.join(' '));
  assert.ok(text.includes('-6 route add default from 2001:db8:1::/48 via 2001:db8:fa::1 dev wan-a'));
  assert.ok(text.includes('-6 route add unreachable default from 2001:db8:1::/48 metric 4096'));
  assert.ok(text.includes('-6 route add default from 2001:db8:2::/48 via 2001:db8:fb::1 dev wan-b'));
  assert.ok(text.includes('-6 route add unreachable default from 2001:db8:2::/48 metric 4096'));
  assert.equal(text.filter((t) => t.startsWith('-6 route add default via')).length, 2);
});

test('ispOf names the block an address is in', () => {
  assert.equal(ispOf('2001:db8:1:1:a8c1:abff:fe00:1'), 'A');
  assert.equal(ispOf('2001:db8:2:1::5'), 'B');
  assert.equal(ispOf('fd00:1:2:3::5'), '?');
  assert.equal(ispOf(undefined), '?');
});

test('addrState reads the host kernel\'s address notifications', () => {
  const ev = parseMonitor(
    '[2026-01-01T00:00:01.000001] 2: h0    inet6 2001:db8:1:1::5/64 scope global deprecated dynamic mngtmpaddr \\       valid_lft 2591999sec preferred_lft 0sec\n' +
      '[2026-01-01T00:00:02.000001] 2: h0    inet6 2001:db8:1:1::5/64 scope global dynamic mngtmpaddr \\       valid_lft 2591999sec preferred_lft 604799sec\n' +
      '[2026-01-01T00:00:03.000001] Deleted 2: h0    inet6 2001:db8:1:1::5/64 scope global dynamic mngtmpaddr \\       valid_lft 2591999sec preferred_lft 604799sec\n',
  );
  assert.deepEqual(ev.map((e) => addrState(e, '2001:db8:1:1::5')), ['deprecated', 'preferred', 'deleted']);
  assert.deepEqual(ev.map((e) => addrState(e, '2001:db8:1:1::')), [undefined, undefined, undefined]);
});

test('decodeSyn reads the source and port of a captured SYN', () => {
  const f = new Uint8Array(14 + 40 + 20);
  f[12] = 0x86;
  f[13] = 0xdd;
  f[14] = 0x60;
  f[14 + 6] = 6;
  const src = [0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5];
  f.set(src, 14 + 8);
  f[54] = 0xc3;
  f[55] = 0x50;
  f[14 + 40 + 13] = 0x02;
  assert.deepEqual(decodeSyn(f), { src: '2001:db8:2:1::5', sport: 50000 });
  f[14 + 6] = 17;
  assert.equal(decodeSyn(f), undefined);
  assert.equal(synFilter(8080), 'ip6 and ip6[6] == 6 and ip6[42:2] == 8080 and (ip6[53] & 0x12) == 2');
});

test("parseAttempts: the client's lines, started attempts pending until they end", () => {
  const starts = new Map<number, Start>();
  const a = parseAttempts(
    [
      '{"start":0,"stream":"auto","t":100}',
      '{"start":1,"stream":"2001:db8:1:1::5","t":101}',
      '{"id":0,"stream":"auto","t":100,"te":102,"ok":true,"local":"2001:db8:1:1::5","port":40000}',
      '{"id":1,"stream":"2001:db8:1:1::5","t":101,"te":1200',
    ].join('\n'),
    starts,
  );
  assert.deepEqual(a, [{ stream: 'auto', t: 100, te: 102, ok: true, local: '2001:db8:1:1::5', port: 40000 }]);
  assert.deepEqual([...starts.values()], [{ id: 1, stream: '2001:db8:1:1::5', t: 101 }]);
  const b = parseAttempts('{"id":1,"stream":"2001:db8:1:1::5","t":101,"te":1200,"ok":false,"err":"ENETUNREACH"}', starts);
  assert.deepEqual(b, [{ stream: '2001:db8:1:1::5', t: 101, te: 1200, ok: false, err: 'ENETUNREACH' }]);
  assert.equal(starts.size, 0);
});
