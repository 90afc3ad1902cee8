"""libpccl.so through cffi, declared from include/pccl.h as PCCL's Python package does: dlopen plus cdef."""
import os
import re

from cffi import FFI


def declarations(header_path):
    """The header's C declarations, without preprocessor lines and the C++ linkage block (cffi parses plain C)."""
    text = open(header_path, encoding="utf-8").read()
    text = re.sub(r"#ifdef __cplusplus.*?#endif", "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def load(library_path, header_path):
    ffi = FFI()
    ffi.cdef(declarations(header_path))
    return ffi, ffi.dlopen(library_path)


ffi, lib = load(os.environ["PCCL_LIBRARY"], os.environ["PCCL_HEADER"])


def check(result, what):
    if result != lib.pcclSuccess:
        raise RuntimeError(f"{what} returned {result}")


def address(port, octets=(127, 0, 0, 1)):
    value = ffi.new("ccoip_socket_address_t *")
    value.inet.protocol = lib.inetIPv4
    for i, octet in enumerate(octets):
        value.inet.ipv4.data[i] = octet
    value.port = port
    return value
