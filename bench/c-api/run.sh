#!/usr/bin/env bash
# The same all-reduce through libpccl.so's C API and through Communicator, in one run on this machine: float32 sums
# on loopback, N peers as separate processes (C programs linked to libpccl.so with a C master; `pccl bench allreduce`'s
# worker processes with its master), buffer backup off in both, each timed all-reduce after a one-element barrier,
# per iteration the slowest peer's time, the median over the timed iterations. With --rounds R the two alternate R
# times and each figure is the median of its R medians. Prints one line per size with both medians and C/Communicator,
# and libpccl.so's size and the first pcclConnect of a fresh process (pcclInit to admitted: the first peer, admitted
# at once, and the last, admitted by the others' vote).
#
#   bench/c-api/run.sh [--peers 3] [--sizes 4MiB,64MiB] [--iterations 10] [--warmup 2] [--rounds 1] [--json]
#                      [--realtime]
#
# --realtime runs both sides under SCHED_FIFO (chrt -f 10, needs root), as bench/compare.sh does: the same condition for
# both, which takes the kernel's wake-up and preemption decisions (and other processes' load) out of the comparison.
# Needs scripts/build-native.sh (run when artifacts/native/libpccl.so is missing) and dotnet build -c Release src/Pccl.Cli.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

peers=3
sizes=4MiB,64MiB
iterations=10
warmup=2
rounds=1
json=false
sched=()

usage() {
  sed -n '10,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --peers) peers=${2:?}; shift 2 ;;
    --sizes) sizes=${2:?}; shift 2 ;;
    --iterations) iterations=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --json) json=true; shift ;;
    --realtime) sched=(chrt -f 10); shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ "$peers" -ge 2 ] 2>/dev/null || { echo "run.sh: --peers must be 2 or more, not '$peers'" >&2; exit 2; }
[ "$iterations" -ge 1 ] 2>/dev/null || { echo "run.sh: --iterations must be 1 or more, not '$iterations'" >&2; exit 2; }
[ "$warmup" -ge 0 ] 2>/dev/null || { echo "run.sh: --warmup must be 0 or more, not '$warmup'" >&2; exit 2; }
[ "$rounds" -ge 1 ] 2>/dev/null || { echo "run.sh: --rounds must be 1 or more, not '$rounds'" >&2; exit 2; }

