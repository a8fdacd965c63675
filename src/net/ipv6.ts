/**
 * IPv6 address and prefix helpers shared by the wire codec, the config grammar and
 * the netlink code. Addresses travel through firsthop as canonical RFC 5952 strings;
 * bytes are produced only at the wire boundary.
 */

const HEX4 = /^[0-9a-fA-F]{1,4}$/;
const V4PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * Whether `text` is an IPv6 address in text form (RFC 4291 2.2, an optional %zone): what
 * node:net's isIPv6 accepts (a differential test checks that), without its large regular
 * expression, whose first use costs about 5 ms of start-up.
 */
export function isIPv6(text: string): boolean {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (!ZONE.test(s.slice(pct + 1))) return false;
    s = s.slice(0, pct);
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const parts = dbl >= 0 ? [s.slice(0, dbl), s.slice(dbl + 2)] : [s];
  if (dbl < 0 && s === '') return false;
  let groups = 0;
  for (let pi = 0; pi < parts.length; pi++) {
    const part = parts[pi]!;
    if (part === '' && dbl >= 0) continue;
    const words = part.split(':');
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (pi === parts.length - 1 && i === words.length - 1 && w.includes('.')) {
        const q = w.split('.');
        if (q.length !== 4 || !q.every((x) => V4PART.test(x))) return false;
        groups += 2;
        continue;
      }
      if (!HEX4.test(w)) return false;
      groups++;
    }
  }
  return dbl >= 0 ? groups <= 7 : groups === 8;
}

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** Parse an IPv6 address (no zone, no prefix length) into 16 bytes. Throws AddressError. */
export function parseIPv6(text: string): Uint8Array {
  if (!isIPv6(text) || text.includes('%')) throw new AddressError(`invalid IPv6 address '${text}'`);
  let head = text;
  let v4tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    v4tail = tail.split('.').map((p) => Number(p));
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const out = new Uint8Array(16);
  const [left, right] = head.includes('::') ? head.split('::') as [string, string] : [head, undefined];
  const lw = left ? left.split(':').filter((s) => s !== '') : [];
  const rw = right !== undefined && right !== '' ? right.split(':') : [];
  const words = right === undefined ? lw : [...lw, ...new Array<string>(8 - lw.length - rw.length).fill('0'), ...rw];
  if (words.length !== 8) throw new AddressError(`invalid IPv6 address '${text}'`);
  words.forEach((w, i) => {
    const v = parseInt(w, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (v4tail.length === 4) out.set(v4tail, 12);
  return out;
}

/** Format 16 bytes as the RFC 5952 canonical text form. */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  if (bytes.length - offset < 16) throw new RangeError(`IPv6 address needs 16 bytes at offset ${offset}, have ${bytes.length - offset}`);
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[offset + i * 2] ?? 0) << 8) | (bytes[offset + i * 2 + 1] ?? 0));
  // RFC 5952 4.2.2/4.2.3: the longest run (of two or more) of zero words becomes '::', the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical form of an address given as text. */
export function canonicalIPv6(text: string): string {
  return formatIPv6(parseIPv6(text));
}

export interface Prefix {
  /** Canonical address text of the prefix with host bits cleared. */
  readonly address: string;
  readonly length: number;
}

/** Clear every bit past `length`. */
export function maskBytes(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, length - i * 8));
    out[i] = (bytes[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** True when some bit past `length` is set. */
export function hasHostBits(bytes: Uint8Array, length: number): boolean {
  const m = maskBytes(bytes, length);
  return m.some((b, i) => b !== bytes[i]);
}

/** Parse "addr/len". Host bits are cleared unless `strict`, which throws instead. */
export function parsePrefix(text: string, strict = false): Prefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new AddressError(`prefix '${text}' has no length`);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new AddressError(`invalid prefix length in '${text}'`);
  const length = Number(lenText);
  if (length > 128) throw new AddressError(`prefix length ${length} is over 128 in '${text}'`);
  const bytes = parseIPv6(text.slice(0, slash));
  if (strict && hasHostBits(bytes, length)) throw new AddressError(`prefix '${text}' has bits set past /${length}`);
  return { address: formatIPv6(maskBytes(bytes, length)), length };
}

export function formatPrefix(p: Prefix): string {
  return `${p.address}/${p.length}`;
}

/** True when `addr` lies inside `prefix`. */
export function prefixContains(prefix: Prefix, addr: string): boolean {
  return formatIPv6(maskBytes(parseIPv6(addr), prefix.length)) === prefix.address;
}

export function isLinkLocal(addr: string): boolean {
  const b = parseIPv6(addr);
  return b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
}

export function isMulticast(addr: string): boolean {
  return parseIPv6(addr)[0] === 0xff;
}

export function isUnspecified(addr: string): boolean {
  return parseIPv6(addr).every((b) => b === 0);
}

export const ALL_NODES = 'ff02::1';
export const ALL_ROUTERS = 'ff02::2';

/** Format a MAC / link-layer address as lowercase colon-separated hex. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Uint8Array {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*$/.test(text)) throw new AddressError(`invalid link-layer address '${text}'`);
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}
