"""A master through the C API from Python: serves until standard input closes. Usage: master.py PORT"""
import sys

from pccl_cffi import address, check, ffi, lib

check(lib.pcclInit(), "pcclInit")
master = ffi.new("pcclMasterInstance_t **")
check(lib.pcclCreateMaster(address(int(sys.argv[1]), (0, 0, 0, 0))[0], master), "pcclCreateMaster")
check(lib.pcclRunMaster(master[0]), "pcclRunMaster")
print("MASTER RUNNING", flush=True)
sys.stdin.read()
check(lib.pcclInterruptMaster(master[0]), "pcclInterruptMaster")
check(lib.pcclMasterAwaitTermination(master[0]), "pcclMasterAwaitTermination")
check(lib.pcclDestroyMaster(master[0]), "pcclDestroyMaster")
print("MASTER STOPPED", flush=True)
