/** Client side of the control socket, for the CLI. */
import { connect } from 'node:net';
import type { ControlRequest, ControlResponse } from './protocol';

export function controlRequest(path: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (d: string) => (buf += d));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? ' (is firsthop running? -s PATH names its control socket)' : e.code === 'EACCES' ? ' (root only)' : '';
      reject(new Error(`${path}: ${e.message}${hint}`));
    });
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as ControlResponse);
      } catch {
        reject(new Error(`${path}: bad answer ${JSON.stringify(buf.slice(0, 200))}`));
      }
    });
  });
}
