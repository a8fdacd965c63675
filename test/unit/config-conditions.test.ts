/**
 * The conditional-RA extension of the grammar (RFC 8475): condition kinds and their defaults,
 * damping, policies and how branches are filled in, the checks and warnings, and the guarantees
 * for plain radvd.conf files (the extension changes nothing for them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_DAMPING } from '../../src/conditions/engine';
import { dampingProblem } from '../../src/conditions/damping';
import { probeProblem } from '../../src/conditions/probe';
import type { ConditionRef, ConditionSpec, PolicyField } from '../../src/conditions/types';
import { DAMPING_DEFAULTS, POLICY_FIELDS } from '../../src/config/conditions';
import { formatDiagnostic, parseConfig, type Config, type Diagnostic, type ParseResult } from '../../src/config/index';
import { corpus, fixturePath, parseFixture } from './config-corpus';

function parse(text: string): { config: Config; warnings: readonly Diagnostic[] } {
  const r = parseConfig(text, 't.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatDiagnostic).join('\n'));
  return { config: r.config, warnings: r.warnings };
}

function errors(text: string): string[] {
  const r = parseConfig(text, 't.conf');
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors.map(formatDiagnostic);
}

function warningCodes(text: string): string[] {
  return parse(text).warnings.map((w) => w.code);
}

/** One condition NAME with `body`, used by an interface policy so that it draws no warning. */
function withCondition(body: string, name = 'c'): string {
  return `condition ${name} { ${body} };\ninterface eth0 {\n\tAdvSendAdvert on;\n\tif ${name} { AdvDefaultPreference high; };\n};\n`;
}

function spec(body: string): ConditionSpec | undefined {
  return parse(withCondition(body)).config.conditions?.[0]?.spec;
}

function conditionErrors(body: string): string[] {
  return errors(withCondition(body)).map((e) => e.replace(/^t\.conf:\d+:\d+: error: /, ''));
}

// ---- plain files ------------------------------------------------------------------------------

test('a plain file gets empty conditions and empty policies on every block', () => {
  const { config, warnings } = parse(
    'interface eth0 {\n AdvSendAdvert on;\n prefix 2001:db8::/64 {};\n route 2001:db8:1::/48 {};\n RDNSS 2001:db8::53 { AdvRDNSSLifetime 1800; };\n DNSSL example.com { AdvDNSSLLifetime 1800; };\n};\n',
  );
  assert.deepEqual(config.conditions, []);
  const i = config.interfaces[0];
  assert.ok(i);
  for (const list of [[i], i.prefixes, i.routes, i.rdnss, i.dnssl]) {
    assert.equal(list.length, 1);
    assert.deepEqual(list[0]?.policies, []);
  }
  assert.deepEqual(warnings.map((w) => w.code), []);
});

test('the words of the extension are not keywords: interfaces and values may use them', () => {
  const { config, warnings } = parse('interface if {\n prefix 2001:db8::/64 { Base6Interface condition; };\n};\ninterface up {};\ninterface not {};\n');
  assert.deepEqual(config.interfaces.map((i) => i.name), ['if', 'up', 'not']);
  assert.equal(config.interfaces[0]?.prefixes[0]?.base6Interface, 'condition');
  assert.deepEqual(warnings.map((w) => w.code), [], 'no W_NOT_RADVD: radvd 2.19 reads this file');
  assert.ok(parseFixture('good', 'extension-words-as-names.conf').ok);
});

test('a stray `condition` word in a plain file is still a syntax error', () => {
  const r = parseConfig('interface eth0 {};\ncondition;\n', 't.conf');
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.code), ['E_SYNTAX']);
});

test('corpus files marked "# firsthop extension" are exactly those radvd rejects as firsthop syntax', () => {
  for (const kind of ['good', 'bad'] as const) {
    for (const file of corpus(kind)) {
      const marked = readFileSync(fixturePath(kind, file), 'utf8').startsWith('# firsthop extension');
      const r: ParseResult = parseFixture(kind, file);
      const flagged = r.warnings.some((w) => w.code === 'W_NOT_RADVD');
      assert.equal(marked, flagged, `${kind}/${file}: the first-line marker and the W_NOT_RADVD warning must agree`);
    }
  }
});

