#!/usr/bin/env bash
# The reduction and hash kernels as pccl runs them (JIT, this CPU's instruction set) and as NativeAOT compiles them for
# x86-64-v2 (its default, libpccl.so's portable build) and for x86-64-v3 (libpccl.so's build): one JSON line per build
# and run (docs/c-api.md, "Instruction set").
# Usage: bench/c-api/kernels/run.sh [RUNS]   (RUNS rounds of the three builds, interleaved; default 3)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=artifacts/bench/kernels
project=bench/c-api/kernels/Pccl.KernelBench.csproj
dotnet build "$project" -c Release -nologo -v quiet -o "$out/jit" >/dev/null
dotnet publish "$project" -c Release -nologo -v quiet -p:PublishAot=true -o "$out/aot-x86-64-v2" >/dev/null
dotnet publish "$project" -c Release -nologo -v quiet -p:PublishAot=true -p:IlcInstructionSet=x86-64-v3 -o "$out/aot-x86-64-v3" >/dev/null
for _ in $(seq "${1:-3}"); do
  dotnet "$out/jit/Pccl.KernelBench.dll" jit
  "$out/aot-x86-64-v2/Pccl.KernelBench" aot-x86-64-v2
  "$out/aot-x86-64-v3/Pccl.KernelBench" aot-x86-64-v3
done
