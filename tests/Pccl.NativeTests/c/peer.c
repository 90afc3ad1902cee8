/*
 * One peer of the multi-process C test: ranks 0-2 found the run, rank 3 joins late. Usage: peer MASTER_PORT RANK
 * The test starts rank 0, then ranks 1 and 2 once rank 0 prints ACCEPTED, then rank 3 once rank 0 prints
 * READY_FOR_JOINER. Rank 3 SIGKILLs itself inside pcclAllReduceMultipleWithRetry, rank 2 inside a pcclAllReduce;
 * ranks 0 and 1 print PASS at the end.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include "check.h"
#include "values.h"

static int rank;

struct partial_watch {
    const volatile float *data;
    size_t count;
    float input, sum;
    int armed; /* set only while this thread is inside an all-reduce call: the buffer is refilled with the input between calls */
};

static void arm(struct partial_watch *watch, int armed) { __atomic_store_n(&watch->armed, armed, __ATOMIC_SEQ_CST); }

/* While armed (the main thread is inside an all-reduce call; between calls it refills the buffer with its input),
 * polls a sample of the buffer and SIGKILLs the process inside the operation: at the first element that holds neither
 * this peer's input nor the final sum (a partial sum, where a schedule writes them into the caller's buffer), or once
 * some elements hold the final sum while more than half of the sample still holds the input. The ring keeps its
 * partial sums and the slice this peer owns out of the caller's buffer until the master has completed the operation,
 * and its all-gather writes the other slices' final values piece by piece: with three peers or more, over half still
 * input means the all-gather has begun and not finished, so the master cannot have completed the operation (after the
 * all-gather only the owned slice, 1/N, is input). Either way a neighbour's data
 * arrived, so the master started the operation for every member. A kill on a timer can land between two operations
 * instead, and the master then starts the next one without the dead peer: the survivors see it succeed with two
 * peers and no failure. Real-time priority keeps the thread from being preempted between seeing the state and the
 * kill (the tests run as root; without it the window is one system call). */
static void *kill_inside_all_reduce(void *arg) {
    const struct partial_watch *watch = arg;
    struct sched_param priority = {.sched_priority = 10};
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &priority);
    size_t stride = watch->count / 4096 ? watch->count / 4096 : 1;
    size_t samples = (watch->count + stride - 1) / stride;
    for (;;) {
        if (!__atomic_load_n(&watch->armed, __ATOMIC_SEQ_CST)) {
            usleep(100);
            continue;
        }
        size_t finals = 0, inputs = 0;
        for (size_t i = 0; i < watch->count; i += stride) {
            float value = watch->data[i];
            if (value == watch->input) {
                inputs++;
            } else if (value == watch->sum) {
                finals++;
            } else {
                kill(getpid(), SIGKILL);
            }
        }
        if (finals > 0 && inputs * 2 > samples && __atomic_load_n(&watch->armed, __ATOMIC_SEQ_CST)) {
            kill(getpid(), SIGKILL);
        }
        usleep(100);
    }
    return NULL;
}

static void die_inside_all_reduce(struct partial_watch *watch) {
    pthread_t thread;
    EXPECT(pthread_create(&thread, NULL, kill_inside_all_reduce, watch) == 0, "partial-sum watcher thread");
}

static void say(const char *line) {
    printf("%s\n", line);
    fflush(stdout);
}

/* every accepted peer runs the same votes until the run has `want` peers */
static void admit_until(pcclComm_t *comm, int want) {
    for (int round = 0; world_size(comm) < want; round++) {
        EXPECT(round < 2000, "still %d peers of %d after %d rounds", world_size(comm), want, round);
        bool pending = false;
        OK(pcclArePeersPending(comm, &pending));
        if (pending) {
            OK(pcclUpdateTopology(comm));
        } else {
            usleep(20000);
        }
    }
}

