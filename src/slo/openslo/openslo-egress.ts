/**
 * Outbound URLs in an OpenSLO document, for the egress policy at apply time: notification target
 * URLs (annotation shipgate.dev/url, purpose webhook) and metric source URLs (DataSource
 * `connectionDetails`, inline `metricSource.spec`, purpose metricSource), wherever they are nested
 * (inline indicators, alert policies, targets). Pure.
 */
import type { EgressUrl } from '../../core/kinds';
import type { PathSegment } from '../../core/manifest';
import { ANNOTATIONS } from '../slo-model';

const looksLikeUrl = (v: unknown): v is string => typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim());

/** Every string that looks like a URL under `v`, with its path. */
function urlsUnder(v: unknown, at: PathSegment[], out: { at: PathSegment[]; url: string }[]): void {
  if (looksLikeUrl(v)) out.push({ at, url: v.trim() });
  else if (Array.isArray(v)) v.forEach((x, i) => urlsUnder(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) urlsUnder(x, [...at, k], out);
}

export function openSloEgressUrls(doc: unknown): EgressUrl[] {
  const out: EgressUrl[] = [];
  const walk = (v: unknown, at: PathSegment[]) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, [...at, i]));
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const here = [...at, k];
      if (k === 'annotations' && x && typeof x === 'object') {
        const url = (x as Record<string, unknown>)[ANNOTATIONS.url];
        if (typeof url === 'string') out.push({ at: [...here, ANNOTATIONS.url], url: url.trim(), purpose: 'webhook' });
      } else if (k === 'connectionDetails') {
        const found: { at: PathSegment[]; url: string }[] = [];
        urlsUnder(x, here, found);
        out.push(...found.map((f) => ({ ...f, purpose: 'metricSource' as const })));
      } else if (k === 'metricSource' && x && typeof x === 'object') {
        const found: { at: PathSegment[]; url: string }[] = [];
        urlsUnder((x as Record<string, unknown>).spec, [...here, 'spec'], found);
        out.push(...found.map((f) => ({ ...f, purpose: 'metricSource' as const })));
      } else walk(x, here);
    }
  };
  walk(doc, []);
  return out;
}
