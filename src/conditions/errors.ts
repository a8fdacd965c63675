/** The condition engine's errors: one class, a stable code (see ConditionErrorCode). */
import type { ConditionErrorCode } from './types';

export class ConditionError extends Error {
  override readonly name = 'ConditionError';
  constructor(message: string, readonly code: ConditionErrorCode, options?: { cause?: unknown }) {
    super(message, options);
  }
}
