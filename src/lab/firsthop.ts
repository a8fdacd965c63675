/** Run the firsthop daemon inside a lab namespace, as the tests, the demo and the benchmarks do. */
import { join, resolve } from 'node:path';
import { closeSync, existsSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './netns';

/**
 * The firsthop command the lab runs: what ships, the bundle dist/firsthop.js that `npm run build`
 * writes (next to this file when this is the bundled lab, dist/firsthop-lab.js); without a
 * bundle (tsc alone), the unbundled dist/src/cli/main.js. FIRSTHOP_MAIN in the environment
 * overrides both. UNBUNDLED_MAIN is always the tsc output.
 */
export const UNBUNDLED_MAIN = __filename.endsWith(join('lab', 'firsthop.js')) ? resolve(__dirname, '..', 'cli', 'main.js') : resolve(__dirname, 'src', 'cli', 'main.js');
const BUNDLED_MAIN = __filename.endsWith(join('lab', 'firsthop.js')) ? resolve(__dirname, '..', '..', 'firsthop.js') : resolve(__dirname, 'firsthop.js');
export const FIRSTHOP_MAIN = process.env['FIRSTHOP_MAIN'] ?? (existsSync(BUNDLED_MAIN) ? BUNDLED_MAIN : UNBUNDLED_MAIN);

export interface FirsthopHandle {
  readonly child: ChildProcess;
  readonly configPath: string;
  /** Its control socket (a file path: reachable from any namespace). */
  readonly controlPath: string;
  readonly statePath: string;
  /** Everything the daemon logged so far. */
  log(): string;
  /** Resolves when the log matches `re` (checked against the whole log so far). */
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Replace the config file (does not signal). */
  writeConfig(text: string): void;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM and wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  readonly name?: string;
  readonly args?: readonly string[];
  /** Wait for this log line before resolving (default: the start line). */
  readonly ready?: RegExp;
  readonly timeoutMs?: number;
  /** Debug level (default 2: every packet sent is logged). */
  readonly debug?: number;
  /**
   * The command that runs firsthop, before its arguments (default: this node and
   * FIRSTHOP_MAIN). The package test passes ['/usr/sbin/firsthop'].
   */
  readonly command?: readonly string[];
  /** The command's script (default FIRSTHOP_MAIN). */
  readonly main?: string;
  /**
   * Log to `<lab dir>/<name>.log` (-m logfile; stdout and stderr go there too) instead of a pipe
   * to this process, so the daemon outlives it: `firsthop lab run --keep`. The log is tailed.
   */
  readonly logFile?: boolean;
}

/**
 * Feed what is appended to `path` to onData every `intervalMs` until the child exits (and once
 * more then). Returns the reader, to call when the latest bytes are wanted at once.
 */
export function tailFile(path: string, onData: (d: Buffer) => void, child: ChildProcess, intervalMs = 10): () => void {
  let offset = 0;
  const read = (): void => {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const size = fstatSync(fd).size;
      if (size > offset) {
        const buf = Buffer.alloc(Math.min(size - offset, 1024 * 1024));
        const n = readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        onData(buf.subarray(0, n));
      }
    } catch {
      // the lab directory may be gone already
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
  const timer = setInterval(read, intervalMs);
  timer.unref();
  child.once('exit', () => {
    clearInterval(timer);
    read();
  });
  return read;
}

export async function startFirsthop(lab: Lab, ns: string, config: string, opts: StartOptions = {}): Promise<FirsthopHandle> {
  const name = opts.name ?? `firsthop-${ns}`;
  const configPath = join(lab.dir(), `${name}.conf`);
  writeFileSync(configPath, config);
  const controlPath = join(lab.dir(), `${name}.sock`);
  const statePath = join(lab.dir(), `${name}.state.json`);
  const logPath = join(lab.dir(), `${name}.log`);
  const logArgs = opts.logFile === true ? ['-m', 'logfile', '-l', logPath] : [];
  const argv = [...(opts.command ?? [process.execPath, opts.main ?? FIRSTHOP_MAIN]), '-n', '-C', configPath, '-p', join(lab.dir(), `${name}.pid`), '-s', controlPath, '--state', statePath, '-d', String(opts.debug ?? 2), ...logArgs, ...(opts.args ?? [])];
  let logFd: number | undefined;
  if (opts.logFile === true) logFd = openSync(logPath, 'a');
  const child = lab.spawn(ns, argv, { stdio: logFd !== undefined ? ['ignore', logFd, logFd] : ['ignore', 'pipe', 'pipe'] });
  if (logFd !== undefined) closeSync(logFd);
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => {
    if (text.length < 4 * 1024 * 1024) text += d.toString('utf8');
    for (const w of [...waiters]) w();
  };
  child.stderr?.on('data', onData);
  child.stdout?.on('data', onData);
  if (opts.logFile === true) tailFile(logPath, onData, child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitLog = (re: RegExp, timeoutMs = opts.timeoutMs ?? 10_000): Promise<void> =>
    new Promise<void>((resolvePromise, reject) => {
      const check = (): void => {
        if (re.test(text)) {
          cleanup();
          resolvePromise();
        }
      };
      const onExit = (): void => {
        cleanup();
        reject(new Error(`firsthop in ${ns} exited (${child.exitCode ?? child.signalCode}) before ${re}:\n${text}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`firsthop in ${ns}: no ${re} within ${timeoutMs} ms:\n${text}`));
      }, timeoutMs);
      function cleanup(): void {
        clearTimeout(timer);
        waiters.delete(check);
        child.removeListener('exit', onExit);
      }
      waiters.add(check);
      child.once('exit', onExit);
      check();
    });
  await waitLog(opts.ready ?? /firsthop \S+ started/);
  return {
    child,
    configPath,
    controlPath,
    statePath,
    log: () => text,
    waitLog,
    writeConfig: (t) => writeFileSync(configPath, t),
    signal: (sig) => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, sig);
    },
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
      await lab.kill(child, 500);
      return code;
    },
  };
}
