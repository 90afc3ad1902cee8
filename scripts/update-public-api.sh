#!/usr/bin/env bash
# Regenerates the public API files of the packages (src/Pccl, src/Pccl.Hosting) from what the public API analyzer
# reports: symbols it finds undeclared (RS0016) are added to PublicAPI.Unshipped.txt, declared symbols it cannot find
# (RS0017) are removed from both files. Run after changing the public API on purpose, then review the diff: it is the
# change of the packages' surface. At a release, move the lines of PublicAPI.Unshipped.txt into PublicAPI.Shipped.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Pccl src/Pccl.Hosting; do
  log=$(mktemp)
  # A full rebuild: an up-to-date build runs no analyzer and reports nothing.
  dotnet build "$project" -c Release --no-incremental -nologo -v q -p:TreatWarningsAsErrors=false >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  own="\[$(pwd)/$project/$(basename "$project").csproj\]"
  grep -E "warning RS0016: .*$own" "$log" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u >"$log.added" || true
  grep -E "warning RS0017: .*$own" "$log" | sed -E "s/.*Symbol '(.*)' is part of the declared API.*/\1/" | sort -u >"$log.removed" || true
  for file in "$project/PublicAPI.Shipped.txt" "$project/PublicAPI.Unshipped.txt"; do
    grep -vxF -f "$log.removed" "$file" | grep -vx '#nullable enable' >"$log.kept" || true
    if [ "$file" = "$project/PublicAPI.Unshipped.txt" ]; then cat "$log.added" >>"$log.kept"; fi
    { echo '#nullable enable'; LC_ALL=C sort -u "$log.kept"; } >"$file"
  done
  echo "$project: $(wc -l <"$log.added") added, $(wc -l <"$log.removed") removed"
  rm -f "$log" "$log".*
done
