/** ICMPv6 echo probes over the MemoryBackend, alone and driving the engine. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_DAMPING } from '../../src/conditions/engine';
import { encodeEchoRequest, IcmpProbeFactory, parseEchoReply, probeProblem, type ProbeCondition } from '../../src/conditions/probe';
import { memoryLogger } from '../../src/daemon/log';
import { ManualClock } from '../../src/iface/clock';
import { NetState } from '../../src/netlink/state';
import { MemoryBackend, settle, type SentPacket } from '../../src/sys/memory';
import { cond, rig, WAN } from './conditions-support';

const TARGET = '2001:db8::1';
const OURS = '2001:db8::2';
const SPEC: ProbeCondition = { kind: 'probe', target: TARGET, dev: 'wan0', intervalMs: 1000, timeoutMs: 500, lossThreshold: 3, riseThreshold: 2 };

/** The reply a target sends to one of our requests (RFC 4443 4.2: same identifier, sequence and data). */
function replyTo(p: SentPacket, over: { type?: number; source?: string; ifindex?: number; data?: Buffer } = {}): { data: Buffer; source: string; destination: string; ifindex: number } {
  const data = over.data ?? Buffer.from(p.data);
  data[0] = over.type ?? 129;
  return { data, source: over.source ?? p.destination, destination: OURS, ifindex: over.ifindex ?? p.ifindex };
}

async function setup(): Promise<{ host: MemoryBackend; state: NetState; clock: ManualClock; log: ReturnType<typeof memoryLogger>; factory: IcmpProbeFactory }> {
  const host = new MemoryBackend();
  host.kernel.addLink(WAN);
  host.kernel.addLink({ ifindex: 3, name: 'wan1' });
  host.kernel.addAddress({ ifindex: WAN.ifindex, address: OURS });
  const state = await NetState.open(host);
  const clock = new ManualClock();
  const log = memoryLogger();
  return { host, state, clock, log, factory: new IcmpProbeFactory({ backend: host, clock, net: state, log, firstIdentifier: 0x1234 }) };
}

describe('echo request and reply', () => {
  it('encode: type 128, code 0, checksum left to the kernel, identifier, sequence, marker', () => {
    // prettier-ignore
    assert.deepEqual([...encodeEchoRequest(0x1234, 0xbeef)], [
      0x80, 0x00,             // type 128 echo request, code 0
      0x00, 0x00,             // checksum: the kernel fills it in for raw ICMPv6 sockets
      0x12, 0x34,             // identifier
      0xbe, 0xef,             // sequence
      ...Buffer.from('firsthop'),
    ]);
    assert.equal(encodeEchoRequest(0x11234, 0x10001).readUInt16BE(4), 0x1234, 'identifier and sequence are 16 bits');
  });

  it('parse: only well-formed echo replies', () => {
    const reply = Buffer.from(encodeEchoRequest(7, 9));
    reply[0] = 129;
    assert.deepEqual(parseEchoReply(reply), { identifier: 7, sequence: 9, data: Buffer.from('firsthop') });
    assert.equal(parseEchoReply(encodeEchoRequest(7, 9)), undefined, 'a request');
    assert.equal(parseEchoReply(reply.subarray(0, 7)), undefined, 'too short');
    const coded = Buffer.from(reply);
    coded[1] = 1;
    assert.equal(parseEchoReply(coded), undefined, 'code must be 0');
  });

  it('probeProblem', () => {
    assert.equal(probeProblem(SPEC), undefined);
    assert.match(probeProblem({ ...SPEC, target: 'x' }) ?? '', /invalid probe target/);
    assert.match(probeProblem({ ...SPEC, source: 'x' }) ?? '', /invalid probe source/);
    assert.match(probeProblem({ ...SPEC, target: '::' }) ?? '', /not a unicast/);
    assert.match(probeProblem({ ...SPEC, timeoutMs: -1 }) ?? '', /timeout/);
    assert.match(probeProblem({ ...SPEC, lossThreshold: 0 }) ?? '', /loss threshold/);
    assert.match(probeProblem({ ...SPEC, riseThreshold: 1.5 }) ?? '', /rise threshold/);
  });
});

