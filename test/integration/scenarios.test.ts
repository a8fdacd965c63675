/**
 * Every lab scenario (`firsthop lab run NAME --fast`) runs here in its fast setting and must
 * reach its verdict: the checks of scenarios.md, judged from captures, the host kernel and
 * the host's traffic. A failing run prints its whole timeline. No namespace may be left.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { listNamespaces } from '../../src/lab/netns';
import { SCENARIOS } from '../../src/lab/scenarios/index';
import { runScenario } from '../../src/lab/scenarios/runner';
import { renderText } from '../../src/lab/scenarios/render';
import { describePrivileged, privileged } from '../helpers/privileged';


describePrivileged('lab scenarios, fast setting (firsthop lab run NAME --fast)', { tools: ['ping', 'tcpdump'], timeout: 30 * 60_000 }, () => {
  after(async () => {
    const left = (await listNamespaces()).filter((n) => n.startsWith(`fhscn-${process.pid.toString(36)}-`));
    assert.deepEqual(left, [], 'every scenario removed its namespaces');
  });

  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.title}`, { timeout: Math.max(120, s.seconds.fast * 4) * 1000 }, async (t) => {
      // Each scenario's own tools (bird, keepalived, nft): skipped without them, except in CI.
      if (!privileged(t, [...(s.needs ?? [])])) return;
      const lines: string[] = [];
      const { result } = await runScenario(s, { fast: true, prefix: 'fhscn', out: (l) => lines.push(l) });
      const text = `${lines.join('\n')}\n${renderText(result)}`;
      assert.equal(result.error, undefined, text);
      assert.ok(result.checks.length >= 3, `${s.name} has checks\n${text}`);
      assert.equal(result.verdict, 'pass', text);
    });
  }
});
