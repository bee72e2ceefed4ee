/** Character classes and small scanners of HTTP/1.1 heads (RFC 9110, 9112), over latin1 strings. */

export const CRLFCRLF = Buffer.from('\r\n\r\n');

/** tchar of RFC 9110 §5.6.2. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;

export function isToken(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** field-value characters: HTAB, SP, VCHAR, obs-text. */
export function isFieldValue(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Whether the token at `s[from, from + name.length)` is `name` (lower-case letters and '-') in any case. */
export function nameIs(s: string, from: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if ((s.charCodeAt(from + k) | 0x20) !== name.charCodeAt(k)) return false;
  return true;
}

export function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Elements of a comma-separated list (Connection, Transfer-Encoding), lower-cased. */
export function listTokens(v: string): string[] {
  const t = v.trim().toLowerCase();
  if (t.indexOf(',') < 0) return t ? [t] : [];
  return t
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Why a message is left to node:http (requests) or refused (responses). */
export type Unsupported = { unsupported: string };

export function unsupported(why: string): Unsupported {
  return { unsupported: why };
}
