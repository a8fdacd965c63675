/** Every lab scenario, in the order of scenarios.md. */
import type { Scenario } from './scenario';
import { S1 } from './s1';

export const SCENARIOS: readonly Scenario[] = [S1];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name.toLowerCase() === name.toLowerCase());
}
