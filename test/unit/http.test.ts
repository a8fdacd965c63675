/**
 * The HTTP endpoint over the in-memory daemon: /metrics (checked by Debian's promtool), the
 * status JSON, the event stream (framing, replay, limits, slow clients), read-only methods,
 * security headers, and the endpoint's start/restart/failure handling.
 */
import { rogueRa } from '../../src/lab/rogue';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { Daemon } from '../../src/daemon/daemon';
import { MemoryBackend, settle } from '../../src/sys/memory';
import { ManualClock } from '../../src/iface/clock';
import { memoryLogger } from '../../src/daemon/log';
import { encodeMessage } from '../../src/wire';
import type { RouterAdvertisement } from '../../src/wire/types';
import { HttpEndpoint, parseListen, sseFrame, startHttpServer, type HttpHandle, type HttpLimits } from '../../src/http/server';
import { fieldLabel } from '../../src/http/metrics';
import { findTool, isCI } from '../helpers/privileged';

const CONF = `condition uplink { manual up; };
interface lan0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime 1800;
    prefix 2001:db8:1::/64 {
        AdvPreferredLifetime 3600;
        if not uplink { AdvPreferredLifetime 0; };
    };
    DNSSL example.org { };
};
interface mon0 {
    AdvSendAdvert off;
};
`;

