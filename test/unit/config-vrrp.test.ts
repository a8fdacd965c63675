/**
 * The VRRPv3 extension of the grammar (RFC 9568): defaults and conversions, the default use_vmac
 * name, keepalived's keywords, the links to interfaces and conditions, the guarantees for plain
 * radvd.conf files, and invariants over mutated files. The corpus (good/vrrp-*.conf,
 * bad/vrrp-*.conf) holds the exact diagnostics; this file holds what the corpus cannot show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLinkLocal } from '../../src/net/ipv6';
import { formatDiagnostic, parseConfig, parseRaw, renderConfigReference, type Config, type Diagnostic } from '../../src/config/index';
import { defaultVmacName, KEEPALIVED_KEYWORDS, VRRP_STATEMENTS } from '../../src/config/vrrp-tables';
import { corpus, fixturePath, parseFixture, radvdVerdict } from './config-corpus';

function parse(text: string): { config: Config; warnings: readonly Diagnostic[] } {
  const r = parseConfig(text, 't.conf');
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatDiagnostic).join('\n'));
  return { config: r.config, warnings: r.warnings };
}

function errors(text: string): string[] {
  const r = parseConfig(text, 't.conf');
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors.map((e) => `${e.code}: ${e.message}`);
}

/** A vrrp block VI_1 on lan0 with `body` added. */
function vrrp(body: string, addresses = 'fe80::1;'): string {
  return `vrrp VI_1 {\n interface lan0;\n virtual_router_id 1;\n virtual_ipaddress { ${addresses} };\n ${body}\n};\n`;
}

function instance(body: string, addresses?: string) {
  const v = parse(vrrp(body, addresses)).config.vrrp?.[0];
  assert.ok(v);
  return v;
}

// ---- defaults and values ----------------------------------------------------------------------

test('a minimal instance takes the documented defaults', () => {
  const v = instance('');
  assert.deepEqual(
    { ...v, pos: undefined },
    {
      name: 'VI_1', interface: 'lan0', vrid: 1, family: 6, priority: 100, advertIntervalCs: 100,
      addresses: [{ address: 'fe80::1', prefixLength: 64 }], preempt: true, preemptDelayMs: 0, acceptMode: false,
      tracks: [], garpRepeat: 5, garpIntervalMs: 100, vmacName: defaultVmacName('lan0', 6, 1), pos: undefined,
    },
  );
  assert.equal(v.syncGroup, undefined);
});

test('advert_int: seconds to whole centiseconds, 0.01..40.95', () => {
  for (const [text, cs] of [['1', 100], ['0.01', 1], ['0.1', 10], ['0.10', 10], ['2.500', 250], ['40.95', 4095], ['40', 4000], ['3.7', 370]] as const) {
    assert.equal(instance(`advert_int ${text};`).advertIntervalCs, cs, text);
  }
  for (const text of ['0', '0.0', '0.005', '0.015', '40.96', '41', '4095']) {
    const e = errors(vrrp(`advert_int ${text};`));
    assert.equal(e.length, 1, text);
    assert.match(e[0] as string, /^E_VRRP_VALUE: advert_int /, text);
  }
});

test('range ends are accepted: VRID 1 and 255, priority 1 and 255, weight -254 and 254', () => {
  assert.equal(parse(vrrp('').replace('virtual_router_id 1;', 'virtual_router_id 255;')).config.vrrp?.[0]?.vrid, 255);
  assert.equal(instance('priority 1;').priority, 1);
  assert.equal(instance('priority 255;').priority, 255);
  const cond = 'condition u { link wan0 up; };\n';
  const w = (text: string) => parse(cond + vrrp(text)).config.vrrp?.[0]?.tracks.map((t) => t.weight);
  assert.deepEqual(w('track u weight -254;'), [-254]);
  assert.deepEqual(w('track u weight 254;'), [254]);
  assert.deepEqual(w('track u weight +7;'), [7]);
  assert.deepEqual(w('track u weight 0;'), [0]);
  assert.deepEqual(w('track u;'), [0], 'the default weight 0 = fault while false');
  assert.deepEqual(instance('preempt_delay 0.5; garp_interval 0; garp_master_repeat 100;').preemptDelayMs, 500);
});

