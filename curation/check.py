#!/usr/bin/env python3
"""Checks for the curated dataset (curation pass, issue 10; typing rule, issue 23).

(a) dataset.json parses, is formatted like the original, and has the same ids (in the
    same order) as dataset.orig.json;
(b) no run of 12 consecutive words in any curated text (study summary / key_findings,
    intervention summary, evidence finding) is shared with any reference fact text;
(c) every evidence item has exactly the typed fields, with valid kind/result/window, and
    every non-null result_fact is an exact reference fact string of that intervention or
    of its linked study;
(d) every study<->intervention link has a typed evidence item, and every evidence
    study_id names a study in the dataset;
(e) bibliographic fields are unchanged from dataset.orig.json.
(f) the unstated-result rule (README.md, "Evidence typing"): an evaluation that assessed
    impact but whose result is not given is kind impact, result not-reported, no
    result_fact, and its finding says the result is not given; process and description
    items never withhold a result.
Also: summary word counts, glossary.json coverage.

Run: python3 check.py   (exit status 0 = pass)
It reads dataset.json, dataset.orig.json and glossary.json beside this file when they are
there (the curators' working folder, issue 10); otherwise ../store/seed/dataset.json,
../models/glossary.json and the format-1 dataset from git (the commit before e36419f).
"""
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REF = Path("/work/shared/reference")
ROOT = HERE.parent


def beside_or(name, fallback):
    p = HERE / name
    return p if p.exists() else fallback


DATASET = beside_or("dataset.json", ROOT / "store" / "seed" / "dataset.json")
GLOSSARY = beside_or("glossary.json", ROOT / "models" / "glossary.json")


def read_orig():
    p = HERE / "dataset.orig.json"
    if p.exists():
        return p.read_text(encoding="utf-8")
    return subprocess.run(["git", "-C", str(ROOT), "show", "e36419f^:store/seed/dataset.json"],
                          check=True, capture_output=True, text=True).stdout
N = 12

errors = []
warnings = []


def err(msg):
    errors.append(msg)


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def ngrams(text, n=N):
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


# ---------------------------------------------------------------- (a) parse + ids
raw = DATASET.read_text(encoding="utf-8")
try:
    data = json.loads(raw)
except json.JSONDecodeError as e:
    print("FAIL: dataset.json does not parse:", e)
    sys.exit(1)
orig = json.loads(read_orig())

if raw != json.dumps(data, indent=2, ensure_ascii=False) + "\n":
    err("(a) dataset.json is not formatted as 2-space-indent JSON, UTF-8, unescaped, trailing newline")
if list(data.keys()) != list(orig.keys()):
    err("(a) top-level keys differ from dataset.orig.json")
for coll in ("studies", "interventions"):
    a = [r["id"] for r in data[coll]]
    b = [r["id"] for r in orig[coll]]
    if a != b:
        err(f"(a) {coll}: ids or their order differ from dataset.orig.json")
for coll in ("themes", "strands", "disadvantages"):
    if data[coll] != orig[coll]:
        err(f"(a) vocabulary '{coll}' changed")

STUDY_KEYS = list(orig["studies"][0].keys())
IV_KEYS = list(orig["interventions"][0].keys())
for s in data["studies"]:
    if list(s.keys()) != STUDY_KEYS:
        err(f"(a) study {s['id']}: key order differs")
for iv in data["interventions"]:
    if list(iv.keys()) != IV_KEYS:
        err(f"(a) intervention {iv['id']}: key order differs")

# ---------------------------------------------------------------- reference facts
ref_studies = json.loads((REF / "studies.json").read_text(encoding="utf-8"))
ref_ivs = json.loads((REF / "interventions.json").read_text(encoding="utf-8"))
RS = {r["title"]: r for r in ref_studies}
RI = {r["name"]: r for r in ref_ivs}
all_facts = []
for r in ref_studies:
    all_facts += r["key_finding_facts"]
for r in ref_ivs:
    all_facts += r["description_facts"] + r["evidence_summary_facts"]
fact_grams = set()
for f in all_facts:
    fact_grams |= ngrams(f)

study_by_id = {s["id"]: s for s in data["studies"]}
orig_study = {s["id"]: s for s in orig["studies"]}
orig_iv = {x["id"]: x for x in orig["interventions"]}

for s in data["studies"]:
    if s["title"] not in RS:
        err(f"(a) study {s['id']}: title not found in reference")
for x in data["interventions"]:
    if x["name"] not in RI:
        err(f"(a) intervention {x['id']}: name not found in reference")

