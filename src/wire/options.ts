/**
 * ND options: one codec per option type, registered by type code, plus the single TLV
 * framing function pair (encodeOption/decodeOption) that owns Type, Length and padding.
 * Typed codecs only ever see their value bytes: everything after the Length octet up to
 * Length*8, padding included.
 */
import { parseIPv6 } from '../net/ipv6';
import { NdReader, NdWriter } from './buffer';
import { decodeDnsName, dnsNameLength, encodeDnsName } from './dns';
import { NdDecodeError, type NdErrorCode } from './errors';
import { preferenceFromBits, preferenceToBits } from './preference';
import {
  OPT,
  type AbroOption,
  type AdvertisementIntervalOption,
  type CaptivePortalOption,
  type DnsslOption,
  type HomeAgentInfoOption,
  type LowpanContextOption,
  type MalformedOption,
  type MtuOption,
  type NdOption,
  type Pref64Option,
  type PrefixInformationOption,
  type RdnssOption,
  type RedirectedHeaderOption,
  type RouteInformationOption,
  type SourceLinkLayerOption,
  type TargetLinkLayerOption,
  type UnknownOption,
} from './types';

export interface OptionCodec<T extends NdOption> {
  readonly type: T['type'];
  /** Option type code; undefined only for the unknown fallback, whose code is in the option. */
  readonly code: number | undefined;
  readonly name: string;
  /** Whether a Length (in 8-octet units) is allowed for this type... */
  readonly units: (units: number) => boolean;
  /** ...and that rule in words, with its RFC section, for error messages. */
  readonly unitsRule: string;
  /** Bytes encode() writes after the Length octet, before padding. */
  encodingLength(o: T): number;
  encode(o: T, w: NdWriter): void;
  /** `r` spans exactly the value (Length*8 - 2 bytes, padding included); decode must consume it all. */
  decode(r: NdReader): T;
}

const anyUnits = { units: (): boolean => true, unitsRule: 'at least 1' };
const exactly = (n: number, rfc: string): Pick<OptionCodec<NdOption>, 'units' | 'unitsRule'> =>
  ({ units: (u) => u === n, unitsRule: `${n} (${rfc})` });

/** Low reserved bits some types keep for round-trip: omitted from decoded objects when zero. */
function reservedBits(v: number | undefined, mask: number, what: string): number {
  const bits = v ?? 0;
  if (!Number.isInteger(bits) || (bits & ~mask) !== 0 || bits < 0) throw new RangeError(`${what} must fit mask 0x${mask.toString(16)}, got ${bits}`);
  return bits;
}

/** 0, 8 or 16: the prefix bytes a variable-length prefix field needs for `prefixLength` bits. */
function prefixBytesFor(prefixLength: number): 0 | 8 | 16 {
  return prefixLength > 64 ? 16 : prefixLength > 0 ? 8 : 0;
}

/**
 * Bytes a variable-length prefix field is sent with: enough for the prefix length and for
 * any non-zero byte given, so a decoded option re-encodes to an option that decodes the same.
 */
function prefixBytesSent(prefix: Uint8Array, prefixLength: number, min: 0 | 8): 0 | 8 | 16 {
  if (prefix.subarray(8).some((b) => b !== 0)) return 16;
  const need = Math.max(min, prefixBytesFor(prefixLength));
  return need === 0 && prefix.some((b) => b !== 0) ? 8 : (need as 0 | 8 | 16);
}

function linkLayer<T extends SourceLinkLayerOption | TargetLinkLayerOption>(type: T['type'], code: number): OptionCodec<T> {
  return {
    type,
    code,
    name: type === 'sourceLinkLayer' ? 'Source Link-Layer Address' : 'Target Link-Layer Address',
    ...anyUnits,
    encodingLength: (o) => o.address.length,
    encode(o, w) {
      if (o.address.length === 0) throw new RangeError('link-layer address is empty');
      w.bytes(o.address, 'link-layer address');
    },
    // RFC 4861 4.6.1: the address length depends on the link layer; the value is all of it
    // (6 bytes on Ethernet, where Length is 1 and no padding exists).
    decode: (r) => ({ type, address: r.rest() }) as T,
  };
}