test('preempt and accept: every spelling, the last one wins with a warning', () => {
  const pa = (body: string) => {
    const v = instance(body);
    return [v.preempt, v.acceptMode];
  };
  assert.deepEqual(pa('nopreempt; accept;'), [false, true]);
  assert.deepEqual(pa('preempt off; accept on;'), [false, true]);
  assert.deepEqual(pa('preempt; no_accept;'), [true, false]);
  assert.deepEqual(pa('preempt on; accept off;'), [true, false]);
  const { config, warnings } = parse(vrrp('nopreempt;\n preempt on;\n accept;\n no_accept;'));
  assert.deepEqual([config.vrrp?.[0]?.preempt, config.vrrp?.[0]?.acceptMode], [true, false]);
  assert.deepEqual(warnings.map((w) => w.code), ['W_NOT_RADVD', 'W_DUPLICATE_OPTION', 'W_DUPLICATE_OPTION']);
  assert.equal(instance('garp_interval 1; gna_interval 0.02;').garpIntervalMs, 20, 'gna_interval is garp_interval');
});

test('virtual addresses: canonical form, default and given lengths, any IPv6 spelling', () => {
  assert.deepEqual(instance('', 'FE80:0::1; 2001:DB8:0:0::1; 2001:db8::2/64; fe80::1:2/128; ::ffff:0:1:2;').addresses, [
    { address: 'fe80::1', prefixLength: 64 },
    { address: '2001:db8::1', prefixLength: 128 },
    { address: '2001:db8::2', prefixLength: 64 },
    { address: 'fe80::1:2', prefixLength: 128 },
    { address: '::ffff:0:1:2', prefixLength: 128 },
  ]);
  assert.deepEqual(instance('', '10.0.0.1; 10.0.0.2/8;').addresses, [
    { address: '10.0.0.1', prefixLength: 32 },
    { address: '10.0.0.2', prefixLength: 8 },
  ]);
  assert.equal(instance('', '10.0.0.1;').family, 4);
  const list = ['fe80::1;', ...Array.from({ length: 254 }, (_, i) => `2001:db8::${(i + 1).toString(16)};`)].join(' ');
  assert.equal(instance('', list).addresses.length, 255, '255 addresses is the limit, not over it');
});

// ---- the default use_vmac name ---------------------------------------------------------------------

test('default use_vmac name: fhv<family>.<vrid>.<6 hex of sha256(interface)>, always a valid interface name', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 6);
  assert.equal(defaultVmacName('lan0', 6, 51), `fhv6.51.${sha('lan0')}`);
  assert.equal(defaultVmacName('lan0', 6, 51), 'fhv6.51.8306f8', 'stable across releases: it names a kernel interface');
  const names = new Set<string>();
  const ifaces = ['lan0', 'eth0', 'eth1', 'averyveryverylo', 'br-lan', 'eth0.100', 'x', 'wlp0s20f3', 'enp3s0f1np1'];
  for (const ifname of ifaces) {
    for (const family of [4, 6] as const) {
      for (const vrid of [1, 9, 10, 99, 100, 254, 255]) {
        const name = defaultVmacName(ifname, family, vrid);
        assert.ok(name.length >= 1 && name.length <= 15, `${name} fits IFNAMSIZ`);
        assert.match(name, /^fhv[46]\.[0-9]{1,3}\.[0-9a-f]{6}$/);
        names.add(name);
      }
    }
  }
  assert.equal(names.size, ifaces.length * 2 * 7, 'unique per (interface, family, VRID)');
});

test('the default use_vmac name is what the reference documents', () => {
  assert.ok(renderConfigReference().includes(`\`${defaultVmacName('lan0', 6, 51)}\``));
});

// ---- files -------------------------------------------------------------------------------------------

test('a file of vrrp blocks alone is valid; an empty or conditions-only file is not', () => {
  const { config } = parse(vrrp(''));
  assert.deepEqual([config.interfaces.length, config.vrrp?.length], [0, 1]);
  for (const text of ['', '# nothing\n', 'condition c { manual up; };\n']) {
    const r = parseConfig(text, 't.conf');
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.errors.some((e) => e.code === 'E_NO_INTERFACES'), JSON.stringify(text));
  }
  const groupOnly = parseConfig('vrrp_sync_group G { group A B; };\n', 't.conf');
  assert.equal(groupOnly.ok, false, 'a sync group alone is not a configuration');
});

test('plain radvd.conf files: no VRRP, no warning, and `vrrp` is not a keyword', () => {
  const { config, warnings } = parse('interface vrrp {\n prefix 2001:db8::/64 { Base6Interface vrrp_sync_group; };\n};\ninterface eth0 {};\n');
  assert.deepEqual(config.interfaces.map((i) => [i.name, i.vrrp]), [['vrrp', undefined], ['eth0', undefined]]);
  assert.deepEqual([config.vrrp, config.vrrpSyncGroups], [[], []]);
  assert.deepEqual(warnings.map((w) => w.code), []);
  for (const file of corpus('good')) {
    const r = parseFixture('good', file);
    const uses = readFileSync(fixturePath('good', file), 'utf8').split('\n').some((l) => /^\s*vrrp(_sync_group)?\s/.test(l));
    if (r.ok && !uses) assert.deepEqual(r.config.vrrp, [], file);
  }
});

