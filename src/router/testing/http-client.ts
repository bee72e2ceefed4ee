import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A keep-alive client for tests: requests with a bounded number in flight. */
export class TestClient {
  readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 32,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(path: string, opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
    const u = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: opts.method ?? 'GET',
          headers: opts.headers,
          agent: this.agent,
          timeout: opts.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request ${path} timed out`)));
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  /** Runs `count` requests built by `make(i)`, at most `concurrency` at a time; results in order. */
  async many<T>(count: number, concurrency: number, make: (i: number) => Promise<T>): Promise<T[]> {
    const out = new Array<T>(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        out[i] = await make(i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}
