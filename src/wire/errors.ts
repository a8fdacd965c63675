/**
 * The one error type the ND decoder throws. Anything a peer can put on the wire ends up
 * either as a decoded message or as an NdDecodeError with a stable `code`, which
 * validateReceived() turns into a drop reason and DropCounters into a metric label.
 */

export type NdErrorCode =
  /** The packet ends before a field it announces (message header, option TLV). */
  | 'E_TRUNCATED'
  /** An option's Length octet is 0 (RFC 4861 4.6: the whole packet is discarded). */
  | 'E_ZERO_LENGTH_OPTION'
  /** An option's Length does not fit its type (e.g. PIO not 4, RDNSS even). */
  | 'E_BAD_OPTION_LENGTH'
  /** A field value the option's typed form cannot carry (PREF64 PLC 6/7, junk after a URI). */
  | 'E_BAD_OPTION_VALUE'
  /** A DNSSL domain name breaks RFC 1035 3.1 / RFC 8106 5.2 (label > 63, pointer, no terminator). */
  | 'E_BAD_DNS_NAME'
  /** The ICMPv6 type is not one of the five ND messages. */
  | 'E_UNKNOWN_MESSAGE'
  /** A bug: some other exception escaped a codec. Kept so decodeMessage() never throws anything else. */
  | 'E_INTERNAL';

export class NdDecodeError extends Error {
  override readonly name = 'NdDecodeError';
  readonly code: NdErrorCode;
  /** Byte offset from the ICMPv6 type octet where the problem was found. */
  readonly offset: number;
  /** The option type code when the problem is inside an option. */
  readonly optionType: number | undefined;

  constructor(code: NdErrorCode, message: string, offset: number, optionType?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.offset = offset;
    this.optionType = optionType;
  }
}