const prefixInformation: OptionCodec<PrefixInformationOption> = {
  type: 'prefixInformation',
  code: OPT.PrefixInformation,
  name: 'Prefix Information',
  ...exactly(4, 'RFC 4861 4.6.2'),
  encodingLength: () => 30,
  encode(o, w) {
    w.u8(o.prefixLength, 'PIO prefix length');
    // RFC 4861 4.6.2 L/A, RFC 6275 7.2 R, RFC 9762 P.
    const flags = (o.onLink ? 0x80 : 0) | (o.autonomous ? 0x40 : 0) | (o.routerAddress ? 0x20 : 0) | (o.dhcpv6Pd ? 0x10 : 0);
    w.u8(flags | reservedBits(o.reservedFlags, 0x0f, 'PIO reservedFlags'), 'PIO flags');
    w.u32(o.validLifetime, 'PIO valid lifetime');
    w.u32(o.preferredLifetime, 'PIO preferred lifetime');
    w.zeros(4, 'PIO Reserved2');
    w.ipv6(o.prefix, 'PIO prefix');
  },
  decode(r) {
    const prefixLength = r.u8('PIO prefix length');
    const flags = r.u8('PIO flags');
    const validLifetime = r.u32('PIO valid lifetime');
    const preferredLifetime = r.u32('PIO preferred lifetime');
    r.skip(4, 'PIO Reserved2');
    return {
      type: 'prefixInformation',
      prefixLength,
      onLink: (flags & 0x80) !== 0,
      autonomous: (flags & 0x40) !== 0,
      routerAddress: (flags & 0x20) !== 0,
      dhcpv6Pd: (flags & 0x10) !== 0,
      ...((flags & 0x0f) !== 0 ? { reservedFlags: flags & 0x0f } : {}),
      validLifetime,
      preferredLifetime,
      prefix: r.ipv6('PIO prefix'),
    };
  },
};

const redirectedHeader: OptionCodec<RedirectedHeaderOption> = {
  type: 'redirectedHeader',
  code: OPT.RedirectedHeader,
  name: 'Redirected Header',
  ...anyUnits,
  encodingLength: (o) => 6 + o.packet.length,
  encode(o, w) {
    w.zeros(6, 'Redirected Header reserved'); // RFC 4861 4.6.3
    w.bytes(o.packet, 'redirected packet');
  },
  decode(r) {
    r.skip(6, 'Redirected Header reserved');
    return { type: 'redirectedHeader', packet: r.rest() };
  },
};

const mtu: OptionCodec<MtuOption> = {
  type: 'mtu',
  code: OPT.Mtu,
  name: 'MTU',
  ...exactly(1, 'RFC 4861 4.6.4'),
  encodingLength: () => 6,
  encode(o, w) {
    w.zeros(2, 'MTU reserved');
    w.u32(o.mtu, 'MTU');
  },
  decode(r) {
    r.skip(2, 'MTU reserved');
    return { type: 'mtu', mtu: r.u32('MTU') };
  },
};

const advertisementInterval: OptionCodec<AdvertisementIntervalOption> = {
  type: 'advertisementInterval',
  code: OPT.AdvertisementInterval,
  name: 'Advertisement Interval',
  ...exactly(1, 'RFC 6275 7.3'),
  encodingLength: () => 6,
  encode(o, w) {
    w.zeros(2, 'Advertisement Interval reserved');
    w.u32(o.intervalMs, 'advertisement interval');
  },
  decode(r) {
    r.skip(2, 'Advertisement Interval reserved');
    return { type: 'advertisementInterval', intervalMs: r.u32('advertisement interval') };
  },
};

const homeAgentInfo: OptionCodec<HomeAgentInfoOption> = {
  type: 'homeAgentInfo',
  code: OPT.HomeAgentInfo,
  name: 'Home Agent Information',
  ...exactly(1, 'RFC 6275 7.4'),
  encodingLength: () => 6,
  encode(o, w) {
    if (!Number.isInteger(o.preference) || o.preference < -0x8000 || o.preference > 0x7fff) {
      throw new RangeError(`home agent preference must be a signed 16-bit integer, got ${o.preference}`);
    }
    w.u16(o.mobileRouterSupport ? 0x8000 : 0, 'home agent flags'); // RFC 3963 4.2 R bit
    w.u16(o.preference & 0xffff, 'home agent preference');
    w.u16(o.lifetime, 'home agent lifetime');
  },
  decode(r) {
    const flags = r.u16('home agent flags');
    const pref = r.u16('home agent preference');
    return {
      type: 'homeAgentInfo',
      mobileRouterSupport: (flags & 0x8000) !== 0,
      preference: pref >= 0x8000 ? pref - 0x10000 : pref,
      lifetime: r.u16('home agent lifetime'),
    };
  },
};

