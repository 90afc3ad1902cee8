/*
 * One peer of the C API's all-reduce bench (bench/c-api/run.sh), measuring as `pccl bench allreduce`'s workers do
 * through Communicator: per size, WARMUP untimed and ITERATIONS timed in-place float sums, each after a one-element
 * barrier all-reduce, the inputs refilled before each and every result checked after it (outside the clock, both
 * with block copies and compares, as cheap as the managed worker's).
 * Usage: allreduce MASTER_PORT RANK PEERS SIZES ITERATIONS WARMUP, SIZES in bytes, comma-separated; RANK (0..PEERS-1)
 * only picks the inputs. Prints "connect RANK MS INIT_MS" (pcclInit to admitted, the first pcclConnect of a fresh
 * process, and the part of it in pcclInit, where the library's .NET runtime starts) and per size "times RANK BYTES MS,MS,..." for the bench to combine (per iteration the slowest peer's time)
 * and "rss RANK BYTES KB", the process's resident memory after the size's last all-reduce, its buffer still held.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pccl.h"

#define CHECK(call) do { pcclResult_t r_ = (call); if (r_ != pcclSuccess) { fprintf(stderr, "%s: %d\n", #call, r_); exit(1); } } while (0)

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* VmRSS from /proc/self/status, in kB; 0 when it cannot be read. */
static long resident_kb(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) return 0;
    char line[256];
    long kb = 0;
    while (fgets(line, sizeof line, status) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    fclose(status);
    return kb;
}

static pcclReduceDescriptor_t float_sum(size_t count) {
    pcclReduceDescriptor_t desc;
    memset(&desc, 0, sizeof desc);
    desc.count = count;
    desc.op = pcclSum;
    desc.src_descriptor.datatype = pcclFloat;
    desc.quantization_options.quantized_datatype = pcclFloat;
    return desc;
}

static pcclComm_t *join(uint16_t master_port) {
    pcclCommCreateParams_t params;
    memset(&params, 0, sizeof params);
    params.master_address.inet.protocol = inetIPv4;
    params.master_address.inet.ipv4.data[0] = 127;
    params.master_address.inet.ipv4.data[3] = 1;
    params.master_address.port = master_port;
    pcclComm_t *comm;
    CHECK(pcclCreateCommunicator(&params, &comm));
    pcclResult_t connected;
    while ((connected = pcclConnect(comm)) == pcclMasterConnectionFailed) usleep(50000);
    CHECK(connected);
    return comm;
}

static void await_world(pcclComm_t *comm, int peers) {
    for (;;) {
        int world = 0;
        CHECK(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &world));
        if (world >= peers) return;
        bool pending;
        CHECK(pcclArePeersPending(comm, &pending));
        if (pending) CHECK(pcclUpdateTopology(comm)); else usleep(20000);
    }
}

/* Elements in one period of the inputs: element j of rank r holds 1 + j % 7 + 8r, `pccl bench allreduce`'s pattern. */
#define PATTERN (7 * 1024)

/* Fills (or compares) the buffer a period at a time with memcpy (memcmp), as cheap as the managed worker's block copy
 * and hash: work between operations must not hold a core while a slower peer still runs its timed operation. */
static void fill(float *data, size_t count, const float *block) {
    for (size_t start = 0; start < count; start += PATTERN)
        memcpy(data + start, block, (count - start < PATTERN ? count - start : PATTERN) * sizeof(float));
}

static int matches(const float *data, size_t count, const float *block) {
    for (size_t start = 0; start < count; start += PATTERN)
        if (memcmp(data + start, block, (count - start < PATTERN ? count - start : PATTERN) * sizeof(float)) != 0) return 0;
    return 1;
}

static void run_size(pcclComm_t *comm, int rank, int peers, size_t bytes, int iterations, int warmup) {
    size_t count = bytes / sizeof(float);
    float *data = malloc(count * sizeof(float));
    float input[PATTERN], expected[PATTERN], barrier = 0;
    for (int j = 0; j < PATTERN; j++) {
        input[j] = (float)(1 + j % 7 + 8 * rank);
        expected[j] = (float)(peers * (1 + j % 7) + 4 * peers * (peers - 1));
    }
    pcclReduceDescriptor_t desc = float_sum(count), barrier_desc = float_sum(1);
    printf("times %d %zu ", rank, bytes);
    for (int i = -warmup; i < iterations; i++) {
        fill(data, count, input);
        CHECK(pcclAllReduce(&barrier, &barrier, &barrier_desc, comm, NULL));
        double start = now_ms();
        CHECK(pcclAllReduce(data, data, &desc, comm, NULL));
        double elapsed = now_ms() - start;
        if (!matches(data, count, expected)) { fprintf(stderr, "rank %d: a sum of %zu bytes is wrong\n", rank, bytes); exit(1); }
        if (i >= 0) printf(i == 0 ? "%.3f" : ",%.3f", elapsed);
    }
    printf("\n");
    printf("rss %d %zu %ld\n", rank, bytes, resident_kb());
    fflush(stdout);
    free(data);
}

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: allreduce MASTER_PORT RANK PEERS SIZES ITERATIONS WARMUP\n"); return 2; }
    int rank = atoi(argv[2]), peers = atoi(argv[3]), iterations = atoi(argv[5]), warmup = atoi(argv[6]);
    double start = now_ms();
    CHECK(pcclInit());
    double initialized = now_ms();
    pcclComm_t *comm = join((uint16_t)atoi(argv[1]));
    printf("connect %d %.1f %.1f\n", rank, now_ms() - start, initialized - start);
    await_world(comm, peers);
    for (char *size = strtok(argv[4], ","); size != NULL; size = strtok(NULL, ",")) {
        run_size(comm, rank, peers, (size_t)atoll(size), iterations, warmup);
    }
    CHECK(pcclDestroyCommunicator(comm));
    return 0;
}
