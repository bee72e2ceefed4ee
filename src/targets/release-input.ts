import { InputError, type Issue } from '../core/errors';
import { artifactProblem } from './artifact-reference';
import { configKeyProblem } from './instance-env';
import { parseCommandTemplate, usesPlaceholder } from './command-template';
import type { TargetSpec } from './target-spec';

/**
 * Refuses what a release may not bring to its target: an artifact that is not a reference the
 * target accepts (src/targets/artifact-reference.ts), or config keys that would decide what code
 * the instance loads (src/targets/instance-env.ts). Throws an InputError (400 INPUT_INVALID)
 * naming each field (`artifact`, `set.KEY`).
 */
export function checkReleaseInput(input: { artifact?: string; set?: Record<string, unknown> }, target: TargetSpec): void {
  const issues: Issue[] = [];
  if (input.artifact !== undefined) {
    const problem = artifactProblem(input.artifact, target);
    if (problem) issues.push({ path: 'artifact', message: problem });
  } else if (target.type === 'process') {
    // Without one the placeholder would become an empty argument the program never expected.
    const t = parseCommandTemplate(target.command);
    if ('argv' in t && usesPlaceholder(t.argv, 'artifact'))
      issues.push({ path: 'artifact', message: "required: this Rollout's command has an {artifact} placeholder" });
  }
  if (target.type === 'process') {
    for (const key of Object.keys(input.set ?? {})) {
      const problem = configKeyProblem(key);
      if (problem) issues.push({ path: `set.${key}`, message: problem });
    }
  }
  if (issues.length) throw new InputError(`invalid release: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}
