import { SHIPGATE_API_VERSION, type KindDefinition } from '../core/kinds';
import type { Issue } from '../core/errors';
import { approvalPolicySpecSchema, type ApprovalPolicySpec } from './approval-policy';
import { changeWindowSpecSchema, type ChangeWindowSpec } from './change-window';
import { standardChangeTemplateSpecSchema, type StandardChangeTemplateSpec } from './standard-template';

export const approvalPolicyKind: KindDefinition<ApprovalPolicySpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'ApprovalPolicy',
  names: ['approvalpolicy', 'approvalpolicies', 'ap'],
  spec: approvalPolicySpecSchema,
  writeRoles: ['admin'],
  description: 'Rules from change type, risk level, tier and environment to the approvals a change request needs',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'rules', value: (m) => m.spec.rules.map((r) => r.name).join(',') },
    {
      header: 'groups',
      value: (m) =>
        Object.entries(m.spec.groups)
          .map(([g, u]) => `${g}(${u.length})`)
          .join(','),
    },
  ],
  validate(m) {
    const issues: Issue[] = [];
    m.spec.rules.forEach((r, i) =>
      r.require.forEach((q, j) => {
        if (q.group && !m.spec.groups[q.group]) {
          issues.push({ path: `spec.rules[${i}].require[${j}].group`, message: `group "${q.group}" is not listed in spec.groups` });
        }
      }),
    );
    const names = new Set<string>();
    m.spec.rules.forEach((r, i) => {
      if (names.has(r.name)) issues.push({ path: `spec.rules[${i}].name`, message: `rule "${r.name}" is listed twice` });
      names.add(r.name);
    });
    return issues;
  },
};

export const changeWindowKind: KindDefinition<ChangeWindowSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'ChangeWindow',
  names: ['changewindow', 'changewindows', 'cw'],
  spec: changeWindowSpecSchema as unknown as KindDefinition<ChangeWindowSpec>['spec'],
  writeRoles: ['approver'],
  description: 'A freeze, maintenance or peak-traffic window, one-off or recurring (RFC 5545 RRULE) in an IANA time zone',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'type', value: (m) => m.spec.type },
    { header: 'start', value: (m) => `${m.spec.start} ${m.spec.timeZone}` },
    { header: 'recurrence', value: (m) => m.spec.rrule ?? 'once' },
    { header: 'reason', value: (m) => m.spec.reason },
  ],
};

export const standardChangeTemplateKind: KindDefinition<StandardChangeTemplateSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'StandardChangeTemplate',
  names: ['standardchangetemplate', 'standardchangetemplates', 'sct'],
  spec: standardChangeTemplateSpecSchema as unknown as KindDefinition<StandardChangeTemplateSpec>['spec'],
  // Pre-approving a class of changes is itself a policy decision: admins only.
  writeRoles: ['admin'],
  description: 'A pre-approved class of changes (services, environments, kinds, maximum risk) that standard change requests must name',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'services', value: (m) => m.spec.services.join(',') },
    { header: 'environments', value: (m) => m.spec.environments.join(',') },
    { header: 'kinds', value: (m) => m.spec.kinds.join(',') },
    { header: 'max risk', value: (m) => m.spec.maxRisk },
  ],
};
