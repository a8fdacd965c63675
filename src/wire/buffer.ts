/**
 * Bounds-checked cursors over a packet. Every read goes through NdReader, so a short
 * packet can only ever produce an NdDecodeError naming the field and the byte counts;
 * every write goes through NdWriter, which range-checks the value it is given.
 */
import { formatIPv6, parseIPv6 } from '../net/ipv6';
import { NdDecodeError, type NdErrorCode } from './errors';

export class NdReader {
  offset: number;

  /**
   * `offset`/`end` are absolute positions in `buf`, so error offsets point into the whole
   * message. An `optionType` makes this a reader over one option's value: running out of
   * bytes there means the option's Length is wrong for its type, not that the packet is short.
   */
  constructor(
    readonly buf: Uint8Array,
    offset = 0,
    readonly end = buf.length,
    readonly optionType?: number,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  error(code: NdErrorCode, message: string, offset = this.offset, cause?: unknown): NdDecodeError {
    return new NdDecodeError(code, message, offset, this.optionType, cause);
  }

  /** Reserve `n` bytes for `what`; returns where they start. */
  private take(n: number, what: string): number {
    if (this.remaining < n) {
      const code = this.optionType === undefined ? 'E_TRUNCATED' : 'E_BAD_OPTION_LENGTH';
      const where = this.optionType === undefined ? 'packet' : `option ${this.optionType}`;
      throw this.error(code, `${what} needs ${n} bytes at offset ${this.offset}, ${where} has ${Math.max(0, this.remaining)} left`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(what: string): number {
    return this.buf[this.take(1, what)] ?? 0;
  }

  u16(what: string): number {
    const at = this.take(2, what);
    return ((this.buf[at] ?? 0) << 8) | (this.buf[at + 1] ?? 0);
  }

  u32(what: string): number {
    const at = this.take(4, what);
    return (((this.buf[at] ?? 0) << 24) >>> 0) + (((this.buf[at + 1] ?? 0) << 16) | ((this.buf[at + 2] ?? 0) << 8) | (this.buf[at + 3] ?? 0));
  }

  skip(n: number, what: string): void {
    this.take(n, what);
  }

  /** A copy (never a view: callers may reuse their receive buffer). */
  bytes(n: number, what: string): Uint8Array {
    const at = this.take(n, what);
    return new Uint8Array(this.buf.subarray(at, at + n));
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }

  ipv6(what: string): string {
    return formatIPv6(this.buf, this.take(16, what));
  }

  /** `n` (<= 16) prefix bytes, zero-filled to an address. */
  prefix(n: number, what: string): string {
    const out = new Uint8Array(16);
    out.set(this.bytes(n, what));
    return formatIPv6(out);
  }
}

export class NdWriter {
  offset: number;

  constructor(readonly buf: Uint8Array, offset = 0) {
    this.offset = offset;
  }

  private take(n: number, what: string): number {
    if (this.buf.length - this.offset < n) {
      throw new RangeError(`buffer too small writing ${what}: needs ${n} bytes at offset ${this.offset}, has ${this.buf.length - this.offset}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  private static check(v: number, max: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} must be an integer 0..${max}, got ${v}`);
  }

  u8(v: number, what: string): void {
    NdWriter.check(v, 0xff, what);
    this.buf[this.take(1, what)] = v;
  }

  u16(v: number, what: string): void {
    NdWriter.check(v, 0xffff, what);
    const at = this.take(2, what);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  u32(v: number, what: string): void {
    NdWriter.check(v, 0xffffffff, what);
    const at = this.take(4, what);
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = (v >>> 16) & 0xff;
    this.buf[at + 2] = (v >>> 8) & 0xff;
    this.buf[at + 3] = v & 0xff;
  }

  zeros(n: number, what: string): void {
    const at = this.take(n, what);
    this.buf.fill(0, at, at + n);
  }

  bytes(b: Uint8Array, what: string): void {
    this.buf.set(b, this.take(b.length, what));
  }

  ipv6(text: string, what: string): void {
    this.bytes(parseIPv6(text), what);
  }
}
