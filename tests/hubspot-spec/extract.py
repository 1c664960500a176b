#!/usr/bin/env python3
"""Extracts the request-body schemas pulsecheck's HubSpot output must match from
HubSpot's published OpenAPI specs (repository HubSpot/HubSpot-public-api-spec-collection),
resolving every local `$ref` so each output file is a self-contained JSON Schema.

Usage (with a checkout of that repository at the commit named in README.md):

    python3 tests/hubspot-spec/extract.py /path/to/HubSpot-public-api-spec-collection OUT_DIR

It writes one `*.schema.json` per request body and a `source.json` (repository, commit,
spec files, operations) into OUT_DIR. The output is HubSpot's material and is not
committed here: `tests/it/crm_conformance.rs` reads it from `PULSECHECK_HUBSPOT_SPEC_DIR`,
else from `shared/hubspot-spec/` beside the repository (see README.md). Only the
standard library is used; OpenAPI's `example: null` annotations are dropped (they are
not constraints), everything else is kept as published.
"""
import copy
import json
import subprocess
import sys
from pathlib import Path

REPO = "HubSpot/HubSpot-public-api-spec-collection"
CONTACTS = "PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json"
COMPANIES = "PublicApiSpecs/CRM/Companies/Rollouts/424/v3/companies.json"
PROPERTIES = "PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json"

# (output file, spec file, path, method)
BODIES = [
    ("contacts-batch-update.schema.json", CONTACTS, "/crm/v3/objects/contacts/batch/update", "post"),
    ("contacts-batch-upsert.schema.json", CONTACTS, "/crm/v3/objects/contacts/batch/upsert", "post"),
    ("companies-batch-update.schema.json", COMPANIES, "/crm/v3/objects/companies/batch/update", "post"),
    ("companies-batch-upsert.schema.json", COMPANIES, "/crm/v3/objects/companies/batch/upsert", "post"),
    ("properties-batch-create.schema.json", PROPERTIES, "/crm/v3/properties/{objectType}/batch/create", "post"),
    ("properties-group-create.schema.json", PROPERTIES, "/crm/v3/properties/{objectType}/groups", "post"),
]


def resolve(node, components, seen=()):
    """Inlines `#/components/schemas/X` references (no cycles in these bodies)."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                raise SystemExit(f"cyclic $ref {name}")
            return resolve(copy.deepcopy(components[name]), components, seen + (name,))
        return {k: resolve(v, components, seen) for k, v in node.items() if not (k == "example" and v is None)}
    if isinstance(node, list):
        return [resolve(v, components, seen) for v in node]
    return node


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: extract.py SPEC_REPO_CHECKOUT OUT_DIR")
    root, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    files = []
    for out, spec_path, path, method in BODIES:
        spec = json.loads((root / spec_path).read_text())
        body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        ref = body.get("$ref", "")
        schema = resolve(body, spec["components"]["schemas"])
        schema = {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": f"{method.upper()} {path} request body ({ref.rsplit('/', 1)[-1]})",
            **{k: v for k, v in schema.items() if k != "title"},
        }
        (out_dir / out).write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        files.append({"schema": out, "spec_file": spec_path, "openapi": spec.get("openapi"),
                      "operation": f"{method.upper()} {path}", "component": ref})
    source = {"repository": f"https://github.com/{REPO}", "commit": commit, "extracted_by": "tests/hubspot-spec/extract.py", "bodies": files}
    (out_dir / "source.json").write_text(json.dumps(source, indent=2) + "\n")


if __name__ == "__main__":
    main()
