#!/usr/bin/env bash
# Runs the same float32-sum all-reduce with MPI (TCP over loopback), torch gloo and PCCL for .NET,
# and prints one comparison table. Raw JSON lines go to artifacts/bench/compare-<date>.jsonl.
#
#   bench/compare.sh [--peers 2,3,4] [--sizes 1MiB,16MiB,64MiB,256MiB] [--iterations K]
#                    [--warmup W] [--impls mpi,gloo,pccl] [--timeout SECONDS] [--realtime]
#
# --realtime runs every implementation under SCHED_FIFO (chrt -f 10, needs root): the same condition for all three,
# which takes the kernel's wake-up and preemption decisions out of the comparison (docs/performance.md).
# An implementation that cannot be built or run shows "n/a"; the script still finishes.
# See bench/reference/README.md for what is measured.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

peers=2,3,4
sizes=1MiB,16MiB,64MiB,256MiB
iterations=10
warmup=2
impls=mpi,gloo,pccl
run_timeout=900
sched=()

usage() {
  sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --peers) peers=${2:?}; shift 2 ;;
    --sizes) sizes=${2:?}; shift 2 ;;
    --iterations) iterations=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --impls) impls=${2:?}; shift 2 ;;
    --timeout) run_timeout=${2:?}; shift 2 ;;
    --realtime) sched=(chrt -f 10); shift ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

python=/usr/bin/python3
reference="$root/bench/reference"
outdir="$root/artifacts/bench"
bindir="$outdir/bin"
mkdir -p "$bindir"
jsonl="$outdir/compare-$(date +%Y%m%d-%H%M%S).jsonl"
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

wants() { [[ ",$impls," == *",$1,"* ]]; }
note() { echo "compare.sh: $*" >&2; }

# Runs one benchmark under a time limit, appending stdout to $raw/<impl>.out and stderr to a log.
run_one() {
  local impl=$1 n=$2; shift 2
  note "$impl, $n peers ..."
  local rc=0 before after
  before=$(grep -c '^{' "$raw/$impl.out" 2>/dev/null)
  timeout --kill-after=10 "$run_timeout" ${sched[@]+"${sched[@]}"} "$@" >>"$raw/$impl.out" 2>"$outdir/$impl-$n.log" || rc=$?
  if [ "$rc" != 0 ]; then
    note "$impl with $n peers failed (exit $rc); see ${outdir#"$root"/}/$impl-$n.log"
  fi
  after=$(grep -c '^{' "$raw/$impl.out" 2>/dev/null)
  if [ "${after:-0}" = "${before:-0}" ]; then
    note "$impl with $n peers printed no JSON results"
  fi
}

mpi_ready=0
if wants mpi; then
  if command -v mpicc >/dev/null && mpicc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L \
      -o "$bindir/mpi_allreduce" "$reference/mpi_allreduce.c"; then
    mpi_ready=1
  else
    note "cannot build the MPI benchmark (is libopenmpi-dev installed?); MPI shows n/a"
  fi
fi

pccl_ready=0
if wants pccl; then
  if command -v dotnet >/dev/null && dotnet build src/Pccl.Cli -c Release -nologo -v quiet >"$outdir/pccl-build.log" 2>&1; then
    pccl_ready=1
  else
    note "cannot build src/Pccl.Cli (see $outdir/pccl-build.log); PCCL shows n/a"
  fi
fi

for n in ${peers//,/ }; do
  if [ "$mpi_ready" = 1 ]; then
    run_one mpi "$n" mpirun --allow-run-as-root --oversubscribe -np "$n" \
      --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo \
      "$bindir/mpi_allreduce" --sizes "$sizes" --iterations "$iterations" --warmup "$warmup"
  fi
  if wants gloo; then
    run_one gloo "$n" "$python" "$reference/gloo_allreduce.py" \
      --peers "$n" --sizes "$sizes" --iterations "$iterations" --warmup "$warmup"
  fi
  if [ "$pccl_ready" = 1 ]; then
    run_one pccl "$n" dotnet run --no-build --project src/Pccl.Cli -c Release -- \
      bench allreduce --peers "$n" --sizes "$sizes" --iterations "$iterations" --warmup "$warmup" --json
  fi
done

echo
"$python" "$reference/compare_table.py" --peers "$peers" --sizes "$sizes" --jsonl "$jsonl" \
  mpi="$raw/mpi.out" gloo="$raw/gloo.out" pccl="$raw/pccl.out"
echo "raw results: ${jsonl#"$root"/}"

# The floor under small operations: one loopback round trip between two processes, sleeping in recv() as an
# event-driven runtime does (PCCL, gloo) and polling as Open MPI does (bench/reference/tcp_pingpong.c).
if command -v cc >/dev/null && cc -O2 -o "$bindir/tcp_pingpong" "$reference/tcp_pingpong.c"; then
  for mode in block spin; do
    "$bindir/tcp_pingpong" --mode "$mode" | "$python" -c 'import json, sys; r = json.load(sys.stdin); print("loopback round trip, {mode}: median {median_us} us (p10 {p10_us}, p90 {p90_us})".format(**r))'
  done
fi