const ROGUE: RouterAdvertisement = rogueRa({
  options: [
    { type: 'sourceLinkLayer', address: Uint8Array.from([2, 0, 0, 0, 0xba, 0xd0]) },
    { type: 'prefixInformation', prefix: '2001:db8:bad::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 },
    { type: 'dnssl', lifetime: 1800, domains: ['<script>alert(1)</script>.example'] },
  ],
});

async function setup(t: TestContext, limits?: Partial<HttpLimits>) {
  const dir = mkdtempSync(join(tmpdir(), 'fh-http-'));
  const file = join(dir, 'radvd.conf');
  writeFileSync(file, CONF);
  const backend = new MemoryBackend('router');
  const lan = backend.kernel.addLink({ name: 'lan0', mac: '02:00:00:00:00:01', mtu: 1500 });
  backend.kernel.addAddress({ ifindex: lan.ifindex, address: 'fe80::1' });
  const mon = backend.kernel.addLink({ name: 'mon0', mac: '02:00:00:00:00:02', mtu: 1500 });
  backend.kernel.addAddress({ ifindex: mon.ifindex, address: 'fe80::2' });
  const clock = new ManualClock();
  const log = memoryLogger();
  const daemon = new Daemon({ configPath: file, backend, log, clock, random: () => 0.5 });
  await daemon.start();
  await settle();
  clock.advance(0);
  const http = await startHttpServer({ address: '127.0.0.1', port: 0, source: daemon, log, ...(limits !== undefined ? { limits } : {}) });
  t.after(async () => {
    await http.close();
    daemon.stop(false);
    rmSync(dir, { recursive: true, force: true });
  });
  const rogue = async (ifindex: number, source = 'fe80::bad'): Promise<void> => {
    backend.inject({ data: encodeMessage(ROGUE), source, ifindex });
    await settle();
  };
  return { daemon, http, clock, log, backend, lan, mon, rogue };
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(h: HttpHandle, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: h.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An event-stream client: the frames received so far, and a way to wait for more. */
function sse(h: HttpHandle, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; text: () => string; waitFor: (re: RegExp, ms?: number) => Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: h.port, path: '/api/events', headers }, (res) => {
      let text = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        for (const w of [...waiters]) w();
      });
      res.on('error', () => undefined);
      resolve({
        res,
        text: () => text,
        waitFor: (re, ms = 2000) =>
          new Promise<void>((ok, fail) => {
            const check = (): void => {
              if (!re.test(text)) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no ${re} in ${JSON.stringify(text)}`));
            }, ms);
            waiters.add(check);
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const v = line.slice(line.lastIndexOf(' ') + 1);
    return v === '+Inf' ? Infinity : Number(v);
  }
  return undefined;
}

test('/metrics passes promtool check metrics, before and after rogue RAs and a condition change', async (t) => {
  const promtool = findTool('promtool');
  if (promtool === undefined) {
    if (isCI()) assert.fail('promtool is missing (Debian package prometheus)');
    t.skip('promtool is missing (Debian package prometheus)');
    return;
  }
  const s = await setup(t);
  const check = (text: string): void => {
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics failed:\n${r.stdout}${r.stderr}`);
  };
  const before = await get(s.http, '/metrics');
  assert.equal(before.status, 200);
  assert.match(String(before.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  check(before.body);
  await s.rogue(s.lan.ifindex);
  await s.rogue(s.mon.ifindex, 'fe80::bad:2');
  s.daemon.setCondition('uplink', false);
  await settle();
  const after = await get(s.http, '/metrics');
  check(after.body);
});

test('/metrics reports what the daemon does, with bounded labels', async (t) => {
  const s = await setup(t);
  let m = (await get(s.http, '/metrics')).body;
  assert.equal(metricValue(m, 'firsthop_build_info', { version: '0.1.0' }), 1);
  assert.equal(metricValue(m, 'firsthop_ras_sent_total', { interface: 'lan0', kind: 'initial' }), 1);
  assert.equal(metricValue(m, 'firsthop_router_lifetime_seconds', { interface: 'lan0' }), 1800);
  assert.equal(metricValue(m, 'firsthop_prefix_preferred_lifetime_seconds', { interface: 'lan0', prefix: '2001:db8:1::/64' }), 3600);
  assert.equal(metricValue(m, 'firsthop_prefix_valid_lifetime_seconds', { interface: 'lan0', prefix: '2001:db8:1::/64' }), 86400);
  assert.equal(metricValue(m, 'firsthop_condition_up', { condition: 'uplink' }), 1);
  assert.equal(metricValue(m, 'firsthop_interface_monitor_only', { interface: 'mon0' }), 1);
  assert.equal(metricValue(m, 'firsthop_router_lifetime_seconds', { interface: 'mon0' }), undefined, 'a monitor-only interface advertises nothing');
  assert.ok((metricValue(m, 'process_resident_memory_bytes') ?? 0) > 0);
  assert.ok(metricValue(m, 'nodejs_eventloop_lag_p99_seconds') !== undefined);

  s.daemon.setCondition('uplink', false);
  await settle();
  s.clock.advance(3000); // the triggered RA waits for MinDelayBetweenRAs after the initial one
  await s.rogue(s.mon.ifindex);
  await s.rogue(s.mon.ifindex, 'fe80::bad:2');
  s.backend.inject({ data: Uint8Array.from([133, 0, 0]), source: 'fe80::99', ifindex: s.lan.ifindex });
  await settle();
  m = (await get(s.http, '/metrics')).body;
  assert.equal(metricValue(m, 'firsthop_condition_up', { condition: 'uplink' }), 0);
  assert.equal(metricValue(m, 'firsthop_condition_flaps_total', { condition: 'uplink' }), 1);
  assert.equal(metricValue(m, 'firsthop_prefix_preferred_lifetime_seconds', { interface: 'lan0', prefix: '2001:db8:1::/64' }), 0);
  assert.ok((metricValue(m, 'firsthop_ras_sent_total', { interface: 'lan0', kind: 'triggered' }) ?? 0) >= 1);
  // Monitor mode: the routers on mon0 are seen and counted though it sends nothing.
  assert.equal(metricValue(m, 'firsthop_routers_seen', { interface: 'mon0', role: 'unknown' }), 2);
  assert.equal(metricValue(m, 'firsthop_rogue_routers', { interface: 'mon0' }), 2);
  assert.equal(metricValue(m, 'firsthop_rogue_detections_total', { interface: 'mon0' }), 2);
  assert.equal(metricValue(m, 'firsthop_rogue_ras_total', { interface: 'mon0' }), 2);
  assert.equal(metricValue(m, 'firsthop_ras_sent_total', { interface: 'mon0', kind: 'periodic' }), 0);
  assert.ok(Object.values(s.daemon.status().drops).reduce((a, b) => a + b, 0) >= 1);
  const dropLines = m.split('\n').filter((l) => l.startsWith('firsthop_packets_dropped_total{'));
  assert.ok(dropLines.length >= 1, 'a drop reason is exported');
  // Nothing a sender chooses becomes a label: no source address, MAC or DNSSL name.
  for (const line of m.split('\n').filter((l) => !l.startsWith('#'))) {
    assert.ok(!/fe80::bad|ba:d0|<script/.test(line), `wire value in a metric: ${line}`);
  }
});

test('inconsistency kinds named after DNSSL names collapse to one label', () => {
  assert.equal(fieldLabel('dnssl_foo_bar'), 'dnssl');
  assert.equal(fieldLabel('prefix_valid_lifetime'), 'prefix_valid_lifetime');
});

test('/api/status is the status JSON with MACs as text', async (t) => {
  const s = await setup(t);
  await s.rogue(s.mon.ifindex);
  const r = await get(s.http, '/api/status');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const st = JSON.parse(r.body) as { interfaces: Array<{ name: string; advSendAdvert: boolean; watch: { routers: Array<{ source: string; mac?: string; rogue: boolean; ra: { options: Array<{ type: string; address?: unknown }> } }> } }> };
  assert.deepEqual(st.interfaces.map((i) => i.name), ['lan0', 'mon0']);
  const mon = st.interfaces[1];
  assert.equal(mon?.advSendAdvert, false);
  const router = mon?.watch.routers[0];
  assert.equal(router?.source, 'fe80::bad');
  assert.equal(router?.rogue, true);
  assert.equal(router?.ra.options.find((o) => o.type === 'sourceLinkLayer')?.address, '02:00:00:00:ba:d0');
});

test('read-only: other methods get 405; unknown paths 404; security headers everywhere', async (t) => {
  const s = await setup(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await get(s.http, '/api/status', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers['allow'], 'GET, HEAD');
  }
  assert.equal((await get(s.http, '/nope')).status, 404);
  const page = await get(s.http, '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self';/);
  assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  const head = await get(s.http, '/metrics', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  for (const path of ['/app.js', '/style.css', '/favicon.svg']) assert.equal((await get(s.http, path)).status, 200, path);
});

test('a loopback listener refuses a Host that is not the loopback (DNS rebinding)', async (t) => {
  const s = await setup(t);
  assert.equal((await get(s.http, '/api/status', { headers: { Host: 'evil.example:9475' } })).status, 421);
  assert.equal((await get(s.http, '/api/status', { headers: { Host: '127.0.0.1.rebind.example:9475' } })).status, 421, 'a name that starts like a loopback address');
  assert.equal((await get(s.http, '/api/status', { headers: { Host: '127.0.0.1:9475' } })).status, 200);
  assert.equal((await get(s.http, '/api/status', { headers: { Host: 'localhost:9475' } })).status, 200);
  assert.equal((await get(s.http, '/api/status', { headers: { Host: '[::1]:9475' } })).status, 200);
});

test('/api/events: one frame per change, id = seq, replay after Last-Event-ID', async (t) => {
  const s = await setup(t);
  const c = await sse(s.http);
  t.after(() => c.close());
  assert.equal(c.res.statusCode, 200);
  assert.match(String(c.res.headers['content-type']), /^text\/event-stream/);
  await c.waitFor(/retry: 1000/);
  s.daemon.setCondition('uplink', false);
  await settle();
  await c.waitFor(/"type":"condition"/);
  const frames = c.text().split('\n\n').filter((f) => f.startsWith('id: '));
  assert.ok(frames.length >= 1);
  for (const f of frames) {
    const [idLine, dataLine, ...rest] = f.split('\n');
    assert.equal(rest.length, 0, `one data line per frame: ${f}`);
    const e = JSON.parse((dataLine as string).slice('data: '.length)) as { seq: number };
    assert.equal(idLine, `id: ${e.seq}`);
  }
  // A reconnecting client gets what it missed after its last id, and nothing before.
  const firstSeq = Number(/^id: (\d+)/m.exec(c.text())?.[1]);
  s.daemon.setCondition('uplink', true);
  await settle();
  const again = await sse(s.http, { 'Last-Event-ID': String(firstSeq) });
  t.after(() => again.close());
  await again.waitFor(/"effective":true/);
  assert.ok(!again.text().includes(`id: ${firstSeq}\n`), 'replay starts after Last-Event-ID');
});

test('sseFrame keeps a wire string with newlines on one data line', () => {
  const frame = sseFrame({ type: 'ra', interface: 'lan0', why: 'x\r\ndata: injected\n\nid: 999', seq: 7, at: 0 });
  assert.equal(frame.split('\n').length, 4);
  assert.match(frame, /^id: 7\ndata: \{.*\}\n\n$/);
});

test('/api/events: at most maxSseClients at once (503 beyond), heartbeats, slot freed on close', async (t) => {
  const s = await setup(t, { maxSseClients: 3, heartbeatMs: 50 });
  const clients = await Promise.all([sse(s.http), sse(s.http), sse(s.http)]);
  t.after(() => clients.forEach((c) => c.close()));
  for (const c of clients) assert.equal(c.res.statusCode, 200);
  const fourth = await get(s.http, '/api/events');
  assert.equal(fourth.status, 503);
  assert.equal(fourth.headers['retry-after'], '5');
  await clients[0]?.waitFor(/: heartbeat\n\n/, 1000);
  clients[0]?.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(s.http.sseClients, 2);
  const again = await sse(s.http);
  t.after(() => again.close());
  assert.equal(again.res.statusCode, 200);
});

test('/api/events: a client that does not read is disconnected once its queue passes the limit', async (t) => {
  const s = await setup(t, { maxSseBuffer: 64 * 1024 });
  const c = await sse(s.http);
  t.after(() => c.close());
  c.res.pause(); // reads nothing from now on
  const closed = new Promise<void>((r) => c.res.once('close', () => r()));
  const big = 'x'.repeat(8 * 1024);
  // Enough to fill the socket buffers on both sides and then the server's queue.
  for (let i = 0; i < 4000 && s.http.sseClients > 0; i++) {
    s.daemon.events.emit({ type: 'ra', interface: 'lan0', why: big });
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.equal(s.http.sseClients, 0, 'the slow client was dropped');
  c.res.resume();
  await closed;
  assert.equal(s.daemon.events.listenerCount, 0, 'its subscription is gone');
});

test('parseListen: PORT, ADDRESS:PORT, [IPv6]:PORT', () => {
  assert.deepEqual(parseListen('9475'), { address: '127.0.0.1', port: 9475 });
  assert.deepEqual(parseListen('0.0.0.0:80'), { address: '0.0.0.0', port: 80 });
  assert.deepEqual(parseListen('[::1]:9475'), { address: '::1', port: 9475 });
  assert.throws(() => parseListen('::1:9475'), /IPv4/);
  assert.throws(() => parseListen('70000'), /not a port/);
  assert.throws(() => parseListen('host:80'), /IPv4/);
  assert.throws(() => parseListen('[nope]:80'), /IPv6/);
});

test('HttpEndpoint: restarts on a change, keeps a listener that did not change, logs a listen failure', async (t) => {
  const s = await setup(t);
  const log = memoryLogger();
  const ep = new HttpEndpoint(s.daemon, log);
  t.after(() => ep.close());
  await ep.apply({ address: '127.0.0.1', port: 0 });
  const first = ep.listening;
  assert.ok(first !== undefined && first.port > 0);
  await ep.apply({ address: '127.0.0.1', port: 0 });
  assert.deepEqual(ep.listening, first, 'same config: same listener');
  // A port in use: logged, no throw, no listener.
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.after(() => blocker.close());
  const busy = (blocker.address() as { port: number }).port;
  await ep.apply({ address: '127.0.0.1', port: busy });
  assert.equal(ep.listening, undefined);
  assert.ok(log.lines.some((l) => /cannot listen on 127\.0\.0\.1 port \d+/.test(l)), JSON.stringify(log.lines));
  await ep.apply(undefined);
  assert.equal(ep.listening, undefined);
});
