/**
 * The condition engine on the real kernel, in a network namespace it creates and deletes:
 * link and route conditions over the Linux NetState, an ICMPv6 echo probe over the raw socket
 * of the native backend. Needs root: skipped elsewhere, failing in CI (test/helpers/privileged).
 */
import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { ConditionEngine } from '../../src/conditions/engine';
import { IcmpProbeFactory } from '../../src/conditions/probe';
import { memoryLogger } from '../../src/daemon/log';
import { systemClock } from '../../src/iface/clock';
import { Lab, waitFor } from '../../src/lab/netns';
import { NetState } from '../../src/netlink/state';
import { linuxBackend } from '../../src/sys/linux';
import { describePrivileged } from '../helpers/privileged';
import { cond } from '../unit/conditions-support';

describePrivileged('conditions on the real kernel', { timeout: 60_000 }, () => {
  it('link and route conditions follow a veth; an echo probe to ::1 follows lo', async (t) => {
    const lab = Lab.create('fhcond');
    t.after(() => lab.destroy());
    const ns = await lab.addNamespace('r');
    await lab.ip('r', ['link', 'add', 'fhd0', 'type', 'veth', 'peer', 'name', 'fhd1']);
    const backend = linuxBackend({ netns: ns });
    const state = await NetState.open(backend);
    t.after(() => state.close());
    const log = memoryLogger();
    const engine = new ConditionEngine({
      conditions: [
        cond('up', { kind: 'link', interface: 'fhd0', state: 'up' }),
        cond('present', { kind: 'link', interface: 'fhd0', state: 'present' }),
        cond('rt', { kind: 'route', prefix: '2001:db8:1::', prefixLength: 48, dev: 'fhd0', protocol: 186, table: 100 }),
        cond('lo', { kind: 'probe', target: '::1', intervalMs: 100, timeoutMs: 200, lossThreshold: 2, riseThreshold: 2 }),
      ],
      net: state,
      clock: systemClock,
      log,
      probes: new IcmpProbeFactory({ backend, clock: systemClock, net: state, log }),
    });
    engine.start();
    t.after(() => engine.stop());
    const effective = (name: string): boolean | undefined => engine.status().find((s) => s.name === name)?.effective;
    const becomes = (name: string, value: boolean): Promise<boolean> => waitFor(() => effective(name) === value, { timeoutMs: 5000, intervalMs: 20, what: `${name} ${String(value)}` });

    assert.deepEqual([effective('present'), effective('up')], [true, false], 'a new veth is down');
    await lab.ip('r', ['link', 'set', 'fhd0', 'up']);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(effective('up'), false, 'up, but no carrier while the peer is down');
    await lab.ip('r', ['link', 'set', 'fhd1', 'up']);
    await becomes('up', true);
    await lab.ip('r', ['-6', 'route', 'add', '2001:db8:1::/48', 'dev', 'fhd0', 'proto', '186', 'table', '100']);
    await becomes('rt', true);
    await lab.ip('r', ['-6', 'route', 'del', '2001:db8:1::/48', 'dev', 'fhd0', 'table', '100']);
    await becomes('rt', false);
    await lab.ip('r', ['link', 'set', 'fhd1', 'down']);
    await becomes('up', false);

    await becomes('lo', true);
    await lab.ip('r', ['link', 'set', 'lo', 'down']);
    await becomes('lo', false);
    await lab.ip('r', ['link', 'set', 'lo', 'up']);
    await becomes('lo', true);
    assert.deepEqual(log.lines.filter((l) => l.startsWith('error:')), []);
  });
});
