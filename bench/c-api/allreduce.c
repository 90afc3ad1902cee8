/*
 * An all-reduce bench through the C API, for comparison with `pccl bench allreduce` (the same operation through
 * Communicator). Usage: allreduce MASTER_PORT RANK PEERS BYTES ITERATIONS WARMUP. Rank 0 prints the median time of
 * the timed float sums in milliseconds, and the time its first pcclConnect took.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pccl.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define CHECK(call) do { pcclResult_t r_ = (call); if (r_ != pcclSuccess) { fprintf(stderr, "%s: %d\n", #call, r_); exit(1); } } while (0)

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: allreduce MASTER_PORT RANK PEERS BYTES ITERATIONS WARMUP\n"); return 2; }
    int rank = atoi(argv[2]), peers = atoi(argv[3]), iterations = atoi(argv[5]), warmup = atoi(argv[6]);
    size_t count = (size_t)atoll(argv[4]) / sizeof(float);
    double start = now_ms();
    CHECK(pcclInit());
    pcclCommCreateParams_t params;
    memset(&params, 0, sizeof params);
    params.master_address.inet.protocol = inetIPv4;
    params.master_address.inet.ipv4.data[0] = 127;
    params.master_address.inet.ipv4.data[3] = 1;
    params.master_address.port = (uint16_t)atoi(argv[1]);
    pcclComm_t *comm;
    CHECK(pcclCreateCommunicator(&params, &comm));
    pcclResult_t connected;
    while ((connected = pcclConnect(comm)) == pcclMasterConnectionFailed) usleep(50000);
    CHECK(connected);
    double connect_ms = now_ms() - start;
    for (;;) {
        int world = 0;
        CHECK(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &world));
        if (world >= peers) break;
        bool pending;
        CHECK(pcclArePeersPending(comm, &pending));
        if (pending) CHECK(pcclUpdateTopology(comm)); else usleep(10000);
    }
    float *data = malloc(count * sizeof(float));
    double *times = malloc(sizeof(double) * iterations);
    pcclReduceDescriptor_t desc;
    memset(&desc, 0, sizeof desc);
    desc.count = count;
    desc.op = pcclSum;
    desc.src_descriptor.datatype = pcclFloat;
    desc.quantization_options.quantized_datatype = pcclFloat;
    for (int i = 0; i < warmup + iterations; i++) {
        for (size_t j = 0; j < count; j++) data[j] = (float)(rank + 1);
        double t0 = now_ms();
        CHECK(pcclAllReduce(data, data, &desc, comm, NULL));
        if (i >= warmup) times[i - warmup] = now_ms() - t0;
        if (data[0] != (float)(peers * (peers + 1) / 2)) { fprintf(stderr, "wrong sum %g\n", data[0]); return 1; }
    }
    qsort(times, iterations, sizeof(double), compare);
    if (rank == 0) printf("c-api bytes=%s median_ms=%.3f first_connect_ms=%.1f\n", argv[4], times[iterations / 2], connect_ms);
    CHECK(pcclDestroyCommunicator(comm));
    return 0;
}
