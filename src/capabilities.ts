import type { Capability } from './core/capability';
import { webCapability } from './web/capability';
import { coreCapability } from './resources/capability';
import { metricsCapability } from './metrics/capability';
import { catalogCapability } from './catalog/capability';
import { flagsCapability } from './flags/capability';
import { rolloutCapability } from './rollout/capability';
import { changeCapability } from './change/capability';
import { routerCapability } from './router/capability';
import { sloCapability } from './slo/capability';
import { analysisCapability } from './analysis/capability';
import { outboxCapability } from './outbox/capability';
import { verifyCapability } from './verify/capability';
import { opsCapability } from './ops/capability';
import { capacityCapability } from './capacity/capability';
import { drCapability } from './dr/capability';

/** Every capability, in start-up order. Adding a capability is one import and one entry here. */
export const capabilities: Capability[] = [
  coreCapability,
  metricsCapability,
  outboxCapability,
  catalogCapability,
  flagsCapability,
  rolloutCapability,
  changeCapability,
  routerCapability,
  sloCapability,
  analysisCapability,
  verifyCapability,
  opsCapability,
  capacityCapability,
  drCapability,
  webCapability,
];
