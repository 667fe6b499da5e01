#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_function_length.py SOURCE_DIR [MAX] — no function in src/ is longer
than MAX lines (default 100), signature to closing brace.

ordo's functions are a reader's unit: when one passes about 100 lines, the
steps inside it get names (STYLE.md). Functions are found by their layout
(clang-format's: the opening brace of a function alone in column 0, its
closing brace alone in column 0). Exit 0 when none is too long, 1 otherwise.
"""
import os
import re
import sys


def functions(path):
    lines = open(path, errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{" and i > 0:
            j = i - 1
            while j > 0 and lines[j - 1].strip() and not lines[j - 1].startswith(
                    ("}", "#", "/", "*", " *")) and not lines[j - 1].endswith((";", "*/")):
                j -= 1
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            sig = " ".join(x.strip() for x in lines[j:i])
            m = re.search(r"(\w+)\s*\(", sig)
            yield (m.group(1) if m else sig[:40]), j + 1, k - j + 1
            i = k
        i += 1


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    src, limit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 100
    long_ones, n = [], 0
    for root, _, files in os.walk(os.path.join(src, "src")):
        for f in sorted(files):
            if f.endswith(".c"):
                path = os.path.join(root, f)
                for name, line, length in functions(path):
                    n += 1
                    if length > limit:
                        long_ones.append(f"{os.path.relpath(path, src)}:{line}: {name} is "
                                         f"{length} lines (at most {limit}: name its steps)")
    for l in long_ones:
        print(l)
    if n < 500:
        print(f"only {n} functions found: the layout this check reads has changed")
        return 1
    print(f"function length: {n} functions, {len(long_ones)} longer than {limit} lines")
    return 1 if long_ones else 0


if __name__ == "__main__":
    sys.exit(main())
