#!/usr/bin/env bash
# Publishes src/Pccl.Native with NativeAOT as libpccl.so (PCCL's C API) into artifacts/native/ (or $1); further
# arguments go to dotnet publish (e.g. -p:IlcInstructionSet=x86-64-v2 for the portable build that also runs on CPUs
# without AVX2, which the default x86-64-v3 needs: see docs/c-api.md, "Instruction set").
# NativeAOT compiles with the SDK's ILCompiler package and links with gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/native}"
command -v gcc >/dev/null || { echo "gcc is needed to link libpccl.so (apt-get install gcc)" >&2; exit 1; }
dotnet publish src/Pccl.Native/Pccl.Native.csproj -c Release -o "$out" -nologo -v quiet "${@:2}"
rm -f "$out"/*.dbg "$out"/*.pdb "$out"/*.xml
mkdir -p "$out/include"
cp include/pccl.h "$out/include/pccl.h"
echo "$out/libpccl.so"
