#!/usr/bin/env bash
# Installs the real components the tests run against (Debian packages), when missing.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v ip >/dev/null || need+=(iproute2)
command -v tc >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
# libpccl.so (NativeAOT) links with gcc; its tests compile C with gcc, list exports with nm, and drive it from Python
command -v gcc >/dev/null || need+=(gcc)
command -v nm >/dev/null || need+=(binutils)
/usr/bin/python3 -c "import cffi" 2>/dev/null || need+=(python3-cffi)
/usr/bin/python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy)
/usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch)
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
