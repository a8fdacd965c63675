/**
 * radvd 2.19 as the oracle: for every corpus file, radvd must reach the same verdict as firsthop.
 *
 *  1. `radvd -c -C FILE` (parse-time checks) must accept exactly the files firsthop accepts, plus
 *     the files whose only errors are start-up checks (radvd -c does not run check_iface).
 *  2. Those start-up checks are verified by running radvd for a moment in a private network
 *     namespace with the file's interfaces created as veth pairs: radvd must refuse the interface
 *     for every file firsthop rejects with a 'runtime' error, and bring every interface up for
 *     every good file. This needs root and unshare; it is skipped with a reason when unavailable.
 *
 * Without radvd the test is skipped, except in CI (CI=true), where it must run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig, parseRaw } from '../../src/config/index';
import { corpus, fixturePath, parseFixture, radvdVerdict } from './config-corpus';

const run = promisify(execFile);

function findRadvd(): { bin: string; version: string } | undefined {
  for (const bin of ['radvd', '/usr/sbin/radvd', '/usr/local/sbin/radvd']) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.error) continue;
    const m = /Version:\s*(\S+)/.exec(`${r.stdout}${r.stderr}`);
    if (m?.[1]) return { bin, version: m[1] };
  }
  return undefined;
}

const radvd = findRadvd();
const inCi = process.env.CI === 'true';
const radvdSkip = radvd
  ? radvd.version === '2.19' || inCi
    ? false
    : `radvd ${radvd.version} is installed; the oracle is radvd 2.19`
  : inCi
    ? false
    : 'radvd is not installed (apt-get install radvd); the oracle test runs in CI';

/** radvd refuses config files writable by others; copy each fixture to a private 0644 file. */
const work = mkdtempSync(path.join(tmpdir(), 'firsthop-radvd-oracle-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
function privateCopy(kind: 'good' | 'bad', file: string): string {
  const dest = path.join(work, `${kind}-${file}`);
  copyFileSync(fixturePath(kind, file), dest);
  chmodSync(dest, 0o644);
  return dest;
}

const files: Array<{ kind: 'good' | 'bad'; file: string }> = [
  ...corpus('good').map((file) => ({ kind: 'good' as const, file })),
  ...corpus('bad').map((file) => ({ kind: 'bad' as const, file })),
];

test('radvd -c -C agrees with firsthop on every corpus file', { skip: radvdSkip }, async (t) => {
  assert.ok(radvd, 'CI must have radvd 2.19 installed (apt-get install radvd)');
  assert.equal(radvd.version, '2.19', 'the oracle is radvd 2.19');
  for (const { kind, file } of files) {
    await t.test(`${kind}/${file}`, () => {
      const verdict = radvdVerdict(parseFixture(kind, file));
      if (kind === 'good') assert.notEqual(verdict, 'runtime', 'a good file must not have errors');
      if (kind === 'bad') assert.notEqual(verdict, 'accept', 'a bad file must have errors');
      const r = spawnSync(radvd.bin, ['-c', '-C', privateCopy(kind, file)], { encoding: 'utf8' });
      const said = `${r.stdout}${r.stderr}`.trim();
      const radvdAccepts = r.status === 0;
      assert.equal(radvdAccepts, verdict !== 'config', `radvd -c exit ${r.status} but firsthop's verdict is '${verdict}'; radvd said:\n${said}`);
    });
  }
});

// ---- start-up checks in a private network namespace ----------------------------------------

function netnsSkip(): string | false {
  if (radvdSkip !== false || !radvd) return 'needs radvd 2.19';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root to create a network namespace';
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link add fhprobe0 type veth peer name fhprobe1'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `cannot create a network namespace with veth links (${(probe.error?.message ?? probe.stderr).trim()})`;
  return false;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Run radvd for a moment in a fresh namespace with the file's interfaces; return its log. */
async function startRadvd(kind: 'good' | 'bad', file: string): Promise<{ log: string; created: string[] }> {
  const raw = parseRaw(readFileSync(fixturePath(kind, file), 'utf8'), file).raw;
  const created: string[] = [];
  const lines = ['set -e', 'sysctl -qw net.ipv6.conf.all.forwarding=1', 'sysctl -qw net.ipv6.conf.default.accept_dad=0', 'ip link set lo up'];
  for (const iface of raw.interfaces) {
    const name = iface.nameTok.text;
    if (!IFNAME.test(name) || created.includes(name)) continue;
    const peer = `fhp${created.length}`;
    created.push(name);
    lines.push(`ip link add '${name}' type veth peer name ${peer}`, `ip link set '${name}' up`, `ip link set ${peer} up`);
    for (const item of iface.items) {
      if (item.kind === 'block' && item.spec.keyword === 'AdvRASrcAddress') {
        for (const a of item.addresses) lines.push(`ip -6 addr add ${a.address}/64 dev '${name}' nodad`);
      }
    }
  }
  const conf = privateCopy(kind, file);
  const pid = path.join(work, `${kind}-${file}.pid`);
  lines.push('sleep 0.3', `timeout 1.5 ${radvd?.bin} -n -m stderr -d 5 -C '${conf}' -p '${pid}' 2>&1 || true`);
  const { stdout, stderr } = await run('unshare', ['-n', 'sh', '-c', lines.join('\n')], { encoding: 'utf8', timeout: 20_000 });
  return { log: `${stdout}${stderr}`, created };
}

/** Interfaces radvd refused to set up (check_iface and friends), or a fatal exit while building an RA. */
function refusals(log: string, created: string[]): string[] {
  const out: string[] = [];
  for (const m of log.matchAll(/interface (\S+) does not exist or is not set up properly/g)) {
    if (m[1] && created.includes(m[1])) out.push(m[0]);
  }
  for (const m of log.matchAll(/DNSSL too long[^\n]*/g)) out.push(m[0]);
  return out;
}

test('radvd refuses at start-up exactly what firsthop rejects as runtime errors', { skip: netnsSkip() }, async (t) => {
  const cases = files
    .map((f) => ({ ...f, verdict: radvdVerdict(parseFixture(f.kind, f.file)) }))
    .filter((f) => f.verdict === 'accept' || f.verdict === 'runtime');
  assert.ok(cases.some((c) => c.verdict === 'runtime'), 'the corpus has runtime-only bad files');
  // A few namespaces at a time keeps this to seconds.
  const results = new Map<string, { log: string; created: string[] }>();
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) results.set(`${c.kind}/${c.file}`, await startRadvd(c.kind, c.file));
    }),
  );
  for (const c of cases) {
    await t.test(`${c.kind}/${c.file}`, () => {
      const { log, created } = results.get(`${c.kind}/${c.file}`) as { log: string; created: string[] };
      const refused = refusals(log, created);
      const errors = log.split('\n').filter((l) => /must|invalid|too long/.test(l)).join('\n');
      if (c.verdict === 'runtime') assert.ok(refused.length > 0, `radvd brought the interface up; firsthop rejects ${c.file}. radvd log:\n${errors || log.slice(-2000)}`);
      else {
        assert.deepEqual(refused, [], `radvd refused an interface of ${c.file}:\n${errors}`);
        for (const name of created) assert.match(log, new RegExp(`${name.replace(/[.]/g, '\\.')} is ready`), `radvd did not bring ${name} up:\n${log.slice(-2000)}`);
      }
    });
  }
});

