import type { Capability } from '../core/capability';
import { publicErrorResponses, textResponse } from '../api/route-schemas';
import { DASHBOARD_HTML } from './dashboard-page';

/** The web dashboard at `/` and `/ui`: a page for people; it reads the API with their token. */
export const webCapability: Capability = {
  name: 'web',
  routes(app) {
    const page = {
      config: { access: 'public' as const },
      schema: { tags: ['web'], response: { 200: textResponse('text/html', 'the console page'), ...publicErrorResponses() } },
    };
    const send = async (_req: unknown, reply: { type(t: string): { send(b: string): unknown } }) => reply.type('text/html; charset=utf-8').send(DASHBOARD_HTML);
    app.get('/', page, send);
    app.get('/ui', page, send);
  },
};
