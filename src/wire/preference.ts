import type { RouterPreference } from './types';

/**
 * RFC 4191 2.1: the 2-bit preference is a signed integer, 01 high, 00 medium, 11 low (-1);
 * 10 (-2) is reserved. Used by the RA header's Prf bits (RFC 4191 2.2) and the Route
 * Information option (RFC 4191 2.3), both at mask 0x18 of their flags octet.
 */
export function preferenceToBits(p: RouterPreference): 0 | 1 | 2 | 3 {
  switch (p) {
    case 'high': return 0b01;
    case 'medium': return 0b00;
    case 'low': return 0b11;
    case 'reserved': return 0b10;
  }
}

/** Takes the two bits in the low positions; higher bits are ignored. */
export function preferenceFromBits(bits: number): RouterPreference {
  switch (bits & 0b11) {
    case 0b01: return 'high';
    case 0b11: return 'low';
    case 0b10: return 'reserved';
    default: return 'medium';
  }
}
