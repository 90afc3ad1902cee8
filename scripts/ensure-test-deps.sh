#!/usr/bin/env bash
# Installs the real components the tests run against (Debian packages), when missing.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)          # NAT between network namespaces (tests/.../Deployment/NatTests)
command -v kubectl >/dev/null || need+=(kubectl)        # renders deploy/kubernetes offline (kubectl kustomize)
command -v node >/dev/null || need+=(nodejs)           # deploy/kubernetes/validate (kubernetes-models, installed by the test)
command -v npm >/dev/null || need+=(npm)
command -v curl >/dev/null || need+=(curl)             # asks endpoints inside test network namespaces
command -v podman >/dev/null || need+=(podman)         # builds and runs the container image (deploy/container)
command -v runc >/dev/null || need+=(runc)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap) # the image's base, made from Debian's packages
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -o DPkg::Lock::Timeout=900 -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=900 "${need[@]}" >/dev/null
fi
