import { parseCommandTemplate, usesPlaceholder } from './command-template';
import type { TargetSpec } from './target-spec';

/**
 * A release's `artifact` names what to run (an image, a build, a file name); it is data put into
 * the admin's command template, never a command. Letters, digits and `._:/@+=-`, 1 to 256
 * characters, starting with a letter or digit (so never an option such as `--require`), and no
 * `..` path segment (so never a way out of a folder the template names).
 */
export const ARTIFACT_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,255}$/;

/** Why `s` is not an artifact reference, or undefined when it is one. */
export function referenceProblem(s: string): string | undefined {
  if (s.startsWith('-')) return 'must not start with "-"';
  if (!ARTIFACT_REFERENCE.test(s))
    return 'expected a reference of letters, digits and "._:/@+=-" (1 to 256 characters, starting with a letter or digit), e.g. shop-1.4.2.tar.gz or registry.example/shop@sha256:…';
  if (s.split('/').includes('..')) return 'must not contain a ".." path segment';
  return undefined;
}

/** The URLs a static artifact lists (separated by spaces or commas). */
export function artifactUrls(artifact: string): string[] {
  return artifact.split(/[\s,]+/).filter(Boolean);
}

/** The URL in the one form both sides are compared in (`http://a:80` = `http://a/`). */
export function normalUrl(u: string): string | undefined {
  try {
    return new URL(u).href;
  } catch {
    return undefined;
  }
}

/** Every URL the admin listed in a static target's `endpoints`, normalised. */
export function approvedUrls(endpoints: Record<string, string[]>): Set<string> {
  return new Set(
    Object.values(endpoints)
      .flat()
      .map((u) => normalUrl(u) ?? u),
  );
}

/**
 * Why a release's artifact is refused for this target, or undefined when it may be used.
 * Process: a reference (see {@link ARTIFACT_REFERENCE}), and the command template must have an
 * `{artifact}` placeholder (otherwise the artifact would silently not be used). Static: every URL
 * must be one the admin listed in `spec.target.endpoints` (any version's), so a release cannot
 * send users anywhere else.
 */
export function artifactProblem(artifact: string, target: TargetSpec): string | undefined {
  if (target.type === 'process') {
    const problem = referenceProblem(artifact);
    if (problem) return problem;
    const t = parseCommandTemplate(target.command);
    if ('error' in t || !usesPlaceholder(t.argv, 'artifact'))
      return "this Rollout's process command has no {artifact} placeholder, so it takes no artifact; release without one, or ask an admin to add {artifact} to spec.target.command";
    return undefined;
  }
  const urls = artifactUrls(artifact);
  if (urls.length === 0) return 'expected one or more URLs separated by spaces or commas';
  const approved = approvedUrls(target.endpoints);
  for (const u of urls) {
    const n = normalUrl(u);
    if (!n || !/^https?:$/.test(new URL(n).protocol)) return `"${u}" is not an http(s) URL`;
    if (!approved.has(n)) return `"${u}" is not one of the URLs listed in spec.target.endpoints of the Rollout; an admin adds it there first`;
  }
  return undefined;
}
