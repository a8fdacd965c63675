/** Every lab scenario, in the order of scenarios.md. */
import type { Scenario } from './scenario';
import { S1 } from './s1';
import { S7, S7_KEEPALIVED } from './s7';
import { S8 } from './s8';

export const SCENARIOS: readonly Scenario[] = [S1, S7, S7_KEEPALIVED, S8];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name.toLowerCase() === name.toLowerCase());
}
