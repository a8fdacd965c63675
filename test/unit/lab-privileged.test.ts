import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findTool, privilegeProblem, TOOL_PACKAGES } from '../helpers/privileged';

describe('privileged test gate', () => {
  it('names the Debian package of each lab tool', () => {
    assert.equal(TOOL_PACKAGES['rdisc6'], 'ndisc6');
    assert.equal(TOOL_PACKAGES['ip'], 'iproute2');
    assert.equal(TOOL_PACKAGES['tcpdump'], 'tcpdump');
    assert.equal(TOOL_PACKAGES['sysctl'], 'procps');
    assert.equal(TOOL_PACKAGES['bird'], 'bird2');
  });

  it('finds tools in sbin directories even when PATH lacks them', () => {
    assert.ok(findTool('sh'));
    assert.equal(findTool('fh-no-such-tool'), undefined);
  });

  it('explains why privileged tests cannot run', () => {
    const problem = privilegeProblem(['fh-no-such-tool']);
    assert.ok(problem !== undefined);
    if (process.getuid?.() === 0) assert.match(problem, /missing tool\(s\) fh-no-such-tool: apt-get install fh-no-such-tool/);
    else assert.match(problem, /needs root/);
  });
});