// ---- condition kinds --------------------------------------------------------------------------

test('link conditions', () => {
  for (const state of ['up', 'down', 'carrier', 'present'] as const) {
    assert.deepEqual(spec(`link wan0 ${state};`), { kind: 'link', interface: 'wan0', state });
  }
  assert.deepEqual(spec('link eth0.100 up;'), { kind: 'link', interface: 'eth0.100', state: 'up' });
});

test('route conditions: prefixes, default, proto and table names or numbers', () => {
  assert.deepEqual(spec('route ::/0;'), { kind: 'route', prefix: '::', prefixLength: 0 });
  assert.deepEqual(spec('route default;'), { kind: 'route', prefix: '::', prefixLength: 0 });
  assert.deepEqual(spec('route 2001:DB8:0:0::/48 via fe80::1 dev wan0 proto bgp table 100 metric 20;'), {
    kind: 'route', prefix: '2001:db8::', prefixLength: 48, via: 'fe80::1', dev: 'wan0', protocol: 186, table: 100, metric: 20,
  });
  const protos: Record<string, number> = { kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16, zebra: 11, bird: 12, babel: 42, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192, '17': 17 };
  for (const [name, n] of Object.entries(protos)) assert.equal((spec(`route ::/0 proto ${name};`) as { protocol?: number }).protocol, n, name);
  for (const [name, n] of Object.entries({ main: 254, local: 255, default: 253, '4000000000': 4000000000 })) {
    assert.equal((spec(`route ::/0 table ${name};`) as { table?: number }).table, n, name);
  }
  // Attributes in any order.
  assert.deepEqual(spec('route 2001:db8::/32 metric 0 dev wan0;'), { kind: 'route', prefix: '2001:db8::', prefixLength: 32, dev: 'wan0', metric: 0 });
});

test('address conditions: an exact address or any address inside a prefix', () => {
  assert.deepEqual(spec('address 2001:db8:1::1 dev wan0;'), { kind: 'address', address: '2001:db8:1::1', dev: 'wan0' });
  assert.deepEqual(spec('address 2001:db8:1::/48;'), { kind: 'address', prefix: '2001:db8:1::', prefixLength: 48 });
  // radvd's scanner cannot read ::1; conditions are firsthop syntax and take any IPv6 form.
  assert.deepEqual(spec('address ::1;'), { kind: 'address', address: '::1' });
});

test('probe conditions: defaults interval 1 s, timeout 1 s, loss 3, rise 1', () => {
  assert.deepEqual(spec('probe 2001:db8::1;'), { kind: 'probe', target: '2001:db8::1', intervalMs: 1000, timeoutMs: 1000, lossThreshold: 3, riseThreshold: 1 });
  assert.deepEqual(spec('probe fe80::1 dev wan0 interval 0.2 timeout 0.15 rise 3 loss 5 source fe80::2;'), {
    kind: 'probe', target: 'fe80::1', source: 'fe80::2', dev: 'wan0', intervalMs: 200, timeoutMs: 150, lossThreshold: 5, riseThreshold: 3,
  });
});

