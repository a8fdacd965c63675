/**
 * Spoofed Router Advertisement flood sender for bench/rogue-flood (a separate process, so that
 * its CPU and its pacing do not disturb the benchmark's own event loop, and its CPU is not
 * the daemon's).
 *
 *   node dist/bench/ra-sender.js --netns NS --ifindex N [--count 200000] [--rate 18000] [--slla]
 *
 * Sends COUNT RAs to ff02::1, RA number i from its own spoofed link-local source
 * fe80::1:X:Y (X:Y = i + 1, so every source is distinct), through a raw ICMPv6 socket with
 * IPV6_FREEBIND (linuxBackend({ netns }).openIcmp6({ types: [], freebind: true }), as
 * src/lab/rogue.ts's RaSender; the empty type filter means nothing is queued for reading).
 * Each RA is what a rogue sends (src/lab/rogue.ts's rogueRa() plus an MTU option): router
 * lifetime 1800 s, preference high, an on-link/autonomous prefix 2001:db8:bad::/64, an RDNSS
 * and MTU 1500: 80 bytes of ICMPv6, 120 bytes of IPv6. With --slla it also carries a source
 * link-layer address option with a MAC of its own per source (02:5a:00:X:Y, as
 * flood_router6 does; the Ethernet source is still the host's real MAC): 88 / 128 bytes.
 * The RA is encoded once and only the MAC bytes are patched per packet; the kernel computes
 * the checksum.
 *
 * --rate R > 0 paces in batches (bench/pacer.ts); --rate 0 sends back to back, as fast as the
 * socket takes them. Prints one JSON line.
 */
import { linuxBackend } from '../src/sys/linux';
import { encodeMessage } from '../src/wire';
import { option } from './common';
import { pace } from './pacer';
import { rogueRa } from '../src/lab/rogue';

const opt = option;

const netns = opt('--netns');
const ifindex = Number(opt('--ifindex'));
const count = Number(opt('--count', '200000'));
const rate = Number(opt('--rate', '18000'));
const destination = opt('--destination', 'ff02::1');
const withSlla = process.argv.includes('--slla');

const sock = linuxBackend({ netns }).openIcmp6({ types: [], freebind: true });
const mac = new Uint8Array([0x02, 0x5a, 0, 0, 0, 0]);
const base = rogueRa();
const msg = encodeMessage({
  ...base,
  options: [...(withSlla ? [{ type: 'sourceLinkLayer' as const, address: mac }] : []), { type: 'mtu', mtu: 1500 }, ...base.options],
});
// The SLLA option is the first option: type, length, then the 6 MAC bytes at offset 16 + 2.
const MAC_AT = 18;
if (withSlla && (msg[16] !== 1 || msg[17] !== 1)) throw new Error('unexpected RA layout: the source link-layer option is not first');

const sources: string[] = new Array<string>(count);
for (let i = 0; i < count; i++) {
  const n = i + 1;
  sources[i] = `fe80::1:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
}
const result = pace({
  rate,
  count,
  send: (i) => {
    const n = i + 1;
    if (withSlla) {
      msg[MAC_AT + 2] = (n >>> 24) & 0xff;
      msg[MAC_AT + 3] = (n >>> 16) & 0xff;
      msg[MAC_AT + 4] = (n >>> 8) & 0xff;
      msg[MAC_AT + 5] = n & 0xff;
    }
    sock.send(msg, destination, ifindex, sources[i]);
  },
});
sock.close();
process.stdout.write(`${JSON.stringify({ ...result, count, raBytes: msg.length, firstSource: sources[0], lastSource: sources[count - 1], slla: withSlla })}\n`);
