// An outside client for the evidence base's MCP server, with the official TypeScript SDK
// (@modelcontextprotocol/sdk): it connects over stdio to a command, or over Streamable HTTP
// to a URL, lists the tools, resource templates and prompts, calls every tool once with
// good arguments (and one with a bad argument), reads a resource and gets the prompt. The
// SDK checks each tool's structured result against the output schema the server listed.
//
//   node check.mjs --stdio ./evidence-kb mcp -db kb.db
//   node check.mjs --http http://localhost:8080/mcp
//
// It exits 0 when every check passes, 1 otherwise.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const tools = ["search_studies", "get_study", "find_interventions", "get_intervention", "evidence_map", "cite", "glossary"];

function usage() {
  console.error("usage: node check.mjs --stdio COMMAND [ARGS...] | --http URL");
  process.exit(2);
}

const [mode, ...rest] = process.argv.slice(2);
let transport, where;
if (mode === "--stdio" && rest.length > 0) {
  transport = new StdioClientTransport({ command: rest[0], args: rest.slice(1), stderr: "pipe" });
  where = `stdio: ${rest.join(" ")}`;
} else if (mode === "--http" && rest.length === 1) {
  transport = new StreamableHTTPClientTransport(new URL(rest[0]));
  where = `Streamable HTTP: ${rest[0]}`;
} else {
  usage();
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

const client = new Client({ name: "evidence-kb-mcp-check", version: "1.0.0" });
await client.connect(transport);
const server = client.getServerVersion();
console.log(`connected over ${where} to ${server?.name} ${server?.version}`);

const listed = await client.listTools();
const names = listed.tools.map((t) => t.name).sort();
check(JSON.stringify(names) === JSON.stringify([...tools].sort()), `tools/list: ${names.join(", ")}`);
for (const t of listed.tools) {
  check(t.outputSchema?.type === "object" && t.inputSchema?.type === "object" && t.annotations?.readOnlyHint === true,
    `${t.name}: input and output schemas, read-only`);
}

let datasetVersion;
// call calls a tool that must answer; the SDK validates its structuredContent against the
// tool's output schema (and throws when it does not match).
async function call(name, args) {
  const res = await client.callTool({ name, arguments: args });
  const out = res.structuredContent;
  const ok = !res.isError && out && typeof out.meta?.dataset_version === "string" &&
    out.meta.review_window?.from === 2008 && out.meta.review_window?.to === 2014;
  datasetVersion ??= out?.meta?.dataset_version;
  check(ok && out.meta.dataset_version === datasetVersion, `${name} ${JSON.stringify(args)}`);
  if (!ok) console.log(JSON.stringify(res).slice(0, 500));
  return out ?? {};
}

const search = await call("search_studies", { q: "fathers", limit: 3 });
const studyID = search.hits?.[0]?.id ?? "lindsay-2008";
const study = await call("get_study", { id: studyID });
check(study.study?.id === studyID && typeof study.citation_apa === "string" && study.page_url?.endsWith(`/studies/${studyID}`), `get_study ${studyID}: the record, its reference and page`);
const found = await call("find_interventions", { disadvantage: "low-income", stage: "primary" });
check(found.interventions?.length > 0 && found.interventions.every((iv) => typeof iv.evidence_summary?.statement === "string"),
  `find_interventions: ${found.interventions?.length} interventions, each with its evidence statement`);
const ivID = found.interventions?.[0]?.id ?? "triple-p";
const iv = await call("get_intervention", { id: ivID });
check(Array.isArray(iv.evidence) && iv.evidence.every((e) => "result_fact" in e && "study" in e), `get_intervention ${ivID}: typed evidence items`);
const map = await call("evidence_map", { rows: "theme", cols: "design" });
check(map.cells?.length === map.row_values?.length * map.col_values?.length, `evidence_map: ${map.cells?.length} cells, ${map.gaps} gaps`);
const cited = await call("cite", { ids: [studyID], style: "bibtex" });
check(cited.text?.startsWith("@"), "cite: a BibTeX entry");
const defined = await call("glossary", { term: "RCT" });
check(defined.entries?.[0]?.label === "Randomised controlled trial", "glossary RCT");

const bad = await client.callTool({ name: "get_study", arguments: { id: "no-such-study" } });
check(bad.isError === true && /invalid argument "id"/.test(bad.content?.[0]?.text ?? ""), `a bad argument is a tool error: ${bad.content?.[0]?.text}`);

const templates = await client.listResourceTemplates();
check(templates.resourceTemplates.length === 2, `resources/templates/list: ${templates.resourceTemplates.map((t) => t.uriTemplate).join(", ")}`);
const resource = await client.readResource({ uri: `evidence-kb://studies/${studyID}` });
check(JSON.parse(resource.contents[0].text).study?.id === studyID, `resources/read evidence-kb://studies/${studyID}`);
const prompt = await client.getPrompt({ name: "evidence_brief", arguments: { question: "What works for engaging fathers?" } });
check(prompt.messages[0]?.content?.text?.includes("What works for engaging fathers?"), "prompts/get evidence_brief");

await client.close();
console.log(failures === 0 ? `all checks passed (dataset ${datasetVersion})` : `${failures} checks failed`);
process.exit(failures === 0 ? 0 : 1);