const routeInformation: OptionCodec<RouteInformationOption> = {
  type: 'routeInformation',
  code: OPT.RouteInformation,
  name: 'Route Information',
  units: (u) => u <= 3,
  unitsRule: '1, 2 or 3 (RFC 4191 2.3)',
  encodingLength: (o) => 6 + prefixBytesSent(parseIPv6(o.prefix), o.prefixLength, 0),
  encode(o, w) {
    const prefix = parseIPv6(o.prefix);
    w.u8(o.prefixLength, 'RIO prefix length');
    w.u8(preferenceToBits(o.preference) << 3, 'RIO flags');
    w.u32(o.lifetime, 'route lifetime');
    w.bytes(prefix.subarray(0, prefixBytesSent(prefix, o.prefixLength, 0)), 'RIO prefix');
  },
  decode(r) {
    const prefixLength = r.u8('RIO prefix length');
    const flags = r.u8('RIO flags');
    const lifetime = r.u32('route lifetime');
    // RFC 4191 2.3: Length 3 if Prefix Length > 64, at least 2 if it is > 0.
    const need = prefixBytesFor(prefixLength);
    if (r.remaining < need) {
      throw r.error('E_BAD_OPTION_LENGTH', `Route Information prefix length ${prefixLength} needs Length ${need / 8 + 1} (RFC 4191 2.3), got ${r.remaining / 8 + 1}`);
    }
    return { type: 'routeInformation', prefixLength, preference: preferenceFromBits(flags >> 3), lifetime, prefix: r.prefix(r.remaining, 'RIO prefix') };
  },
};

const rdnss: OptionCodec<RdnssOption> = {
  type: 'rdnss',
  code: OPT.Rdnss,
  name: 'RDNSS',
  units: (u) => u >= 3 && u % 2 === 1,
  unitsRule: 'odd and at least 3: one address or more (RFC 8106 5.1)',
  encodingLength: (o) => 6 + 16 * o.servers.length,
  encode(o, w) {
    w.zeros(2, 'RDNSS reserved');
    w.u32(o.lifetime, 'RDNSS lifetime');
    for (const s of o.servers) w.ipv6(s, 'RDNSS server');
  },
  decode(r) {
    r.skip(2, 'RDNSS reserved');
    const lifetime = r.u32('RDNSS lifetime');
    const servers: string[] = [];
    while (r.remaining > 0) servers.push(r.ipv6('RDNSS server'));
    return { type: 'rdnss', lifetime, servers };
  },
};

const dnssl: OptionCodec<DnsslOption> = {
  type: 'dnssl',
  code: OPT.Dnssl,
  name: 'DNSSL',
  units: (u) => u >= 2,
  unitsRule: 'at least 2: one domain or more (RFC 8106 5.2)',
  encodingLength: (o) => o.domains.reduce((n, d) => n + dnsNameLength(d), 6),
  encode(o, w) {
    w.zeros(2, 'DNSSL reserved');
    w.u32(o.lifetime, 'DNSSL lifetime');
    for (const d of o.domains) w.bytes(encodeDnsName(d), 'DNSSL domain');
    // Zero padding to the 8-octet boundary (RFC 8106 5.2) is the framing's job.
  },
  decode(r) {
    r.skip(2, 'DNSSL reserved');
    const lifetime = r.u32('DNSSL lifetime');
    const domains: string[] = [];
    // A zero where a name would start begins the padding (RFC 8106 5.2), which must stay zero.
    while (r.remaining > 0 && r.buf[r.offset] !== 0) domains.push(decodeDnsName(r));
    const padAt = r.offset;
    if (r.rest().some((b) => b !== 0)) throw r.error('E_BAD_DNS_NAME', `DNSSL padding at offset ${padAt} is not all zero (RFC 8106 5.2)`, padAt);
    if (domains.length === 0) throw r.error('E_BAD_OPTION_VALUE', 'DNSSL option carries no domain name (RFC 8106 5.2)', padAt);
    return { type: 'dnssl', lifetime, domains };
  },
};

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const captivePortal: OptionCodec<CaptivePortalOption> = {
  type: 'captivePortal',
  code: OPT.CaptivePortal,
  name: 'Captive Portal',
  ...anyUnits,
  encodingLength: (o) => utf8.encode(o.uri).length,
  encode(o, w) {
    if (o.uri.includes('\0')) throw new RangeError('captive portal URI contains NUL, which is its padding (RFC 8910 2.3)');
    w.bytes(utf8.encode(o.uri), 'captive portal URI');
  },
  decode(r) {
    // RFC 8910 2.3: the URI is padded with NUL to the 8-octet boundary; it is not
    // NUL-terminated when it happens to fill the option.
    const bytes = r.rest();
    let end = bytes.indexOf(0);
    if (end < 0) end = bytes.length;
    if (bytes.subarray(end).some((b) => b !== 0)) throw r.error('E_BAD_OPTION_VALUE', `captive portal URI has bytes after its NUL padding (RFC 8910 2.3)`, r.end - bytes.length + end);
    try {
      return { type: 'captivePortal', uri: utf8Strict.decode(bytes.subarray(0, end)) };
    } catch (e) {
      throw r.error('E_BAD_OPTION_VALUE', 'captive portal URI is not valid UTF-8', r.end - bytes.length, e);
    }
  },
};