test('manual, vrrp, all, any and not', () => {
  assert.deepEqual(spec('manual up;'), { kind: 'manual', initial: true });
  assert.deepEqual(spec('manual down;'), { kind: 'manual', initial: false });
  // A vrrp condition names a vrrp block of the file (config-vrrp.test.ts has the errors).
  const vi1 = 'vrrp VI_1 { interface lan0; virtual_router_id 1; virtual_ipaddress { fe80::1; }; };\n';
  assert.deepEqual(parse(vi1 + withCondition('vrrp VI_1;')).config.conditions?.[0]?.spec, { kind: 'vrrp', instance: 'VI_1' });
  assert.deepEqual(parse(vi1 + withCondition('vrrp "VI_1";')).config.conditions?.[0]?.spec, { kind: 'vrrp', instance: 'VI_1' });
  const { config } = parse(
    'condition a { link wan0 up; };\ncondition b { link wan1 up; };\ncondition both { all a b; };\ncondition either { any a not b; };\ncondition neither { not either; };\n' +
      'interface eth0 {\n if both { AdvDefaultPreference high; };\n if neither { AdvDefaultPreference low; };\n};\n',
  );
  const of = (name: string) => config.conditions?.find((c) => c.name === name)?.spec;
  assert.deepEqual(of('both'), { kind: 'all', of: [{ ref: 'a' }, { ref: 'b' }] });
  assert.deepEqual(of('either'), { kind: 'any', of: [{ ref: 'a' }, { spec: { kind: 'not', of: { ref: 'b' } } }] });
  assert.deepEqual(of('neither'), { kind: 'not', of: { ref: 'either' } });
});

test('conditions keep file order and positions, and are frozen', () => {
  const { config } = parse('interface eth0 {\n if b { AdvDefaultPreference high; };\n if a { AdvDefaultPreference low; };\n};\ncondition b { manual up; };\n  condition a { manual down; };\n');
  assert.deepEqual(config.conditions?.map((c) => [c.name, c.pos.line, c.pos.column]), [['b', 5, 1], ['a', 6, 3]]);
  assert.ok(Object.isFrozen(config.conditions));
  assert.ok(Object.isFrozen(config.conditions?.[0]?.spec));
  assert.ok(Object.isFrozen(config.interfaces[0]?.policies?.[0]?.condition));
});

// ---- damping ------------------------------------------------------------------------------------

test('damping: absent or off = none, on = the defaults, a block = the defaults with overrides', () => {
  const damping = (d: string) => parse(withCondition(`link wan0 up; ${d}`)).config.conditions?.[0]?.damping;
  assert.equal(damping(''), undefined);
  assert.equal(damping('damping off;'), undefined);
  assert.deepEqual(damping('damping on;'), { holdDownMs: 30_000, penalty: 1000, suppress: 2000, reuse: 750, halfLifeMs: 60_000, maxSuppressMs: 600_000 });
  assert.deepEqual(damping('damping { };'), DAMPING_DEFAULTS);
  assert.deepEqual(damping('damping { HoldDown 0; Penalty 10; Suppress 30; Reuse 5; HalfLife 0.5; MaxSuppress 7.25; };'), {
    holdDownMs: 0, penalty: 10, suppress: 30, reuse: 5, halfLifeMs: 500, maxSuppressMs: 7250,
  });
  // damping may come before the kind statement.
  assert.deepEqual(parse(withCondition('damping { HoldDown 5; }; link wan0 up;')).config.conditions?.[0]?.damping, { ...DAMPING_DEFAULTS, holdDownMs: 5000 });
});

test('DAMPING_DEFAULTS are the engine\'s DEFAULT_DAMPING, with the numbers the reference documents', () => {
  assert.equal(DAMPING_DEFAULTS, DEFAULT_DAMPING);
  assert.deepEqual({ ...DAMPING_DEFAULTS }, { holdDownMs: 30_000, penalty: 1000, suppress: 2000, reuse: 750, halfLifeMs: 60_000, maxSuppressMs: 600_000 });
});

test('whatever the grammar accepts, the engine accepts: damping and probes of every good file and of the unit cases', () => {
  const configs = corpus('good').map((f) => parseFixture('good', f)).filter((r) => r.ok).map((r) => (r.ok ? r.config : undefined));
  configs.push(parse(withCondition('probe fe80::1 dev wan0 interval 0.001 timeout 0.001 loss 1 rise 1; damping { HalfLife 0.001; Reuse 0.5; Suppress 0.6; HoldDown 0; MaxSuppress 0; };')).config);
  let probes = 0;
  let dampings = 0;
  for (const c of configs) {
    for (const x of c?.conditions ?? []) {
      if (x.damping) {
        dampings++;
        assert.equal(dampingProblem(x.damping), undefined, x.name);
      }
      if (x.spec.kind === 'probe') {
        probes++;
        assert.equal(probeProblem(x.spec), undefined, x.name);
      }
    }
  }
  assert.ok(probes >= 2 && dampings >= 4, `${probes} probes, ${dampings} dampings`);
});

