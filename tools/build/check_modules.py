#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_modules.py SOURCE_DIR [BUILD_DIR] — the module graph points one way.

The allowed edges are the ones CMakeLists.txt states with
`ordo_module(name deps...)` (and their transitive closure). This check fails
when:
  - a module's code includes the public header of a module it may not use
    (include/ordo/<h>.h is mapped to its owning module below);
  - with BUILD_DIR: a module's static library needs an `ordo_` symbol that
    only a library it may not use defines (nm);
  - a public header (include/ordo/) names a library's type (cJSON, sqlite3,
    cbor_item_t, ...): ordo's API speaks only its own types;
  - the graph in CMakeLists.txt itself has an edge that the design forbids
    (FORBIDDEN below, from DESIGN's "must not" column), or a cycle.
Exit status 0 when the graph is clean, 1 otherwise, 2 on bad usage.
"""
import os
import re
import subprocess
import sys

# Which module owns each public header.
HEADER_OWNER = {
    "error": "error",
    "arena": "core", "buf": "core", "cbor": "core", "geo": "core",
    "inventory": "core", "json": "core", "network": "core", "order": "core", "generate": "core",
    "util": "core", "calendar": "core",
    "signals": "core",
    "lanes": "core",
    "netval": "core",
    "policy": "policy",
    "source": "source",
    "record": "record",
    "exp": "exp",
    "store": "store", "config": "store", "datadir": "store",
    "log": "log",
    "decide": "decide",
    "stats": "stats",
    "analyze": "analyze",
    "model": "model",
    "fit": "model",
    "sim": "sim",
    "ordo": None,  # the umbrella header: front ends only
}

# Edges the design forbids, whatever CMake says (module -> modules it must
# not use, directly or through another).
FORBIDDEN = {
    "error": {"*"},
    "core": {"policy", "source", "record", "exp", "store", "log", "decide", "stats",
             "analyze", "model", "sim"},
    "stats": {"core", "policy", "source", "record", "exp", "store", "log", "decide",
              "analyze", "model", "sim"},
    "policy": {"source", "record", "exp", "store", "log", "decide", "analyze", "sim"},
    "source": {"record", "exp", "store", "log", "decide", "analyze", "sim"},
    "record": {"exp", "store", "log", "decide", "analyze", "sim"},
    "log": {"policy", "source", "record", "exp", "store", "decide", "analyze", "sim"},
    "exp": {"source", "record", "log", "decide", "stats", "analyze", "sim"},
    "store": {"policy", "source", "record", "exp", "log", "decide", "analyze", "sim"},
    "decide": {"analyze", "sim"},
    "analyze": {"decide", "sim"},
    "model": {"decide", "analyze", "sim"},
}


def cmake_graph(src):
    text = open(os.path.join(src, "CMakeLists.txt")).read()
    graph = {}
    for m in re.finditer(r"^\s*ordo_module\((\w+)([^)]*)\)", text, re.M):
        deps = set(re.findall(r"\bordo_(\w+)", m.group(2)))
        graph[m.group(1)] = deps
    for m in re.finditer(r"^\s*add_library\(ordo_(\w+)\s+STATIC", text, re.M):
        graph.setdefault(m.group(1), set())
    for m in re.finditer(r"^\s*target_link_libraries\(ordo_(\w+)\s+(?:PUBLIC|INTERFACE)([^)]*)\)",
                         text, re.M):
        if m.group(1) in graph:
            graph[m.group(1)] |= set(re.findall(r"\bordo_(\w+)", m.group(2)))
    return graph


def closure(graph):
    out = {}
    for mod in graph:
        seen, stack = set(), list(graph[mod])
        while stack:
            d = stack.pop()
            if d in seen:
                continue
            seen.add(d)
            stack.extend(graph.get(d, ()))
        out[mod] = seen
    return out


def module_of(path, src):
    rel = os.path.relpath(path, os.path.join(src, "src"))
    return rel.split(os.sep)[0]


def check_includes(src, graph, reach, problems):
    for root, _, files in os.walk(os.path.join(src, "src")):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            mod = module_of(path, src)
            if mod in ("cli", "server"):
                continue
            for n, line in enumerate(open(path, errors="replace"), 1):
                m = re.match(r'\s*#\s*include\s+"ordo/(\w+)\.h"', line)
                if not m:
                    continue
                owner = HEADER_OWNER.get(m.group(1), "?")
                if owner == "error" and "error" not in graph:
                    owner = "core"
                rel = os.path.relpath(path, src)
                if owner is None:
                    problems.append(f"{rel}:{n}: library code includes the umbrella ordo/ordo.h")
                elif owner == "?":
                    problems.append(f"{rel}:{n}: ordo/{m.group(1)}.h has no owner in "
                                    "tools/build/check_modules.py HEADER_OWNER")
                elif owner != mod and owner not in reach.get(mod, ()) and \
                        not (owner == "error" and "core" in reach.get(mod, ())):
                    problems.append(f"{rel}:{n}: module {mod} includes ordo/{m.group(1)}.h "
                                    f"of module {owner}, which CMakeLists.txt does not let it use")


FOREIGN_TYPES = re.compile(r"\b(cJSON|sqlite3\w*|cbor_item_t|crypto_\w+_state|XXH\w+_t|ZSTD_\w+|PGconn|PGresult)\b")


def check_public_headers(src, problems):
    inc = os.path.join(src, "include", "ordo")
    if not os.path.isdir(inc):
        return
    for f in sorted(os.listdir(inc)):
        if not f.endswith(".h"):
            continue
        for n, line in enumerate(open(os.path.join(inc, f), errors="replace"), 1):
            m = FOREIGN_TYPES.search(line)
            if m:
                problems.append(f"include/ordo/{f}:{n}: public header names {m.group(1)}, "
                                "a library's type (keep it in a private header)")


def nm_symbols(lib):
    out = subprocess.run(["nm", "-g", "--defined-only", lib], capture_output=True, text=True)
    defined = {l.split()[-1] for l in out.stdout.splitlines() if len(l.split()) == 3}
    out = subprocess.run(["nm", "-g", "--undefined-only", lib], capture_output=True, text=True)
    undefined = {l.split()[-1] for l in out.stdout.splitlines() if l.strip()}
    return defined, undefined


def check_symbols(build, graph, reach, problems):
    libs = {}
    for mod in graph:
        p = os.path.join(build, f"libordo_{mod}.a")
        if os.path.exists(p):
            libs[mod] = nm_symbols(p)
    if not libs:
        problems.append(f"no libordo_*.a in {build}: build first")
        return
    owner = {}
    for mod, (defined, _) in libs.items():
        for s in defined:
            owner.setdefault(s, mod)
    for mod, (defined, undefined) in sorted(libs.items()):
        for s in sorted(undefined - defined):
            o = owner.get(s)
            if o and o != mod and o not in reach.get(mod, ()):
                problems.append(f"libordo_{mod}.a calls {s} of module {o}, "
                                "which CMakeLists.txt does not let it use")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    src = sys.argv[1]
    graph = cmake_graph(src)
    reach = closure(graph)
    problems = []
    for mod, deps in sorted(reach.items()):
        if mod in deps:
            problems.append(f"CMakeLists.txt: module {mod} depends on itself (a cycle)")
        bad = FORBIDDEN.get(mod, set())
        for d in sorted(deps):
            if "*" in bad or d in bad:
                problems.append(f"CMakeLists.txt: module {mod} may not use {d} (DESIGN)")
    check_includes(src, graph, reach, problems)
    check_public_headers(src, problems)
    if len(sys.argv) == 3:
        check_symbols(sys.argv[2], graph, reach, problems)
    for p in problems:
        print(p)
    if problems:
        print(f"module graph: {len(problems)} forbidden edge(s)")
        return 1
    print(f"module graph: clean ({len(graph)} modules, "
          f"{sum(len(v) for v in graph.values())} stated edges)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
