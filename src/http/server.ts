/**
 * The HTTP endpoint (off unless configured): /metrics (Prometheus), /api/status (the JSON of
 * `firsthop status --json`), /api/events (server-sent events: the daemon's change stream) and
 * the live page. Read-only: GET and HEAD only, and nothing here calls anything but status()
 * and the event stream. Bounded: SSE clients are counted, a slow one is disconnected, the
 * replay comes from the daemon's fixed ring.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { Logger } from '../daemon/log';
import type { StampedEvent } from '../observe/types';
import { ASSETS } from './assets';
import { toJson } from '../wire/json';
import { FirsthopMetrics } from './metrics';
import type { HttpListen, StatusSource } from './types';

export const DEFAULT_HTTP_PORT = 9475;
/** How long one /api/status answer is reused. */
export const STATUS_CACHE_MS = 200;
export const DEFAULT_HTTP_ADDRESS = '127.0.0.1';

export interface HttpLimits {
  /** SSE clients at once; more get 503. */
  readonly maxSseClients: number;
  /** Bytes queued for one SSE client before it is disconnected. */
  readonly maxSseBuffer: number;
  /** Interval of the SSE comment heartbeat. */
  readonly heartbeatMs: number;
  /** TCP connections at once (SSE included). */
  readonly maxConnections: number;
}

export const DEFAULT_LIMITS: HttpLimits = { maxSseClients: 32, maxSseBuffer: 1 << 20, heartbeatMs: 15_000, maxConnections: 128 };

export interface HttpServerOptions extends HttpListen {
  readonly source: StatusSource;
  readonly log: Logger;
  readonly limits?: Partial<HttpLimits>;
}

export interface HttpHandle {
  /** The address and port actually bound (port 0 asks for any free port). */
  readonly address: string;
  readonly port: number;
  /** The URL of the page. */
  readonly url: string;
  /** SSE clients connected now. */
  readonly sseClients: number;
  close(): Promise<void>;
}

/**
 * Content-Security-Policy: scripts, styles and fetches from the daemon only, no inline script or
 * style, no frames, no forms. The page itself renders every value with text nodes.
 */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** One SSE frame: the event's sequence number as its id, the event as one line of JSON. */
export function sseFrame(e: StampedEvent): string {
  // JSON.stringify escapes CR and LF, so a string from the wire cannot end the data line.
  return `id: ${e.seq}\ndata: ${toJson(e)}\n\n`;
}

