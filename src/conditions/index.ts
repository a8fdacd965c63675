/** Conditional Router Advertisements (RFC 8475): the condition engine and what it is made of. */
export { ConditionEngine, formatClockTime, type ConditionEngineOptions } from './engine';
export { DEFAULT_DAMPING, Damper, dampingProblem, type DampingChange } from './damping';
export { ConditionError } from './errors';
export { describe as describeCondition, protocolName } from './evaluate';
export { overrideKey, policiesOf, type PolicyBlock } from './policy';
export {
  IcmpProbeFactory,
  encodeEchoRequest,
  parseEchoReply,
  probeProblem,
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  type IcmpProbeOptions,
  type Probe,
  type ProbeCondition,
  type ProbeFactory,
} from './probe';
export type * from './types';
