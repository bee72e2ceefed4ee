import type { Capability } from './core/capability';
import { coreCapability } from './resources/capability';
import { metricsCapability } from './metrics/capability';
import { catalogCapability } from './catalog/capability';
import { changeCapability } from './change/capability';
import { sloCapability } from './slo/capability';

/** Every capability, in start-up order. Adding a capability is one import and one entry here. */
export const capabilities: Capability[] = [
  coreCapability,
  metricsCapability,
  catalogCapability,
  changeCapability,
  sloCapability,
];