/** Parse `--http [ADDRESS:]PORT` ([::1]:PORT for IPv6). Throws with a message for the user. */
export function parseListen(text: string, defaultAddress = DEFAULT_HTTP_ADDRESS): HttpListen {
  let address = defaultAddress;
  let portText = text;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (v6 !== null) {
    address = v6[1] as string;
    portText = v6[2] as string;
    if (isIP(address) !== 6) throw new Error(`'${address}' is not an IPv6 address`);
  } else if (text.includes(':')) {
    const at = text.lastIndexOf(':');
    address = text.slice(0, at);
    portText = text.slice(at + 1);
    if (isIP(address) !== 4) throw new Error(`'${address}' is not an IPv4 address (write an IPv6 address as [ADDRESS]:PORT)`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new Error(`'${portText}' is not a port (0 to 65535)`);
  return { address, port: Number(portText) };
}

/** A loopback address written as an address (127.0.0.0/8, ::1, ::ffff:127.x.y.z), never a name that starts like one. */
function isLoopback(address: string): boolean {
  const v = isIP(address);
  if (v === 4) return address.startsWith('127.');
  if (v === 6) return address === '::1' || (address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 && address.slice(7).startsWith('127.'));
  return false;
}

/**
 * On a loopback listener, only a Host naming the loopback is served: a web page elsewhere cannot
 * read the status through DNS rebinding (its name would be in Host).
 */
function hostAllowed(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || isLoopback(name);
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpHandle> {
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const { source, log } = opts;
  const metrics = new FirsthopMetrics(source);
  const sse = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const loopbackOnly = isLoopback(opts.address);
  // Pages re-read the status on every event; a burst of events (routers flooding the link) with
  // many pages open must not mean one status() per page per event: it is shared for a moment.
  let cached: { at: number; json: string } | undefined;
  const statusJson = (): string => {
    const now = Date.now();
    if (cached === undefined || now - cached.at >= STATUS_CACHE_MS || now < cached.at) cached = { at: now, json: toJson(source.status()) };
    return cached.json;
  };

  const send = (res: ServerResponse, code: number, type: string, body: string, extra: Record<string, string> = {}): void => {
    res.writeHead(code, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  };

  const events = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (sse.size >= limits.maxSseClients) {
      send(res, 503, 'text/plain; charset=utf-8', `too many event-stream clients (${limits.maxSseClients})\n`, { 'Retry-After': '5' });
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    sse.add(res);
    const write = (chunk: string): void => {
      if (res.destroyed) return;
      res.write(chunk);
      // A client that does not read: drop it before its queue grows without bound.
      if (res.writableLength > limits.maxSseBuffer) {
        log.debug(`http: event-stream client ${req.socket.remoteAddress ?? '?'} is ${res.writableLength} bytes behind; disconnected`);
        res.destroy();
      }
    };
    const unsubscribe = source.events.subscribe((e) => write(sseFrame(e)));
    res.once('close', () => {
      unsubscribe();
      sse.delete(res);
    });
    write(`: firsthop events\nretry: 1000\n\n`);
    // Replay what a reconnecting client missed (the ring holds the latest events only).
    const last = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
    const after = typeof last === 'string' && /^\d{1,15}$/.test(last) ? Number(last) : undefined;
    if (after !== undefined) for (const e of source.events.since(after)) write(sseFrame(e));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET and HEAD only\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (loopbackOnly && !hostAllowed(req.headers.host)) {
      send(res, 421, 'text/plain; charset=utf-8', 'this endpoint answers only to a loopback Host (127.0.0.1, [::1], localhost)\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://firsthop.invalid');
    const path = url.pathname === '/index.html' ? '/' : url.pathname;
    switch (path) {
      case '/metrics':
        send(res, 200, metrics.contentType, await metrics.render());
        return;
      case '/api/status':
        send(res, 200, 'application/json; charset=utf-8', statusJson());
        return;
      case '/api/events':
        events(req, res, url);
        return;
      default: {
        const asset = ASSETS.get(path);
        if (asset === undefined) {
          send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
          return;
        }
        send(res, 200, asset.type, asset.body, { 'Cache-Control': 'no-cache' });
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log.warn(`http: ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.maxConnections = limits.maxConnections;
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('clientError', (_e, socket) => socket.destroy());

  const heartbeat = setInterval(() => {
    for (const res of sse) {
      if (res.destroyed) continue;
      res.write(': heartbeat\n\n');
      if (res.writableLength > limits.maxSseBuffer) res.destroy();
    }
  }, limits.heartbeatMs);
  heartbeat.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.address, port: opts.port, exclusive: true }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  } catch (e) {
    clearInterval(heartbeat);
    throw e;
  }
  server.on('error', (e) => log.warn(`http: ${e.message}`));
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : opts.port;
  const address = opts.address;
  const host = isIP(address) === 6 ? `[${address}]` : address;
  let closed: Promise<void> | undefined;
  return {
    address,
    port,
    url: `http://${host}:${port}/`,
    get sseClients() {
      return sse.size;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

/**
 * The endpoint as the daemon's config and flags ask: `apply()` with the wanted address and port
 * (undefined: off) starts, restarts or stops it. A listen failure is logged, never fatal.
 */
export class HttpEndpoint {
  private handle: HttpHandle | undefined;
  private want: HttpListen | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: StatusSource,
    private readonly log: Logger,
    private readonly limits?: Partial<HttpLimits>,
  ) {}

  /** Where it listens now. */
  get listening(): HttpListen | undefined {
    return this.handle !== undefined ? { address: this.handle.address, port: this.handle.port } : undefined;
  }

  apply(want: HttpListen | undefined): Promise<void> {
    this.queue = this.queue.then(() => this.applyNow(want));
    return this.queue;
  }

  private async applyNow(want: HttpListen | undefined): Promise<void> {
    const same = want !== undefined && this.want !== undefined && want.address === this.want.address && want.port === this.want.port;
    if (same && this.handle !== undefined) return;
    this.want = want;
    if (this.handle !== undefined) {
      const h = this.handle;
      this.handle = undefined;
      await h.close();
      this.log.info(`http: stopped listening on ${h.url}`);
    }
    if (want === undefined) return;
    try {
      this.handle = await startHttpServer({ ...want, source: this.source, log: this.log, ...(this.limits !== undefined ? { limits: this.limits } : {}) });
      this.log.info(`http: listening on ${this.handle.url} (metrics at ${this.handle.url}metrics)`);
    } catch (e) {
      this.log.error(`http: cannot listen on ${want.address} port ${want.port}: ${(e as Error).message}; firsthop runs on without its HTTP endpoint`);
    }
  }

  close(): Promise<void> {
    return this.apply(undefined);
  }
}
