// A typed client for the evidence base API: openapi-fetch over the types that
// openapi-typescript generates from openapi.yaml (src/schema.d.ts, never edited by hand;
// `npm run generate` remakes it).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];

/** A client for the API at baseUrl, e.g. "http://localhost:8080". */
export function evidenceClient(baseUrl: string) {
  return createClient<paths>({ baseUrl });
}

/** A problem document (RFC 9457) as an Error: branch on `type`, a URI under /problems/. */
export class ProblemError extends Error {
  constructor(readonly problem: Schemas["Problem"]) {
    super(`${problem.status ?? "?"} ${problem.title ?? ""}: ${problem.detail ?? ""} (${problem.type ?? "no type"})`);
  }
}
