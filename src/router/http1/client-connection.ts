import type net from 'node:net';
import type { CompiledTable } from '../compiled-table';
import { refusalResponse, type Refusal } from '../refusals';
import { parseRequestHead } from './request-head';
import type { Deadlines } from './deadlines';
import { Exchange } from './exchange';

/** What a client connection needs from the router. */
export interface FastPathEnv {
  table(): CompiledTable;
  onShed(route: string): void;
  /** Gives the connection to node:http, which reads `pending` first; `reason` is counted. */
  handoff(socket: net.Socket, pending: Buffer, reason: string): void;
  maxHeaderSize: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Request and upstream-head deadlines of exchanges in progress. */
  deadlines: Deadlines;
}

const EMPTY: Buffer = Buffer.alloc(0);
/** Bytes of later (pipelined) requests held while one is served; beyond this the socket pauses. */
const MAX_HELD = 256 * 1024;

/**
 * A client connection on the fast path: reads request heads, serves one exchange at a time (with
 * pipelined requests held until the previous response is complete), and gives the connection to
 * node:http at the first request it does not take (upgrade, chunked upload, HTTP/1.0, anything
 * malformed), so such requests get node's answers.
 */
export class ClientConnection {
  readonly ip: string;
  private buf: Buffer = EMPTY;
  private exchange?: Exchange;
  private ended = false;
  private serving = false;
  /** Answers are waiting in the socket for a client that does not read: serve no more until it drains. */
  private waitingDrain = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout;
  /** When the last exchange ended (Date.now()); the idle timer checks it instead of being re-armed per request. */
  private lastDoneMs = Date.now();
  private headTimer?: NodeJS.Timeout;
  private readonly onData = (d: Buffer) => this.read(d);
  private readonly onEnd = () => this.clientEnded();
  private readonly onClose = () => this.clientClosed();
  private readonly onError = () => this.socket.destroy();
  private readonly onDrain = () => {
    this.waitingDrain = false;
    this.serveNextOnceRead();
  };

  constructor(
    readonly socket: net.Socket,
    readonly env: FastPathEnv,
    private readonly live: Set<ClientConnection>,
  ) {
    this.ip = socket.remoteAddress ?? '';
    live.add(this);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    this.idleTimer = setTimeout(() => this.idleTimeout(), env.keepAliveTimeoutMs);
    this.idleTimer.unref();
  }

  /** No exchange in progress and no partial request: safe to close. */
  get idle(): boolean {
    return this.exchange === undefined && this.buf.length === 0;
  }

  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  /** Sends the router's own answer; closes the connection after it when asked (or when the request body was not read). */
  refuse(r: Refusal, close: boolean): void {
    this.socket.write(refusalResponse(r, close));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Drops the connection with a TCP RST (an injected reset fault). */
  reset(): void {
    this.closed = true;
    this.socket.resetAndDestroy();
  }

  private read(d: Buffer): void {
    // Closing (after an answer that left a request body unread): what else comes is dropped.
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const x = this.exchange;
    if (x) {
      if (x.bodyRemaining > 0) this.buf = x.takeBody(this.buf);
      if (this.buf.length > MAX_HELD) this.socket.pause();
      return;
    }
    this.next();
  }

  /**
   * Serves the requests in the buffer, one at a time. An exchange that ends at once (a refusal)
   * calls back into here; the flag keeps that a loop rather than a recursion as deep as the
   * number of pipelined requests.
   */
  private next(): void {
    if (this.serving || this.waitingDrain) return;
    this.serving = true;
    try {
      this.serveBuffered();
    } finally {
      this.serving = false;
    }
    if (this.ended && this.idle) this.socket.end();
  }

  private serveBuffered(): void {
    while (!this.exchange && !this.closed && !this.waitingDrain && this.buf.length) {
      const r = parseRequestHead(this.buf, this.env.maxHeaderSize);
      if (r === 'incomplete') {
        this.headTimer ??= setTimeout(() => this.headTimeout(), this.env.headersTimeoutMs);
        return;
      }
      this.clearHeadTimer();
      if ('unsupported' in r) {
        this.giveAway(r.unsupported);
        return;
      }
      this.buf = r.headEnd === this.buf.length ? EMPTY : this.buf.subarray(r.headEnd);
      const x = new Exchange(this, r);
      this.exchange = x;
      if (r.contentLength > 0) this.buf = x.takeBody(this.buf);
      x.start();
    }
  }

  /** Called by the exchange once its response is complete (or refused). */
  exchangeDone(closeAfter: boolean): void {
    this.exchange = undefined;
    if (this.closed) return;
    if (closeAfter) {
      this.closed = true;
      this.socket.end();
      // A client still sending a body it was told not to send gets a few seconds, then the socket goes.
      setTimeout(() => this.socket.destroy(), 5_000).unref();
      return;
    }
    this.serveNextOnceRead();
  }

  /** Serves the next request once the client has read the answers sent so far. */
  private serveNextOnceRead(): void {
    this.lastDoneMs = Date.now();
    // A client that pipelines requests without reading the answers must not fill memory with them.
    if (this.socket.writableNeedDrain) {
      this.waitingDrain = true;
      this.socket.pause();
      this.socket.once('drain', this.onDrain);
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.next();
  }

  private giveAway(reason: string): void {
    const s = this.socket;
    s.pause();
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.removeListener('close', this.onClose);
    s.removeListener('error', this.onError);
    clearTimeout(this.idleTimer);
    this.clearHeadTimer();
    this.closed = true;
    this.live.delete(this);
    const pending = this.buf;
    this.buf = EMPTY;
    this.env.handoff(s, pending, reason);
  }

  private clearHeadTimer(): void {
    if (this.headTimer) {
      clearTimeout(this.headTimer);
      this.headTimer = undefined;
    }
  }

  private headTimeout(): void {
    this.headTimer = undefined;
    if (this.exchange || this.closed) return;
    this.closed = true;
    this.socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n', () => this.socket.destroy());
  }

  private idleTimeout(): void {
    if (this.closed) return;
    const idleFor = Date.now() - this.lastDoneMs;
    // Idle, or not reading its answers for as long: either way the connection goes.
    if ((this.idle || this.waitingDrain) && idleFor >= this.env.keepAliveTimeoutMs) {
      this.socket.destroy();
      return;
    }
    const wait = this.idle || this.waitingDrain ? this.env.keepAliveTimeoutMs - idleFor : this.env.keepAliveTimeoutMs;
    this.idleTimer = setTimeout(() => this.idleTimeout(), Math.max(1, wait));
    this.idleTimer.unref();
  }

  private clientEnded(): void {
    this.ended = true;
    if (this.idle) this.socket.end();
  }

  private clientClosed(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.clearHeadTimer();
    this.live.delete(this);
    const x = this.exchange;
    this.exchange = undefined;
    x?.clientGone();
  }
}
