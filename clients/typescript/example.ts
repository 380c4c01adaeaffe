// Lists the interventions that match a filter, following the list's links.next until the
// last page, and prints their names.
//
//   node dist/example.js [base URL] [filter]
//   node dist/example.js http://localhost:8080 disadvantage:low-income,stage:primary
import { evidenceClient, ProblemError, type Schemas } from "./src/client.js";

const baseUrl = process.argv[2] ?? process.env.KB_URL ?? "http://localhost:8080";
const filter = process.argv[3] ?? "disadvantage:low-income,stage:primary";
const client = evidenceClient(baseUrl);

async function main(): Promise<void> {
  // The first page through the typed client: the path, the parameters and the answer are
  // all checked against openapi.yaml.
  const first = await client.GET("/api/v1/interventions", {
    params: { query: { filter, per_page: 5, sort: "name" } },
  });
  if (first.error) {
    throw new ProblemError(first.error);
  }
  if (typeof first.data === "string" || !("meta" in first.data)) {
    // the endpoint also answers exports (CSV, NDJSON) as text and a feed as JSON Feed;
    // without format= it is a JSON page
    throw new Error("expected a JSON page of the list");
  }
  let page: Schemas["InterventionList"] = first.data;
  const total = page.meta.total;
  console.log(`${total ?? "?"} interventions match ${filter} (dataset ${page.meta.dataset_version}):`);
  let seen = 0;
  for (;;) {
    for (const iv of page.data) {
      seen++;
      console.log(`- ${iv.name ?? iv.id ?? "?"}`);
    }
    // links.next is an absolute URL in the same canonical form as the request; null on
    // the last page.
    const next = page.links.next;
    if (!next) {
      break;
    }
    const res = await fetch(next, { headers: { Accept: "application/json" } });
    if (!res.ok) {
      throw new ProblemError((await res.json()) as Schemas["Problem"]);
    }
    page = (await res.json()) as Schemas["InterventionList"];
  }
  if (total !== null && seen !== total) {
    throw new Error(`followed the pages to ${seen} interventions; meta.total says ${total}`);
  }
  console.log(`${seen} interventions on ${page.meta.pages ?? "?"} pages`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
