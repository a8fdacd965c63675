/**
 * Unit tests of the pieces: the lexer's token rules, radvd 2.19's default derivations, the
 * checks, and firsthop's operator warnings. Values were confirmed against RAs sent by radvd 2.19.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic, lex, parseConfig, type Config, type Diagnostic, type InterfaceConfig } from '../../src/config/index';

function conf(body: string): string {
  return `interface eth0 {\n${body}\n};\n`;
}

function parse(body: string): { config: Config; warnings: readonly Diagnostic[] } {
  const r = parseConfig(conf(body), 't.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatDiagnostic).join('\n'));
  return { config: r.config, warnings: r.warnings };
}

function eth0(body: string): InterfaceConfig {
  return parse(body).config.interfaces[0] as InterfaceConfig;
}

function errors(body: string): string[] {
  const r = parseConfig(conf(body), 't.conf');
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors.map(formatDiagnostic);
}

function warnings(body: string, code?: string): string[] {
  return parse(body)
    .warnings.filter((w) => !code || w.code === code)
    .map(formatDiagnostic);
}

// ---- lexer -----------------------------------------------------------------------------------

test('lexer: token kinds and 1-based positions', () => {
  const toks = lex('interface eth0 {\n\tprefix 2001:db8::/64 { AdvValidLifetime infinity; };\n};').tokens;
  assert.deepEqual(
    toks.map((t) => [t.kind, t.text, t.line, t.column]),
    [
      ['keyword', 'interface', 1, 1], ['string', 'eth0', 1, 11], ['{', '{', 1, 16],
      ['keyword', 'prefix', 2, 2], ['address', '2001:db8::', 2, 9], ['/', '/', 2, 19], ['number', '64', 2, 20], ['{', '{', 2, 23],
      ['keyword', 'AdvValidLifetime', 2, 25], ['infinity', 'infinity', 2, 42], [';', ';', 2, 50], ['}', '}', 2, 52], [';', ';', 2, 53],
      ['}', '}', 3, 1], [';', ';', 3, 2], ['eof', '', 3, 3],
    ],
  );
});

test('lexer: words are classified the way radvd 2.19 scanner does', () => {
  const kinds = (s: string) => lex(s).tokens.slice(0, -1).map((t) => `${t.kind}:${t.text}`);
  assert.deepEqual(kinds('Interface interface AdvSendAdvert advsendadvert'), ['string:Interface', 'keyword:interface', 'keyword:AdvSendAdvert', 'string:advsendadvert']);
  assert.deepEqual(kinds('on off ON low medium high -3 infinity Infinity'), ['switch:on', 'switch:off', 'string:ON', 'signed:low', 'signed:medium', 'signed:high', 'signed:-3', 'infinity:infinity', 'string:Infinity']);
  assert.deepEqual(kinds('64 01500 4.5 4. .5'), ['number:64', 'number:01500', 'decimal:4.5', 'string:4.', 'string:.5']);
  assert.deepEqual(kinds(':: 0::1 ::1 FE80::A 1:2:3:4:5:6:7:8 ::ffff:1.2.3.4'), ['address:::', 'address:0::1', 'string:::1', 'address:FE80::A', 'address:1:2:3:4:5:6:7:8', 'string:::ffff:1.2.3.4']);
  assert.deepEqual(kinds('AdvValidLifetime AdvValidLifeTime eth0#x'), ['keyword:AdvValidLifetime', 'keyword:AdvValidLifeTime', 'string:eth0#x']);
  const big = lex('4294967295 4294967296').tokens;
  assert.deepEqual([big[0]?.kind, big[0]?.num, big[1]?.kind], ['number', 4294967295, 'bad']);
  const badAddr = lex('1:2:3:4:5:6:7:8::').tokens[0];
  assert.equal(badAddr?.kind, 'bad');
});

test('lexer: comments, quoted strings and carriage returns', () => {
  const t = lex('a # comment\nb "q u\n o" c').tokens;
  assert.deepEqual(t.map((x) => [x.kind, x.text, x.line, x.column]), [
    ['string', 'a', 1, 1], ['string', 'b', 2, 1], ['quoted', '"q u\n o"', 2, 3], ['string', 'c', 3, 5], ['eof', '', 3, 6],
  ]);
  // A final comment with no newline after it is text for radvd.
  assert.equal(lex('# end').tokens[0]?.kind, 'string');
  const cr = lex('a;\r\n').tokens[2];
  assert.equal(cr?.kind, 'bad');
  assert.match(cr?.problem ?? '', /carriage return/);
});

// ---- defaults --------------------------------------------------------------------------------

test('defaults that follow MaxRtrAdvInterval', () => {
  for (const max of [10, 30, 200, 600, 1800]) {
    const i = eth0(`MaxRtrAdvInterval ${max};`);
    assert.equal(i.minRtrAdvInterval, 0.33 * max, `MinRtrAdvInterval for ${max}`);
    assert.equal(i.advDefaultLifetime, 3 * max, `AdvDefaultLifetime for ${max}`);
    assert.equal(i.homeAgentLifetime, 3 * max, 'HomeAgentLifetime defaults to AdvDefaultLifetime');
  }
  const explicit = eth0('MaxRtrAdvInterval 100; MinRtrAdvInterval 40; AdvDefaultLifetime 0;');
  assert.deepEqual([explicit.minRtrAdvInterval, explicit.advDefaultLifetime, explicit.homeAgentLifetime], [40, 0, 0]);
  assert.equal(eth0('AdvDefaultLifetime 1000;').homeAgentLifetime, 1000);
  // Mobile IPv6 allows sub-second intervals; the router lifetime is truncated but at least 1.
  const mip = eth0('AdvIntervalOpt on; MaxRtrAdvInterval 0.2; MinRtrAdvInterval 0.05; MinDelayBetweenRAs 0.05;');
  assert.equal(mip.advDefaultLifetime, 1);
  assert.equal(eth0('AdvIntervalOpt on; MaxRtrAdvInterval 1.9; MinRtrAdvInterval 0.5; MinDelayBetweenRAs 0.05;').advDefaultLifetime, 5);
});

test('block defaults use the MaxRtrAdvInterval set above the block', () => {
  const i = eth0(
    'MaxRtrAdvInterval 200;\nroute 2001:db8:1::/48 {};\nRDNSS 2001:db8::53 {};\nDNSSL example.org {};\nnat64prefix 64:ff9b::/96;\nMaxRtrAdvInterval 300;\nroute 2001:db8:2::/48 {};\nRDNSS 2001:db8::54 {};\nDNSSL example.net {};',
  );
  assert.equal(i.maxRtrAdvInterval, 300);
  assert.deepEqual(i.routes.map((r) => r.advRouteLifetime), [600, 900]);
  assert.deepEqual(i.rdnss.map((r) => r.advRdnssLifetime), [200, 300]);
  assert.deepEqual(i.dnssl.map((r) => r.advDnsslLifetime), [200, 300]);
  assert.equal(i.nat64Prefixes[0]?.advValidLifetime, 600);
  assert.equal(i.advDefaultLifetime, 900, 'interface defaults use the final MaxRtrAdvInterval');
  assert.equal(i.minRtrAdvInterval, 99);
  assert.equal(eth0('MaxRtrAdvInterval 1800;\nnat64prefix 64:ff9b::/96;').nat64Prefixes[0]?.advValidLifetime, 5400);
  const w = warnings('MaxRtrAdvInterval 200;\nroute 2001:db8:1::/48 {};\nMaxRtrAdvInterval 300;', 'W_ORDER_DEPENDENT_DEFAULT');
  assert.equal(w.length, 1);
  assert.match(w[0] as string, /^t\.conf:3:1: warning: AdvRouteLifetime defaults to 600 from the MaxRtrAdvInterval in effect here \(200\), not the MaxRtrAdvInterval 300 set at line 4/);
});

test('prefix defaults and the auto prefix', () => {
  const p = eth0('prefix 2001:db8::/64;').prefixes[0];
  assert.deepEqual(
    [p?.advOnLink, p?.advAutonomous, p?.advRouterAddr, p?.advDhcpv6Pd, p?.advValidLifetime, p?.advPreferredLifetime, p?.deprecatePrefix, p?.decrementLifetimes],
    [true, true, false, false, 86400, 14400, false, false],
  );
  const auto = parse('prefix ::/48 {};');
  assert.deepEqual([auto.config.interfaces[0]?.prefixes[0]?.prefix, auto.config.interfaces[0]?.prefixes[0]?.prefixLength], ['::', 64]);
  assert.deepEqual(auto.warnings.map((w) => w.code), ['W_AUTO_PREFIX_LENGTH']);
});

// ---- checks ----------------------------------------------------------------------------------

test('interval checks, with the Mobile IPv6 exceptions', () => {
  assert.deepEqual(errors('MaxRtrAdvInterval 3;'), [
    't.conf:2:19: error: MinRtrAdvInterval defaults to 0.33 * MaxRtrAdvInterval = 0.99, below the minimum 3: set MinRtrAdvInterval or make MaxRtrAdvInterval at least 9.1',
    't.conf:2:19: error: MaxRtrAdvInterval 3 must be between 4 and 1800',
  ]);
  assert.doesNotThrow(() => eth0('MaxRtrAdvInterval 4; MinRtrAdvInterval 3;'));
  assert.deepEqual(errors('MaxRtrAdvInterval 10; MinRtrAdvInterval 7.6;'), ['t.conf:2:41: error: MinRtrAdvInterval 7.6 must be at least 3 and at most 0.75 * MaxRtrAdvInterval = 7.5']);
  // AdvRouterAddr on any prefix turns on the Mobile IPv6 limits, as AdvHomeAgentFlag and AdvIntervalOpt do.
  assert.doesNotThrow(() => eth0('MaxRtrAdvInterval 0.07; MinRtrAdvInterval 0.03; MinDelayBetweenRAs 0.03; prefix 2001:db8::1/64 { AdvRouterAddr on; };'));
  assert.equal(errors('MaxRtrAdvInterval 0.07; MinRtrAdvInterval 0.03; MinDelayBetweenRAs 0.03;').length, 3);
});

test('router lifetime: 0 or between MaxRtrAdvInterval and 9000 (an error, as in radvd)', () => {
  assert.doesNotThrow(() => eth0('AdvDefaultLifetime 0;'));
  assert.doesNotThrow(() => eth0('AdvDefaultLifetime 600;'));
  assert.doesNotThrow(() => eth0('AdvDefaultLifetime 9000;'));
  assert.deepEqual(errors('AdvDefaultLifetime 599;'), ['t.conf:2:20: error: AdvDefaultLifetime 599 must be 0 or between MaxRtrAdvInterval (600) and 9000']);
  // 2^31 and above are negative in radvd's int32 field, i.e. unset.
  const i = parse('AdvDefaultLifetime 2147483648;');
  assert.equal(i.config.interfaces[0]?.advDefaultLifetime, 1800);
  assert.deepEqual(i.warnings.map((w) => w.code), ['W_WRAPPED']);
});

test('prefix, route, RDNSS and DNSSL checks', () => {
  assert.deepEqual(errors('prefix 2001:db8::/64 { AdvValidLifetime 100; AdvPreferredLifetime 200; };'), [
    't.conf:2:67: error: AdvPreferredLifetime 200 is greater than AdvValidLifetime 100 for prefix 2001:db8::/64',
  ]);
  assert.doesNotThrow(() => eth0('prefix 2001:db8::/64 { AdvValidLifetime 200; AdvPreferredLifetime 200; };'));
  assert.deepEqual(errors('prefix 2001:db8::/129;'), ['t.conf:2:19: error: invalid prefix length 129: at most 128']);
  assert.deepEqual(errors('route ::/129 {};'), ['t.conf:2:10: error: invalid route prefix length 129: at most 128']);
  assert.equal(errors('RDNSS 0::1 0::2 0::3 0::4 {};').length, 1);
  assert.deepEqual(errors('DNSSL ex*ample.com {};'), ["t.conf:2:7: error: invalid domain suffix ex*ample.com: only letters, digits, '-' and '.' are allowed (found '*')"]);
  assert.deepEqual(errors('AdvHomeAgentInfo on; AdvHomeAgentFlag on; HomeAgentLifetime 65521;'), [
    't.conf:2:61: error: HomeAgentLifetime 65521 must be between 1 and 65520 when AdvHomeAgentInfo is on',
  ]);
});

test('errors are all collected, in file order', () => {
  const r = parseConfig('interface eth0 {\n AdvLinkMTU 1000;\n AdvSendAdvert maybe;\n AdvReachableTime 4000000;\n};\ninterface eth0 {\n};\n', 'x.conf');
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column}:${e.code}`), ['2:13:E_LINK_MTU', '3:16:E_BAD_VALUE', '4:19:E_REACHABLE_TIME', '6:11:E_DUPLICATE_INTERFACE']);
});

// ---- warnings --------------------------------------------------------------------------------

test('W_SHORT_LIFETIME: any non-zero lifetime under 180 s', () => {
  const w = warnings(
    'MaxRtrAdvInterval 40;\nprefix 2001:db8::/64 { AdvValidLifetime 179; AdvPreferredLifetime 60; };\nroute 2001:db8:1::/48 { AdvRouteLifetime 100; };\nRDNSS 2001:db8::53 { AdvRDNSSLifetime 120; };\nDNSSL example.com { AdvDNSSLLifetime 150; };',
    'W_SHORT_LIFETIME',
  );
  assert.deepEqual(w, [
    't.conf:2:19: warning: router lifetime (AdvDefaultLifetime) 120 s is under 180 s: Android and some other hosts ignore such short lifetimes',
    't.conf:3:41: warning: AdvValidLifetime 179 s is under 180 s: Android and some other hosts ignore such short lifetimes',
    't.conf:3:67: warning: AdvPreferredLifetime 60 s is under 180 s: Android and some other hosts ignore such short lifetimes',
    't.conf:4:42: warning: AdvRouteLifetime 100 s is under 180 s: Android and some other hosts ignore such short lifetimes',
    't.conf:5:39: warning: AdvRDNSSLifetime 120 s is under 180 s: Android and some other hosts ignore such short lifetimes',
    't.conf:6:38: warning: AdvDNSSLLifetime 150 s is under 180 s: Android and some other hosts ignore such short lifetimes',
  ]);
  assert.deepEqual(warnings('AdvDefaultLifetime 0; prefix 2001:db8::/64 { AdvValidLifetime 180; AdvPreferredLifetime 0; }; route ::/0 { AdvRouteLifetime 0; };', 'W_SHORT_LIFETIME'), []);
});

test('W_DNS_LIFETIME: RDNSS/DNSSL lifetime below 3 * MaxRtrAdvInterval', () => {
  assert.deepEqual(warnings('MaxRtrAdvInterval 100;\nRDNSS 2001:db8::53 { AdvRDNSSLifetime 299; };\nDNSSL example.com { AdvDNSSLLifetime 300; };', 'W_DNS_LIFETIME'), [
    't.conf:3:39: warning: AdvRDNSSLifetime 299 s is less than 3 * MaxRtrAdvInterval (300 s): hosts may drop the DNS information between two unsolicited RAs (RFC 8106 5.1 recommends at least 3 * MaxRtrAdvInterval)',
  ]);
  // The radvd default (MaxRtrAdvInterval) is always below that; 0 and infinity are not.
  assert.equal(warnings('RDNSS 2001:db8::53 {};', 'W_DNS_LIFETIME').length, 1);
  assert.equal(warnings('RDNSS 2001:db8::53 { AdvRDNSSLifetime 0; }; DNSSL a.b { AdvDNSSLLifetime infinity; };', 'W_DNS_LIFETIME').length, 0);
});

test('DNS lifetimes below MaxRtrAdvInterval: RDNSS kept, DNSSL raised (radvd 2.19)', () => {
  const { config, warnings: w } = parse('MaxRtrAdvInterval 300;\nRDNSS 2001:db8::53 { AdvRDNSSLifetime 200; };\nDNSSL example.com { AdvDNSSLLifetime 200; };');
  assert.equal(config.interfaces[0]?.rdnss[0]?.advRdnssLifetime, 200);
  assert.equal(config.interfaces[0]?.dnssl[0]?.advDnsslLifetime, 300);
  assert.equal(w.filter((x) => x.code === 'W_DNS_LIFETIME_BELOW_MAX').length, 2);
});

test('W_SLAAC_NOT_64: autonomous prefixes that are not /64', () => {
  assert.deepEqual(warnings('prefix 2001:db8::/56 {};', 'W_SLAAC_NOT_64'), [
    't.conf:2:19: warning: prefix 2001:db8::/56 has AdvAutonomous on, but SLAAC needs a /64: hosts will not form addresses from it (set AdvAutonomous off or use a /64)',
  ]);
  assert.deepEqual(warnings('prefix 2001:db8::/56 { AdvAutonomous off; }; prefix 2001:db8:1::/64 {}; prefix 2001:db8:2::/48 { Base6to4Interface ppp0; };', 'W_SLAAC_NOT_64'), []);
});

test('other radvd quirks are warnings, with radvd\'s value kept', () => {
  const w = (body: string) => warnings(body).map((x) => x.replace(/^t\.conf:\d+:\d+: warning: /, ''));
  assert.deepEqual(w('AdvCurHopLimit 256;'), ['AdvCurHopLimit 256 does not fit in 8 bits: radvd 2.19 keeps only the low 8 bits and advertises 0']);
  assert.deepEqual(w('AdvSendAdvert on; AdvSendAdvert off;'), ['AdvSendAdvert is set again; the value at line 2 is overridden']);
  assert.deepEqual(w('AdvDefaultLifetime 0; route ::/0 { AdvRouteLifetime 1800; };'), [
    "route ::/0 lifetime 1800 conflicts with AdvDefaultLifetime 0: hosts' default route will flap (radvd 2.19 logs this as an error but carries on)",
  ]);
  assert.deepEqual(w('lowpanco { AdvContextID 17; };'), ['AdvContextID 17 does not fit the 4-bit CID field: radvd sends 1']);
});
