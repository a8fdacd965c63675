/**
 * The HTTP endpoint of the real daemon in a lab namespace, with real clients in the same
 * namespace: Debian's Prometheus scrapes /metrics and answers queries over its HTTP API, and
 * Debian's Chromium (driven by playwright-core over its pipe) loads the live page.
 *
 * The lab: `router` runs firsthop with r0 (advertising, a prefix under a manual condition) and
 * m0 (AdvSendAdvert off: monitor only); `host` is on r0's link; `rogue` is on m0's link and
 * sends an RA whose DNSSL names and captive-portal URI carry markup and script.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { Lab, namespaceExists, routerHostPair, waitFor, waitLinkLocal } from '../../src/lab/netns';
import { FIRSTHOP_MAIN, startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { RaSender, rogueRa } from '../../src/lab/rogue';
import { controlRequest } from '../../src/control/client';
import type { DaemonStatus } from '../../src/daemon/daemon';
import { describePrivileged, findTool } from '../helpers/privileged';

const execFileP = promisify(execFile);

const MARKUP_DNSSL = '<script>window.pwned=1</script>';
const MARKUP_URI = 'https://portal.example/"><img src=x onerror="window.pwned=2">';

const CONFIG = `condition uplink { manual up; damping on; };
interface r0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime 1800;
    prefix 2001:db8:1::/64 {
        AdvPreferredLifetime 3600;
        if not uplink { AdvPreferredLifetime 0; };
    };
    RDNSS 2001:db8:1::53 { };
    DNSSL example.org { };
    AdvCaptivePortalAPI "https://portal.example/api";
};
interface m0 {
    AdvSendAdvert off;
};
http { address 127.0.0.1; port 0; };
`;

/** GET a URL from inside a namespace (the servers listen on that namespace's loopback). */
async function nsGet(lab: Lab, ns: string, url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { process.stderr.write(String(e)); process.exit(1); })`;
  const r = await lab.exec(ns, [process.execPath, '-e', script, url], { timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`GET ${url} in ${ns}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { status: number; body: string };
}

async function status(fh: FirsthopHandle): Promise<DaemonStatus> {
  const r = await controlRequest(fh.controlPath, { cmd: 'status' });
  if (!r.ok) throw new Error(r.error);
  return r.result as DaemonStatus;
}

