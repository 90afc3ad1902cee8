#!/usr/bin/env bash
# Builds the pccl container image: publishes the tool self-contained for linux-x64 into a temporary build context, with
# the NativeAOT pccl-worker beside it (the worker pccl bench recovery and bench memory run when it is there), and builds
# deploy/container/Containerfile on a runtime base with podman. Prints the image's size.
#   deploy/container/build.sh [--base IMAGE] [--tag TAG]
#     --base IMAGE  runtime base image (default: the official .NET runtime-deps image); any image with glibc,
#                   libstdc++ and ca-certificates works, e.g. one imported from Debian's packages
#     --tag TAG     image name (default: localhost/pccl:latest)
# PODMAN (default: podman) names the podman command, e.g. "podman --runtime runc".
set -euo pipefail
base="mcr.microsoft.com/dotnet/runtime-deps:10.0"
tag="localhost/pccl:latest"
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    *) echo "usage: $0 [--base IMAGE] [--tag TAG]" >&2; exit 2 ;;
  esac
done
podman="${PODMAN:-podman}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT

dotnet publish "$root/src/Pccl.Cli/Pccl.Cli.csproj" -c Release -r linux-x64 --self-contained \
  -o "$context/app" -p:DebugType=none -p:GenerateDocumentationFile=false --nologo -v quiet
dotnet publish "$root/src/Pccl.Worker/Pccl.Worker.csproj" -c Release -o "$context/worker" \
  -p:DebugType=none -p:GenerateDocumentationFile=false --nologo -v quiet
cp "$context/worker/pccl-worker" "$context/app/"
cp "$here/Containerfile" "$here/pccl_config.yaml" "$context/"
$podman build --pull=missing --build-arg BASE="$base" -t "$tag" -f "$context/Containerfile" "$context" >&2
size=$($podman image inspect "$tag" --format '{{.Size}}')
echo "$tag $size bytes ($((size / 1024 / 1024)) MiB) on $base"