test('damping checks', () => {
  assert.deepEqual(conditionErrors('link wan0 up; damping { Reuse 2000; };'), ['damping Reuse 2000 must be less than Suppress 2000 (the default)']);
  assert.deepEqual(conditionErrors('link wan0 up; damping { HalfLife 0.0; };'), ['damping HalfLife must be more than 0 seconds: the penalty would never decay']);
  assert.deepEqual(conditionErrors('link wan0 up; damping { Reuse 0; Suppress 0; };'), [
    'damping Reuse must be more than 0: a decaying penalty never reaches 0',
    'damping Reuse 0 must be less than Suppress 0',
  ]);
  assert.deepEqual(conditionErrors('link wan0 up; damping yes;'), ["syntax error: unexpected 'yes', expected on, off or '{' after damping"]);
  assert.deepEqual(warningCodes(withCondition('link wan0 up; damping { HoldDown 1; HoldDown 2; };')), ['W_NOT_RADVD', 'W_DUPLICATE_OPTION']);
});

// ---- policies -----------------------------------------------------------------------------------

test('one PolicyConfig per field per if, in file order; unset sides take the block value', () => {
  const { config } = parse(
    'condition a { manual up; };\ncondition b { manual down; };\n' +
      'interface eth0 {\n AdvDefaultLifetime 1200;\n AdvDefaultPreference low;\n' +
      ' if a { AdvDefaultPreference high; AdvDefaultLifetime 1800; } else { AdvDefaultLifetime 0; };\n' +
      ' if not b { } else { AdvDefaultPreference medium; };\n};\n',
  );
  const ps = config.interfaces[0]?.policies ?? [];
  assert.deepEqual(
    ps.map((p) => [p.condition, p.field, p.whenTrue, p.whenFalse, p.pos.line, p.pos.column]),
    [
      [{ ref: 'a' }, 'AdvDefaultPreference', 'high', 'low', 6, 2],
      [{ ref: 'a' }, 'AdvDefaultLifetime', 1800, 0, 6, 2],
      [{ spec: { kind: 'not', of: { ref: 'b' } } }, 'AdvDefaultPreference', 'low', 'medium', 7, 2],
    ],
  );
});

test('branch values default from the block as resolved, including radvd defaults', () => {
  const { config } = parse(
    'condition u { manual up; };\ninterface eth0 {\n MaxRtrAdvInterval 100;\n if u { AdvDefaultLifetime 0; };\n' +
      ' route 2001:db8::/48 { if u { AdvRoutePreference low; }; };\n RDNSS 2001:db8::53 { if u { AdvRDNSSLifetime 0; }; };\n' +
      ' DNSSL example.com { if u { AdvDNSSLLifetime 0; }; };\n prefix 2001:db8:1::/64 { if u { AdvPreferredLifetime 0; }; };\n};\n',
  );
  const i = config.interfaces[0];
  assert.ok(i);
  const sides = (ps: readonly { whenTrue: number | string; whenFalse: number | string }[] | undefined) => ps?.map((p) => [p.whenTrue, p.whenFalse]);
  assert.deepEqual(sides(i.policies), [[0, 300]], 'AdvDefaultLifetime defaults to 3 * MaxRtrAdvInterval');
  assert.deepEqual(sides(i.routes[0]?.policies), [['low', 'medium']]);
  assert.deepEqual(sides(i.rdnss[0]?.policies), [[0, 100]], 'AdvRDNSSLifetime defaults to MaxRtrAdvInterval');
  assert.deepEqual(sides(i.dnssl[0]?.policies), [[0, 100]]);
  assert.deepEqual(sides(i.prefixes[0]?.policies), [[0, 14400]]);
});

