#!/usr/bin/env bash
# The C API against Communicator: builds libpccl.so when artifacts/native lacks it, then runs `pccl bench c-api` with
# the arguments given (see `pccl bench c-api --help` and docs/c-api.md#measuring), e.g.
#
#   bench/c-api/run.sh --peers 3 --sizes 4MiB,64MiB --iterations 10 --warmup 2 --rounds 3 [--realtime] [--json]
#
# Needs dotnet build -c Release src/Pccl.Cli and gcc.
set -euo pipefail
cd "$(dirname "$0")/../.."
pccl=src/Pccl.Cli/bin/Release/net10.0/pccl.dll
[ -f artifacts/native/libpccl.so ] || scripts/build-native.sh artifacts/native >/dev/null
[ -f "$pccl" ] || { echo "run.sh: $pccl is missing: dotnet build -c Release src/Pccl.Cli" >&2; exit 1; }
exec dotnet "$pccl" bench c-api "$@"
