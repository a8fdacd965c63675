/** `firsthop status` and `firsthop condition`: clients of the control socket. */
import { parseArgs } from 'node:util';
import { controlRequest } from '../control/client';
import { DEFAULT_CONTROL_PATH } from '../control/protocol';
import type { DaemonStatus } from '../daemon/daemon';
import { renderStatus, statusJson } from './status';

export async function runStatus(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, control: { type: 'string', short: 's' } } }));
  } catch (e) {
    process.stderr.write(`firsthop status: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const resp = await controlRequest(values.control ?? DEFAULT_CONTROL_PATH, { cmd: 'status' });
    if (!resp.ok) {
      process.stderr.write(`firsthop status: ${resp.error}\n`);
      return 1;
    }
    process.stdout.write(values.json ? `${statusJson(resp.result)}\n` : renderStatus(resp.result as DaemonStatus));
    return 0;
  } catch (e) {
    process.stderr.write(`firsthop status: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function runCondition(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { control: { type: 'string', short: 's' } }, allowPositionals: true });
  } catch (e) {
    process.stderr.write(`firsthop condition: ${(e as Error).message}\n`);
    return 2;
  }
  const [verb, name, state] = parsed.positionals;
  if (verb !== 'set' || name === undefined || (state !== 'up' && state !== 'down')) {
    process.stderr.write('usage: firsthop condition set NAME up|down [-s SOCKET]\n');
    return 2;
  }
  try {
    const resp = await controlRequest(parsed.values.control ?? DEFAULT_CONTROL_PATH, { cmd: 'condition', name, value: state === 'up' });
    if (!resp.ok) {
      process.stderr.write(`firsthop condition: ${resp.error}\n`);
      return 1;
    }
    process.stdout.write(`condition ${name} set ${state}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`firsthop condition: ${(e as Error).message}\n`);
    return 1;
  }
}
