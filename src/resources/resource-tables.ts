/** The generic resource table as resource-store.ts's migration creates it (bigint read as numbers). */
export interface ResourceTables {
  resources: {
    api_version: string;
    kind: string;
    name: string;
    /** JSON of the manifest. */
    body: string;
    hash: string;
    generation: number;
    /** ISO-8601. */
    created_at: string;
    updated_at: string;
    updated_by: string;
  };
}