bytes=$(python3 - "$sizes" <<'EOF'
import re, sys
units = {"": 1, "B": 1, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30}
out = []
for size in sys.argv[1].split(","):
    m = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", size.strip())
    if not m or m.group(2).upper() not in units or int(m.group(1)) * units[m.group(2).upper()] < 4:
        sys.exit(f"run.sh: --sizes: '{size}' is not a size like 4MiB, 512KiB or 1048576 (4 bytes at least)")
    out.append(str(int(m.group(1)) * units[m.group(2).upper()] // 4 * 4))
print(",".join(out))
EOF
)

lib=artifacts/native
pccl=src/Pccl.Cli/bin/Release/net10.0/pccl.dll
[ -f "$lib/libpccl.so" ] || scripts/build-native.sh "$lib" >/dev/null
[ -f "$pccl" ] || { echo "run.sh: $pccl is missing: dotnet build -c Release src/Pccl.Cli" >&2; exit 1; }
out=artifacts/bench/c-api
mkdir -p "$out"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o "$out/allreduce" bench/c-api/allreduce.c -L"$lib" -lpccl -Wl,-rpath,"$root/$lib"
gcc -std=gnu11 -O2 -Iinclude -Itests/Pccl.NativeTests/c -o "$out/master" tests/Pccl.NativeTests/c/master.c -L"$lib" -lpccl -Wl,-rpath,"$root/$lib"

# both sides: no buffer backup (the bench's default), p2p on loopback, warnings only (pccl's workers log nothing);
# heartbeats as the environment says (both masters and all peers read it), 2 s unless set: a loaded machine can stall a
# process past the 500 ms default, which ends the run instead of measuring it
export PCCL_FAULT_TOLERANCE_ENABLE_BUFFER_BACKUP=false PCCL_NETWORK_BIND_ADDRESS=127.0.0.1 PCCL_LOG_LEVEL=WARN
export PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS=${PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS:-2000}

master_pid=
cleanup() {
  exec 3>&- 2>/dev/null || true
  [ -n "$master_pid" ] && wait "$master_pid" 2>/dev/null || true
}
trap cleanup EXIT

c_round() { # $1: output file
  local port=$(( 20000 + RANDOM % 20000 )) fifo pids=() rank
  fifo=$(mktemp -u); mkfifo "$fifo"
  "${sched[@]}" "$out/master" "$port" <"$fifo" >/dev/null & master_pid=$!
  exec 3>"$fifo"; rm -f "$fifo"   # the master stops when fd 3 closes
  for rank in $(seq 0 $((peers - 1))); do
    PCCL_NETWORK_P2P_PORT_RANGE=$((port + 1 + rank * 20))-$((port + 20 + rank * 20)) \
      timeout 900 "${sched[@]}" "$out/allreduce" "$port" "$rank" "$peers" "$bytes" "$iterations" "$warmup" >>"$1" & pids+=($!)
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  exec 3>&-; wait "$master_pid" || true; master_pid=
  [ "$failed" = 0 ] || { echo "run.sh: a C peer failed (see above)" >&2; exit 1; }
}

pccl_round() { # $1: output file
  timeout 900 "${sched[@]}" dotnet "$pccl" bench allreduce --peers "$peers" --sizes "$bytes" -k "$iterations" --warmup "$warmup" \
    --bind-to none --json >>"$1" || { echo "run.sh: pccl bench allreduce failed" >&2; exit 1; }
}

results=$(mktemp -d)
for round in $(seq 1 "$rounds"); do
  c_round "$results/c.$round"
  pccl_round "$results/pccl.$round"
done

python3 - "$results" "$rounds" "$peers" "$bytes" "$json" "$(stat -c %s "$lib/libpccl.so")" <<'EOF'
import json, statistics, sys
results, rounds, peers, sizes, as_json, lib_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(b) for b in sys.argv[4].split(",")], sys.argv[5] == "true", int(sys.argv[6])
c, pccl, fastest, slowest = {b: [] for b in sizes}, {b: [] for b in sizes}, [], []
for r in range(1, rounds + 1):
    times = {b: [] for b in sizes}
    first = []
    for line in open(f"{results}/c.{r}"):
        kind, rank, *rest = line.split()
        if kind == "connect":
            first.append(float(rest[0]))
        elif kind == "times":
            times[int(rest[0])].append([float(t) for t in rest[1].split(",")])
    fastest.append(min(first))
    slowest.append(max(first))
    for b in sizes:
        if len(times[b]) != peers:
            sys.exit(f"run.sh: {len(times[b])} of {peers} C peers reported {b} bytes")
        slowest = [max(per_peer[i] for per_peer in times[b]) for i in range(len(times[b][0]))]
        c[b].append(statistics.median(slowest))
    for line in open(f"{results}/pccl.{r}"):
        result = json.loads(line)
        if not result.get("correct", True):
            sys.exit(f"run.sh: pccl bench allreduce reported a wrong result at {result['bytes']} bytes")
        pccl[result["bytes"]].append(result["median_s"] * 1e3)
print(f"libpccl.so: {lib_size} bytes ({lib_size / 2**20:.1f} MiB); first pcclConnect of a fresh process: "
      f"{statistics.median(fastest):.0f} ms (first peer admitted), {statistics.median(slowest):.0f} ms (last, after the others' vote)")
if not as_json:
    print(f"{'size':>10} {'peers':>5} {'C API median ms':>16} {'Communicator ms':>16} {'C / Communicator':>17}")
for b in sizes:
    cm, pm = statistics.median(c[b]), statistics.median(pccl[b])
    if as_json:
        print(json.dumps({"bytes": b, "peers": peers, "rounds": rounds, "c_api_median_ms": round(cm, 3), "communicator_median_ms": round(pm, 3), "ratio": round(cm / pm, 4)}))
    else:
        print(f"{b / 2**20:>7.2f}MiB {peers:>5} {cm:>16.3f} {pm:>16.3f} {cm / pm:>17.3f}")
EOF
rm -rf "$results"
