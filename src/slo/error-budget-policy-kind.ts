import type { KindDefinition } from '../core/kinds';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { errorBudgetPolicySpecSchema, type ErrorBudgetPolicySpec } from './error-budget-policy';

/** `ErrorBudgetPolicy` (shipgate.dev/v1): rules from budget and burn to allow / requireApproval / freeze. */
export const errorBudgetPolicyKind: KindDefinition<ErrorBudgetPolicySpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'ErrorBudgetPolicy',
  names: ['errorbudgetpolicy', 'errorbudgetpolicies', 'ebp'],
  spec: errorBudgetPolicySpecSchema as never,
  writeRoles: ['approver'],
  description: 'Error budget policy: budget remaining and burn rates → allow, requireApproval or freeze',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'services', value: (m) => m.spec.selector.services?.join(',') ?? '*' },
    { header: 'layer', value: (m) => m.spec.selector.layer ?? '*' },
    { header: 'rules', value: (m) => m.spec.rules.map((r) => `${r.name}:${r.action}`).join(',') },
  ],
};