static void barrier(pcclComm_t *comm, uint64_t tag) {
    float one = 1;
    pcclReduceDescriptor_t desc = reduce_desc(1, pcclSum, tag, pcclFloat);
    OK(pcclAllReduce(&one, &one, &desc, comm, NULL));
}

static double contribution(int r, size_t i) { return (double)((r + i) % 5 + 1); }

static double expected(pcclRedOp_t op, pcclDataType_t type, size_t i) {
    double a = contribution(0, i), b = contribution(1, i), c = contribution(2, i);
    switch (op) {
    case pcclSum: return a + b + c;
    case pcclAvg: return is_float(type) ? (a + b + c) / 3 : floor((a + b + c) / 3);
    case pcclProd: return a * b * c;
    case pcclMax: return fmax(a, fmax(b, c));
    default: return fmin(a, fmin(b, c));
    }
}

static double tolerance(pcclDataType_t type) {
    switch (type) {
    case pcclFloat16: case pcclBFloat16: return 2e-2;
    case pcclFloat: return 1e-5;
    case pcclDouble: return 1e-12;
    default: return 0;
    }
}

/* every data type x op, in and out of place, at 2, 3, 1025 and 203,530 elements */
static void type_op_matrix(pcclComm_t *comm) {
    static const size_t counts[] = {2, 3, 1025, 203530};
    static const pcclRedOp_t ops[] = {pcclSum, pcclAvg, pcclProd, pcclMax, pcclMin};
    uint64_t tag = 100;
    int runs = 0;
    for (size_t t = 0; t < sizeof all_types / sizeof *all_types; t++) {
        pcclDataType_t type = all_types[t];
        for (size_t c = 0; c < 4; c++) {
            size_t count = counts[c];
            void *send = malloc(count * element_size(type));
            void *recv = malloc(count * element_size(type));
            for (size_t o = 0; o < 5; o++) {
                for (int in_place = 0; in_place < 2; in_place++) {
                    for (size_t i = 0; i < count; i++) {
                        set_value(type, send, i, contribution(rank, i));
                        set_value(type, recv, i, 99);
                    }
                    pcclReduceDescriptor_t desc = reduce_desc(count, ops[o], tag++, type);
                    pcclReduceInfo_t info;
                    memset(&info, 0, sizeof info);
                    OK(pcclAllReduce(send, in_place ? send : recv, &desc, comm, &info));
                    EXPECT(info.local_world_size == 3, "world %u", info.local_world_size);
                    EXPECT(info.tx_bytes > 0 && info.rx_bytes > 0, "bytes %lu/%lu", (unsigned long)info.tx_bytes, (unsigned long)info.rx_bytes);
                    const void *out = in_place ? send : recv;
                    for (size_t i = 0; i < count; i++) {
                        double got = get_value(type, out, i), want = expected(ops[o], type, i);
                        EXPECT(fabs(got - want) <= tolerance(type) * fabs(want), "type %d op %d count %zu in_place %d: [%zu] = %g, expected %g",
                               type, ops[o], count, in_place, i, got, want);
                        if (!in_place) {
                            EXPECT(get_value(type, send, i) == contribution(rank, i), "out of place modified the input at [%zu]", i);
                        }
                    }
                    runs++;
                }
            }
            free(send);
            free(recv);
        }
    }
    printf("matrix: %d all-reduces correct\n", runs);
}

static void quantized(pcclComm_t *comm) {
    static const float mine[] = {42, 43, 0};
    static const pcclDataType_t codes[] = {pcclUint8, pcclUint16};
    size_t count = 4096;
    float *data = malloc(count * sizeof(float));
    for (int q = 0; q < 2; q++) {
        for (size_t i = 0; i < count; i++) data[i] = mine[rank];
        pcclReduceDescriptor_t desc = reduce_desc(count, pcclSum, 900 + q, pcclFloat);
        desc.quantization_options.algorithm = pcclQuantMinMax;
        desc.quantization_options.quantized_datatype = codes[q];
        OK(pcclAllReduce(data, data, &desc, comm, NULL));
        for (size_t i = 0; i < count; i++) EXPECT(data[i] == 85.0f, "min-max %d: [%zu] = %.9g, expected 85 exactly", codes[q], i, data[i]);
    }
    free(data);
    say("quantization: 42 + 43 + 0 = 85 exactly");
}