describe('IcmpProbeFactory', () => {
  it('sends one echo per interval; up after riseThreshold answers, down after lossThreshold losses', async () => {
    const { host, state, clock, factory } = await setup();
    const reports: boolean[] = [];
    const probe = factory.start(SPEC, (up) => reports.push(up));
    try {
      assert.equal(host.openIcmpSockets, 1);
      assert.equal(host.sent.length, 1, 'the first echo goes at once');
      const first = host.sent[0];
      assert.ok(first);
      assert.deepEqual([first.destination, first.ifindex], [TARGET, WAN.ifindex]);
      assert.deepEqual(parseEchoReply(replyTo(first).data), { identifier: 0x1234, sequence: 1, data: Buffer.from('firsthop') });
      host.inject(replyTo(first));
      await settle();
      assert.deepEqual(reports, [], 'one answer of the two needed');
      clock.advance(1000);
      assert.equal(host.sent.length, 2);
      host.inject(replyTo(host.sent[1] as SentPacket));
      await settle();
      assert.deepEqual(reports, [true]);
      // Three echoes without an answer: down when the third times out.
      clock.advance(1000); // echo 3
      clock.advance(1000); // echo 3 lost at +500, echo 4
      clock.advance(1000); // echo 4 lost, echo 5
      assert.deepEqual(reports, [true]);
      clock.advance(499);
      assert.deepEqual(reports, [true]);
      clock.advance(1);
      assert.deepEqual(reports, [true, false]);
      // A late answer changes nothing.
      host.inject(replyTo(host.sent[4] as SentPacket));
      await settle();
      assert.deepEqual(reports, [true, false]);
      // Two answers in a row: up again.
      clock.advance(500); // echo 6
      host.inject(replyTo(host.sent[5] as SentPacket));
      await settle();
      clock.advance(1000); // echo 7
      host.inject(replyTo(host.sent[6] as SentPacket));
      await settle();
      assert.deepEqual(reports, [true, false, true]);
      assert.deepEqual(host.sent.map((p) => p.data.readUInt16BE(6)), [1, 2, 3, 4, 5, 6, 7]);
    } finally {
      probe.stop();
      state.close();
    }
    assert.equal(host.openIcmpSockets, 0, 'the last probe closes the socket');
    assert.equal(clock.timerCount, 0, 'and leaves no timer');
    assert.equal(factory.activeProbes, 0);
  });

  it('ignores replies that are not ours: other source, identifier, sequence, marker', async () => {
    const { host, state, clock, factory } = await setup();
    const reports: boolean[] = [];
    const probe = factory.start({ ...SPEC, riseThreshold: 1 }, (up) => reports.push(up));
    try {
      const p = host.sent[0] as SentPacket;
      const other = Buffer.from(p.data);
      other.writeUInt16BE(0x4321, 4);
      const seq = Buffer.from(p.data);
      seq.writeUInt16BE(99, 6);
      const marker = Buffer.from(p.data);
      marker[8] = 0x46;
      host.inject(replyTo(p, { source: '2001:db8::99' }));
      host.inject(replyTo(p, { data: other }));
      host.inject(replyTo(p, { data: seq }));
      host.inject(replyTo(p, { data: marker }));
      await settle();
      assert.deepEqual(reports, []);
      host.inject(replyTo(p));
      await settle();
      assert.deepEqual(reports, [true]);
      host.inject(replyTo(p));
      await settle();
      clock.advance(500);
      assert.deepEqual(reports, [true], 'a duplicate answer is not counted twice, nor the echo lost');
    } finally {
      probe.stop();
      state.close();
    }
  });

  it('a link-local target answers only on the link it was asked on', async () => {
    const { host, state, factory } = await setup();
    const reports: boolean[] = [];
    const probe = factory.start({ ...SPEC, target: 'fe80::1', riseThreshold: 1 }, (up) => reports.push(up));
    try {
      const p = host.sent[0] as SentPacket;
      host.inject(replyTo(p, { ifindex: 3 }));
      await settle();
      assert.deepEqual(reports, []);
      host.inject(replyTo(p));
      await settle();
      assert.deepEqual(reports, [true]);
    } finally {
      probe.stop();
      state.close();
    }
  });

  it('a send that fails or a missing dev counts as a loss, logged once', async () => {
    const { host, state, clock, log, factory } = await setup();
    host.sendFault = () => 'ENETUNREACH';
    const reports: boolean[] = [];
    const probe = factory.start({ ...SPEC, lossThreshold: 2 }, (up) => reports.push(up));
    const missing: boolean[] = [];
    const probe2 = factory.start({ ...SPEC, dev: 'wan9', lossThreshold: 1 }, (up) => missing.push(up));
    try {
      assert.deepEqual(reports, []);
      assert.deepEqual(missing, [false], 'lossThreshold 1: down at the first failed send');
      clock.advance(1000);
      assert.deepEqual(reports, [false]);
      clock.advance(3000);
      assert.deepEqual(
        log.lines.filter((l) => l.startsWith('warn:')),
        ['warn: probe 2001:db8::1: cannot send an echo request: sendmsg: ENETUNREACH', 'warn: probe 2001:db8::1: cannot send an echo request: interface wan9 does not exist'],
      );
      host.sendFault = undefined;
      clock.advance(1000);
      host.inject(replyTo(host.sent.at(-1) as SentPacket));
      await settle();
      clock.advance(1000);
      host.inject(replyTo(host.sent.at(-1) as SentPacket));
      await settle();
      assert.deepEqual(reports, [false, true]);
    } finally {
      probe.stop();
      probe2.stop();
      state.close();
    }
  });

  it('several probes share one socket and get their own identifiers', async () => {
    const { host, state, factory } = await setup();
    const a: boolean[] = [];
    const b: boolean[] = [];
    const pa = factory.start({ ...SPEC, riseThreshold: 1 }, (up) => a.push(up));
    const pb = factory.start({ ...SPEC, target: '2001:db8::3', riseThreshold: 1 }, (up) => b.push(up));
    try {
      assert.equal(host.openIcmpSockets, 1);
      assert.deepEqual(host.sent.map((p) => p.data.readUInt16BE(4)), [0x1234, 0x1235]);
      host.inject(replyTo(host.sent[1] as SentPacket));
      await settle();
      assert.deepEqual([a, b], [[], [true]]);
      pb.stop();
      assert.equal(host.openIcmpSockets, 1);
    } finally {
      pa.stop();
      state.close();
    }
    assert.equal(host.openIcmpSockets, 0);
  });

  it('a timeout longer than the interval keeps several echoes in flight', async () => {
    const { host, state, clock, factory } = await setup();
    const reports: boolean[] = [];
    const probe = factory.start({ ...SPEC, timeoutMs: 2500, lossThreshold: 2, riseThreshold: 1 }, (up) => reports.push(up));
    try {
      clock.advance(2000); // echoes 1, 2, 3 out; none timed out
      assert.equal(host.sent.length, 3);
      host.inject(replyTo(host.sent[0] as SentPacket));
      await settle();
      assert.deepEqual(reports, [true], 'the answer to echo 1 arrived within its 2.5 s');
      clock.advance(1500); // echo 2 lost at 3.5 s... and echo 3's timeout comes at 4.5 s
      assert.deepEqual(reports, [true]);
      clock.advance(1000);
      assert.deepEqual(reports, [true, false]);
    } finally {
      probe.stop();
      state.close();
    }
  });
});

