/** Strict HTTP/1.1 response heads from upstreams for the router's fast path (RFC 9112), pure over bytes. */
import { CRLFCRLF, isDigits, isFieldValue, isToken, listTokens, nameIs, unsupported, type Unsupported } from './syntax';

/** How a response body ends. */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

export interface ResponseHead {
  status: number;
  headEnd: number;
  framing: Framing;
  /** Body length when framing is 'length'. */
  length: number;
  /** The upstream connection may carry another request after this response. */
  reusable: boolean;
  /**
   * The head for the client without its final CRLF: an HTTP/1.1 status line and the upstream's
   * fields minus hop-by-hop ones (Transfer-Encoding stays: bodies pass through as framed).
   */
  forClient: string;
}

/** Whether a response field with this name (at `head[from, from + len)`) is dropped on the way to the client. */
function hopByHopResponse(head: string, from: number, len: number): boolean {
  switch (len) {
    case 2:
      return nameIs(head, from, 'te');
    case 7:
      return nameIs(head, from, 'upgrade');
    case 10:
      return nameIs(head, from, 'connection') || nameIs(head, from, 'keep-alive');
    case 16:
      return nameIs(head, from, 'proxy-connection');
    case 18:
      return nameIs(head, from, 'x-shipgate-version');
    default:
      return false;
  }
}

/** Whether `head[from, from + len)` is a field the client must not get: hop-by-hop, or named in Connection. */
function dropForClient(head: string, from: number, len: number, listed: string[] | undefined): boolean {
  return hopByHopResponse(head, from, len) || (listed !== undefined && listed.includes(head.slice(from, from + len).toLowerCase()));
}

/** The status line as HTTP/1.1 and the fields for the client, each line ending in CRLF. */
function headForClient(head: string, lineEnd: number, listed: string[] | undefined): string {
  let out = 'HTTP/1.1';
  let keepFrom = 8;
  for (let i = lineEnd + 2; i < head.length; ) {
    let e = head.indexOf('\r\n', i);
    if (e < 0) e = head.length;
    if (dropForClient(head, i, head.indexOf(':', i) - i, listed)) {
      out += head.slice(keepFrom, i);
      keepFrom = e + 2;
    }
    i = e + 2;
  }
  return out + (keepFrom < head.length ? head.slice(keepFrom) + '\r\n' : '');
}

/** `s[from, to)` without optional whitespace (SP, HTAB) at either end. */
function trimOws(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === 0x20 || s.charCodeAt(from) === 0x09)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 0x09)) to--;
  return s.slice(from, to);
}

/**
 * Parses a response head at the start of `buf` (for a request with `method`). Returns
 * 'incomplete', the head, or `{unsupported}` for a malformed or ambiguous one (the caller answers
 * 502): a status code that is not three digits, Content-Length with Transfer-Encoding or two
 * different lengths, Transfer-Encoding in HTTP/1.0.
 */
export function parseResponseHead(buf: Buffer, method: string, maxHeaderSize: number): ResponseHead | 'incomplete' | Unsupported {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return buf.length > maxHeaderSize ? unsupported('response head too large') : 'incomplete';
  if (end + 4 > maxHeaderSize) return unsupported('response head too large');
  const head = buf.toString('latin1', 0, end);
  // HTTP/1.x SP 3DIGIT [SP reason]
  const minor = head.charCodeAt(7);
  if (!head.startsWith('HTTP/1.') || (minor !== 0x30 && minor !== 0x31) || head.charCodeAt(8) !== 0x20) return unsupported('status line');
  const d1 = head.charCodeAt(9) - 0x30;
  const d2 = head.charCodeAt(10) - 0x30;
  const d3 = head.charCodeAt(11) - 0x30;
  if (!(d1 >= 1 && d1 <= 9 && d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9)) return unsupported('status line');
  const status = d1 * 100 + d2 * 10 + d3;
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  if ((lineEnd > 12 && head.charCodeAt(12) !== 0x20) || !isFieldValue(head, 0, lineEnd)) return unsupported('status line');
  const http10 = minor === 0x30;
  let length = -1;
  let chunked = false;
  let te = false;
  let close = false;
  let keepAlive = false;
  let listed: string[] | undefined;
  // Built as the fields go by; rebuilt at the end in the rare case Connection names other fields.
  let forClient = 'HTTP/1.1';
  let keepFrom = 8;
  let i = lineEnd + 2;
  while (i < head.length) {
    let e = head.indexOf('\r\n', i);
    if (e < 0) e = head.length;
    const colon = head.indexOf(':', i);
    if (colon < 0 || colon > e || !isToken(head, i, colon) || !isFieldValue(head, colon + 1, e)) return unsupported('response header field');
    const len = colon - i;
    if (len === 14 && nameIs(head, i, 'content-length')) {
      const v = trimOws(head, colon + 1, e);
      if (!isDigits(v) || (length >= 0 && Number(v) !== length)) return unsupported('response content-length');
      length = Number(v);
    } else if (len === 17 && nameIs(head, i, 'transfer-encoding')) {
      te = true;
      const codings = listTokens(head.slice(colon + 1, e));
      chunked = codings[codings.length - 1] === 'chunked';
    } else if (len === 10 && nameIs(head, i, 'connection')) {
      // Nearly always a single keep-alive or close: no list to build.
      const v = trimOws(head, colon + 1, e);
      if (v.length === 10 && nameIs(v, 0, 'keep-alive')) keepAlive = true;
      else if (v.length === 5 && nameIs(v, 0, 'close')) close = true;
      else {
        for (const t of listTokens(v)) {
          if (t === 'close') close = true;
          else if (t === 'keep-alive') keepAlive = true;
          else (listed ??= []).push(t);
        }
      }
    }
    if (hopByHopResponse(head, i, len)) {
      forClient += head.slice(keepFrom, i);
      keepFrom = e + 2;
    }
    i = e + 2;
  }
  if (te && (length >= 0 || http10)) return unsupported(http10 ? 'transfer-encoding in HTTP/1.0' : 'both content-length and transfer-encoding');
  forClient = listed ? headForClient(head, lineEnd, listed) : forClient + (keepFrom < head.length ? head.slice(keepFrom) + '\r\n' : '');
  let framing: Framing;
  if (method === 'HEAD' || status === 204 || status === 304 || status < 200) framing = 'none';
  else if (te) framing = chunked ? 'chunked' : 'close';
  else if (length >= 0) framing = 'length';
  else framing = 'close';
  const reusable = !close && (!http10 || keepAlive) && framing !== 'close';
  return { status, headEnd: end + 4, framing, length: Math.max(0, length), reusable, forClient };
}

/** The head sent to the client: the upstream's fields minus hop-by-hop ones, plus `extra` lines (each ending in CRLF). */
export function clientResponseHead(r: ResponseHead, extra: string): string {
  return r.forClient + extra + '\r\n';
}
