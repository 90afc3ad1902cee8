/* sizeof, alignment and offsetof of every struct of include/pccl.h against the specification's table (x86-64). */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include "pccl.h"

static int failures = 0;

#define SIZE(type, size, align) do { \
    if (sizeof(type) != (size) || alignof(type) != (align)) { \
        printf("MISMATCH %s: size %zu align %zu, spec %d/%d\n", #type, sizeof(type), alignof(type), (size), (align)); failures++; \
    } else printf("ok %s %d/%d\n", #type, (size), (align)); } while (0)
#define OFFSET(type, field, want) do { \
    if (offsetof(type, field) != (want)) { printf("MISMATCH %s.%s at %zu, spec %d\n", #type, #field, offsetof(type, field), (want)); failures++; } \
    else printf("ok %s.%s @%d\n", #type, #field, (want)); } while (0)

int main(void) {
    SIZE(ccoip_ipv4_address_t, 4, 1);
    SIZE(ccoip_ipv6_address_t, 16, 1);
    SIZE(ccoip_inet_address_t, 24, 4);
    SIZE(ccoip_socket_address_t, 28, 4);
    OFFSET(ccoip_socket_address_t, port, 24);
    SIZE(pcclCommCreateParams_t, 36, 4);
    OFFSET(pcclCommCreateParams_t, master_address, 0);
    OFFSET(pcclCommCreateParams_t, peer_group, 28);
    OFFSET(pcclCommCreateParams_t, p2p_connection_pool_size, 32);
    SIZE(pcclReduceInfo_t, 24, 8);
    OFFSET(pcclReduceInfo_t, local_world_size, 0);
    OFFSET(pcclReduceInfo_t, tx_bytes, 8);
    OFFSET(pcclReduceInfo_t, rx_bytes, 16);
    SIZE(pcclReduceOperandDescriptor_t, 8, 4);
    SIZE(pcclQuantizationOptions_t, 8, 4);
    SIZE(pcclReduceDescriptor_t, 40, 8);
    OFFSET(pcclReduceDescriptor_t, count, 0);
    OFFSET(pcclReduceDescriptor_t, op, 8);
    OFFSET(pcclReduceDescriptor_t, tag, 16);
    OFFSET(pcclReduceDescriptor_t, src_descriptor, 24);
    OFFSET(pcclReduceDescriptor_t, quantization_options, 32);
    SIZE(pcclReduceOpDescriptor_t, 56, 8);
    SIZE(pcclAsyncReduceOp_t, 16, 8);
    SIZE(pcclTensorInfo_t, 40, 8);
    OFFSET(pcclTensorInfo_t, name, 0);
    OFFSET(pcclTensorInfo_t, data, 8);
    OFFSET(pcclTensorInfo_t, count, 16);
    OFFSET(pcclTensorInfo_t, datatype, 24);
    OFFSET(pcclTensorInfo_t, device_type, 28);
    OFFSET(pcclTensorInfo_t, allow_content_inequality, 32);
    SIZE(pcclSharedState_t, 24, 8);
    SIZE(pcclSharedStateSyncInfo_t, 16, 8);
    SIZE(pcclBuildInfo_t, 1, 1);
    SIZE(pcclRankUuid_t, 16, 1);
    SIZE(pcclResult_t, 4, 4);
    printf("%d mismatches\n", failures);
    return failures == 0 ? 0 : 1;
}