test('branch values are checked and adjusted like the block option (DNSSL raised to MaxRtrAdvInterval)', () => {
  const r = parse('condition u { manual up; };\ninterface eth0 {\n MaxRtrAdvInterval 300;\n DNSSL example.com { AdvDNSSLLifetime 900; if u { AdvDNSSLLifetime 200; }; };\n};\n');
  assert.deepEqual(r.config.interfaces[0]?.dnssl[0]?.policies?.map((p) => [p.whenTrue, p.whenFalse]), [[300, 900]]);
  assert.deepEqual(r.warnings.map((w) => w.code), ['W_NOT_RADVD', 'W_DNS_LIFETIME_BELOW_MAX', 'W_DNS_LIFETIME']);
  assert.deepEqual(warningCodes('condition u { manual up; };\ninterface eth0 {\n route ::/0 { if u { AdvRouteLifetime 100; }; };\n};\n'), ['W_NOT_RADVD', 'W_SHORT_LIFETIME']);
  assert.deepEqual(errors('condition u { manual up; };\ninterface eth0 {\n MaxRtrAdvInterval 100;\n if u { AdvDefaultLifetime 50; };\n};\n'), [
    't.conf:4:28: error: AdvDefaultLifetime 50 must be 0 or between MaxRtrAdvInterval (100) and 9000',
  ]);
  assert.deepEqual(errors('condition u { manual up; };\ninterface eth0 {\n prefix 2001:db8::/64 { if u { AdvPreferredLifetime 86401; }; };\n};\n'), [
    't.conf:3:53: error: AdvPreferredLifetime 86401 is greater than AdvValidLifetime 86400 for prefix 2001:db8::/64',
  ]);
  assert.deepEqual(warningCodes('condition u { manual up; };\ninterface eth0 {\n if u { AdvDefaultPreference -2; };\n};\n'), ['W_NOT_RADVD', 'W_NUMERIC_PREFERENCE']);
});

test('every policy field is accepted in its block and nowhere else', () => {
  const blocks: Record<string, (inner: string) => string> = {
    interface: (x) => x,
    prefix: (x) => `prefix 2001:db8::/64 { AdvValidLifetime infinity; ${x} };`,
    route: (x) => `route 2001:db8::/48 { ${x} };`,
    RDNSS: (x) => `RDNSS 2001:db8::53 { ${x} };`,
    DNSSL: (x) => `DNSSL example.com { ${x} };`,
  };
  const value = (f: PolicyField): string => (f.endsWith('Preference') ? 'high' : '1800');
  const all = Object.values(POLICY_FIELDS).flat() as PolicyField[];
  for (const [block, wrap] of Object.entries(blocks)) {
    for (const field of all) {
      const text = `condition u { manual up; };\ninterface eth0 {\n ${wrap(`if u { ${field} ${value(field)}; };`)}\n};\n`;
      const r = parseConfig(text, 't.conf');
      const allowed = (POLICY_FIELDS as Record<string, readonly string[]>)[block]?.includes(field);
      assert.equal(r.ok, allowed, `${field} in ${block}`);
      if (!r.ok) assert.deepEqual(r.errors.map((e) => e.code), ['E_POLICY_FIELD'], `${field} in ${block}`);
    }
  }
});

test('W_ZERO_LIFETIME_PREFERENCE: router lifetime 0 with a non-medium preference in a branch', () => {
  const w = (body: string) => warningCodes(`condition u { manual up; };\ninterface eth0 {\n${body}\n};\n`).filter((c) => c === 'W_ZERO_LIFETIME_PREFERENCE').length;
  assert.equal(w('AdvDefaultPreference high;\nif u { AdvDefaultLifetime 1800; } else { AdvDefaultLifetime 0; };'), 1);
  assert.equal(w('if u { AdvDefaultLifetime 1800; AdvDefaultPreference high; } else { AdvDefaultLifetime 0; };'), 0, 'the else branch keeps medium');
  assert.equal(w('AdvDefaultLifetime 0;\nif u { AdvDefaultPreference low; };'), 1);
  assert.equal(w('if u { AdvDefaultLifetime 0; AdvDefaultPreference medium; };'), 0);
});