// ---- differential: mutated corpus files ------------------------------------------------------

/** A deterministic generator (the corpus is mutated the same way on every run). */
function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

const INSERTS = [';', '{', '}', '/', '#', '"', '\r', ':', '.', '-', '0', '9', 'x', ' ', '\n', '::', '1', 'on', 'off', 'infinity', '64', '4294967296', '1.5', 'low', '-1', 'L"a"', '!', '%', "'", 'AdvSendAdvert', 'prefix', '\t'];
const NUMBERS = ['0', '1', '3', '4294967295', '4294967296', '129', '0.5', '7.', '65536', '200'];

function mutate(text: string, rnd: (n: number) => number): string {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)] as T;
  let t = text;
  for (let k = 1 + rnd(8); k > 0; k--) {
    const i = rnd(t.length + 1);
    const lines = t.split('\n');
    switch (rnd(6)) {
      case 0:
        t = t.slice(0, i) + t.slice(i + 1);
        break;
      case 1:
        t = t.slice(0, i) + pick(INSERTS) + t.slice(i);
        break;
      case 2: {
        const words = [...t.matchAll(/[A-Za-z]+/g)];
        if (words.length === 0) break;
        const w = pick(words);
        t = t.slice(0, w.index) + (rnd(2) ? w[0].toLowerCase() : w[0].toUpperCase()) + t.slice((w.index ?? 0) + w[0].length);
        break;
      }
      case 3:
        lines.splice(rnd(lines.length), 1);
        t = lines.join('\n');
        break;
      case 4: {
        const nums = [...t.matchAll(/\d+(\.\d+)?/g)];
        if (nums.length === 0) break;
        const w = pick(nums);
        t = t.slice(0, w.index) + pick(NUMBERS) + t.slice((w.index ?? 0) + w[0].length);
        break;
      }
      case 5:
        lines.splice(rnd(lines.length), 0, pick(lines));
        t = lines.join('\n');
        break;
    }
  }
  return t;
}

