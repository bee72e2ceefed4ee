/**
 * Finds where a chunked body (RFC 9112 §7.1) ends without decoding it, so the router can pass the
 * bytes through as they came and know when the connection is free for the next message.
 * Strict: chunk sizes are hex digits (at most 15), extensions and trailer lines hold no bare CR or LF.
 */

const enum S {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  LastLf,
  Done,
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

export class ChunkedScanner {
  private s = S.Size;
  private size = 0;
  private digits = 0;
  private remaining = 0;

  /**
   * Scans `buf[from, to)`. Returns the index just after the body's end when it ends within this
   * range, -1 when more bytes are needed, or -2 when the framing is invalid.
   */
  scan(buf: Uint8Array, from: number, to: number): number {
    let i = from;
    while (i < to) {
      const c = buf[i];
      switch (this.s) {
        case S.Size: {
          const h = hex(c);
          if (h >= 0) {
            if (++this.digits > 15) return -2;
            this.size = this.size * 16 + h;
          } else if (this.digits === 0) return -2;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.s = S.Ext;
          else if (c === 0x0d) this.s = S.SizeLf;
          else return -2;
          break;
        }
        case S.Ext:
          if (c === 0x0d) this.s = S.SizeLf;
          else if (c === 0x0a || (c < 0x20 && c !== 0x09) || c === 0x7f) return -2;
          break;
        case S.SizeLf:
          if (c !== 0x0a) return -2;
          if (this.size === 0) this.s = S.TrailerStart;
          else {
            this.remaining = this.size;
            this.s = S.Data;
          }
          break;
        case S.Data: {
          const n = Math.min(this.remaining, to - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.s = S.DataCr;
          continue;
        }
        case S.DataCr:
          if (c !== 0x0d) return -2;
          this.s = S.DataLf;
          break;
        case S.DataLf:
          if (c !== 0x0a) return -2;
          this.s = S.Size;
          this.size = 0;
          this.digits = 0;
          break;
        case S.TrailerStart:
          if (c === 0x0d) this.s = S.LastLf;
          else if (c === 0x0a || c < 0x20 || c === 0x7f) return -2;
          else this.s = S.TrailerLine;
          break;
        case S.TrailerLine:
          if (c === 0x0d) this.s = S.TrailerLf;
          else if (c === 0x0a || (c < 0x20 && c !== 0x09) || c === 0x7f) return -2;
          break;
        case S.TrailerLf:
          if (c !== 0x0a) return -2;
          this.s = S.TrailerStart;
          break;
        case S.LastLf:
          if (c !== 0x0a) return -2;
          this.s = S.Done;
          return i + 1;
        case S.Done:
          return i;
      }
      i++;
    }
    return -1;
  }
}