test('W_CONDITION_UNUSED: not reachable from any policy', () => {
  const r = parse('condition a { manual up; };\ncondition b { not a; };\ncondition c { manual up; };\ncondition d { all c; };\ninterface eth0 { if d { AdvDefaultPreference high; }; };\n');
  assert.deepEqual(
    r.warnings.filter((w) => w.code === 'W_CONDITION_UNUSED').map(formatDiagnostic),
    [
      't.conf:1:11: warning: condition a is defined but no if policy uses it (only b, which no policy uses, refers to it)',
      't.conf:2:11: warning: condition b is defined but no if policy uses it',
    ],
  );
});

// ---- errors ----------------------------------------------------------------------------------------

test('condition errors name the problem', () => {
  assert.deepEqual(conditionErrors('link wan0;'), ['link wan0 needs a state: expected up, down, carrier or present']);
  assert.deepEqual(conditionErrors('link wan0 Up;'), ["unknown link state 'Up' (write 'up': words are case-sensitive): expected up, down, carrier or present"]);
  assert.deepEqual(conditionErrors('link wan:0 up;'), ["'wan:0' is not an interface name; link expects one"]);
  assert.deepEqual(conditionErrors('link wan0 up extra;'), ["syntax error: unexpected 'extra' at the end of the link statement; expected ';'"]);
  assert.deepEqual(conditionErrors('route 2001:db8::1/32;'), ['2001:db8::1/32 has bits set past /32: write 2001:db8::/32']);
  assert.deepEqual(conditionErrors('address 2001:db8::1/64;'), ['2001:db8::1/64 has bits set past /64: for any address inside the prefix write 2001:db8::/64; for this address alone write 2001:db8::1 without a length']);
  assert.deepEqual(conditionErrors('probe 2001:db8::1 interval 0;'), ['probe interval 0 must be more than 0 seconds']);
  assert.deepEqual(conditionErrors('probe 2001:db8::1 timeout 0;'), ['probe timeout 0 must be more than 0 seconds']);
  assert.deepEqual(conditionErrors('probe 2001:db8::1 rise 0;'), ['probe rise must be at least 1']);
  assert.deepEqual(conditionErrors('probe ::;'), ['probe target :: must be a unicast address']);
  assert.deepEqual(conditionErrors('manual on;'), ["manual expects up or down (the initial value), found 'on'"]);
  assert.deepEqual(conditionErrors('vrrp;'), ['vrrp expects a VRRP instance name']);
  assert.deepEqual(conditionErrors('all;'), ['all needs at least one condition name']);
  assert.deepEqual(conditionErrors('not;'), ['not needs a condition name']);
  assert.deepEqual(conditionErrors('not a b;'), ["syntax error: unexpected 'b' at the end of the not statement; expected ';'"]);
  assert.deepEqual(conditionErrors('ping 2001:db8::1;'), ["unknown condition kind 'ping': expected one of link, route, address, probe, manual, vrrp, all, any, not, or damping"]);
  assert.deepEqual(conditionErrors(''), ['condition c says nothing to test: write one of link, route, address, probe, manual, vrrp, all, any, not']);
});

test('reference errors: unknown names, loops, duplicates', () => {
  assert.deepEqual(errors('condition a { not a; };\ninterface eth0 { if a { AdvDefaultPreference high; }; };\n'), [
    't.conf:1:19: error: conditions refer to each other in a loop (a -> a): such a condition has no value',
  ]);
  assert.deepEqual(errors('interface eth0 { if nowhere { AdvDefaultPreference high; }; };\n'), [
    't.conf:1:21: error: if names an unknown condition nowhere: no condition nowhere { ... }; is defined',
  ]);
  assert.deepEqual(errors('condition a { manual up; };\ncondition a { manual down; };\ninterface eth0 { if a { AdvDefaultPreference high; }; };\n'), [
    't.conf:2:11: error: condition a is already defined at line 1: condition names must be unique',
  ]);
});

