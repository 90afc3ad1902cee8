#!/usr/bin/env bash
# Packs the NuGet packages: Pccl, Pccl.Hosting and the pccl tool (Pccl.Cli), each with its symbols (.snupkg), into a
# folder feed. A deterministic CI build (ContinuousIntegrationBuild) in a separate output tree, so packing neither
# uses nor disturbs the working tree's bin/ and obj/.
# Usage: scripts/pack.sh [feed-folder (default artifacts/packages)] [version (default: Directory.Build.props)]
set -euo pipefail
cd "$(dirname "$0")/.."
feed=$(realpath -m "${1:-artifacts/packages}")
version=${2:-}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
args=(-c Release -nologo -v q -p:PackageOutputPath="$feed" -p:ContinuousIntegrationBuild=true -p:UseArtifactsOutput=true -p:ArtifactsPath="$build")
if [ -n "$version" ]; then args+=(-p:Version="$version"); fi
dotnet pack src/Pccl.Packages.slnx "${args[@]}"
ls "$feed"
