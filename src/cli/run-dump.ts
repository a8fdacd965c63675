/** `firsthop dump`: listen for RAs and print them (radvdump), in config syntax or as JSON lines. */
import { parseArgs } from 'node:util';
import { validateReceived } from '../wire';
import { ICMP6 } from '../wire/types';
import { formatRaAsConfig, raToJson } from './dump';

export async function runDump(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        interface: { type: 'string', short: 'i' },
        json: { type: 'boolean' },
        count: { type: 'string' },
        timeout: { type: 'string' },
      },
    }));
  } catch (e) {
    process.stderr.write(`firsthop dump: ${(e as Error).message}\n`);
    return 2;
  }
  const count = values.count === undefined ? Infinity : Number(values.count);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout) * 1000;
  const { linuxBackend } = await import('../sys/linux');
  const { NetState } = await import('../netlink/state');
  const backend = linuxBackend();
  const net = await NetState.open(backend);
  const socket = backend.openIcmp6({ types: [ICMP6.RouterAdvertisement] });
  const want = values.interface === undefined ? undefined : net.linkByName(values.interface)?.ifindex;
  if (values.interface !== undefined && want === undefined) {
    process.stderr.write(`firsthop dump: no interface ${values.interface}\n`);
    socket.close();
    net.close();
    return 1;
  }
  let seen = 0;
  return new Promise<number>((resolve) => {
    const done = (code: number): void => {
      socket.close();
      net.close();
      resolve(code);
    };
    if (timeout !== undefined) setTimeout(() => done(seen > 0 ? 0 : 1), timeout);
    process.on('SIGINT', () => done(0));
    process.on('SIGTERM', () => done(0));
    socket.onPacket((p) => {
      if (want !== undefined && p.ifindex !== want) return;
      const v = validateReceived(p.data, { source: p.source, destination: p.destination, hopLimit: p.hopLimit, ifindex: p.ifindex });
      const ifname = net.link(p.ifindex)?.name ?? `ifindex${p.ifindex}`;
      if (!v.ok) {
        process.stderr.write(`# dropped packet from ${p.source} on ${ifname}: ${v.reason}\n`);
        return;
      }
      if (v.message.type !== 'ra') return;
      seen++;
      if (values.json) process.stdout.write(`${JSON.stringify(raToJson(v.message, p.source, ifname, new Date()))}\n`);
      else process.stdout.write(`${formatRaAsConfig(v.message, p.source, ifname)}\n`);
      if (seen >= count) done(0);
    });
  });
}
