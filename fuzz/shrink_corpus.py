#!/usr/bin/env python3
"""Shrinks fuzz/corpus/<target> to a small set of files that covers the same edges.

`cargo fuzz cmin` keeps every input that adds a libFuzzer *feature* (hit-count buckets, stack
depth), which leaves thousands of files after a long run. This keeps a greedy set cover of the
*edges* instead (largest new coverage first, smaller file on a tie), capped at --max-files so
that the committed corpus stays small; it prints how much of the corpus's edge coverage the
kept files reach. Files not named by their SHA-1 (regression inputs added by hand, such as a
fixed crash) are always kept. Build the target first: `cargo +nightly fuzz build -s none <target>`.

    python3 shrink_corpus.py <target> [--max-files 299] [--bin PATH] [--corpus DIR]
"""

import argparse
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("--max-files", type=int, default=299)
    parser.add_argument("--bin", help="the fuzz binary (default: this package's release build)")
    parser.add_argument("--corpus", help="the corpus directory (default: corpus/<target>)")
    args = parser.parse_args()
    binary = args.bin or os.path.join(
        HERE, "target/x86_64-unknown-linux-gnu/release", args.target
    )
    corpus = args.corpus or os.path.join(HERE, "corpus", args.target)

    with tempfile.TemporaryDirectory() as tmp:
        control = os.path.join(tmp, "control")
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        # A set-cover merge writes every input's full feature set to the control file; without
        # counters, an edge is one feature and the only features below 8 x counters are edges.
        run = subprocess.run(
            [binary, "-merge=1", "-set_cover_merge=1", "-use_counters=0",
             f"-merge_control_file={control}", out, corpus],
            capture_output=True, text=True, check=True,
        )
        counters = sum(map(int, re.findall(r"\((\d+) inline 8-bit counters\)", run.stderr)))
        lines = open(control).read().split("\n")
    count = int(lines[0])
    files = lines[2 : 2 + count]
    edges = {}
    for line in lines[2 + count :]:
        parts = line.split()
        if parts and parts[0] == "FT":
            edges[int(parts[1])] = {f for f in map(int, parts[2:]) if f < 8 * counters}

    everything = set().union(*edges.values())
    kept, covered = [], set()
    while covered != everything and len(kept) < args.max_files:
        best = max(edges, key=lambda i: (len(edges[i] - covered), -os.path.getsize(files[i])))
        kept.append(best)
        covered |= edges[best]
    keep = {os.path.abspath(files[i]) for i in kept}
    for name in os.listdir(corpus):
        path = os.path.abspath(os.path.join(corpus, name))
        if path not in keep and re.fullmatch(r"[0-9a-f]{40}", name):
            os.remove(path)
    left = os.listdir(corpus)
    size = sum(os.path.getsize(os.path.join(corpus, name)) for name in left)
    print(
        f"{args.target}: kept {len(left)} of {len(files)} files ({size} bytes), "
        f"{len(covered)} of {len(everything)} edges"
    )


if __name__ == "__main__":
    main()
