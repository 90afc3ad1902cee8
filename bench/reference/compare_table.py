#!/usr/bin/python3
"""Merges the JSON lines of several all-reduce benchmarks into one comparison table.

Usage: compare_table.py --peers 2,3,4 --sizes 1MiB,16MiB --jsonl OUT.jsonl mpi=FILE gloo=FILE pccl=FILE

Each FILE is the raw stdout of one implementation; lines that are not JSON objects with "peers" and
"bytes" are ignored, so log output mixed into stdout does no harm. Every kept record is written to
OUT.jsonl with "impl" set to the label before "=". A missing file or result shows as "n/a".
Standard library only.
"""

import argparse
import json
import sys

from sizes import format_size, parse_sizes

LABELS = {"mpi": "MPI", "gloo": "gloo", "pccl": "PCCL"}
REFERENCES = ("mpi", "gloo")


def read_records(label, path):
    records = []
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            for line in stream:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "peers" in record and "bytes" in record:
                    record["impl"] = label
                    records.append(record)
    except OSError:
        pass
    return records


def cell(record, key, scale=1.0, digits=3):
    if record is None or not isinstance(record.get(key), (int, float)):
        return "n/a"
    text = f"{record[key] * scale:.{digits}f}"
    return text if record.get("correct", False) is True else text + "!"


def ratio(results):
    pccl = results.get("pccl")
    best = max((results[name]["busbw_gbps"] for name in REFERENCES
                if name in results and isinstance(results[name].get("busbw_gbps"), (int, float))), default=None)
    if pccl is None or not isinstance(pccl.get("busbw_gbps"), (int, float)) or not best:
        return "n/a"
    return f"{pccl['busbw_gbps'] / best:.2f}"


def render(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(text.rjust(width) for text, width in zip(row, widths)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", required=True, help="comma-separated peer counts (table rows)")
    parser.add_argument("--sizes", required=True, help="comma-separated sizes (table rows)")
    parser.add_argument("--jsonl", required=True, help="where to write all kept records")
    parser.add_argument("inputs", nargs="+", help="LABEL=FILE, LABEL one of mpi, gloo, pccl")
    args = parser.parse_args()

    peers_list = [int(item) for item in args.peers.split(",") if item.strip()]
    sizes = parse_sizes(args.sizes)
    by_key = {}
    with open(args.jsonl, "w", encoding="utf-8") as out:
        for item in args.inputs:
            label, _, path = item.partition("=")
            for record in read_records(label, path):
                out.write(json.dumps(record) + "\n")
                by_key.setdefault((record["peers"], record["bytes"]), {})[label] = record

    names = ("mpi", "gloo", "pccl")
    header = ["peers", "size"] + [f"{LABELS[n]} busbw GB/s" for n in names] + ["PCCL/best"]
    header += [f"{LABELS[n]} median ms" for n in names]
    rows = [header]
    for peers in peers_list:
        for size in sizes:
            results = by_key.get((peers, size), {})
            row = [str(peers), format_size(size)]
            row += [cell(results.get(n), "busbw_gbps") for n in names]
            row.append(ratio(results))
            row += [cell(results.get(n), "median_s", scale=1e3) for n in names]
            rows.append(row)
    print(render(rows))
    print("busbw = bytes/median * 2(N-1)/N in GB/s (1e9 B/s); median = median over iterations of the slowest "
          "rank; PCCL/best = PCCL busbw / max(MPI, gloo); '!' = result was not correct.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