static void concurrent_async(pcclComm_t *comm) {
    enum { OPS = 4, COUNT = 50000 };
    float *buffers[OPS];
    pcclAsyncReduceOp_t handles[OPS];
    for (int k = 0; k < OPS; k++) {
        buffers[k] = malloc(COUNT * sizeof(float));
        for (size_t i = 0; i < COUNT; i++) buffers[k][i] = (float)(rank + 1 + k);
        pcclReduceDescriptor_t desc = reduce_desc(COUNT, pcclSum, 1000 + k, pcclFloat);
        OK(pcclAllReduceAsync(buffers[k], buffers[k], &desc, comm, &handles[k]));
    }
    EXPECT_RESULT(pcclUpdateTopology(comm), pcclPendingAsyncOps);
    for (int k = OPS - 1; k >= 0; k--) {
        pcclReduceInfo_t info;
        OK(pcclAwaitAsyncReduce(&handles[k], &info));
        EXPECT(info.local_world_size == 3, "async world %u", info.local_world_size);
        for (size_t i = 0; i < COUNT; i++) EXPECT(buffers[k][i] == (float)(6 + 3 * k), "async tag %d: [%zu] = %g", 1000 + k, i, buffers[k][i]);
        free(buffers[k]);
    }
    say("async: 4 concurrent tags awaited in reverse order");
}

struct threaded_call {
    pcclComm_t *comm;
    int k;
    pcclResult_t result;
    float sum;
};

static void *blocking_all_reduce(void *arg) {
    struct threaded_call *call = arg;
    enum { COUNT = 300000 };
    float *data = malloc(COUNT * sizeof(float));
    for (size_t i = 0; i < COUNT; i++) data[i] = (float)(rank + call->k);
    pcclReduceDescriptor_t desc = reduce_desc(COUNT, pcclSum, 1100 + call->k, pcclFloat);
    call->result = pcclAllReduce(data, data, &desc, call->comm, NULL);
    call->sum = data[COUNT - 1];
    free(data);
    return NULL;
}

/* blocking calls from several threads at once: each blocks only its own thread */
static void concurrent_threads(pcclComm_t *comm) {
    enum { THREADS = 3 };
    pthread_t threads[THREADS];
    struct threaded_call calls[THREADS];
    for (int k = 0; k < THREADS; k++) {
        calls[k] = (struct threaded_call){comm, k, pcclInternalError, 0};
        EXPECT(pthread_create(&threads[k], NULL, blocking_all_reduce, &calls[k]) == 0, "thread %d", k);
    }
    for (int k = 0; k < THREADS; k++) {
        pthread_join(threads[k], NULL);
        OK(calls[k].result);
        EXPECT(calls[k].sum == (float)(3 + 3 * k), "thread %d sum %g", k, calls[k].sum);
    }
    say("threads: 3 blocking all-reduces from 3 threads at once");
}

enum { WEIGHTS = 10000 };

static void sync_state(pcclComm_t *comm, float *weights, int64_t *step, uint64_t *revision, pcclSharedStateSyncInfo_t *info) {
    pcclTensorInfo_t infos[2] = {
        {"weights", weights, WEIGHTS, pcclFloat, pcclDeviceCpu, false},
        {"step", step, 1, pcclInt64, pcclDeviceCpu, false},
    };
    pcclSharedState_t state = {*revision, 2, infos};
    OK(pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, info));
    *revision = state.revision;
}