# ---------------------------------------------------------------- (b) 12-word overlap
def check_overlap(label, text):
    shared = ngrams(text) & fact_grams
    if shared:
        err(f"(b) {label}: shares a {N}-word run with a reference fact: '{' '.join(sorted(shared)[0])}'")


for s in data["studies"]:
    check_overlap(f"study {s['id']} summary", s["summary"])
    for i, k in enumerate(s["key_findings"]):
        check_overlap(f"study {s['id']} key_findings[{i}]", k)
        if not k.strip():
            err(f"study {s['id']} key_findings[{i}] is empty")
for x in data["interventions"]:
    check_overlap(f"intervention {x['id']} summary", x["summary"])
    for i, e in enumerate(x["evidence"]):
        check_overlap(f"intervention {x['id']} evidence[{i}].finding", e["finding"])

# summary lengths (product validator: 60-150 words; curation keeps the originals' range)
lo = min(len(s["summary"].split()) for s in orig["studies"])
hi = max(len(s["summary"].split()) for s in orig["studies"])
for s in data["studies"]:
    n = len(s["summary"].split())
    if not 60 <= n <= 150:
        err(f"study {s['id']}: summary has {n} words (60-150)")
    elif not lo <= n <= hi:
        err(f"study {s['id']}: summary has {n} words, outside the originals' range {lo}-{hi}")
for x in data["interventions"]:
    n = len(x["summary"].split())
    if not 60 <= n <= 150:
        err(f"intervention {x['id']}: summary has {n} words (60-150)")

# internal / unsupported wording that must not reappear
BANNED = [r"stored sources?", r"in this dataset", r"the reference (?:records|holds|gives|does)",
          r"reference material", r"\bechoes\b", r"\bwarns\b", r"schools should",
          r"practical map", r"shows the importance"]
for s in data["studies"]:
    for t in [s["summary"]] + s["key_findings"]:
        for b in BANNED:
            if re.search(b, t, re.I):
                err(f"study {s['id']}: internal/unsupported wording /{b}/")
for x in data["interventions"]:
    for t in [x["summary"]] + [e["finding"] for e in x["evidence"]]:
        for b in BANNED:
            if re.search(b, t, re.I):
                err(f"intervention {x['id']}: internal/unsupported wording /{b}/")

# ---------------------------------------------------------------- (c) typed evidence
EV_KEYS = ["finding", "study_id", "design", "kind", "result", "result_fact", "window"]
KINDS = {"impact", "process", "review", "description"}
RESULTS = {"positive", "mixed", "no-effect", "negative", "not-reported"}
WINDOWS = {"in", "before", "after"}
DESIGNS = {"RCT", "quasi-experimental", "pre-post", "longitudinal cohort", "survey", "qualitative",
           "mixed methods", "case study", "systematic review", "literature review", "meta-analysis",
           "monitoring data", "policy review", "conceptual", "practice guidance"}
# No exception any more: Mind the Gap's null result is now an evidence_summary_fact of the
# intervention in the reference, quoted as the item's result_fact (issue 23, CHANGES.md).
NO_FACT_RESULT_OK = set()

for x in data["interventions"]:
    r = RI.get(x["name"], {"evidence_summary_facts": []})
    for i, e in enumerate(x["evidence"]):
        lab = f"(c) intervention {x['id']} evidence[{i}]"
        if list(e.keys()) != EV_KEYS:
            err(f"{lab}: keys are {list(e.keys())}, want {EV_KEYS}")
            continue
        if e["design"] is not None and (e["study_id"] is not None or e["design"] not in DESIGNS):
            err(f"{lab}: design {e['design']!r} goes only, from the vocabulary, on an item without study_id")
        if e["kind"] not in KINDS:
            err(f"{lab}: bad kind {e['kind']!r}")
        if e["window"] not in WINDOWS:
            err(f"{lab}: bad window {e['window']!r}")
        if e["kind"] == "impact":
            if e["result"] not in RESULTS:
                err(f"{lab}: impact item needs a result, got {e['result']!r}")
        elif e["result"] is not None:
            err(f"{lab}: result must be null for kind {e['kind']}")
        allowed = list(r["evidence_summary_facts"])
        if e["study_id"] and e["study_id"] in study_by_id:
            rs = RS.get(study_by_id[e["study_id"]]["title"])
            if rs:
                allowed += rs["key_finding_facts"]
        if e["result"] in (None, "not-reported"):
            if e["result_fact"] is not None:
                err(f"{lab}: result_fact must be null when result is {e['result']!r}")
        else:
            if e["result_fact"] is None:
                if (x["id"], e["study_id"]) not in NO_FACT_RESULT_OK:
                    err(f"{lab}: result {e['result']!r} needs a result_fact")
            elif e["result_fact"] not in allowed:
                err(f"{lab}: result_fact is not an exact fact of this intervention or its linked study")
        if e["window"] == "in" and re.search(r"outside the (?:review )?window|before the review window", e["finding"], re.I):
            err(f"{lab}: window 'in' but finding says outside the window")