test('radvd rejects every VRRP file: the oracle expects `radvd -c` to fail on them', () => {
  for (const kind of ['good', 'bad'] as const) {
    for (const file of corpus(kind).filter((f) => f.startsWith('vrrp-') && f !== 'vrrp-source.conf')) {
      const r = parseFixture(kind, file);
      assert.equal(radvdVerdict(r), 'config', `${kind}/${file}`);
      assert.ok(r.warnings.some((w) => w.code === 'W_NOT_RADVD' && w.message.startsWith('VRRP')), `${kind}/${file} says VRRP is a firsthop extension`);
    }
  }
  // vrrp-source.conf predates the extension: AdvRASrcAddress of a VRRP pair, plain radvd.
  const plain = parseFixture('good', 'vrrp-source.conf');
  assert.ok(plain.ok);
  assert.equal(radvdVerdict(plain), 'accept');
});

test('the resolved VRRP configuration is frozen', () => {
  const { config } = parse('condition u { link wan0 up; };\n' + vrrp('track u weight -10;') + 'vrrp VI_2 { interface lan0; virtual_router_id 2; virtual_ipaddress { 10.0.0.1; }; };\nvrrp_sync_group G { group VI_1 VI_2; };\n');
  const v = config.vrrp?.[0];
  assert.ok(v);
  for (const o of [config.vrrp, v, v.addresses, v.addresses[0], v.tracks, v.tracks[0], v.tracks[0]?.pos, config.vrrpSyncGroups, config.vrrpSyncGroups?.[0]?.members]) {
    assert.ok(Object.isFrozen(o));
  }
  assert.equal(v.syncGroup, 'G');
});

test('order does not matter: conditions, instances, groups and interfaces may refer forward', () => {
  const { config } = parse(
    'interface lan0 {\n AdvSendAdvert on;\n vrrp VI_1;\n if active { AdvDefaultPreference high; };\n};\n' +
      'condition active { vrrp VI_1; };\nvrrp_sync_group G { group VI_1 VI_2; };\n' +
      vrrp('track up;') + 'vrrp VI_2 { interface lan0; virtual_router_id 1; virtual_ipaddress { 10.0.0.1; }; };\ncondition up { link wan0 up; };\n',
  );
  assert.deepEqual(config.vrrp?.map((v) => [v.name, v.syncGroup]), [['VI_1', 'G'], ['VI_2', 'G']]);
  assert.equal(config.interfaces[0]?.vrrp, 'VI_1');
});

