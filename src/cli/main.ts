#!/usr/bin/env node
/**
 * The `firsthop` command. With radvd's flags it runs the daemon (foreground only; -n is
 * accepted); `-c` checks a config as `radvd -c` does; subcommands: dump, demo, version.
 */
import { parseArgs } from 'node:util';
import type { Server } from 'node:net';
import { chownSync, existsSync, mkdirSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { Daemon, ConfigError } from '../daemon/daemon';
import { createLogger, type Level, type LogMethod } from '../daemon/log';
import { checkConfigCli } from '../config';
import { DEFAULT_CONTROL_PATH } from '../control/protocol';
import { startControlServer, stopControlServer } from '../control/server';
import { defaultStatePath, DEFAULT_STATE_DIR } from '../daemon/state';

import { VERSION } from '../daemon/daemon';
const DEFAULT_CONFIG = '/etc/radvd.conf';
const DEFAULT_PIDFILE = '/run/firsthop.pid';

const USAGE = `usage: firsthop [options]            run the daemon (radvd-compatible flags)
       firsthop -c [-C FILE]           check a config file and exit (0 ok, 1 errors)
       firsthop dump [-i IFACE] [--json] [--count N] [--timeout S]
                                       print every Router Advertisement heard
       firsthop status [--json] [-s SOCKET]
                                       what each interface advertises now, and why
       firsthop condition set NAME up|down [-s SOCKET]
                                       flip a manual condition
       firsthop lab list|run NAME|clean the scenarios S1-S8 on a lab of network namespaces
       firsthop demo                   the same as firsthop lab run S1
       firsthop version

options (radvd's):
  -C, --config FILE      config file (default ${DEFAULT_CONFIG})
  -c, --configtest       check the config and exit
  -n, --nodaemon         stay in the foreground (the only mode; accepted for radvd scripts)
  -d, --debug N          debug level 1-5 (2 and above log every packet)
  -m, --logmethod M      stderr | stderr_syslog | syslog | logfile | none (default stderr)
  -l, --logfile FILE     log file for -m logfile
  -f, --facility N       syslog facility (accepted; lines go to stderr)
  -p, --pidfile FILE     pid file (default ${DEFAULT_PIDFILE})
  -u, --username USER    drop privileges to USER once the sockets are open
  -s, --control SOCKET   control socket (default ${DEFAULT_CONTROL_PATH}, mode 0600)
      --state FILE       state file: withdrawn prefixes survive a restart
                         (default /var/lib/firsthop/state-<hash of the config path>.json)
      --no-state         keep no state file
      --http [ADDRESS:]PORT
                         serve /metrics, /api/status, /api/events and the live page
                         ([::1]:PORT for IPv6; ADDRESS default 127.0.0.1); overrides the
                         config's http { address A; port N; }; (default: off)
  -v, --version          print the version
  -h, --help             this text
`;

/**
 * After -u the daemon must still write its state file: the default directory is firsthop's
 * own, so it is handed to the user; any other directory is left alone, with a warning when
 * the user cannot write there.
 */
function prepareStateDir(statePath: string, uid: number, gid: number, log: { warn(m: string): void }): void {
  const dir = dirname(statePath);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (dir === DEFAULT_STATE_DIR) {
      chownSync(dir, uid, gid);
      if (existsSync(statePath)) chownSync(statePath, uid, gid);
      return;
    }
    const st = statSync(dir);
    const writable = st.uid === uid ? (st.mode & 0o200) !== 0 : st.gid === gid ? (st.mode & 0o020) !== 0 : (st.mode & 0o002) !== 0;
    if (!writable) log.warn(`state: ${dir} is not writable by uid ${uid}: the state file will not be kept (choose --state in a directory the user owns)`);
  } catch (e) {
    log.warn(`state: preparing ${dir}: ${(e as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const sub = argv[0];
  // Subcommands are loaded when used: the daemon's start path does not load them.
  if (sub === 'dump') return (await import('./run-dump')).runDump(argv.slice(1));
  if (sub === 'status') return (await import('./run-control')).runStatus(argv.slice(1));
  if (sub === 'condition') return (await import('./run-control')).runCondition(argv.slice(1));
  // `demo` is the quick start's scenario: `lab run S1`.
  if (sub === 'lab' || sub === 'demo') {
    const { runLab } = await import('../lab/cli');
    return runLab(sub === 'demo' ? ['run', 'S1', ...argv.slice(1)] : argv.slice(1));
  }
  if (sub === 'version') {
    process.stdout.write(`firsthop ${VERSION}\n`);
    return 0;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'C' },
        configtest: { type: 'boolean', short: 'c' },
        nodaemon: { type: 'boolean', short: 'n' },
        debug: { type: 'string', short: 'd' },
        logmethod: { type: 'string', short: 'm' },
        logfile: { type: 'string', short: 'l' },
        facility: { type: 'string', short: 'f' },
        pidfile: { type: 'string', short: 'p' },
        username: { type: 'string', short: 'u' },
        control: { type: 'string', short: 's' },
        state: { type: 'string' },
        'no-state': { type: 'boolean' },
        http: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`firsthop: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`firsthop ${VERSION}\n`);
    return 0;
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  if (values.configtest) return checkConfigCli(configPath);

  const methods: LogMethod[] = ['stderr', 'stderr_syslog', 'syslog', 'logfile', 'none'];
  const method = (values.logmethod ?? 'stderr') as LogMethod;
  if (!methods.includes(method)) {
    process.stderr.write(`firsthop: unknown log method '${values.logmethod}' (one of ${methods.join(', ')})\n`);
    return 2;
  }
  if (method === 'logfile' && values.logfile === undefined) {
    process.stderr.write('firsthop: -m logfile needs -l FILE\n');
    return 2;
  }
  const debug = values.debug === undefined ? 0 : Number(values.debug);
  if (!Number.isInteger(debug) || debug < 0 || debug > 5) {
    process.stderr.write(`firsthop: debug level must be 0 to 5, not '${values.debug}'\n`);
    return 2;
  }
  const level: Level = debug >= 2 ? 'debug' : 'info';
  const log = createLogger({ method, level, ...(values.logfile !== undefined ? { file: values.logfile } : {}) });

  let httpFlag: { address: string; port: number } | undefined;
  if (values.http !== undefined) {
    const { parseListen } = await import('../http/server');
    try {
      httpFlag = parseListen(values.http);
    } catch (e) {
      process.stderr.write(`firsthop: --http ${values.http}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  const { linuxBackend } = await import('../sys/linux');
  const statePath = values['no-state'] ? undefined : (values.state ?? defaultStatePath(configPath));
  const daemon = new Daemon({ configPath, backend: linuxBackend(), log, ...(statePath !== undefined ? { statePath } : {}) });
  try {
    await daemon.start();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    process.stderr.write(`firsthop: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  const controlPath = values.control ?? DEFAULT_CONTROL_PATH;
  let control: Server | undefined;
  try {
    control = await startControlServer(controlPath, (req) => {
      switch (req.cmd) {
        case 'status':
          return daemon.status();
        case 'reload':
          return daemon.reload();
        case 'condition':
          return daemon.setCondition(req.name, req.value);
      }
    });
  } catch (e) {
    log.warn(`control socket ${controlPath}: ${(e as Error).message}; firsthop status and condition will not work`);
  }
  // The HTTP endpoint: the flag, else the config's http block (followed across reloads).
  let http: import('../http/server').HttpEndpoint | undefined;
  const wantHttp = (): { address: string; port: number } | undefined => httpFlag ?? (daemon.httpConfig !== undefined ? { address: daemon.httpConfig.address, port: daemon.httpConfig.port } : undefined);
  const applyHttp = async (): Promise<void> => {
    const want = wantHttp();
    if (want === undefined && http === undefined) return;
    if (http === undefined) {
      const { HttpEndpoint } = await import('../http/server');
      http = new HttpEndpoint(daemon, log);
    }
    await http.apply(want);
    daemon.httpListening = http.listening;
  };
  await applyHttp();
  daemon.events.subscribe((e) => {
    if (e.type === 'reload') void applyHttp(); // a failed reload leaves httpConfig as it was: no change
  });
  const pidfile = values.pidfile ?? DEFAULT_PIDFILE;
  try {
    writeFileSync(pidfile, `${process.pid}\n`);
  } catch (e) {
    log.warn(`cannot write pid file ${pidfile}: ${(e as Error).message}`);
  }
  if (values.username !== undefined && daemon.status().vrrp !== undefined) {
    // Taking and releasing the virtual router's addresses and macvlan needs CAP_NET_ADMIN,
    // which an unprivileged user does not have.
    log.error(`-u ${values.username} cannot be used with vrrp blocks: the virtual routers need CAP_NET_ADMIN to take over addresses; run as root`);
    daemon.stop(false);
    await daemon.stopped;
    if (control !== undefined) stopControlServer(control, controlPath);
    return 1;
  }
  if (values.username !== undefined) {
    try {
      const { execFileSync } = await import('node:child_process');
      const uid = Number(execFileSync('id', ['-u', values.username]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', values.username]).toString().trim());
      if (statePath !== undefined) prepareStateDir(statePath, uid, gid, log);
      process.setgroups?.([gid]);
      process.setgid?.(gid);
      process.setuid?.(values.username);
      log.info(`dropped privileges to ${values.username}`);
    } catch (e) {
      log.error(`cannot drop privileges to ${values.username}: ${(e as Error).message}`);
      daemon.stop(false);
      if (control !== undefined) stopControlServer(control, controlPath);
      return 1;
    }
  }
  log.info(`firsthop ${VERSION} started with ${configPath}`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`${sig}: stopping`);
      daemon.stop(true);
      if (control !== undefined) stopControlServer(control, controlPath);
      void http?.close();
      try {
        unlinkSync(pidfile);
      } catch {
        // already gone, or never written
      }
      // The kernel has applied every change already; wait (briefly) for its acknowledgements
      // so that a refusal is logged before the process exits.
      const timeout = new Promise<void>((r) => setTimeout(r, 1000).unref());
      void Promise.race([daemon.stopped, timeout]).then(() => resolve(0));
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', () => {
      void daemon.reload();
    });
    process.on('SIGUSR1', () => daemon.resetDecrement());
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets are closed on stop; exit promptly even if a timer is pending.
    if (code !== undefined) setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`firsthop: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
