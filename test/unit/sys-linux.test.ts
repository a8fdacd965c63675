/** The Linux backend's addon loading (no privileges needed). */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { linuxBackend, loadAddon, packageRoot } from '../../src/sys/linux';

describe('linux backend: addon loading', () => {
  it('finds the package root from the compiled file', () => {
    assert.ok(existsSync(join(packageRoot(), 'binding.gyp')));
  });

  it('does not load the addon before a socket is opened', () => {
    const saved = process.env['FIRSTHOP_ADDON'];
    process.env['FIRSTHOP_ADDON'] = '/nonexistent/firsthop_sys.node';
    try {
      const backend = linuxBackend({ netns: 'whatever' });
      assert.equal(typeof backend.openIcmp6, 'function');
      assert.throws(() => backend.openRouteNetlink({ groups: [1] }), /firsthop native addon not built: \/nonexistent\/firsthop_sys\.node is missing\. Run 'npm install'/);
    } finally {
      if (saved === undefined) delete process.env['FIRSTHOP_ADDON'];
      else process.env['FIRSTHOP_ADDON'] = saved;
    }
  });

  it('exports the native functions when built', { skip: process.env['CI'] !== 'true' && !existsSync(join(packageRoot(), 'build', 'Release', 'firsthop_sys.node')) && 'addon not built' }, () => {
    const addon = loadAddon();
    assert.deepEqual(Object.keys(addon).sort(), [
      'close',
      'membership',
      'membership4',
      'netlinkPortId',
      'openNetlink',
      'openPacket',
      'openRaw4',
      'openRaw6',
      'sendNetlink',
      'sendPacket',
      'sendRaw4',
      'sendRaw6',
      'setFreebind',
    ]);
    // An unprivileged-safe round trip: a netlink socket without groups, opened and closed.
    const h = addon.openNetlink(0, [], 0, null, () => undefined);
    assert.ok(addon.netlinkPortId(h) > 0);
    addon.close(h);
    assert.throws(() => addon.sendNetlink(h, Buffer.alloc(16)), (e: unknown) => (e as { code?: string }).code === 'EBADF' && (e as { errno?: number }).errno === 9);
  });
});
