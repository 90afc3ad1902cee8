/*
 * The documented error codes that one process can provoke: calls before pcclInit, bad arguments, misuse, stale
 * handles (double destroy, use after destroy, invented pointers), a lone peer (pcclTooFewPeers), async operations
 * still pending, an unreachable master, and the master's lifecycle. Usage: errors MASTER_PORT UNUSED_PORT
 */
#include "check.h"

int main(int argc, char **argv) {
    test_name = "errors";
    EXPECT(argc == 3, "usage: errors MASTER_PORT UNUSED_PORT");
    uint16_t port = (uint16_t)atoi(argv[1]);
    uint16_t unused = (uint16_t)atoi(argv[2]);
    pcclCommCreateParams_t params;
    memset(&params, 0, sizeof params);
    params.master_address = loopback(port);
    pcclComm_t *comm = NULL;
    pcclMasterInstance_t *master = NULL;

    EXPECT_RESULT(pcclCreateCommunicator(&params, &comm), pcclNotInitialized);
    EXPECT_RESULT(pcclCreateMaster(loopback(port), &master), pcclNotInitialized);
    EXPECT_RESULT(pcclConnect(NULL), pcclNotInitialized);
    OK(pcclInit());
    OK(pcclInit());

    pcclBuildInfo_t build;
    build.has_cuda_support = true;
    OK(pcclGetBuildInfo(&build));
    EXPECT(!build.has_cuda_support, "this build has no CUDA support");
    EXPECT_RESULT(pcclGetBuildInfo(NULL), pcclInvalidArgument);

    /* the master's lifecycle */
    EXPECT_RESULT(pcclCreateMaster(loopback(port), NULL), pcclInvalidArgument);
    OK(pcclCreateMaster(loopback(port), &master));
    EXPECT_RESULT(pcclMasterAwaitTermination(master), pcclInvalidArgument);
    OK(pcclRunMaster(master));
    EXPECT_RESULT(pcclRunMaster(master), pcclInvalidArgument);
    EXPECT_RESULT(pcclDestroyMaster(master), pcclInvalidUsage);

    /* arguments and misuse before connecting */
    EXPECT_RESULT(pcclCreateCommunicator(NULL, &comm), pcclInvalidArgument);
    EXPECT_RESULT(pcclCreateCommunicator(&params, NULL), pcclInvalidArgument);
    comm = create_comm(port);
    float data[4] = {1, 2, 3, 4};
    pcclReduceDescriptor_t desc = reduce_desc(4, pcclSum, 0, pcclFloat);
    int world = 0;
    EXPECT_RESULT(pcclAllReduce(data, data, &desc, comm, NULL), pcclInvalidUsage);
    EXPECT_RESULT(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &world), pcclInvalidUsage);
    EXPECT_RESULT(pcclUpdateTopology(comm), pcclInvalidUsage);

    OK(pcclConnect(comm));
    EXPECT_RESULT(pcclConnect(comm), pcclInvalidUsage);
    EXPECT(world_size(comm) == 1, "a lone peer sees world size %d", world_size(comm));
    OK(pcclGetAttribute(comm, PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE, &world));
    EXPECT(world == 1, "group world size %d", world);
    OK(pcclGetAttribute(comm, PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS, &world));
    EXPECT(world == 1, "distinct groups %d", world);
    EXPECT_RESULT(pcclGetAttribute(comm, (pcclAttribute_t)99, &world), pcclInvalidArgument);
    EXPECT_RESULT(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, NULL), pcclInvalidArgument);
    bool pending = true;
    OK(pcclArePeersPending(comm, &pending));
    EXPECT(!pending, "nobody waits to be admitted");
    OK(pcclUpdateTopology(comm));
    OK(pcclOptimizeTopology(comm));

    /* all-reduce arguments */
    EXPECT_RESULT(pcclAllReduce(data, data, &desc, comm, NULL), pcclTooFewPeers);
    EXPECT_RESULT(pcclAllReduce(NULL, data, &desc, comm, NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclAllReduce(data, NULL, &desc, comm, NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclAllReduce(data, data, NULL, comm, NULL), pcclInvalidArgument);
    pcclReduceDescriptor_t bad = desc;
    bad.count = 0;
    EXPECT_RESULT(pcclAllReduce(data, data, &bad, comm, NULL), pcclInvalidArgument);
    bad = desc;
    bad.op = (pcclRedOp_t)17;
    EXPECT_RESULT(pcclAllReduce(data, data, &bad, comm, NULL), pcclInvalidArgument);
    bad = desc;
    bad.src_descriptor.datatype = (pcclDataType_t)42;
    EXPECT_RESULT(pcclAllReduce(data, data, &bad, comm, NULL), pcclInvalidArgument);
    bad = desc;
    bad.quantization_options.algorithm = pcclQuantZeroPointScale;
    bad.quantization_options.quantized_datatype = pcclUint8;
    EXPECT_RESULT(pcclAllReduce(data, data, &bad, comm, NULL), pcclInvalidArgument);
    bad.quantization_options.algorithm = pcclQuantMinMax;
    bad.quantization_options.quantized_datatype = pcclFloat;
    EXPECT_RESULT(pcclAllReduce(data, data, &bad, comm, NULL), pcclInvalidArgument);
    pcclReduceOpDescriptor_t many = {data, data, desc};
    EXPECT_RESULT(pcclAllReduceMultipleWithRetry(&many, 1, comm, NULL, 0), pcclInvalidArgument);
    EXPECT_RESULT(pcclAllReduceMultipleWithRetry(NULL, 1, comm, NULL, 1), pcclInvalidArgument);
    EXPECT_RESULT(pcclAllReduceMultipleWithRetry(&many, 1, comm, NULL, 1), pcclTooFewPeers);

    /* an async all-reduce not yet awaited blocks the joint calls */
    pcclAsyncReduceOp_t handle;
    OK(pcclAllReduceAsync(data, data, &desc, comm, &handle));
    EXPECT(handle.comm == comm && handle.tag == 0, "the handle names the communicator and the tag");
    EXPECT_RESULT(pcclAllReduceAsync(data, data, &desc, comm, &handle), pcclInvalidUsage);
    EXPECT_RESULT(pcclUpdateTopology(comm), pcclPendingAsyncOps);
    EXPECT_RESULT(pcclArePeersPending(comm, &pending), pcclPendingAsyncOps);
    EXPECT_RESULT(pcclOptimizeTopology(comm), pcclPendingAsyncOps);
    float state_data[2] = {1, 2};
    pcclTensorInfo_t info = {"weights", state_data, 2, pcclFloat, pcclDeviceCpu, false};
    pcclSharedState_t state = {1, 1, &info};
    EXPECT_RESULT(pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL), pcclPendingAsyncOps);
    EXPECT_RESULT(pcclAwaitAsyncReduce(&handle, NULL), pcclTooFewPeers);
    EXPECT_RESULT(pcclAwaitAsyncReduce(&handle, NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclAwaitAsyncReduce(NULL, NULL), pcclInvalidArgument);
    OK(pcclUpdateTopology(comm));

    /* shared-state arguments */
    info.device_type = pcclDeviceCuda;
    EXPECT_RESULT(pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL), pcclInvalidArgument);
    info.device_type = pcclDeviceCpu;
    EXPECT_RESULT(pcclSynchronizeSharedState(comm, &state, (pcclSharedStateSyncStrategy_t)7, NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclSynchronizeSharedState(comm, NULL, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL), pcclInvalidArgument);
    info.name = NULL;
    EXPECT_RESULT(pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL), pcclInvalidArgument);
    info.name = "weights";

    /* stale and invented handles */
    OK(pcclDestroyCommunicator(comm));
    EXPECT_RESULT(pcclDestroyCommunicator(comm), pcclInvalidArgument);
    EXPECT_RESULT(pcclConnect(comm), pcclInvalidArgument);
    EXPECT_RESULT(pcclAllReduce(data, data, &desc, comm, NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &world), pcclInvalidArgument);
    EXPECT_RESULT(pcclAwaitAsyncReduce(&handle, NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclConnect((pcclComm_t *)0x1234), pcclInvalidArgument);
    EXPECT_RESULT(pcclDestroyCommunicator(NULL), pcclInvalidArgument);
    EXPECT_RESULT(pcclRunMaster((pcclMasterInstance_t *)comm), pcclInvalidArgument);
    pcclComm_t *reused = create_comm(port);
    EXPECT(reused != comm, "a new communicator never gets a destroyed one's handle");
    EXPECT_RESULT(pcclConnect(comm), pcclInvalidArgument);
    OK(pcclDestroyCommunicator(reused));

    /* an unreachable master: callers retry on this code */
    pcclComm_t *stray = create_comm(unused);
    EXPECT_RESULT(pcclConnect(stray), pcclMasterConnectionFailed);
    OK(pcclDestroyCommunicator(stray));

    OK(pcclInterruptMaster(master));
    OK(pcclMasterAwaitTermination(master));
    OK(pcclDestroyMaster(master));
    EXPECT_RESULT(pcclDestroyMaster(master), pcclInvalidArgument);
    EXPECT_RESULT(pcclInterruptMaster(master), pcclInvalidArgument);
    printf("PASS\n");
    return 0;
}
