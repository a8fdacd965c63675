/**
 * JSON for status and events (the control socket, /api/status, /api/events). Byte arrays would
 * otherwise serialize as {"0":2,"1":0,...}: a 6-byte array under `address` or `mac` (a
 * link-layer option) is written as a MAC (02:00:00:00:00:01), any other as lower-case hex.
 */
export function jsonReplacer(key: string, value: unknown): unknown {
  if (!(value instanceof Uint8Array)) return value;
  if (value.length === 6 && (key === 'address' || key === 'mac')) {
    return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join(':');
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

/** JSON.stringify with jsonReplacer. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent);
}
