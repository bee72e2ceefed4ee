import net from 'node:net';
import { ChunkedScanner } from './chunked';
import { parseResponseHead, type ResponseHead } from './response-head';

/** Largest response head accepted from an upstream. */
const MAX_RESPONSE_HEAD = 64 * 1024;

/** Who receives an upstream response: the client connection, or a mirror that discards it. */
export interface ResponseSink {
  /** A 1xx interim response (never 101: upgrades do not take this path), bytes as they came. */
  onInterim(head: Buffer): void;
  /** The final head, and the body bytes that arrived with it (may be empty; valid only during the call). */
  onHead(res: ResponseHead, body: Buffer): void;
  /** More body bytes, framed as the upstream framed them. */
  onBody(chunk: Buffer): void;
  /** The response is complete. */
  onEnd(): void;
  /** The exchange failed; `gotResponse` says whether the head had arrived. */
  onError(err: NodeJS.ErrnoException, gotResponse: boolean): void;
}

function fail(code: string, message: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Every upstream socket reads into this one buffer (node:net's `onread`): no buffer is allocated
 * per read, and each read is handled before the next, so sharing is safe as long as nothing keeps
 * a view of it. Bytes that outlive the callback (a partial head, body chunks handed to the client)
 * are copied.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * One keep-alive connection to an upstream instance, carrying one exchange at a time. Its
 * listeners are set once; each exchange only sets `sink`, so the hot path allocates no closures.
 */
export class UpstreamConnection {
  readonly socket: net.Socket;
  private sink?: ResponseSink;
  private method = 'GET';
  private pending: Buffer = EMPTY;
  private res?: ResponseHead;
  private remaining = 0;
  private scanner?: ChunkedScanner;
  private connectTimer?: NodeJS.Timeout;
  private dead = false;
  /** Exchanges this connection has completed. */
  served = 0;

  constructor(
    private readonly pool: UpstreamConnections,
    connectMs: number,
  ) {
    const s = net.connect({
      host: pool.hostname,
      port: pool.port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onData(Buffer.from(buf.buffer, buf.byteOffset, n)) },
    });
    this.socket = s;
    this.connectTimer = setTimeout(() => this.kill(fail('ETIMEDOUT_CONNECT', `no connection within ${connectMs} ms`)), connectMs);
    s.once('connect', () => {
      clearTimeout(this.connectTimer);
      s.setKeepAlive(true, 1_000);
    });
    s.on('end', () => this.onEnd());
    s.on('error', (e: NodeJS.ErrnoException) => this.kill(e));
    s.on('close', () => this.kill(fail('ECONNRESET', 'socket hang up')));
  }

  /** Sends a request head (and the start of its body) and routes the response to `sink`. */
  send(head: string, body: Buffer | undefined, method: string, sink: ResponseSink): void {
    this.sink = sink;
    this.method = method;
    this.res = undefined;
    this.pending = EMPTY;
    if (this.socket.isPaused()) this.socket.resume();
    if (body && body.length) this.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    else this.socket.write(head, 'latin1');
  }

  /** More request body bytes; false when the socket's buffer is full (wait for 'drain'). */
  write(chunk: Buffer): boolean {
    return this.socket.write(chunk);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the connection; a current exchange gets `err` (or nothing when the caller abandoned it). */
  kill(err?: NodeJS.ErrnoException): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.connectTimer);
    this.socket.destroy();
    this.pool.forget(this);
    const sink = this.sink;
    this.sink = undefined;
    if (sink && err) sink.onError(err, this.res !== undefined);
  }

  /** Abandons the current exchange (the client left or timed out): the connection cannot be reused. */
  abandon(): void {
    this.sink = undefined;
    this.kill();
  }

  /** `d` is a view of the shared read buffer, valid only during this call. */
  private onData(d: Buffer): boolean {
    const sink = this.sink;
    if (!sink) {
      // Bytes nobody asked for: the connection's framing can no longer be trusted.
      this.kill();
      return false;
    }
    if (this.res === undefined) this.readHead(sink, d);
    else this.readBody(sink, d, 0);
    return true;
  }

  private readHead(sink: ResponseSink, d: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, d]) : d;
    for (;;) {
      const r = parseResponseHead(buf, this.method, MAX_RESPONSE_HEAD);
      if (r === 'incomplete') {
        this.pending = Buffer.from(buf);
        return;
      }
      if ('unsupported' in r) {
        this.kill(fail('EBADRESPONSE', `malformed response (${r.unsupported})`));
        return;
      }
      if (r.status < 200) {
        if (r.status === 101) {
          this.kill(fail('EBADRESPONSE', 'unexpected 101 Switching Protocols'));
          return;
        }
        sink.onInterim(Buffer.from(buf.subarray(0, r.headEnd)));
        buf = buf.subarray(r.headEnd);
        if (this.sink !== sink) return;
        continue;
      }
      this.pending = EMPTY;
      this.res = r;
      if (r.framing === 'length') this.remaining = r.length;
      else if (r.framing === 'chunked') this.scanner = new ChunkedScanner();
      this.readBody(sink, buf, r.headEnd, true);
      return;
    }
  }

  /** Passes body bytes `d[from..]` on; completes the exchange when the body ends. */
  private readBody(sink: ResponseSink, d: Buffer, from: number, first = false): void {
    const res = this.res!;
    let end: number;
    switch (res.framing) {
      case 'none':
        end = from;
        break;
      case 'length': {
        const n = Math.min(this.remaining, d.length - from);
        this.remaining -= n;
        end = this.remaining === 0 ? from + n : -1;
        break;
      }
      case 'chunked':
        end = this.scanner!.scan(d, from, d.length);
        if (end === -2) {
          this.kill(fail('EBADRESPONSE', 'malformed chunked body'));
          return;
        }
        break;
      default:
        end = -1;
    }
    const body = end < 0 ? (from === 0 ? d : d.subarray(from)) : d.subarray(from, end);
    // onHead copies what it keeps; body chunks go to a socket write that may outlive this call.
    if (first) sink.onHead(res, body);
    else if (body.length) sink.onBody(Buffer.from(body));
    if (end < 0 || this.sink !== sink) return;
    this.sink = undefined;
    this.scanner = undefined;
    this.served++;
    // Extra bytes after a complete response, or an upstream that will close: do not reuse.
    if (res.reusable && end === d.length) this.pool.release(this);
    else this.kill();
    sink.onEnd();
  }

  private onEnd(): void {
    const sink = this.sink;
    if (sink && this.res?.framing === 'close') {
      this.sink = undefined;
      this.kill();
      sink.onEnd();
      return;
    }
    this.kill(fail('ECONNRESET', 'upstream closed the connection'));
  }
}

