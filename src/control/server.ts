/** The control socket server. Handlers are the daemon's; this file only frames requests. */
import { createServer, type Server } from 'node:net';
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseRequest, type ControlRequest, type ControlResponse } from './protocol';
import { toJson } from '../wire/json';

export type ControlHandler = (req: ControlRequest) => Promise<unknown> | unknown;

/** An error a handler throws to answer with a stable code (E_UNKNOWN_CONDITION, ...). */
export class ControlError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

const MAX_REQUEST = 64 * 1024;

export async function startControlServer(path: string, handler: ControlHandler, mode = 0o600): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  try {
    unlinkSync(path); // a socket left by a crashed run
  } catch {
    // none there
  }
  const server = createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        conn.end(`${JSON.stringify({ ok: false, error: 'request too large', code: 'E_TOO_LARGE' })}\n`);
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      // Byte arrays (link-layer addresses) as MACs and hex, as /api/status writes them.
      void answer(line).then((resp) => conn.end(`${toJson(resp)}\n`));
    });
  });
  async function answer(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      req = parseRequest(line);
    } catch (e) {
      return { ok: false, error: (e as Error).message, code: 'E_BAD_REQUEST' };
    }
    try {
      return { ok: true, result: await handler(req) };
    } catch (e) {
      return { ok: false, error: (e as Error).message, code: e instanceof ControlError ? e.code : 'E_INTERNAL' };
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  chmodSync(path, mode);
  return server;
}

export function stopControlServer(server: Server, path: string): void {
  server.close();
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