/* the founders advance the state to revision 2 after the joiner is in; the joiner starts empty at revision 0 */
static void shared_state_with_joiner(pcclComm_t *comm, float *weights, int64_t *step) {
    uint64_t revision = 2;
    pcclSharedStateSyncInfo_t info;
    if (rank < 3) {
        for (size_t i = 0; i < WEIGHTS; i++) weights[i] = (float)i * 0.25f + 1;
        *step = 8;
    } else {
        revision = 0;
    }
    sync_state(comm, weights, step, &revision, &info);
    EXPECT(revision == 2, "revision after sync %lu", (unsigned long)revision);
    for (size_t i = 0; i < WEIGHTS; i++) EXPECT(weights[i] == (float)i * 0.25f + 1, "weights[%zu] = %g", i, weights[i]);
    EXPECT(*step == 8, "step %ld", (long)*step);
    if (rank == 3) {
        EXPECT(info.rx_bytes >= WEIGHTS * sizeof(float) + sizeof(int64_t), "the joiner received %lu bytes", (unsigned long)info.rx_bytes);
        say("late joiner received the shared state and revision 2");
    } else {
        EXPECT(info.rx_bytes == 0, "an up-to-date peer received %lu bytes", (unsigned long)info.rx_bytes);
    }
}

/* rank 3 dies inside the batch (at its first partial sum of the first operation); the survivors retry and every
 * operation ends with 4 or 3 contributions */
static void multiple_with_retry(pcclComm_t *comm) {
    enum { OPS = 16, COUNT = 1 << 20 };
    pcclReduceOpDescriptor_t descs[OPS];
    float *buffers[OPS];
    for (int k = 0; k < OPS; k++) {
        buffers[k] = malloc(COUNT * sizeof(float));
        for (size_t i = 0; i < COUNT; i++) buffers[k][i] = (float)(rank + 1);
        descs[k].sendbuf = buffers[k];
        descs[k].recvbuf = buffers[k];
        descs[k].descriptor = reduce_desc(COUNT, pcclSum, 6000 + k, pcclFloat);
    }
    barrier(comm, 5000);
    struct partial_watch watch = {buffers[0], COUNT, (float)(rank + 1), 10.0f, 0};
    if (rank == 3) die_inside_all_reduce(&watch);
    pcclReduceInfo_t info;
    arm(&watch, 1);
    OK(pcclAllReduceMultipleWithRetry(descs, OPS, comm, &info, 2));
    arm(&watch, 0);
    EXPECT(rank != 3, "rank 3 should have died inside the batch");
    int survivors_only = 0;
    for (int k = 0; k < OPS; k++) {
        float first = buffers[k][0];
        EXPECT(first == 10.0f || first == 6.0f, "op %d sum %g: neither all four (10) nor the three survivors (6)", k, first);
        for (size_t i = 0; i < COUNT; i++) EXPECT(buffers[k][i] == first, "op %d mixed [%zu] = %g vs %g", k, i, buffers[k][i], first);
        survivors_only += first == 6.0f;
        free(buffers[k]);
    }
    EXPECT(survivors_only > 0, "no operation ran without rank 3: it died after the batch, not inside it");
    EXPECT(world_size(comm) == 3, "world after the kill %d", world_size(comm));
    printf("retry: %d of %d operations finished by the survivors\n", survivors_only, OPS);
    fflush(stdout);
}

/* rank 2 dies inside an all-reduce (at its first partial sum); the survivors see pcclRankConnectionLost with their
 * input restored */