/** RFC 8781 4: Prefix Length Code -> prefix length. */
const PLC_LENGTHS = [96, 64, 56, 48, 40, 32] as const;
/** RFC 8781 4: 13-bit count of 8-second units. */
export const PREF64_MAX_LIFETIME = 0x1fff * 8;

/** Round a lifetime in seconds up to what PREF64 can carry (multiple of 8, at most 65528). */
export function pref64Lifetime(seconds: number): number {
  return Math.min(PREF64_MAX_LIFETIME, Math.ceil(Math.max(0, seconds) / 8) * 8);
}

const pref64: OptionCodec<Pref64Option> = {
  type: 'pref64',
  code: OPT.Pref64,
  name: 'PREF64',
  ...exactly(2, 'RFC 8781 4'),
  encodingLength: () => 14,
  encode(o, w) {
    const plc = PLC_LENGTHS.indexOf(o.prefixLength);
    if (plc < 0) throw new RangeError(`PREF64 prefix length must be one of ${PLC_LENGTHS.join(', ')}, got ${o.prefixLength}`);
    if (!Number.isInteger(o.lifetime) || o.lifetime % 8 !== 0 || o.lifetime < 0 || o.lifetime > PREF64_MAX_LIFETIME) {
      throw new RangeError(`PREF64 lifetime must be a multiple of 8 s in 0..${PREF64_MAX_LIFETIME} (RFC 8781 4), got ${o.lifetime}; see pref64Lifetime()`);
    }
    const prefix = parseIPv6(o.prefix);
    if (prefix.subarray(12).some((b) => b !== 0)) throw new RangeError(`PREF64 carries only the top 96 bits, '${o.prefix}' has bits below them`);
    w.u16(((o.lifetime / 8) << 3) | plc, 'PREF64 scaled lifetime and PLC');
    w.bytes(prefix.subarray(0, 12), 'PREF64 prefix');
  },
  decode(r) {
    const v = r.u16('PREF64 scaled lifetime and PLC');
    const prefixLength = PLC_LENGTHS[v & 0x7];
    // RFC 8781 4: "The receiver MUST ignore the PREF64 option if the Prefix Length Code field is not set to one of those values."
    if (prefixLength === undefined) throw r.error('E_BAD_OPTION_VALUE', `PREF64 PLC ${v & 0x7} is not 0..5 (RFC 8781 4)`, r.offset - 1);
    return { type: 'pref64', lifetime: (v >>> 3) * 8, prefixLength, prefix: r.prefix(12, 'PREF64 prefix') };
  },
};

const lowpanContext: OptionCodec<LowpanContextOption> = {
  type: 'lowpanContext',
  code: OPT.LowpanContext,
  name: '6LoWPAN Context',
  units: (u) => u === 2 || u === 3,
  unitsRule: '2 or 3 (RFC 6775 4.2)',
  encodingLength: (o) => 6 + prefixBytesSent(parseIPv6(o.prefix), o.contextLength, 8),
  encode(o, w) {
    const prefix = parseIPv6(o.prefix);
    if (!Number.isInteger(o.contextId) || o.contextId < 0 || o.contextId > 15) throw new RangeError(`6LoWPAN context ID must be 0..15, got ${o.contextId}`);
    w.u8(o.contextLength, '6CO context length');
    w.u8((o.compression ? 0x10 : 0) | o.contextId, '6CO C and CID');
    w.zeros(2, '6CO reserved');
    w.u16(o.lifetime, '6CO valid lifetime');
    w.bytes(prefix.subarray(0, prefixBytesSent(prefix, o.contextLength, 8)), '6CO context prefix');
  },
  decode(r) {
    const contextLength = r.u8('6CO context length');
    const flags = r.u8('6CO C and CID');
    r.skip(2, '6CO reserved');
    const lifetime = r.u16('6CO valid lifetime');
    // RFC 6775 4.2: Length is 3 when the context is longer than 64 bits.
    if (contextLength > 64 && r.remaining < 16) {
      throw r.error('E_BAD_OPTION_LENGTH', `6LoWPAN context length ${contextLength} needs Length 3 (RFC 6775 4.2), got 2`);
    }
    return {
      type: 'lowpanContext',
      contextLength,
      compression: (flags & 0x10) !== 0,
      contextId: flags & 0x0f,
      lifetime,
      prefix: r.prefix(r.remaining, '6CO context prefix'),
    };
  },
};

