#!/usr/bin/env python3
"""Seeds and a dictionary for the `argv` fuzz target, from the catalogue.

Writes one seed per operation (a valid invocation: its path parameters and
its body fields, as `fuzz_targets/argv.rs` reads input: arguments separated
by NUL, stdin after `\\0\\0`) into fuzz/corpus/argv/, and a libFuzzer
dictionary of operation, parameter, field and option names into
fuzz/argv.dict. Both are generated, not committed; fuzz/seeds/argv/ holds a
few hand-written seeds for what the catalogue cannot show (bad items,
escapes, stdin bodies, credentials).

usage: python3 fuzz/gen_seeds.py   (from anywhere; bench/fuzz.sh runs it)
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "crates" / "catalogue" / "api" / "onezone.json"
CORPUS = ROOT / "fuzz" / "corpus" / "argv"
DICT = ROOT / "fuzz" / "argv.dict"

OPTIONS = [
    "--dry-run", "--show-secrets", "--force", "--help", "-h", "--version", "--about",
    "--host", "--accept", "-ac", "--content-type", "-ct", "-o", "--output", "-k",
    "-u", "-v", "-s", "-S", "-i", "--cacert", "--connect-timeout", "-m", "--max-time",
    "-x", "-H", "--retry", "--retry-all", "--", "-", "json", "pretty", "table", "raw",
    "token", "X-Auth-Token:", "Authorization:", "Accept:", "Content-Type:",
    "==", ":=", "=", ":", "[]", "[0]", "\\", "\\@", "@x.json", "@x.txt", "\x00", "\x00\x00",
    "http://", "https://", "/api/v3/onezone", "%2F", "{", "}", "[", "]", "null", "true",
]


def main():
    cat = json.loads(CATALOGUE.read_text())
    # Each named schema has its shapes by release ({"name", "versions"}); the
    # last is the newest release's.
    schemas = {e["name"]: e["versions"] for e in cat["schemas"]}

    def resolve(s, depth=0):
        while isinstance(s, dict) and "ref" in s and depth < 50:
            s = schemas[s["ref"]][-1]["schema"]
            depth += 1
        return s

    def item(name, schema):
        s = resolve(schema) or {}
        t = s.get("type")
        if s.get("enum"):
            return f"{name}=={s['enum'][0]}"
        if t == "string":
            return f"{name}==v-{name}"
        if t == "integer":
            return f"{name}:=1"
        if t == "number":
            return f"{name}:=1.5"
        if t == "boolean":
            return f"{name}:=true"
        if t == "array":
            return f"{name}[]==x"
        return f"{name}:={{}}"

    CORPUS.mkdir(parents=True, exist_ok=True)
    words = set(OPTIONS)
    for op in cat["operations"]:
        args = [op["name"]]
        # A shape of an older release: seed it with that release.
        if "until" in op:
            args += ["--api-version", op["until"]]
        words.add(op["name"])
        for p in op.get("params", []):
            words.add(p["name"] + "=")
            args.append(f"{p['name']}=v-{p['name']}")
        body = op.get("body")
        if body:
            s = resolve(body["schema"]) or {}
            for f in (s.get("fields") or s.get("properties") or []):
                fname = f["name"] if isinstance(f, dict) else f
                fschema = f.get("schema", {}) if isinstance(f, dict) else s["properties"][f]
                words.add(fname + "==")
                words.add(fname + ":=")
                args.append(item(fname, fschema))
        args.append("--dry-run")
        (CORPUS / op["name"]).write_bytes("\0".join(args).encode())
    lines = []
    for w in sorted(words):
        esc = "".join(
            c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else f"\\x{ord(c):02x}"
            for c in w)
        lines.append(f'"{esc}"')
    DICT.write_text("\n".join(lines) + "\n")
    print(f"{len(cat['operations'])} seeds in {CORPUS}, {len(lines)} words in {DICT}")


if __name__ == "__main__":
    main()