describe('probe conditions in the engine', () => {
  it('pending until the first verdict, which is announced at once; later rises are held down', async () => {
    let factory: IcmpProbeFactory | undefined;
    const r = await rig({
      conditions: [cond('p', SPEC, DEFAULT_DAMPING)],
      kernel: (k) => {
        k.addLink(WAN);
        k.addAddress({ ifindex: WAN.ifindex, address: OURS });
      },
      probes: (host, clock, net) => (factory = new IcmpProbeFactory({ backend: host, clock, net })),
    });
    const answer = async (): Promise<void> => {
      r.host.inject(replyTo(r.host.sent.at(-1) as SentPacket));
      await r.settle();
    };
    try {
      assert.deepEqual([r.raw('p'), r.effective('p'), r.status('p').pending], [false, false, true]);
      await answer();
      r.clock.advance(1000);
      await answer();
      assert.deepEqual([r.raw('p'), r.effective('p'), r.status('p').pending], [true, true, false], 'first verdict: no hold-down');
      assert.deepEqual(r.changes, [['p']]);
      r.clock.advance(3499); // echoes 3, 4, 5 out, two of them lost
      assert.equal(r.effective('p'), true);
      r.clock.advance(1); // the third loss
      assert.equal(r.effective('p'), false, 'down at once');
      r.clock.advance(500); // echo 6
      await answer();
      r.clock.advance(1000); // echo 7
      await answer();
      assert.deepEqual([r.raw('p'), r.effective('p')], [true, false], 'a recovery waits for the hold-down');
      assert.equal(r.status('p').holdDownUntil, r.clock.now() + 30_000);
      // A reload that keeps the condition keeps the probe running.
      const sent = r.host.sent.length;
      r.engine.reconfigure([cond('p', SPEC, DEFAULT_DAMPING)]);
      assert.equal(factory?.activeProbes, 1);
      r.clock.advance(1000);
      assert.equal(r.host.sent.length, sent + 1);
      assert.equal(r.host.sent.at(-1)?.data.readUInt16BE(4), r.host.sent[0]?.data.readUInt16BE(4), 'same identifier: the same probe');
      await answer();
      for (let i = 0; i < 28; i++) {
        r.clock.advance(1000);
        await answer();
      }
      assert.equal(r.effective('p'), false, 'answering all along, 29 s after the rise');
      r.clock.advance(1000);
      assert.equal(r.effective('p'), true, '30 s after the rise');
      // A reload without it stops the probe.
      r.engine.reconfigure([]);
      assert.equal(factory?.activeProbes, 0);
      assert.equal(r.host.openIcmpSockets, 0);
      assert.deepEqual(r.changes.at(-1), ['p']);
    } finally {
      r.close();
    }
    assert.equal(r.clock.timerCount, 0);
  });

  it('a reload that turns a named condition into a probe keeps its value until the first verdict', async () => {
    const r = await rig({
      conditions: [cond('p', { kind: 'link', interface: 'wan0', state: 'up' }, DEFAULT_DAMPING)],
      kernel: (k) => {
        k.addLink(WAN);
        k.addAddress({ ifindex: WAN.ifindex, address: OURS });
      },
      probes: (host, clock, net) => new IcmpProbeFactory({ backend: host, clock, net }),
    });
    try {
      assert.equal(r.effective('p'), true, 'the link is up');
      r.engine.reconfigure([cond('p', SPEC, DEFAULT_DAMPING)]);
      await r.settle();
      assert.deepEqual([r.effective('p'), r.status('p').pending], [true, true], 'no verdict yet: the old value holds');
      r.clock.advance(3000); // three echoes lost: the first verdict is down, announced at once
      await r.settle();
      assert.deepEqual([r.effective('p'), r.status('p').pending], [false, false]);
      // A fresh probe (not a reload of a named condition) still starts down.
      r.engine.reconfigure([cond('p', SPEC, DEFAULT_DAMPING), cond('q', { ...SPEC, intervalMs: 2000 }, DEFAULT_DAMPING)]);
      await r.settle();
      assert.deepEqual([r.effective('q'), r.status('q').pending], [false, true]);
    } finally {
      r.close();
    }
  });

  it('a probe that cannot start is logged and stays down', async () => {
    const r = await rig({
      conditions: [cond('p', SPEC)],
      probes: {
        start() {
          throw new Error('no raw sockets here');
        },
      },
    });
    try {
      assert.deepEqual([r.effective('p'), r.status('p').pending], [false, true]);
      assert.ok(r.log.lines.includes('error: condition p: cannot start probe 2001:db8::1 dev wan0 every 1s: no raw sockets here'));
    } finally {
      r.close();
    }
  });
});
