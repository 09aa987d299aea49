"""Fail on an import cycle between the top-level modules of src/ (run by `make test`).

    python3 scripts/import_cycles.py [SRC_DIR]

The pipeline in src/lib.rs only holds if every module imports from earlier stages: this reads
every `crate::a::...` path (and `super::a` in a top-level module's own file) in the library's
sources, builds the graph between top-level modules, prints it, and exits 1 naming each cycle.
The command-line tool (the crate in cli/) is a face and may use anything; it is not part of the graph.
"""
import os
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
src = os.path.normpath(src)
mods = sorted(
    n[:-3] if n.endswith(".rs") else n
    for n in os.listdir(src)
    if n != "lib.rs" and (n.endswith(".rs") or os.path.isdir(os.path.join(src, n)))
)
graph = {m: set() for m in mods}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def paths_in(text):
    """Top-level names reached through `crate::`, including grouped `use crate::{a, b::c}`."""
    names = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
    for group in re.findall(r"\bcrate::\{([^}]*(?:\{[^}]*\}[^}]*)*)\}", text):
        depth, cur = 0, ""
        for ch in group:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                names.add(cur.strip().split("::")[0])
                cur = ""
            else:
                cur += ch
        names.add(cur.strip().split("::")[0])
    return names


for m in mods:
    files = []
    if os.path.isdir(os.path.join(src, m)):
        for root, _, fs in os.walk(os.path.join(src, m)):
            files += [os.path.join(root, f) for f in fs if f.endswith(".rs")]
    else:
        files.append(os.path.join(src, m + ".rs"))
    for f in files:
        text = strip_comments(open(f, encoding="utf-8").read())
        # tests inside a module may reach anywhere
        text = text.split("#[cfg(test)]")[0]
        names = paths_in(text)
        if f == os.path.join(src, m + ".rs") or f == os.path.join(src, m, "mod.rs"):
            names |= set(re.findall(r"\bsuper::([a-z_][a-z0-9_]*)", text))
        graph[m] |= {n for n in names if n in graph and n != m}

for m in mods:
    print(f"{m} -> {', '.join(sorted(graph[m])) or '-'}")

# cycles: strongly connected components with more than one module (Tarjan)
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in sorted(graph[v]):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for m in mods:
    if m not in index:
        visit(m)
if sccs:
    for c in sccs:
        edges = [f"{a} -> {b}" for a in c for b in sorted(graph[a]) if b in c]
        print(f"import cycle among {', '.join(c)}: {'; '.join(edges)}", file=sys.stderr)
    sys.exit(1)
print("no import cycle between top-level modules")
