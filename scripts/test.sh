#!/usr/bin/env bash
# The whole test suite: installs what the tests need, builds once, runs every test project,
# and ends with one line "N passed, N failed, N skipped" summed over all projects.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/ensure-test-deps.sh || { echo "0 passed, 1 failed"; echo "test dependencies could not be installed" >&2; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

if ! dotnet build Pccl.slnx -c Release -nologo -v quiet; then
  echo "build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

filter="${PCCL_TEST_FILTER:-Category!=Soak}"
status=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "=== $name"
  dotnet test "$proj" -c Release --no-build -nologo \
    --filter "$filter" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" || status=1
done

passed=0; failed=0; skipped=0; found=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  found=$((found+1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  p=${p:-0}; f=${f:-0}; t=${t:-0}; e=${e:-0}
  # errors (a crashed test host) count as failures
  er=$(get error); er=${er:-0}
  passed=$((passed+p)); failed=$((failed+f+er)); skipped=$((skipped+t-e))
done
expected=$(ls tests/*/*.csproj | wc -l)
if [ "$found" -lt "$expected" ]; then
  echo "only $found of $expected test projects produced results" >&2
  failed=$((failed+expected-found))
fi
[ "$failed" -gt 0 ] && status=1
if [ "$failed" -gt 0 ]; then
  /usr/bin/python3 scripts/failed-tests.py "$results"/*.trx || true
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