describePrivileged('the HTTP endpoint of the real daemon, with Prometheus and Chromium', { timeout: 120_000, tools: ['prometheus', 'promtool', 'chromium'] }, () => {
  let lab: Lab | undefined;
  let fh: FirsthopHandle;
  let base: string;

  before(async () => {
    lab = Lab.create();
    await routerHostPair(lab, { routerIf: 'r0', hostIf: 'h0' });
    await lab.addNamespace('rogue');
    await lab.addVeth('router', 'm0', 'rogue', 'g0', { macB: '02:00:00:00:ba:d0' });
    await waitLinkLocal(lab, 'router', 'm0');
    await waitLinkLocal(lab, 'rogue', 'g0');
    fh = await startFirsthop(lab, 'router', CONFIG);
    await fh.waitLog(/http: listening on http:\/\/127\.0\.0\.1:\d+\//);
    const st = await status(fh);
    assert.ok(st.http !== undefined, 'status shows where the endpoint listens');
    base = `http://127.0.0.1:${st.http.port}/`;
    // The rogue on m0's link: markup and script in its DNSSL names and captive-portal URI.
    const sender = await RaSender.open(lab, 'rogue', 'g0');
    try {
      const ra = rogueRa();
      sender.send({ ...ra, options: [{ type: 'sourceLinkLayer', address: Uint8Array.from([2, 0, 0, 0, 0xba, 0xd0]) }, ...ra.options, { type: 'dnssl', lifetime: 1800, domains: [MARKUP_DNSSL, 'corp.example'] }, { type: 'captivePortal', uri: MARKUP_URI }] });
    } finally {
      sender.close();
    }
    await waitFor(async () => ((await status(fh)).interfaces.find((i) => i.name === 'm0')?.watch.rogueDetections ?? 0) > 0 || undefined, { timeoutMs: 5000, what: 'rogue detected on m0' });
  });

  after(async () => {
    const names = lab?.namespaceNames() ?? [];
    await fh?.stop();
    await lab?.destroy();
    for (const n of names) assert.equal(namespaceExists(n), false, `namespace ${n} left behind`);
  });

  it('serves /metrics that promtool accepts, with the rogue seen on the monitor-only interface', async () => {
    const m = await nsGet(lab!, 'router', `${base}metrics`);
    assert.equal(m.status, 200);
    const check = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = execFile(findTool('promtool')!, ['check', 'metrics'], { encoding: 'utf8' }, (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: out + errOut }));
      child.stdin?.end(m.body);
    });
    assert.equal(check.code, 0, check.out);
    assert.match(m.body, /^firsthop_rogue_detections_total\{interface="m0"\} 1$/m);
    assert.match(m.body, /^firsthop_routers_seen\{role="unknown",interface="m0"\} 1$/m);
    assert.match(m.body, /^firsthop_interface_monitor_only\{interface="m0"\} 1$/m);
  });

  it('a real Prometheus scrapes firsthop and answers a query for its metrics', async (t) => {
    const dir = join(lab!.dir(), 'prometheus');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const target = base.replace(/^http:\/\//, '').replace(/\/$/, '');
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: firsthop\n    static_configs:\n      - targets: ['${target}']\n`);
    const prom = lab!.spawn('router', [findTool('prometheus')!, `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let promLog = '';
    prom.stderr?.on('data', (d: Buffer) => (promLog += d.toString('utf8')));
    t.after(() => lab!.kill(prom));
    const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }> | undefined> => {
      try {
        const r = await nsGet(lab!, 'router', `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(q)}`);
        if (r.status !== 200) return undefined;
        const j = JSON.parse(r.body) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
        return j.status === 'success' && j.data.result.length > 0 ? j.data.result : undefined;
      } catch {
        return undefined; // not up yet
      }
    };
    const up = await waitFor(() => query('up{job="firsthop"} == 1'), { timeoutMs: 20_000, intervalMs: 250, what: `Prometheus scraping firsthop (log: ${promLog})` });
    assert.equal(up?.[0]?.value[1], '1');
    const build = await waitFor(() => query('firsthop_build_info'), { timeoutMs: 10_000, intervalMs: 250, what: 'firsthop_build_info in Prometheus' });
    assert.equal(build?.[0]?.metric['version'], '0.1.0');
    const rogue = await waitFor(() => query('firsthop_rogue_detections_total{interface="m0"}'), { timeoutMs: 10_000, intervalMs: 250, what: 'rogue detections in Prometheus' });
    assert.equal(rogue?.[0]?.value[1], '1');
  });

  it('Chromium shows the live page: every interface, a condition change within a second, wire markup as text', async (t) => {
    const { chromium } = await import('playwright-core');
    // Chromium runs inside the router namespace (where the endpoint listens); playwright talks to
    // it over the pipe it inherits through `ip netns exec`.
    const wrapper = join(lab!.dir(), 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lab!.ns('router')} ${findTool('chromium')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 30_000,
    });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(base, { waitUntil: 'load' });
    await page.locator('section[data-interface="r0"]').waitFor({ timeout: 5000 });
    await page.locator('section[data-interface="m0"]').waitFor({ timeout: 5000 });
    assert.match((await page.locator('#live').textContent()) ?? '', /live/);
    // The RA on the wire, with its options, and the routers seen on the monitor-only link.
    const r0 = (await page.locator('section[data-interface="r0"]').textContent()) ?? '';
    assert.match(r0, /router lifetime 1800 s/);
    assert.match(r0, /2001:db8:1::\/64/);
    assert.match(r0, /example\.org/);
    const m0 = page.locator('section[data-interface="m0"]');
    assert.match((await m0.textContent()) ?? '', /monitor only/);
    await m0.locator('[data-router]').first().waitFor({ timeout: 5000 });
    // The rogue's markup is on the page as text, and ran nothing.
    const routerText = (await m0.locator('[data-router]').first().textContent()) ?? '';
    assert.ok(routerText.includes(MARKUP_DNSSL), `DNSSL shown as text: ${routerText}`);
    assert.ok(routerText.includes(MARKUP_URI), `captive-portal URI shown as text: ${routerText}`);
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned), undefined);
    assert.equal(await page.locator('img').count(), 0, 'no img element from the wire');
    assert.equal(await page.locator('script').count(), 1, 'only the page\'s own script');
    assert.equal(await page.locator('[data-router] script, [data-router] img').count(), 0);

    // A manual condition flipped over the control socket shows within a second.
    const row = page.locator('[data-condition="uplink"]');
    assert.equal(await row.getAttribute('data-effective'), 'up');
    await execFileP(process.execPath, [FIRSTHOP_MAIN, 'condition', 'set', 'uplink', 'down', '-s', fh.controlPath]);
    const flipped = Date.now();
    await page.locator('[data-condition="uplink"][data-effective="down"]').waitFor({ timeout: 1000 });
    const took = Date.now() - flipped;
    assert.ok(took < 1000, `shown after ${took} ms`);
    // ... and its consequence: the prefix's preferred lifetime 0, with the reason.
    await page.locator('section[data-interface="r0"] [data-reason]').first().waitFor({ timeout: 2000 });
    assert.match((await page.locator('section[data-interface="r0"] .reasons').textContent()) ?? '', /uplink/);

    // Readable on a phone: nothing wider than the screen.
    const shot = join(lab!.dir(), 'live-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env['FIRSTHOP_SCREENSHOT'] !== undefined) copyFileSync(shot, process.env['FIRSTHOP_SCREENSHOT']);
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
      return d.documentElement.scrollWidth - d.documentElement.clientWidth;
    });
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
    assert.deepEqual(problems, []);
  });

  it('--http on the command line overrides the config\'s http block', async (t) => {
    const other = await startFirsthop(lab!, 'host', 'interface h0 { AdvSendAdvert off; };\nhttp { address 127.0.0.1; port 0; };\n', { name: 'firsthop-flag', args: ['--http', '[::1]:0'] });
    t.after(() => other.stop());
    await other.waitLog(/http: listening on http:\/\/\[::1\]:\d+\//);
    const st = await status(other);
    assert.equal(st.http?.address, '::1');
    const r = await nsGet(lab!, 'host', `http://[::1]:${st.http?.port}/api/status`);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as DaemonStatus).interfaces[0]?.advSendAdvert, false);
  });

  it('a reload that changes the http block moves the listener', async () => {
    fh.writeConfig(CONFIG.replace('http { address 127.0.0.1; port 0; };', 'http { address ::1; port 0; };'));
    fh.signal('SIGHUP');
    const st = await waitFor(async () => {
      const s = await status(fh);
      return s.http?.address === '::1' ? s : undefined;
    }, { timeoutMs: 5000, what: 'the endpoint on ::1' });
    const r = await nsGet(lab!, 'router', `http://[::1]:${st?.http?.port}/api/status`);
    assert.equal(r.status, 200);
    assert.deepEqual((JSON.parse(r.body) as DaemonStatus).interfaces.map((i) => i.name), ['r0', 'm0']);
    await assert.rejects(nsGet(lab!, 'router', `${base}api/status`), 'the old listener is closed');
  });
});
