/**
 * Strict HTTP/1.1 request heads for the router's fast path (RFC 9112), pure over bytes.
 *
 * Only the plain, unambiguous form is accepted; anything else is "unsupported" and the caller
 * hands the connection to node:http, which answers or refuses it as before. So a request the fast
 * path serves is one about which a strict parser and the upstream cannot disagree: no
 * Transfer-Encoding, at most one Content-Length, one Host, no bare CR or LF, no obs-fold, no upgrade.
 */
import { CRLFCRLF, isDigits, isFieldValue, isToken, listTokens, nameIs, unsupported, type Unsupported } from './syntax';

/** Per field, offsets into `head`: name start, colon, value start, value end (trimmed), line end. */
const F = 5;

export interface RequestHead {
  method: string;
  target: string;
  /** The head as it came, without the final CRLFCRLF. */
  head: string;
  /** Field offsets, F numbers per field. */
  fields: number[];
  /** Index in the buffer just after the head's final CRLFCRLF. */
  headEnd: number;
  /** Body length in bytes (0 when there is no Content-Length). */
  contentLength: number;
  /** The client asked to close the connection after this exchange. */
  close: boolean;
  /** Lower-cased names listed in Connection (other than close/keep-alive): hop-by-hop for this message. */
  connectionListed?: string[];
}

/** First value of header `name` (lower case), or undefined. */
export function field(r: RequestHead, name: string): string | undefined {
  const f = r.fields;
  const len = name.length;
  for (let i = 0; i < f.length; i += F) if (f[i + 1] - f[i] === len && nameIs(r.head, f[i], name)) return r.head.slice(f[i + 2], f[i + 3]);
  return undefined;
}

/**
 * Parses a request head at the start of `buf`. Returns 'incomplete' when the head has not fully
 * arrived (and is within `maxHeaderSize`), or `{unsupported}` for anything the fast path leaves to node:http.
 */
export function parseRequestHead(buf: Buffer, maxHeaderSize: number): RequestHead | 'incomplete' | Unsupported {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return buf.length > maxHeaderSize ? unsupported('head too large') : 'incomplete';
  if (end + 4 > maxHeaderSize) return unsupported('head too large');
  const head = buf.toString('latin1', 0, end);
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const sp1 = head.indexOf(' ');
  const sp2 = head.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || sp2 > lineEnd || !isToken(head, 0, sp1)) return unsupported('request line');
  if (lineEnd - sp2 !== 9 || !head.startsWith(' HTTP/1.1', sp2)) return unsupported('not HTTP/1.1');
  const method = head.slice(0, sp1);
  if (method === 'CONNECT') return unsupported('CONNECT');
  if (head.charCodeAt(sp1 + 1) !== 0x2f) return unsupported('target not in origin form');
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = head.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return unsupported('request target characters');
  }
  const fields: number[] = [];
  let contentLength = -1;
  let hosts = 0;
  let close = false;
  let connectionListed: string[] | undefined;
  let i = lineEnd + 2;
  while (i < head.length) {
    let e = head.indexOf('\r\n', i);
    if (e < 0) e = head.length;
    const colon = head.indexOf(':', i);
    // No colon, an empty or non-token name (which covers whitespace before the colon and obs-fold).
    if (colon < 0 || colon > e || !isToken(head, i, colon) || !isFieldValue(head, colon + 1, e)) return unsupported('header field');
    let a = colon + 1;
    let b = e;
    while (a < b && (head.charCodeAt(a) === 0x20 || head.charCodeAt(a) === 0x09)) a++;
    while (b > a && (head.charCodeAt(b - 1) === 0x20 || head.charCodeAt(b - 1) === 0x09)) b--;
    fields.push(i, colon, a, b, e);
    switch (colon - i) {
      case 4:
        if (nameIs(head, i, 'host')) hosts++;
        break;
      case 14:
        if (nameIs(head, i, 'content-length')) {
          const v = head.slice(a, b);
          if (contentLength >= 0 || !isDigits(v)) return unsupported('content-length');
          contentLength = Number(v);
        }
        break;
      case 17:
        if (nameIs(head, i, 'transfer-encoding')) return unsupported('transfer-encoding');
        break;
      case 7:
        if (nameIs(head, i, 'upgrade')) return unsupported('upgrade');
        break;
      case 6:
        if (nameIs(head, i, 'expect')) return unsupported('expect');
        break;
      case 10:
        if (nameIs(head, i, 'connection')) {
          for (const t of listTokens(head.slice(a, b))) {
            if (t === 'close') close = true;
            else if (t === 'upgrade') return unsupported('upgrade');
            else if (t !== 'keep-alive') (connectionListed ??= []).push(t);
          }
        }
        break;
    }
    i = e + 2;
  }
  if (hosts !== 1) return unsupported('host');
  return { method, target: head.slice(sp1 + 1, sp2), head, fields, headEnd: end + 4, contentLength: Math.max(0, contentLength), close, connectionListed };
}

/** Request fields that never go upstream as they came (X-Forwarded-For is rewritten). */
function dropFromRequest(head: string, from: number, len: number): boolean {
  switch (len) {
    case 2:
      return nameIs(head, from, 'te');
    case 7:
      return nameIs(head, from, 'trailer') || nameIs(head, from, 'upgrade');
    case 10:
      return nameIs(head, from, 'connection') || nameIs(head, from, 'keep-alive');
    case 15:
      return nameIs(head, from, 'x-forwarded-for');
    case 16:
      return nameIs(head, from, 'proxy-connection');
    case 17:
      return nameIs(head, from, 'transfer-encoding');
    default:
      return false;
  }
}

/**
 * The head sent upstream: the request as it came minus hop-by-hop fields (fixed and
 * Connection-listed), plus X-Forwarded-For (appended to the client's), X-Forwarded-Proto and
 * X-Forwarded-Host when absent, plus `extra` lines (each ending in CRLF).
 */
export function upstreamRequestHead(r: RequestHead, clientIp: string, extra = ''): string {
  const head = r.head;
  const f = r.fields;
  const listed = r.connectionListed;
  let s = '';
  let keepFrom = 0;
  let prior: string | undefined;
  let proto = false;
  let fwdHost = false;
  let host: string | undefined;
  for (let i = 0; i < f.length; i += F) {
    const from = f[i];
    const len = f[i + 1] - from;
    if (len === 15 && nameIs(head, from, 'x-forwarded-for')) {
      const v = head.slice(f[i + 2], f[i + 3]);
      prior = prior === undefined ? v : `${prior}, ${v}`;
    } else if (len === 17 && nameIs(head, from, 'x-forwarded-proto')) proto = true;
    else if (len === 16 && nameIs(head, from, 'x-forwarded-host')) fwdHost = true;
    else if (len === 4 && nameIs(head, from, 'host')) host = head.slice(f[i + 2], f[i + 3]);
    if (dropFromRequest(head, from, len) || (listed !== undefined && listed.includes(head.slice(from, f[i + 1]).toLowerCase()))) {
      s += head.slice(keepFrom, from);
      keepFrom = f[i + 4] + 2;
    }
  }
  if (keepFrom < head.length) s += keepFrom === 0 ? head : head.slice(keepFrom);
  else s = s.slice(0, -2);
  s += `\r\nx-forwarded-for: ${prior ? `${prior}, ${clientIp}` : clientIp}\r\n`;
  if (!proto) s += 'x-forwarded-proto: http\r\n';
  if (!fwdHost && host) s += `x-forwarded-host: ${host}\r\n`;
  return s + extra + '\r\n';
}
