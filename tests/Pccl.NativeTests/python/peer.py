"""
A peer through the C API from Python: all-reduces numpy arrays and torch CPU tensors with the other peers.
Usage: peer.py MASTER_PORT RANK WORLD. Prints PASS when every result is right.
"""
import sys
import time

import numpy as np
import torch

from pccl_cffi import address, check, ffi, lib

port, rank, world = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
check(lib.pcclInit(), "pcclInit")
params = ffi.new("pcclCommCreateParams_t *")
params.master_address = address(port)[0]
params.peer_group = 0
params.p2p_connection_pool_size = 2
comm_out = ffi.new("pcclComm_t **")
check(lib.pcclCreateCommunicator(params, comm_out), "pcclCreateCommunicator")
comm = comm_out[0]
for _ in range(100):
    result = lib.pcclConnect(comm)
    if result != lib.pcclMasterConnectionFailed:
        break
    time.sleep(0.1)
check(result, "pcclConnect")


def world_size():
    out = ffi.new("int *")
    check(lib.pcclGetAttribute(comm, lib.PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, out), "pcclGetAttribute")
    return out[0]


while world_size() < world:
    pending = ffi.new("bool *")
    check(lib.pcclArePeersPending(comm, pending), "pcclArePeersPending")
    if pending[0]:
        check(lib.pcclUpdateTopology(comm), "pcclUpdateTopology")
    else:
        time.sleep(0.02)

TYPES = {np.dtype(np.float32): lib.pcclFloat, np.dtype(np.float64): lib.pcclDouble, np.dtype(np.int64): lib.pcclInt64,
         np.dtype(np.int32): lib.pcclInt32, np.dtype(np.float16): lib.pcclFloat16, np.dtype(np.uint8): lib.pcclUint8}


def descriptor(count, dtype, tag, op=lib.pcclSum):
    desc = ffi.new("pcclReduceDescriptor_t *")
    desc.count = count
    desc.op = op
    desc.tag = tag
    desc.src_descriptor.datatype = TYPES[np.dtype(dtype)]
    desc.src_descriptor.distribution_hint = lib.pcclDistributionNone
    desc.quantization_options.quantized_datatype = TYPES[np.dtype(dtype)]
    desc.quantization_options.algorithm = lib.pcclQuantNone
    return desc


def all_reduce(send, recv, tag, op=lib.pcclSum):
    info = ffi.new("pcclReduceInfo_t *")
    check(lib.pcclAllReduce(ffi.cast("void *", send.ctypes.data), ffi.cast("void *", recv.ctypes.data),
                            descriptor(send.size, send.dtype, tag, op), comm, info), "pcclAllReduce")
    assert info.local_world_size == world, info.local_world_size
    return info


ranks = np.arange(world)
# numpy, in place and out of place, several types
for tag, dtype in enumerate([np.float32, np.float64, np.int64, np.int32, np.float16, np.uint8]):
    x = (np.arange(1000) % 7 + rank + 1).astype(dtype)
    out = np.zeros_like(x)
    all_reduce(x, out, tag)
    expected = sum((np.arange(1000) % 7 + r + 1) for r in ranks).astype(dtype)
    assert np.array_equal(out, expected), (dtype, out[:5], expected[:5])
    assert np.array_equal(x, (np.arange(1000) % 7 + rank + 1).astype(dtype)), "out of place changed the input"
    all_reduce(x, x, 100 + tag, lib.pcclMax)
    assert np.array_equal(x, (np.arange(1000) % 7 + world).astype(dtype)), (dtype, x[:5])
print("numpy: ok", flush=True)

# torch CPU tensors through their data pointers
tensor = torch.full((203530,), float(rank + 1), dtype=torch.float32)
info = ffi.new("pcclReduceInfo_t *")
check(lib.pcclAllReduce(ffi.cast("void *", tensor.data_ptr()), ffi.cast("void *", tensor.data_ptr()),
                        descriptor(tensor.numel(), np.float32, 200), comm, info), "pcclAllReduce(torch)")
assert torch.all(tensor == float(sum(ranks + 1))), tensor[:5]
avg = torch.arange(64, dtype=torch.float64) * (rank + 1)
check(lib.pcclAllReduce(ffi.cast("void *", avg.data_ptr()), ffi.cast("void *", avg.data_ptr()),
                        descriptor(avg.numel(), np.float64, 201, lib.pcclAvg), comm, ffi.NULL), "pcclAllReduce(torch avg)")
assert torch.allclose(avg, torch.arange(64, dtype=torch.float64) * float(np.mean(ranks + 1))), avg[:5]
print("torch: ok", flush=True)

# async all-reduces on concurrent tags, awaited later
arrays = [np.full(100000, rank + k, dtype=np.float32) for k in range(3)]
handles = []
for k, array in enumerate(arrays):
    handle = ffi.new("pcclAsyncReduceOp_t *")
    pointer = ffi.cast("void *", array.ctypes.data)
    check(lib.pcclAllReduceAsync(pointer, pointer, descriptor(array.size, np.float32, 300 + k), comm, handle), "pcclAllReduceAsync")
    handles.append(handle)
for k in reversed(range(3)):
    check(lib.pcclAwaitAsyncReduce(handles[k], ffi.NULL), "pcclAwaitAsyncReduce")
    assert np.all(arrays[k] == sum(ranks + k)), arrays[k][:5]
print("async: ok", flush=True)

check(lib.pcclDestroyCommunicator(comm), "pcclDestroyCommunicator")
assert lib.pcclDestroyCommunicator(comm) == lib.pcclInvalidArgument
print("PASS", flush=True)