test('the example of the reference parses to what its comments say', () => {
  const doc = renderConfigReference();
  const section = doc.slice(doc.indexOf('## VRRP virtual routers'));
  const example = /```\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example);
  const { config, warnings } = parse(example);
  assert.deepEqual(config.vrrp?.map((v) => [v.name, v.family, v.vrid, v.priority + (v.tracks[0]?.weight ?? 0), v.syncGroup]), [
    ['VI_1', 6, 51, 90, 'LAN'],
    ['VI_4', 4, 51, 40, 'LAN'],
  ]);
  assert.equal(config.interfaces[0]?.vrrp, 'VI_1');
  assert.deepEqual(warnings.map((w) => w.code), ['W_NOT_RADVD', 'W_NOT_RADVD']);
});

// ---- checks the corpus shows in full; here the cases around them ----------------------------------

test('warnings: track weights clamped at either end, with the resulting range', () => {
  const w = (text: string) => parse('condition u { link wan0 up; };\ncondition v { link wan1 up; };\n' + vrrp(text)).warnings.filter((x) => x.code === 'W_VRRP_PRIORITY_CLAMPED').map((x) => x.message);
  assert.deepEqual(w('track u weight -99;'), [], '100 - 99 = 1 is fine');
  assert.deepEqual(w('priority 200; track u weight 54;'), [], '254 is fine');
  assert.equal(w('track u weight -100;').length, 1);
  assert.match(w('track u weight -100;')[0] as string, /can reach 0: .* ranges over 1\.\.100$/);
  assert.match(w('priority 200; track u weight -250; track v weight 100;')[0] as string, /can reach -50 and 300: .* ranges over 1\.\.254$/);
});

test('a track of the instance\'s own state is an error, through not and any; another instance\'s state is fine', () => {
  const conds = 'condition me { vrrp VI_1; };\ncondition not-me { not me; };\ncondition either { any not-me other; };\ncondition other { vrrp VI_2; };\n';
  const vi2 = 'vrrp VI_2 { interface lan1; virtual_router_id 2; virtual_ipaddress { fe80::2; }; };\n';
  assert.deepEqual(errors(conds + vi2 + vrrp('track either weight -10;')).map((e) => e.split(':')[0]), ['E_VRRP_TRACK']);
  assert.match(errors(conds + vi2 + vrrp('track either weight -10;'))[0] as string, /\(either -> not-me -> me -> vrrp VI_1\)/);
  assert.equal(parse(conds.replace('any not-me other', 'any other') + vi2 + vrrp('track either weight -10;')).config.vrrp?.find((v) => v.name === 'VI_1')?.tracks.length, 1);
});

test('every keepalived keyword the brief lists is in the table, and every unsupported one is an error saying why', () => {
  const listed = [
    'interface', 'virtual_router_id', 'priority', 'advert_int', 'virtual_ipaddress', 'virtual_ipaddress_excluded', 'nopreempt', 'preempt_delay', 'accept',
    'no_accept', 'track_interface', 'track_script', 'track_file', 'track_process', 'track_bfd', 'weight', 'garp_master_delay', 'garp_master_repeat',
    'garp_master_refresh', 'garp_master_refresh_repeat', 'garp_interval', 'gna_interval', 'use_vmac', 'vmac_xmit_base', 'native_ipv6', 'state',
    'authentication', 'unicast_src_ip', 'unicast_peer', 'mcast_src_ip', 'dont_track_primary', 'smtp_alert', 'notify_master', 'notify_backup', 'notify_fault',
    'notify_stop', 'notify', 'virtual_routes', 'virtual_rules', 'version', 'strict_mode', 'skip_check_adv_addr', 'debug', 'lvs_sync_daemon_interface',
    'linkbeat_use_polling', 'kernel_rx_buf_size',
  ];
  for (const k of listed) assert.ok(KEEPALIVED_KEYWORDS.some((x) => x.keyword === k && x.scope === 'vrrp_instance'), k);
  for (const k of ['group', 'notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'global_tracking']) {
    assert.ok(KEEPALIVED_KEYWORDS.some((x) => x.keyword === k && x.scope === 'vrrp_sync_group'), `sync group ${k}`);
  }
  const doc = renderConfigReference();
  for (const k of KEEPALIVED_KEYWORDS) {
    assert.ok(doc.includes(`| \`${k.keyword}\` | \`${k.scope}\` |`), `${k.scope} ${k.keyword} is in the reference table`);
    if (k.firsthop !== undefined) continue;
    const text = k.scope === 'vrrp_instance' ? vrrp(`${k.keyword} x;`) : `${vrrp('')}vrrp_sync_group G { group VI_1; ${k.keyword} x; };\n`;
    const e = errors(text);
    assert.equal(e.length, 1, `${k.scope} ${k.keyword}: ${e.join('; ')}`);
    assert.equal(e[0], `E_VRRP_UNSUPPORTED: keepalived's ${k.keyword} is ${k.note.replace(/^Not /, 'not ').replace(/\.$/, '')}`);
  }
});

test('the good corpus uses every vrrp statement, and the reference documents each', () => {
  const used = new Set<string>();
  for (const file of corpus('good')) {
    const { raw } = parseRaw(readFileSync(fixturePath('good', file), 'utf8'), file);
    for (const b of [...raw.vrrp, ...raw.vrrpSyncGroups]) for (const st of b.statements) used.add(`${b.kind}:${st.head.text}`);
    for (const i of raw.interfaces) for (const item of i.items) if (item.kind === 'vrrp') used.add('interface:vrrp');
  }
  const want = [...VRRP_STATEMENTS.map((s) => `${s.block}:${s.name}`), 'vrrp:gna_interval', 'vrrp:state', 'vrrp:version', 'interface:vrrp'];
  assert.deepEqual(want.filter((k) => !used.has(k)), []);
  const doc = renderConfigReference();
  for (const s of VRRP_STATEMENTS) assert.ok(doc.includes(`| \`${s.name}\` | \`${s.syntax.replace(/\|/g, '\\|')};\``), s.name);
});