# the five pre-2008 items must be 'before'
before = [(x["id"], e["finding"][:40]) for x in data["interventions"] for e in x["evidence"] if e.get("window") == "before"]
cnt = {}
for iid, _ in before:
    cnt[iid] = cnt.get(iid, 0) + 1
for iid, want in (("peep", 3), ("sure-start", 1), ("every-child-a-reader", 1)):
    if cnt.get(iid, 0) != want:
        err(f"(c) {iid}: expected {want} 'before' item(s), found {cnt.get(iid, 0)}")

# Mind the Gap's EEF trial must be typed as no-effect
mtg = [e for x in data["interventions"] if x["id"] == "mind-the-gap" for e in x["evidence"] if e["study_id"] == "dorsett-2014"]
if not mtg or mtg[0]["kind"] != "impact" or mtg[0]["result"] != "no-effect":
    err("(c) mind-the-gap: the EEF trial item must be kind impact, result no-effect")

# FAST's pooled PEIP item must say pooled / before-and-after / no comparison group
fast = [e for x in data["interventions"] if x["id"] == "fast" for e in x["evidence"] if e["study_id"] == "lindsay-2013"]
if not fast or fast[0]["kind"] != "impact" or not all(
        re.search(p, fast[0]["finding"], re.I) for p in (r"pooled", r"before and after|before-and-after", r"no comparison group")):
    err("(c) fast: the PEIP item must be impact and say pooled, before-and-after, no comparison group")

# ---------------------------------------------------------------- (d) links
iv_ids = {x["id"] for x in data["interventions"]}
typed = {(x["id"], e.get("study_id")) for x in data["interventions"] for e in x["evidence"]}
for s in data["studies"]:
    for iid in s["interventions"]:
        if iid not in iv_ids:
            err(f"(d) study {s['id']} links unknown intervention {iid}")
        elif (iid, s["id"]) not in typed:
            err(f"(d) study {s['id']} -> {iid}: no evidence item with this study_id")
for x in data["interventions"]:
    for i, e in enumerate(x["evidence"]):
        if e.get("study_id") is not None and e["study_id"] not in study_by_id:
            err(f"(d) intervention {x['id']} evidence[{i}]: unknown study_id {e['study_id']}")

# ---------------------------------------------------------------- (e) bibliographic fields
S_BIB = ["id", "title", "authors", "year", "type", "venue", "doi", "url", "country", "design",
         "stage", "sample_size", "effect_size", "effect_size_measure", "verified_in"]
I_BIB = ["id", "name", "aliases", "origin", "country_of_origin", "url", "verified_in"]
for s in data["studies"]:
    o = orig_study.get(s["id"])
    if o:
        for k in S_BIB:
            if s.get(k) != o.get(k):
                err(f"(e) study {s['id']}: bibliographic field {k} changed")
        for k in ("themes", "disadvantage_focus", "interventions"):
            if s.get(k) != o.get(k):
                err(f"(e) study {s['id']}: {k} changed (not in scope)")
REF_IV_FIELD = {"verified_in": "verified_in", "url": "url", "aliases": "aliases",
                "origin": "provider_or_origin", "country_of_origin": "country_of_origin"}
for x in data["interventions"]:
    o = orig_iv.get(x["id"])
    if o:
        for k in I_BIB + ["stage", "setting", "themes", "strands", "disadvantage_focus"]:
            # a field may follow the reference where the reference itself changed
            # (e7cca6e: Mind the Gap's verified_in gained the EEF project page)
            r = RI.get(x["name"], {})
            if x.get(k) != o.get(k) and not (k in REF_IV_FIELD and x.get(k) == r.get(REF_IV_FIELD[k])):
                err(f"(e) intervention {x['id']}: field {k} changed")
        if len(x["evidence"]) < len(o["evidence"]):
            warnings.append(f"intervention {x['id']}: fewer evidence items than original")

# strands on studies must come from the vocabulary
strand_slugs = {t["slug"] for t in data["strands"]}
for s in data["studies"]:
    for t in s["strands"]:
        if t not in strand_slugs:
            err(f"study {s['id']}: unknown strand {t}")

# ---------------------------------------------------------------- (f) unstated-result rule
# The same rule as store/typing_rule_test.go (TestTypingRuleUnstatedResult).
SAYS_NOT_GIVEN = re.compile(
    r"not summarised here|not given here|no separate result|no results? for individual programmes"
    r"|not for [A-Z][\w -]* on its own|cannot show whether", re.I)
