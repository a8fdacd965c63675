/**
 * The local control socket (a Unix stream socket, root only by default): one JSON request
 * per connection, one JSON response line back. `firsthop status` and `firsthop condition`
 * are its clients.
 */
export const DEFAULT_CONTROL_PATH = '/run/firsthop/control.sock';

export type ControlRequest =
  | { readonly cmd: 'status' }
  | { readonly cmd: 'condition'; readonly name: string; readonly value: boolean }
  | { readonly cmd: 'reload' };

export type ControlResponse = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string; readonly code: string };

/** Parse one request line; throws an Error with a user-facing message. */
export function parseRequest(line: string): ControlRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new Error('request is not JSON');
  }
  const r = raw as { cmd?: unknown; name?: unknown; value?: unknown };
  switch (r.cmd) {
    case 'status':
      return { cmd: 'status' };
    case 'reload':
      return { cmd: 'reload' };
    case 'condition':
      if (typeof r.name !== 'string' || typeof r.value !== 'boolean') throw new Error('condition needs a name and a boolean value');
      return { cmd: 'condition', name: r.name, value: r.value };
    default:
      throw new Error(`unknown command ${JSON.stringify(r.cmd)}`);
  }
}