static void connection_lost(pcclComm_t *comm) {
    enum { COUNT = 4 << 20 };
    float *data = malloc(COUNT * sizeof(float));
    for (size_t i = 0; i < COUNT; i++) data[i] = (float)(rank + 1);
    barrier(comm, 7000);
    struct partial_watch watch = {data, COUNT, (float)(rank + 1), 6.0f, 0};
    if (rank == 2) die_inside_all_reduce(&watch);
    int lost = 0;
    for (int attempt = 0; attempt < 400 && !lost; attempt++) {
        for (size_t i = 0; i < COUNT; i++) data[i] = (float)(rank + 1);
        pcclReduceDescriptor_t desc = reduce_desc(COUNT, pcclSum, 7001, pcclFloat);
        pcclReduceInfo_t info;
        arm(&watch, 1);
        pcclResult_t result = pcclAllReduce(data, data, &desc, comm, &info);
        arm(&watch, 0);
        if (result == pcclRankConnectionLost) {
            for (size_t i = 0; i < COUNT; i++) EXPECT(data[i] == (float)(rank + 1), "input not restored: [%zu] = %g", i, data[i]);
            lost = 1;
        } else {
            EXPECT(result == pcclSuccess, "all-reduce returned %d", result);
            EXPECT(info.local_world_size == 3, "an all-reduce completed with %u peers before any failure was reported", info.local_world_size);
            EXPECT(data[0] == 6.0f, "sum %g", data[0]);
        }
    }
    EXPECT(rank != 2, "rank 2 should have died");
    EXPECT(lost, "no all-reduce reported pcclRankConnectionLost");
    pcclResult_t result = pcclRankConnectionLost;
    pcclReduceInfo_t info;
    for (int retry = 0; retry < 5 && result == pcclRankConnectionLost; retry++) {
        for (size_t i = 0; i < COUNT; i++) data[i] = (float)(rank + 1);
        pcclReduceDescriptor_t desc = reduce_desc(COUNT, pcclSum, 7001, pcclFloat);
        result = pcclAllReduce(data, data, &desc, comm, &info);
    }
    OK(result);
    EXPECT(info.local_world_size == 2 && data[0] == 3.0f && data[COUNT - 1] == 3.0f, "retry: world %u sum %g", info.local_world_size, data[0]);
    free(data);
    say("connection lost: pcclRankConnectionLost, input restored, retry with the survivors");
}

int main(int argc, char **argv) {
    test_name = "peer";
    EXPECT(argc == 3, "usage: peer MASTER_PORT RANK");
    uint16_t port = (uint16_t)atoi(argv[1]);
    rank = atoi(argv[2]);
    static char name[32];
    snprintf(name, sizeof name, "peer %d", rank);
    test_name = name;
    OK(pcclInit());
    pcclComm_t *comm = create_comm(port);
    pcclResult_t connected;
    for (int attempt = 0; (connected = pcclConnect(comm)) == pcclMasterConnectionFailed && attempt < 100; attempt++) usleep(100000);
    OK(connected);
    float *weights = calloc(WEIGHTS, sizeof(float));
    int64_t step = 0;
    if (rank < 3) {
        if (rank == 0) {
            EXPECT(world_size(comm) == 1, "rank 0 is accepted alone, world %d", world_size(comm));
            float x[2] = {1, 2};
            pcclReduceDescriptor_t desc = reduce_desc(2, pcclSum, 1, pcclFloat);
            EXPECT_RESULT(pcclAllReduce(x, x, &desc, comm, NULL), pcclTooFewPeers);
            say("ACCEPTED");
        }
        admit_until(comm, 3);
        say("ADMITTED 3");
        type_op_matrix(comm);
        quantized(comm);
        concurrent_async(comm);
        concurrent_threads(comm);
        uint64_t revision = 1;
        for (size_t i = 0; i < WEIGHTS; i++) weights[i] = (float)i;
        step = 7;
        sync_state(comm, weights, &step, &revision, NULL);
        EXPECT(revision == 1, "first revision %lu", (unsigned long)revision);
        if (rank == 0) say("READY_FOR_JOINER");
        admit_until(comm, 4);
        say("ADMITTED 4");
    }
    shared_state_with_joiner(comm, weights, &step);
    multiple_with_retry(comm);
    connection_lost(comm);
    OK(pcclDestroyCommunicator(comm));
    free(weights);
    say("PASS");
    return 0;
}
