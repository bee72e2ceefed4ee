import type { Capability } from '../core/capability';
import { environmentKind, serviceKind } from './kinds';

/** The service catalog: services, environments and their dependency graph. */
export const catalogCapability: Capability = {
  name: 'catalog',
  kinds: [serviceKind, environmentKind],
};
