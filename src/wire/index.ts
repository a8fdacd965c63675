/** Neighbor Discovery wire codec (RFC 4861 and the option RFCs): the public surface. */
export { NdDecodeError, type NdErrorCode } from './errors';
export { NdReader, NdWriter } from './buffer';
export { MAX_LABEL, MAX_NAME, decodeDnsName, dnsNameLength, encodeDnsName, parseDnsName } from './dns';
export { preferenceFromBits, preferenceToBits } from './preference';
export {
  PREF64_MAX_LIFETIME,
  decodeOption,
  decodeOptions,
  decodeOptionsKeepingMalformed,
  encodeOption,
  encodeOptions,
  optionCodecs,
  optionLength,
  optionsLength,
  pref64Lifetime,
  type OptionCodec,
} from './options';
export { decodeMessage, encodeMessage, encodeMessageInto, messageCodecFor, messageCodecs, messageLength, type DecodeOptions, type MessageCodec } from './messages';
export { DropCounters, passesHeaderChecks, validateReceived, type ValidationResult } from './validate';
export * from './types';
