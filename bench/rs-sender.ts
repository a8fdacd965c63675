/**
 * Router Solicitation flood sender for bench/rs-flood (a separate process, so that its CPU
 * and its pacing do not disturb the benchmark's own event loop and capture parsing).
 *
 *   node dist/bench/rs-sender.js --netns NS --ifindex N --source fe80::... --mac aa:bb:.. \
 *        [--rate 10000] [--duration 20] [--destination ff02::2]
 *
 * Opens a raw ICMPv6 socket in NS (linuxBackend({ netns }).openIcmp6 with an empty type
 * filter, so nothing is ever queued for reading) and sends RS messages with a source
 * link-layer address option, paced by bench/pacer.ts. Prints one JSON line.
 */
import { linuxBackend } from '../src/sys/linux';
import { encodeMessage } from '../src/wire';
import { option } from './common';
import { pace } from './pacer';

const opt = option;

const netns = opt('--netns');
const ifindex = Number(opt('--ifindex'));
const source = opt('--source');
const mac = Uint8Array.from(opt('--mac').split(':').map((h) => parseInt(h, 16)));
const rate = Number(opt('--rate', '10000'));
const durationS = Number(opt('--duration', '20'));
const destination = opt('--destination', 'ff02::2');

const sock = linuxBackend({ netns }).openIcmp6({ types: [] });
const msg = encodeMessage({ type: 'rs', options: [{ type: 'sourceLinkLayer', address: mac }] });
const result = pace({ rate, durationS, send: () => sock.send(msg, destination, ifindex, source) });
sock.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
