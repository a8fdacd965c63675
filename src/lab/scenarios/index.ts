/** Every lab scenario, in the order of scenarios.md. */
import type { Scenario } from './scenario';
import { S1 } from './s1';
import { S1_MANY } from './s1-many';
import { S1_VXLAN } from './s1-vxlan';
import { S2, S3 } from './s2';
import { S4Route, S4Vrrp } from './s4';
import { S5 } from './s5';
import { S6 } from './s6';
import { S7, S7_KEEPALIVED } from './s7';
import { S8 } from './s8';

export const SCENARIOS: readonly Scenario[] = [S1, S1_MANY, S1_VXLAN, S2, S3, S4Route, S4Vrrp, S5, S6, S7, S7_KEEPALIVED, S8];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name.toLowerCase() === name.toLowerCase());
}