const abro: OptionCodec<AbroOption> = {
  type: 'abro',
  code: OPT.Abro,
  name: 'Authoritative Border Router',
  ...exactly(3, 'RFC 6775 4.3'),
  encodingLength: () => 22,
  encode(o, w) {
    w.u16(o.versionLow, 'ABRO version low');
    w.u16(o.versionHigh, 'ABRO version high');
    w.u16(o.validLifetime, 'ABRO valid lifetime');
    w.ipv6(o.address, '6LBR address');
  },
  decode: (r) => ({
    type: 'abro',
    versionLow: r.u16('ABRO version low'),
    versionHigh: r.u16('ABRO version high'),
    validLifetime: r.u16('ABRO valid lifetime'),
    address: r.ipv6('6LBR address'),
  }),
};

/** Anything not registered below: the value bytes verbatim, so it re-encodes exactly. */
const unknown: OptionCodec<UnknownOption> = {
  type: 'unknown',
  code: undefined,
  name: 'unknown',
  ...anyUnits,
  encodingLength: (o) => o.body.length,
  encode(o, w) {
    w.bytes(o.body, 'unknown option body');
  },
  decode: (r) => ({ type: 'unknown', code: r.optionType ?? 0, body: r.rest() }),
};

type CodecTable = { readonly [K in NdOption['type']]: OptionCodec<Extract<NdOption, { type: K }>> };

/** Every option codec, by the `type` of the option object it handles. */
export const optionCodecs: CodecTable = {
  sourceLinkLayer: linkLayer<SourceLinkLayerOption>('sourceLinkLayer', OPT.SourceLinkLayer),
  targetLinkLayer: linkLayer<TargetLinkLayerOption>('targetLinkLayer', OPT.TargetLinkLayer),
  prefixInformation,
  redirectedHeader,
  mtu,
  advertisementInterval,
  homeAgentInfo,
  routeInformation,
  rdnss,
  dnssl,
  captivePortal,
  pref64,
  lowpanContext,
  abro,
  unknown,
};

const byCode = new Map<number, OptionCodec<NdOption>>();
for (const c of Object.values(optionCodecs) as OptionCodec<NdOption>[]) if (c.code !== undefined) byCode.set(c.code, c);

