/**
 * Standard changes come from templates: a StandardChangeTemplate (applied by an admin) names the
 * services, environments, kinds of change and the highest risk it pre-approves. A change may be
 * `standard` only by naming a template that covers it. Pure.
 */
import { z } from 'zod';
import { CHANGE_KINDS, RISK_LEVELS, type ChangeKind, type RiskLevel } from './risk-points';
import { riskAtMost } from './gate-rules';

export const standardChangeTemplateSpecSchema = z.strictObject({
  description: z.string().min(1).optional(),
  /** Services the template covers; `*` covers every service. */
  services: z.array(z.string().min(1)).min(1),
  /** Environments the template covers; `*` covers every environment. */
  environments: z.array(z.string().min(1)).min(1),
  /** Kinds of change pre-approved. */
  kinds: z.array(z.enum(CHANGE_KINDS)).min(1).default(['code', 'config']),
  /** The highest assessed risk level a change may have to stay standard. */
  maxRisk: z.enum(RISK_LEVELS).default('low'),
});
export type StandardChangeTemplateSpec = z.infer<typeof standardChangeTemplateSpecSchema>;

export interface TemplateSubject {
  service: string;
  environment: string;
  kind: ChangeKind;
  /** Assessed risk level; absent before assessment. */
  level?: RiskLevel;
  irreversible: boolean;
}

const covers = (list: string[], v: string) => list.includes('*') || list.includes(v);

/** Why the template does not cover the change, or undefined when it does. */
export function templateMismatch(t: StandardChangeTemplateSpec, s: TemplateSubject): string | undefined {
  if (!covers(t.services, s.service)) return `it covers services ${t.services.join(', ')}, not ${s.service}`;
  if (!covers(t.environments, s.environment)) return `it covers environments ${t.environments.join(', ')}, not ${s.environment}`;
  if (!t.kinds.includes(s.kind)) return `it covers ${t.kinds.join(', ')} changes, not ${s.kind}`;
  if (s.irreversible) return 'an irreversible change is never standard';
  if (s.level && !riskAtMost(s.level, t.maxRisk)) return `the change is ${s.level} risk, above the template's maximum (${t.maxRisk})`;
  return undefined;
}

/** The first template (by name) that covers the change. */
export function matchingTemplate(templates: { name: string; spec: StandardChangeTemplateSpec }[], s: TemplateSubject): string | undefined {
  return [...templates].sort((a, b) => a.name.localeCompare(b.name)).find((t) => templateMismatch(t.spec, s) === undefined)?.name;
}
