/**
 * Domain names in DNS wire format for the DNSSL option (RFC 8106 5.2 -> RFC 1035 3.1):
 * a sequence of length-prefixed labels ended by the zero-length root label, never
 * compressed. Text form is dotted, without the trailing root dot, with the RFC 1035 5.1
 * escapes for bytes that are not plain printable ASCII: `\.` `\\` and `\DDD`, so every
 * wire name has exactly one text form and round-trips.
 */
import { NdReader } from './buffer';

/** RFC 1035 2.3.4: labels are 63 octets or less, names 255 octets or less (wire form). */
export const MAX_LABEL = 63;
export const MAX_NAME = 255;

/** Split a text name into label bytes. Throws RangeError naming the broken rule. */
export function parseDnsName(name: string): Uint8Array[] {
  if (name === '' || name === '.') throw new RangeError(`DNSSL domain '${name}' is empty (the root cannot be listed, RFC 8106 5.2)`);
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const end = (): void => {
    if (cur.length === 0) throw new RangeError(`domain '${name}' has an empty label`);
    if (cur.length > MAX_LABEL) throw new RangeError(`domain '${name}' has a ${cur.length}-octet label, over ${MAX_LABEL} (RFC 1035 2.3.4)`);
    labels.push(Uint8Array.from(cur));
    cur = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      end();
      if (i === name.length - 1) return finish(name, labels); // one trailing root dot is allowed
      continue;
    }
    if (c === 0x5c) {
      const digits = /^\d{3}/.exec(name.slice(i + 1, i + 4));
      if (digits) {
        const v = Number(digits[0]);
        if (v > 255) throw new RangeError(`domain '${name}' has escape \\${digits[0]} over 255`);
        cur.push(v);
        i += 3;
        continue;
      }
      const next = name.charCodeAt(i + 1);
      if (!(next > 0x20 && next < 0x7f)) throw new RangeError(`domain '${name}' has a dangling or bad escape`);
      cur.push(next);
      i += 1;
      continue;
    }
    if (!(c > 0x20 && c < 0x7f)) throw new RangeError(`domain '${name}' has character U+${c.toString(16).padStart(4, '0')}; use \\DDD escapes or punycode`);
    cur.push(c);
  }
  end();
  return finish(name, labels);
}

function finish(name: string, labels: Uint8Array[]): Uint8Array[] {
  const wire = labels.reduce((n, l) => n + 1 + l.length, 1);
  if (wire > MAX_NAME) throw new RangeError(`domain '${name}' is ${wire} octets on the wire, over ${MAX_NAME} (RFC 1035 2.3.4)`);
  return labels;
}

export function dnsNameLength(name: string): number {
  return parseDnsName(name).reduce((n, l) => n + 1 + l.length, 1);
}

export function encodeDnsName(name: string): Uint8Array {
  const labels = parseDnsName(name);
  const out = new Uint8Array(labels.reduce((n, l) => n + 1 + l.length, 1));
  let at = 0;
  for (const l of labels) {
    out[at++] = l.length;
    out.set(l, at);
    at += l.length;
  }
  return out; // last byte stays 0: the root label
}

function labelText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\${b.toString().padStart(3, '0')}`;
  }
  return s;
}

/**
 * Read one name at the reader's position. The caller has already seen that the first
 * length octet is non-zero (a zero there is DNSSL padding, not a name).
 */
export function decodeDnsName(r: NdReader): string {
  const start = r.offset;
  const labels: string[] = [];
  let wire = 1;
  for (;;) {
    if (r.remaining < 1) throw r.error('E_BAD_DNS_NAME', `domain name at offset ${start} has no root label before the option ends`);
    const len = r.u8('label length');
    if (len === 0) return labels.join('.');
    // RFC 8106 5.2: "domain names MUST NOT be encoded in the compressed form"; 0x40/0x80
    // prefixes (RFC 6891 extended labels) are not allowed either.
    if (len > MAX_LABEL) {
      throw r.error('E_BAD_DNS_NAME', `label length octet 0x${len.toString(16)} at offset ${r.offset - 1} is over ${MAX_LABEL} (compression pointers are not allowed, RFC 8106 5.2)`, r.offset - 1);
    }
    wire += 1 + len;
    if (wire > MAX_NAME) throw r.error('E_BAD_DNS_NAME', `domain name at offset ${start} exceeds ${MAX_NAME} octets (RFC 1035 2.3.4)`, start);
    if (r.remaining < len) throw r.error('E_BAD_DNS_NAME', `label at offset ${r.offset - 1} needs ${len} bytes, option has ${r.remaining} left`, r.offset - 1);
    labels.push(labelText(r.bytes(len, 'label')));
  }
}
