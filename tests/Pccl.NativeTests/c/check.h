/* Assertions and value helpers shared by the C test programs: a failed check prints where and exits 1. */
#ifndef PCCL_TEST_CHECK_H
#define PCCL_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pccl.h"

static const char *test_name = "test";

#define EXPECT(cond, ...) do { if (!(cond)) { fprintf(stderr, "%s: FAILED %s:%d: %s: ", test_name, __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); fflush(stderr); exit(1); } } while (0)
#define EXPECT_RESULT(call, want) do { pcclResult_t got_ = (call); EXPECT(got_ == (want), "%s returned %d, expected %d (%s)", #call, (int)got_, (int)(want), #want); } while (0)
#define OK(call) EXPECT_RESULT(call, pcclSuccess)

static inline ccoip_socket_address_t loopback(uint16_t port) {
    ccoip_socket_address_t address;
    memset(&address, 0, sizeof address);
    address.inet.protocol = inetIPv4;
    address.inet.ipv4.data[0] = 127;
    address.inet.ipv4.data[3] = 1;
    address.port = port;
    return address;
}

static inline pcclComm_t *create_comm(uint16_t port) {
    pcclCommCreateParams_t params;
    memset(&params, 0, sizeof params);
    params.master_address = loopback(port);
    params.peer_group = 0;
    params.p2p_connection_pool_size = 4;
    pcclComm_t *comm = NULL;
    OK(pcclCreateCommunicator(&params, &comm));
    return comm;
}

static inline pcclReduceDescriptor_t reduce_desc(size_t count, pcclRedOp_t op, uint64_t tag, pcclDataType_t type) {
    pcclReduceDescriptor_t desc;
    memset(&desc, 0, sizeof desc);
    desc.count = count;
    desc.op = op;
    desc.tag = tag;
    desc.src_descriptor.datatype = type;
    desc.src_descriptor.distribution_hint = pcclDistributionNone;
    desc.quantization_options.quantized_datatype = type;
    desc.quantization_options.algorithm = pcclQuantNone;
    return desc;
}

static inline int world_size(pcclComm_t *comm) {
    int world = -1;
    OK(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &world));
    return world;
}

#endif