test('the parser recovers from extension syntax errors and keeps reading', () => {
  const r = parseConfig('condition a { link wan0 up; }\ninterface eth0 {\n if a { AdvDefaultPreference high; }\n AdvSendAdvert maybe;\n};\n', 't.conf');
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column}:${e.code}`), ['2:1:E_SYNTAX', '4:2:E_SYNTAX', '4:16:E_BAD_VALUE']);
});

// ---- invariants over mutated extension files ------------------------------------------------------

function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

const INSERTS = [';', '{', '}', '/', 'if', 'else', 'not', 'all', 'any', 'condition', 'damping', 'on', 'up', 'down', '0', '0.5', '::', 'x', ' ', '\n', 'AdvPreferredLifetime 0;', 'AdvValidLifetime 0;'];

function refsOf(spec: ConditionSpec): ConditionRef[] {
  if (spec.kind === 'all' || spec.kind === 'any') return [...spec.of];
  if (spec.kind === 'not') return [spec.of];
  return [];
}

function names(ref: ConditionRef): string[] {
  return 'ref' in ref ? [ref.ref] : refsOf(ref.spec).flatMap(names);
}

test('mutated extension files never throw, and an accepted one is consistent', () => {
  const seeds = corpus('good')
    .filter((f) => f.startsWith('conditional-'))
    .map((f) => readFileSync(fixturePath('good', f), 'utf8'));
  assert.equal(seeds.length, 3);
  const rnd = lcg(8475);
  let accepted = 0;
  for (let n = 0; n < 600; n++) {
    let t = seeds[rnd(seeds.length)] as string;
    for (let k = 1 + rnd(4); k > 0; k--) {
      const i = rnd(t.length + 1);
      t = rnd(2) ? t.slice(0, i) + (INSERTS[rnd(INSERTS.length)] as string) + t.slice(i) : t.slice(0, i) + t.slice(i + 1 + rnd(6));
    }
    const r = parseConfig(t, 'mutant.conf');
    if (!r.ok) continue;
    accepted++;
    const c = r.config;
    const defined = new Map((c.conditions ?? []).map((x) => [x.name, x]));
    assert.equal(defined.size, c.conditions?.length, 'unique names');
    for (const x of c.conditions ?? []) for (const ref of refsOf(x.spec)) for (const name of names(ref)) assert.ok(defined.has(name), `${name} is defined`);
    for (const iface of c.interfaces) {
      const blocks: Array<[string, readonly { policies?: readonly { field: PolicyField; condition: ConditionRef; whenTrue: unknown; whenFalse: unknown }[] }[]]> = [
        ['interface', [iface]], ['prefix', iface.prefixes], ['route', iface.routes], ['RDNSS', iface.rdnss], ['DNSSL', iface.dnssl],
      ];
      for (const [block, list] of blocks) {
        for (const b of list) {
          assert.ok(Array.isArray(b.policies), `${block} policies are always set`);
          for (const p of b.policies ?? []) {
            assert.ok((POLICY_FIELDS as Record<string, readonly string[]>)[block]?.includes(p.field), `${p.field} allowed in ${block}`);
            assert.ok(p.whenTrue !== undefined && p.whenFalse !== undefined);
            for (const name of names(p.condition)) assert.ok(defined.has(name));
          }
        }
      }
      for (const p of iface.prefixes) for (const x of p.policies ?? []) assert.ok((x.whenTrue as number) <= p.advValidLifetime && (x.whenFalse as number) <= p.advValidLifetime);
    }
    assert.ok(r.warnings.some((w) => w.code === 'W_NOT_RADVD') || (c.conditions ?? []).length === 0);
  }
  assert.ok(accepted > 20, `${accepted} mutants accepted`);
});