function codecOf<T extends NdOption>(o: T): OptionCodec<T> {
  const codec = (optionCodecs as Record<string, OptionCodec<NdOption> | undefined>)[o.type];
  if (codec === undefined) throw new TypeError(`unknown option type '${String(o.type)}'`);
  return codec as unknown as OptionCodec<T>;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Bytes the option takes on the wire: Type, Length, value and padding. */
export function optionLength(opt: NdOption): number {
  return pad8(2 + codecOf(opt).encodingLength(opt));
}

/** TLV framing, encode side: the only place Type, Length and padding are written. Returns bytes written. */
export function encodeOption(opt: NdOption, buf: Uint8Array, offset = 0): number {
  const codec = codecOf(opt);
  const valueLength = codec.encodingLength(opt);
  const size = pad8(2 + valueLength);
  const units = size / 8;
  // RFC 4861 4.6: Length is one octet counting 8-octet units.
  if (units > 255) throw new RangeError(`${codec.name} option needs ${size} bytes, over the 2040 a one-octet Length can describe`);
  if (!codec.units(units)) throw new RangeError(`${codec.name} option would have Length ${units}; it must be ${codec.unitsRule}`);
  const w = new NdWriter(buf, offset);
  w.u8(opt.type === 'unknown' ? opt.code : codec.code ?? 0, 'option type');
  w.u8(units, 'option length');
  codec.encode(opt, w);
  const written = w.offset - offset - 2;
  if (written !== valueLength) throw new Error(`${codec.name} codec wrote ${written} value bytes, encodingLength said ${valueLength}`);
  w.zeros(size - 2 - valueLength, 'option padding');
  return size;
}

/** TLV framing, decode side: the only place Type, Length and padding are read. */
export function decodeOption(buf: Uint8Array, offset = 0, end = buf.length): { option: NdOption; next: number } {
  const r = new NdReader(buf, offset, end);
  const code = r.u8('option type');
  const units = r.u8('option length');
  // RFC 4861 4.6: "Nodes MUST silently discard an ND packet that contains an option with length zero."
  if (units === 0) throw new NdDecodeError('E_ZERO_LENGTH_OPTION', `option type ${code} at offset ${offset} has length 0 (RFC 4861 4.6)`, offset + 1, code);
  const size = units * 8;
  if (size > end - offset) {
    throw new NdDecodeError('E_TRUNCATED', `option type ${code} at offset ${offset} has Length ${units} (${size} bytes), packet has ${end - offset} left`, offset, code);
  }
  const codec = byCode.get(code) ?? (unknown as OptionCodec<NdOption>);
  if (!codec.units(units)) {
    throw new NdDecodeError('E_BAD_OPTION_LENGTH', `${codec.name} option (type ${code}) at offset ${offset} has Length ${units}; it must be ${codec.unitsRule}`, offset + 1, code);
  }
  const value = new NdReader(buf, offset + 2, offset + size, code);
  const option = codec.decode(value);
  if (value.remaining !== 0) {
    throw value.error('E_BAD_OPTION_LENGTH', `${codec.name} option (type ${code}) at offset ${offset} has ${value.remaining} bytes past its fields`);
  }
  return { option, next: offset + size };
}

/** Decode every option from `offset` to `end` (the end of the ND message). */
export function decodeOptions(bytes: Uint8Array, offset = 0, end = bytes.length): NdOption[] {
  const options: NdOption[] = [];
  for (let at = offset; at < end; ) {
    const { option, next } = decodeOption(bytes, at, end);
    options.push(option);
    at = next;
  }
  return options;
}

/**
 * Errors confined to one option: decodeOption throws them only after the TLV frame checked out
 * (Length not 0, not past the packet), so the next option is still found. E_ZERO_LENGTH_OPTION
 * (RFC 4861 4.6: the whole packet is discarded) and E_TRUNCATED (no next option to find) are not.
 */
const OPTION_LOCAL: ReadonlySet<NdErrorCode> = new Set<NdErrorCode>(['E_BAD_OPTION_LENGTH', 'E_BAD_OPTION_VALUE', 'E_BAD_DNS_NAME']);

/**
 * decodeOptions for a received RA: an option whose content is bad for its type is ignored and
 * kept as a MalformedOption, the others are decoded (RFC 4191 2.3, RFC 8106 5.3.1, RFC 8781 4:
 * receivers ignore the bad option, not the RA; so does Linux). A broken frame still throws.
 */
export function decodeOptionsKeepingMalformed(bytes: Uint8Array, offset = 0, end = bytes.length): { options: NdOption[]; malformed: MalformedOption[] } {
  const options: NdOption[] = [];
  const malformed: MalformedOption[] = [];
  for (let at = offset, index = 0; at < end; index++) {
    try {
      const { option, next } = decodeOption(bytes, at, end);
      options.push(option);
      at = next;
    } catch (e) {
      if (!(e instanceof NdDecodeError) || !OPTION_LOCAL.has(e.code)) throw e;
      const units = bytes[at + 1] ?? 0; // checked by decodeOption: 1.. and within `end`
      malformed.push({
        type: 'malformed',
        code: bytes[at] ?? 0,
        length: units,
        offset: at,
        index,
        error: e.code,
        reason: e.message,
        body: bytes.slice(at + 2, at + units * 8),
      });
      at += units * 8;
    }
  }
  return { options, malformed };
}

export function optionsLength(options: readonly NdOption[]): number {
  return options.reduce((n, o) => n + optionLength(o), 0);
}

export function encodeOptions(options: readonly NdOption[]): Uint8Array {
  const out = new Uint8Array(optionsLength(options));
  let at = 0;
  for (const o of options) at += encodeOption(o, out, at);
  return out;
}
