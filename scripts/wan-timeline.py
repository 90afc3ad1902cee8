#!/usr/bin/env python3
"""Summarises the `ss -tin` samples scripts/wan-timeline.sh took during a `pccl bench wan` run.

Each namespace's sending connections that carried more than 8 MB are the data stripes. The bytes they had acknowledged,
summed per namespace, are cut into operations wherever nothing was acknowledged for --gap seconds; per operation and
direction it prints when the data moved, how many bytes, the rate over that time, the rate between its first and last
fifth of bytes (the middle, without the ramp and the tail), the bytes sent again, the stripes that moved data, the
least congestion window a stripe had (4 packets or fewer: BBR's ProbeRTT, or a loss), the round trip's range, and the
share of the stripes' busy time the kernel counted as limited by the receiver's window and by the send buffer
(tcpi_rwnd_limited, tcpi_sndbuf_limited; the rest of it the congestion window, that is the path, was the limit).
"""
import argparse
import collections
import re

FIELDS = {
    "cwnd": re.compile(r"\bcwnd:(\d+)"),
    "acked": re.compile(r"\bbytes_acked:(\d+)"),
    "retrans": re.compile(r"\bbytes_retrans:(\d+)"),
    "rtt": re.compile(r"\brtt:([0-9.]+)/"),
    "busy": re.compile(r"\bbusy:(\d+)ms"),
    "rwnd": re.compile(r"\brwnd_limited:(\d+)ms"),
    "sndbuf": re.compile(r"\bsndbuf_limited:(\d+)ms"),
}


def parse(path):
    samples = collections.defaultdict(list)  # (ns, local, peer) -> [(t, fields)]
    for line in open(path):
        parts = line.split()
        if len(parts) < 7:
            continue
        t, ns, local, peer = float(parts[0]), parts[1], parts[4], parts[5]
        info = " ".join(parts[6:])
        fields = {k: float(m.group(1)) if (m := rx.search(info)) else 0.0 for k, rx in FIELDS.items()}
        samples[(ns, local, peer)].append((t, fields))
    return {k: v for k, v in samples.items() if v[-1][1]["acked"] > 8e6}


def operations(series, gap):
    """series: [(t, {conn: fields})] of one namespace; yields (start index, end index) of each run of movement."""
    start = last_move = None
    for i in range(1, len(series)):
        moved = sum(f["acked"] for f in series[i][1].values()) > sum(f["acked"] for f in series[i - 1][1].values())
        if moved:
            if start is None:
                start = i - 1
            last_move = i
        elif start is not None and series[i][0] - series[last_move][0] > gap:
            yield start, last_move
            start = None
    if start is not None:
        yield start, last_move


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("samples")
    parser.add_argument("--gap", type=float, default=0.15, help="seconds without movement that end an operation")
    args = parser.parse_args()
    data = parse(args.samples)
    t0 = min(v[0][0] for v in data.values())
    by_ns = collections.defaultdict(dict)
    for (ns, local, peer), rows in data.items():
        by_ns[ns][(local, peer)] = rows
    for ns, conns in sorted(by_ns.items()):
        times = sorted({t for rows in conns.values() for t, _ in rows})
        latest, series = {}, []
        cursors = {c: 0 for c in conns}
        for t in times:
            for c, rows in conns.items():
                while cursors[c] < len(rows) and rows[cursors[c]][0] <= t:
                    latest[c] = rows[cursors[c]][1]
                    cursors[c] += 1
            series.append((t, dict(latest)))
        print(f"{ns}: {len(conns)} data connections sending")
        for a, b in operations(series, args.gap):
            (ta, fa), (tb, fb) = series[a], series[b]
            sent = {c: fb[c]["acked"] - fa.get(c, {"acked": 0})["acked"] for c in fb}
            total = sum(sent.values())
            if total < 8e6:
                continue
            retrans = sum(fb[c]["retrans"] - fa.get(c, {"retrans": 0})["retrans"] for c in fb)
            def spent(field):
                return sum(fb[c][field] - fa.get(c, {field: 0})[field] for c in fb)
            busy = max(spent("busy"), 1)
            window = [f for t, f in series[a:b + 1]]
            moving = [c for c, n in sent.items() if n > 0]
            least_cwnd = min(int(f[c]["cwnd"]) for f in window for c in moving if c in f)
            rtts = [f[c]["rtt"] for f in window for c in moving if c in f]
            base = sum(fa.get(c, {"acked": 0})["acked"] for c in fb)
            def when(share):
                for t, f in series[a:b + 1]:
                    if sum(x["acked"] for x in f.values()) - base >= share * total:
                        return t
                return tb
            t1, t4 = when(0.2), when(0.8)
            middle = 0.6 * total * 8 / (t4 - t1) / 1e6 if t4 > t1 else 0
            print(f"  {ta - t0:7.2f}-{tb - t0:7.2f} s  {total / 1e6:7.1f} MB  {total * 8 / (tb - ta) / 1e6:6.0f} Mbit/s"
                  f"  middle {middle:6.0f} Mbit/s  resent {retrans / 1e6:5.1f} MB  stripes {len(moving)}"
                  f"  least cwnd {least_cwnd}  rtt {min(rtts):.0f}-{max(rtts):.0f} ms"
                  f"  rwnd-limited {spent('rwnd') / busy:4.0%}  sndbuf-limited {spent('sndbuf') / busy:4.0%}")


if __name__ == "__main__":
    main()
