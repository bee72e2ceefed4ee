/**
 * JUnit XML, the test-report format CI systems (GitLab, Jenkins, GitHub test reporters) read:
 * one writer for every command that offers `-o junit`.
 */

export interface JunitCase {
  name: string;
  classname: string;
  /** A failed check: the message, and details for the body. */
  failure?: { message: string; body?: string; type?: string };
  /** Could not be checked at all. */
  error?: { message: string; body?: string };
  /** Not judged (an ignored or already accepted finding): counted as skipped. */
  skipped?: { message: string };
  timeSeconds?: number;
}

export interface JunitSuite {
  name: string;
  cases: JunitCase[];
  timestamp?: Date;
  properties?: Record<string, string>;
}

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function testcase(c: JunitCase): string {
  const attrs = `classname="${xmlText(c.classname)}" name="${xmlText(c.name)}"${c.timeSeconds !== undefined ? ` time="${c.timeSeconds.toFixed(3)}"` : ''}`;
  const inner = c.error ?? c.failure;
  if (!inner) return c.skipped ? `    <testcase ${attrs}><skipped message="${xmlText(c.skipped.message)}"/></testcase>` : `    <testcase ${attrs}/>`;
  const tag = c.error ? 'error' : 'failure';
  const body = inner.body === undefined ? '' : xmlText(inner.body);
  const type = !c.error && c.failure?.type ? ` type="${xmlText(c.failure.type)}"` : '';
  return body
    ? `    <testcase ${attrs}><${tag}${type} message="${xmlText(inner.message)}">${body}</${tag}></testcase>`
    : `    <testcase ${attrs}><${tag}${type} message="${xmlText(inner.message)}"/></testcase>`;
}

export function junitXml(name: string, suites: JunitSuite[]): string {
  const count = (f: (c: JunitCase) => boolean) => suites.reduce((n, s) => n + s.cases.filter(f).length, 0);
  const tests = count(() => true);
  const failures = count((c) => !c.error && c.failure !== undefined);
  const errors = count((c) => c.error !== undefined);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlText(name)}" tests="${tests}" failures="${failures}" errors="${errors}">`];
  for (const s of suites) {
    const f = s.cases.filter((c) => !c.error && c.failure).length;
    const e = s.cases.filter((c) => c.error).length;
    const k = s.cases.filter((c) => !c.error && !c.failure && c.skipped).length;
    lines.push(
      `  <testsuite name="${xmlText(s.name)}" tests="${s.cases.length}" failures="${f}" errors="${e}"${k ? ` skipped="${k}"` : ''}${s.timestamp ? ` timestamp="${s.timestamp.toISOString()}"` : ''}>`,
    );
    if (s.properties && Object.keys(s.properties).length) {
      lines.push(
        `    <properties>${Object.entries(s.properties)
          .map(([k, v]) => `<property name="${xmlText(k)}" value="${xmlText(v)}"/>`)
          .join('')}</properties>`,
      );
    }
    lines.push(...s.cases.map(testcase), '  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n');
}
