#!/usr/bin/env bash
# CPU per all-reduce of the C API's peers: a C master and PEERS C peers (bench/c-api/allreduce.c) linked to the
# libpccl.so in LIBDIR run SIZE-byte float sums twice, with ITERATIONS and ITERATIONS + 20 timed all-reduces; the
# difference of their user and system CPU (getrusage of each peer, /usr/bin/time) divided by 20 is one all-reduce's
# CPU per peer, which the load of other processes moves far less than a wall-clock time. Compare two builds of
# libpccl.so (docs/c-api.md, "Instruction set"):
#
#   bench/c-api/cpu.sh artifacts/native && bench/c-api/cpu.sh artifacts/native-v3
#
# Usage: bench/c-api/cpu.sh LIBDIR [SIZE (67108864)] [PEERS (3)] [ITERATIONS (5)]. Needs gcc and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=$(realpath "${1:?usage: bench/c-api/cpu.sh LIBDIR [SIZE] [PEERS] [ITERATIONS]}")
size=${2:-67108864} peers=${3:-3} base=${4:-5}
[ -f "$lib/libpccl.so" ] || { echo "cpu.sh: $lib/libpccl.so is missing: scripts/build-native.sh $1" >&2; exit 1; }
out=$(mktemp -d)
trap 'exec 9>&- 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
for program in bench/c-api/allreduce.c tests/Pccl.NativeTests/c/master.c; do
  gcc -O2 -I include -I tests/Pccl.NativeTests/c -o "$out/$(basename "$program" .c)" "$program" -L "$lib" -lpccl -Wl,-rpath,"$lib"
done
export PCCL_FAULT_TOLERANCE_ENABLE_BUFFER_BACKUP=false PCCL_NETWORK_BIND_ADDRESS=127.0.0.1 PCCL_LOG_LEVEL=WARN \
  PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS=${PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS:-5000}

# prints the peers' summed user and system CPU seconds of one run with $1 timed all-reduces
run() {
  local port=$((20000 + RANDOM % 20000)) pids=()
  mkfifo "$out/stdin"
  "$out/master" "$port" < "$out/stdin" > "$out/master.log" 2>&1 &
  exec 9> "$out/stdin"
  sleep 0.5
  for rank in $(seq 0 $((peers - 1))); do
    PCCL_NETWORK_P2P_PORT_RANGE=$((port + 1 + rank * 20))-$((port + 20 + rank * 20)) \
      /usr/bin/time -f "%U %S" -o "$out/peer$rank.cpu" "$out/allreduce" "$port" "$rank" "$peers" "$size" "$1" 2 > "$out/peer$rank.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || { echo "cpu.sh: a peer failed: $(cat "$out"/peer*.log)" >&2; exit 1; }
  done
  exec 9>&-
  wait
  rm -f "$out/stdin"
  cat "$out"/peer*.cpu | awk '{ user += $1; sys += $2 } END { print user, sys }'
}

run "$base" > "$out/fewer"
run $((base + 20)) > "$out/more"
read -r user0 sys0 < "$out/fewer"
read -r user1 sys1 < "$out/more"
awk -v u0="$user0" -v s0="$sys0" -v u1="$user1" -v s1="$sys1" -v n=$((20 * peers)) -v lib="$lib" -v size="$size" \
  'BEGIN { printf "%s: %d bytes, CPU per peer and all-reduce: user %.1f ms, system %.1f ms\n", lib, size, (u1 - u0) * 1e3 / n, (s1 - s0) * 1e3 / n }'