REVIEW_DESIGNS = {"literature review", "systematic review", "meta-analysis", "policy review"}
ASSESSED_IMPACT = re.compile(r"\bimpact\b|\boutcomes?\b|\beffects?\b", re.I)
ONE_OF_SEVERAL = re.compile(r"one of (?:the|three|several) programmes|part of the national|included in", re.I)
FIGURES = re.compile(r"\bd = |\d%|significant", re.I)
for x in data["interventions"]:
    r = RI.get(x["name"], {"evidence_summary_facts": []})
    for i, e in enumerate(x["evidence"]):
        lab = f"(f) intervention {x['id']} evidence[{i}]"
        withheld = bool(SAYS_NOT_GIVEN.search(e["finding"]))
        if e["result"] == "not-reported":
            if e["kind"] != "impact" or e["result_fact"] is not None or not withheld:
                err(f"{lab}: a not-reported item is an impact item without result_fact whose finding says the result is not given")
        if e["kind"] in ("process", "description") and withheld:
            err(f"{lab}: {e['kind']} item whose finding withholds a result: an evaluation that assessed impact is impact / not-reported")
        s = study_by_id.get(e["study_id"]) if e["study_id"] else None
        if s and e["kind"] in ("process", "description") and s["design"] not in REVIEW_DESIGNS:
            rs = RS.get(s["title"], {"key_finding_facts": []})
            if any(ASSESSED_IMPACT.search(f) for f in rs["key_finding_facts"]):
                err(f"{lab}: {e['kind']} item, but the reference says {s['id']} examined impact or outcomes")
        if s and e["result"] == "not-reported":
            surname = s["authors"][0].split(",")[0]
            own = [f for f in r["evidence_summary_facts"] if f.startswith(surname) and f"({s['year']}" in f
                   and FIGURES.search(f) and not ONE_OF_SEVERAL.search(f)]
            if own:
                err(f"{lab}: not-reported, but the reference gives this programme's result from {s['id']}: {own[0]!r}")

# ---------------------------------------------------------------- glossary
gp = GLOSSARY
if not gp.exists():
    err("glossary.json missing")
else:
    g = json.loads(gp.read_text(encoding="utf-8"))
    need = {
        "design": {s["design"] for s in data["studies"]} | {
            "RCT", "quasi-experimental", "pre-post", "longitudinal cohort", "survey", "qualitative",
            "mixed methods", "case study", "systematic review", "literature review", "meta-analysis",
            "monitoring data", "policy review", "conceptual", "practice guidance"},
        "stage": {s["stage"] for s in data["studies"]} | {x["stage"] for x in data["interventions"]} | {
            "early-years", "primary", "secondary", "all"},
        "setting": {x["setting"] for x in data["interventions"]} | {"home", "school", "community", "mixed"},
        "type": {s["type"] for s in data["studies"]} | {
            "journal-article", "government-report", "evaluation-report", "systematic-review",
            "meta-analysis", "book-chapter", "other"},
        "strand": strand_slugs,
    }
    need.update({"kind": KINDS, "result": RESULTS, "window": WINDOWS})
    if list(g.keys()) != ["design", "stage", "setting", "type", "strand", "kind", "result", "window"]:
        err("glossary.json: top-level keys must be design, stage, setting, type, strand, kind, result, window")
    for sec, vals in need.items():
        have = g.get(sec, {})
        for v in sorted(vals):
            if v not in have:
                err(f"glossary.json: {sec} lacks {v!r}")
        for v, ent in have.items():
            if v not in vals:
                err(f"glossary.json: {sec} has unknown value {v!r}")
            if sec == "strand":
                if list(ent.keys()) != ["description"] or "provisional" not in ent["description"].lower():
                    err(f"glossary.json: strand {v} needs only a description that says it is provisional")
            else:
                if list(ent.keys()) != ["label", "description"] or not ent["label"].strip() or not ent["description"].strip():
                    err(f"glossary.json: {sec} {v} needs label and description")

# ---------------------------------------------------------------- report
for w in warnings:
    print("warning:", w)
if errors:
    for e in errors:
        print("FAIL:", e)
    print(f"{len(errors)} problem(s)")
    sys.exit(1)
ev = [e for x in data["interventions"] for e in x["evidence"]]
from collections import Counter
print("PASS")
print("evidence items:", len(ev))
print("  kind:", dict(Counter(e["kind"] for e in ev)))
print("  result:", dict(Counter(str(e["result"]) for e in ev)))
print("  window:", dict(Counter(e["window"] for e in ev)))
