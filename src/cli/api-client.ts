import { CliError, EXIT } from './exit-codes';
import { formatIssue, type Issue } from '../core/errors';

/** A refusal from the server, kept whole so commands can show details. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(status >= 500 ? EXIT.UNREACHABLE : EXIT.USAGE, message);
  }
}

/** Thin HTTP client for the Shipgate API, with errors turned into exit codes. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    opts: { query?: Record<string, string | number | boolean | undefined> } = {},
  ): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new CliError(
        EXIT.UNREACHABLE,
        `cannot reach the Shipgate server at ${this.baseUrl} (${cause}); start one with \`shipgate server\` or point --server / SHIPGATE_SERVER at it`,
      );
    }
    const text = await res.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      /* non-JSON body (metrics, yaml) */
    }
    if (!res.ok) {
      const err = (data ?? {}) as { code?: string; message?: string; details?: { issues?: Issue[] } };
      let message = err.message ?? `HTTP ${res.status}`;
      const issues = err.details?.issues;
      if (issues?.length) message += '\n' + issues.map((i) => `  ${formatIssue(i)}`).join('\n');
      if (res.status === 401)
        message += '\n  (pass a token with --token or SHIPGATE_TOKEN; the bootstrap admin token is in the server data folder, admin.token)';
      throw new ApiError(res.status, err.code ?? 'HTTP_' + res.status, message, err.details);
    }
    return data as T;
  }

  get<T = unknown>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return this.request<T>('GET', path, undefined, { query });
  }
  post<T = unknown>(path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return this.request<T>('POST', path, body ?? {}, { query });
  }
  put<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body ?? {});
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}
