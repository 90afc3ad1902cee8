#!/usr/bin/env bash
# All-reduce through libpccl.so's C API against the same all-reduce through Communicator (`pccl bench allreduce`),
# in one run on this machine: 2 peers on loopback, float sums, buffer backup off in both (the bench's default).
# Usage: bench/c-api/run.sh [BYTES [ITERATIONS]]   (after scripts/build-native.sh and dotnet build -c Release)
set -euo pipefail
cd "$(dirname "$0")/../.."
bytes="${1:-16777216}"; iterations="${2:-20}"; warmup=3
lib=artifacts/native
[ -f "$lib/libpccl.so" ] || scripts/build-native.sh "$lib" >/dev/null
mkdir -p artifacts/bench
gcc -std=gnu11 -O2 -Iinclude -o artifacts/bench/allreduce bench/c-api/allreduce.c -L"$lib" -lpccl -Wl,-rpath,"$(pwd)/$lib"
gcc -std=gnu11 -O2 -Iinclude -Itests/Pccl.NativeTests/c -o artifacts/bench/master_for_bench tests/Pccl.NativeTests/c/master.c -L"$lib" -lpccl -Wl,-rpath,"$(pwd)/$lib"
echo "libpccl.so: $(stat -c %s "$lib/libpccl.so") bytes"
port=$(( 20000 + RANDOM % 20000 ))
export PCCL_FAULT_TOLERANCE_ENABLE_BUFFER_BACKUP=false
fifo=$(mktemp -u); mkfifo "$fifo"
artifacts/bench/master_for_bench "$port" <"$fifo" >/dev/null 2>&1 & master=$!
exec 3>"$fifo"; rm -f "$fifo"   # the master stops when this script's end closes fd 3
trap 'exec 3>&-; wait $master || true' EXIT
sleep 1
PCCL_NETWORK_P2P_PORT_RANGE=$((port+1))-$((port+20)) artifacts/bench/allreduce "$port" 1 2 "$bytes" "$iterations" "$warmup" & second=$!
PCCL_NETWORK_P2P_PORT_RANGE=$((port+21))-$((port+40)) artifacts/bench/allreduce "$port" 0 2 "$bytes" "$iterations" "$warmup"
wait $second
dotnet src/Pccl.Cli/bin/Release/net10.0/pccl.dll bench allreduce --peers 2 --sizes "${bytes}B" -k "$iterations" --warmup "$warmup" --bind-to none --json
