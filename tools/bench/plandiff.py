#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""plandiff.py A B — compare two `bench_source --dump` files decision by decision.

A speed-only change to the engine must choose plans of the same score. When
two builds' plan digests differ, this tells the two kinds of difference apart:

  tie      same status and score vector (within the engine's tolerance,
           1e-9 relative), another plan of equal score chosen
  changed  a different status or score: a real change of decision

Exit status: 0 when no decision changed (ties allowed), 1 otherwise.
"""
import sys


def parse(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            i, status, score, cost = parts[0], parts[1], parts[2], parts[3]
            vec = [] if score == "-" else [float(v) for v in score.split(",")]
            out[int(i)] = (int(status), vec, float(cost), " ".join(parts[4:]))
    return out


def close(a, b):
    return abs(a - b) <= 1e-9 * (1 + abs(a) + abs(b))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    a, b = parse(sys.argv[1]), parse(sys.argv[2])
    same = ties = changed = 0
    shown = 0
    for i in sorted(set(a) | set(b)):
        if i not in a or i not in b:
            changed += 1
            continue
        (sa, va, ca, pa), (sb, vb, cb, pb) = a[i], b[i]
        if sa == sb and va == vb and ca == cb and pa == pb:
            same += 1
        elif sa == sb and len(va) == len(vb) and all(close(x, y) for x, y in zip(va, vb)):
            ties += 1
        else:
            changed += 1
            if shown < 10:
                shown += 1
                print(f"order {i}:\n  A {sa} {va} cost {ca} {pa}\n  B {sb} {vb} cost {cb} {pb}")
    print(f"{len(a)} vs {len(b)} decisions: {same} identical, {ties} ties broken differently, "
          f"{changed} changed")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