test('keepalived.conf habits get a pointed message', () => {
  assert.deepEqual(errors('vrrp VI_1 {\n interface lan0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1\n }\n};\n'), [
    "E_SYNTAX: missing ';' after interface lan0 (found 'virtual_router_id')",
    "E_SYNTAX: missing ';' after virtual_router_id 1 (found 'virtual_ipaddress')",
    "E_SYNTAX: missing ';' after fe80::1 (every virtual_ipaddress entry ends with ';')",
    "E_SYNTAX: missing ';' after the '}' closing virtual_ipaddress { ... } (found '}')",
  ]);
  assert.match(errors('vrrp_instance VI_1 {\n state MASTER\n}\ninterface eth0 {};\n')[0] as string, /^E_VRRP_UNSUPPORTED: keepalived's vrrp_instance NAME \{ \.\.\. \} is written vrrp NAME \{ \.\.\. \};/);
  assert.deepEqual(errors(vrrp('track_interface {\n  wan0 weight -20\n };')), [
    "E_VRRP_UNSUPPORTED: keepalived's track_interface is not supported as such: write `condition NAME { link IFNAME up; };` and `track NAME weight W;`",
  ]);
});

// ---- invariants over mutated files ---------------------------------------------------------------

function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

const INSERTS = [';', '{', '}', '/', 'vrrp', 'vrrp_sync_group', 'group', 'track', 'weight', '-50', '255', '0', '0.01', 'fe80::9', '2001:db8::9', '10.0.0.9', 'interface', 'lan0', 'VI_1', 'use_vmac', ' ', '\n', 'nopreempt;', 'priority 255;'];

test('mutated VRRP files never throw, and an accepted one is consistent', () => {
  const seeds = corpus('good')
    .filter((f) => f.startsWith('vrrp-') && f !== 'vrrp-source.conf')
    .map((f) => readFileSync(fixturePath('good', f), 'utf8'));
  assert.equal(seeds.length, 5);
  const rnd = lcg(9568);
  let accepted = 0;
  for (let n = 0; n < 800; n++) {
    let t = seeds[rnd(seeds.length)] as string;
    for (let k = 1 + rnd(4); k > 0; k--) {
      const i = rnd(t.length + 1);
      t = rnd(2) ? t.slice(0, i) + (INSERTS[rnd(INSERTS.length)] as string) + t.slice(i) : t.slice(0, i) + t.slice(i + 1 + rnd(6));
    }
    const r = parseConfig(t, 'mutant.conf');
    if (!r.ok) continue;
    accepted++;
    const c = r.config;
    const vs = c.vrrp ?? [];
    const byName = new Map(vs.map((v) => [v.name, v]));
    assert.equal(byName.size, vs.length, 'unique instance names');
    assert.equal(new Set(vs.map((v) => v.vmacName)).size, vs.length, 'unique macvlan names');
    assert.equal(new Set(vs.map((v) => `${v.interface}/${v.family}/${v.vrid}`)).size, vs.length, 'one VRID per interface and family');
    const conditions = new Set((c.conditions ?? []).map((x) => x.name));
    for (const v of vs) {
      assert.ok(v.vrid >= 1 && v.vrid <= 255 && v.priority >= 1 && v.priority <= 255);
      assert.ok(v.advertIntervalCs >= 1 && v.advertIntervalCs <= 4095 && Number.isInteger(v.advertIntervalCs));
      assert.ok(v.addresses.length >= 1 && v.addresses.length <= 255);
      assert.ok(v.vmacName.length <= 15 && v.interface.length <= 15);
      for (const a of v.addresses) assert.equal(a.address.includes(':'), v.family === 6);
      if (v.family === 6) assert.ok(isLinkLocal(v.addresses[0]?.address as string));
      for (const tr of v.tracks) assert.ok(conditions.has(tr.condition) && tr.weight >= -254 && tr.weight <= 254);
      if (v.priority === 255) assert.deepEqual(v.tracks, []);
    }
    for (const x of c.conditions ?? []) if (x.spec.kind === 'vrrp') assert.ok(byName.has(x.spec.instance));
    const inGroup = new Set<string>();
    for (const g of c.vrrpSyncGroups ?? []) {
      for (const m of g.members) {
        assert.ok(byName.has(m) && !inGroup.has(m));
        inGroup.add(m);
        assert.equal(byName.get(m)?.syncGroup, g.name);
      }
    }
    const tied = new Set<string>();
    for (const i of c.interfaces) {
      if (i.vrrp === undefined) continue;
      const v = byName.get(i.vrrp);
      assert.ok(v && v.family === 6 && v.interface === i.name && !tied.has(v.name));
      tied.add(v.name);
    }
  }
  assert.ok(accepted > 50, `${accepted} mutants accepted`);
});