/** Keep-alive connections to one upstream instance: idle ones are reused newest first; beyond `max` callers wait. */
export class UpstreamConnections {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: ((c: UpstreamConnection) => void)[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private closed = false;

  constructor(
    readonly hostname: string,
    readonly port: number,
    private readonly max: number,
  ) {}

  /**
   * Gives `take` a connection now (an idle one, else a new one) or once one is free. Returns a
   * function that withdraws a waiting caller.
   */
  acquire(connectMs: number, take: (c: UpstreamConnection) => void): (() => void) | undefined {
    const idle = this.idle.pop();
    if (idle) {
      take(idle);
      return undefined;
    }
    if (this.all.size < this.max && !this.closed) {
      const c = new UpstreamConnection(this, connectMs);
      this.all.add(c);
      take(c);
      return undefined;
    }
    this.waiting.push(take);
    return () => {
      const i = this.waiting.indexOf(take);
      if (i >= 0) this.waiting.splice(i, 1);
    };
  }

  release(c: UpstreamConnection): void {
    if (this.closed) {
      c.kill();
      return;
    }
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  forget(c: UpstreamConnection, connectMs = 2_000): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A freed place goes to the longest waiting caller.
    const next = !this.closed && this.waiting.shift();
    if (next) {
      const fresh = new UpstreamConnection(this, connectMs);
      this.all.add(fresh);
      next(fresh);
    }
  }

  /** Closes idle connections; with `all`, busy ones too. */
  close(all = true): void {
    this.closed = all;
    for (const c of [...this.idle]) c.kill();
    if (all) for (const c of [...this.all]) c.kill(fail('ECONNRESET', 'upstream removed'));
  }
}
