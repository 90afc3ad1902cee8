#!/usr/bin/env bash
# Runs one `pccl bench wan` and samples every TCP connection in the run's namespaces with `ss -tin` while it runs,
# then summarises each operation's data movement per direction (scripts/wan-timeline.py). Needs root, like the bench.
#   scripts/wan-timeline.sh OUTDIR [bench wan flags...]
#   scripts/wan-timeline.sh /tmp/tl --regions 1x2 --rtt-ms 100 --rate-mbit 1000 --sizes 256MiB --iterations 3 --warmup 1
# OUTDIR gets result.json (the bench's line), ss.txt (the samples), logs/ (the workers' --stage-log) and summary.txt.
set -euo pipefail
out=${1:?usage: scripts/wan-timeline.sh OUTDIR [bench wan flags...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/logs"
: > "$out/ss.txt"
dotnet "$root/src/Pccl.Cli/bin/Release/net10.0/pccl.dll" bench wan --json --stage-log "$out/logs" "$@" > "$out/result.json" &
bench=$!
trap 'kill $bench 2>/dev/null || true' INT TERM
while kill -0 $bench 2>/dev/null; do
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^pwan${bench}x" || true); do
    now=$(date +%s.%N)
    ip netns exec "$ns" ss -tinH state established 2>/dev/null | paste - - | sed "s/^/$now $ns /" >> "$out/ss.txt" || true
  done
  sleep 0.02
done
wait $bench
python3 "$root/scripts/wan-timeline.py" "$out/ss.txt" | tee "$out/summary.txt"