test('radvd -c and firsthop agree on randomly mutated corpus files', { skip: radvdSkip }, () => {
  assert.ok(radvd);
  const seeds = corpus('good')
    .map((f) => ({ f, r: parseFixture('good', f) }))
    .filter(({ r }) => radvdVerdict(r) === 'accept')
    .map(({ f }) => readFileSync(fixturePath('good', f), 'utf8'));
  const rnd = lcg(20250101);
  const file = path.join(work, 'mutant.conf');
  const mismatches: string[] = [];
  for (let n = 0; n < 400; n++) {
    const text = mutate(seeds[rnd(seeds.length)] as string, rnd);
    writeFileSync(file, text, { mode: 0o644 });
    chmodSync(file, 0o644);
    const r = spawnSync(radvd.bin, ['-c', '-C', file], { encoding: 'utf8' });
    const ours = radvdVerdict(parseConfig(text, 'mutant.conf')) !== 'config';
    if (ours !== (r.status === 0)) mismatches.push(`${JSON.stringify(text)}\nradvd: ${`${r.stderr}`.trim()}`);
  }
  assert.deepEqual(mismatches, []);
});

/** A random interface exercising every start-up check (values around each limit). */
function randomInterface(rnd: (n: number) => number): string {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)] as T;
  const lines = ['AdvSendAdvert on;'];
  const maybe = (odds: number, line: () => string): void => {
    if (rnd(odds) === 0) lines.push(line());
  };
  maybe(2, () => `MaxRtrAdvInterval ${pick(['4', '9', '9.1', '10', '0.07', '0.06', '0.5', '1.5', '600', '1800', '1801', '3', '100'])};`);
  maybe(2, () => `MinRtrAdvInterval ${pick(['3', '2.9', '0.03', '0.02', '0.5', '450', '451', '200', '7.5', '1'])};`);
  maybe(3, () => `MinDelayBetweenRAs ${pick(['3', '2.99', '0.03', '0.02', '1'])};`);
  maybe(2, () => `AdvDefaultLifetime ${pick(['0', '1', '4', '599', '600', '1800', '9000', '9001', '2147483647', '2147483648', '4294967295'])};`);
  // Above 1280 only up to the veth MTU (1500): the upper bound is the interface's, a run-time matter.
  maybe(3, () => `AdvLinkMTU ${pick(['0', '1279', '1280', '1500'])};`);
  maybe(3, () => `AdvReachableTime ${pick(['3600000', '3600001', '0'])};`);
  maybe(3, () => `AdvHomeAgentFlag ${pick(['on', 'off'])};`);
  maybe(3, () => `AdvHomeAgentInfo ${pick(['on', 'off'])};`);
  maybe(3, () => `AdvIntervalOpt ${pick(['on', 'off'])};`);
  maybe(4, () => 'AdvMobRtrSupportFlag on;');
  maybe(3, () => `HomeAgentLifetime ${pick(['0', '1', '65520', '65521', '4294967295'])};`);
  maybe(3, () => `prefix 2001:db8::1/64 { AdvRouterAddr ${pick(['on', 'off'])}; };`);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
  }
  return `interface eth0 {\n${lines.join('\n')}\n};\n`;
}

test('radvd and firsthop agree on the start-up checks of random interfaces', { skip: netnsSkip() }, async () => {
  const rnd = lcg(424242);
  const cases = Array.from({ length: 40 }, (_, i) => ({ i, text: randomInterface(rnd) }));
  const mismatches: string[] = [];
  let refused = 0;
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const conf = path.join(work, `random-${c.i}.conf`);
        writeFileSync(conf, c.text, { mode: 0o644 });
        chmodSync(conf, 0o644);
        const script = [
          'sysctl -qw net.ipv6.conf.all.forwarding=1', 'sysctl -qw net.ipv6.conf.default.accept_dad=0',
          'ip link add eth0 type veth peer name fhp0', 'ip link set eth0 up', 'ip link set fhp0 up', 'sleep 0.3',
          `timeout 1.5 ${radvd?.bin} -n -m stderr -d 5 -C '${conf}' -p '${conf}.pid' 2>&1 || true`,
        ].join('\n');
        const { stdout, stderr } = await run('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
        const radvdRefuses = refusals(`${stdout}${stderr}`, ['eth0']).length > 0;
        const r = parseConfig(c.text, 'random.conf');
        const firsthopRefuses = radvdVerdict(r) === 'runtime';
        if (firsthopRefuses) refused++;
        if (radvdRefuses !== firsthopRefuses) mismatches.push(`${c.text}radvd: ${`${stdout}${stderr}`.split('\n').filter((l) => / must /.test(l)).join('; ')}`);
      }
    }),
  );
  assert.deepEqual(mismatches, []);
  assert.ok(refused >= 5 && refused <= cases.length - 5, `both outcomes are exercised (${refused} of ${cases.length} refused)`);
  assert.ok(refused >= 5 && refused <= cases.length - 5, `both outcomes are exercised (${refused} of ${cases.length} refused)`);
});
