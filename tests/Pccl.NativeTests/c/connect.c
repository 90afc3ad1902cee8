/*
 * A peer that connects, prints the codes it got, and when WORLD > 0 waits for WORLD peers and checks one all-reduce:
 * for the configuration (PCCL_* variables), master-interchangeability and observability tests. With "hold" it then
 * waits for its standard input to close before leaving (a test scrapes its metrics meanwhile).
 * Usage: connect MASTER_PORT WORLD [hold]
 */
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv) {
    test_name = "connect";
    EXPECT(argc == 3 || (argc == 4 && strcmp(argv[3], "hold") == 0), "usage: connect MASTER_PORT WORLD [hold]");
    int world = atoi(argv[2]);
    OK(pcclInit());
    pcclCommCreateParams_t params;
    memset(&params, 0, sizeof params);
    params.master_address = loopback((uint16_t)atoi(argv[1]));
    pcclComm_t *comm = NULL;
    pcclResult_t created = pcclCreateCommunicator(&params, &comm);
    printf("create %d\n", created);
    if (created != pcclSuccess) return 0;
    pcclResult_t connected = pcclConnect(comm);
    for (int attempt = 0; world > 0 && connected == pcclMasterConnectionFailed && attempt < 100; attempt++) {
        usleep(100000); /* the master may still be starting */
        connected = pcclConnect(comm);
    }
    printf("connect %d\n", connected);
    fflush(stdout);
    if (connected == pcclSuccess && world > 0) {
        for (int round = 0; world_size(comm) < world; round++) {
            EXPECT(round < 2000, "still %d peers of %d", world_size(comm), world);
            bool pending = false;
            OK(pcclArePeersPending(comm, &pending));
            if (pending) OK(pcclUpdateTopology(comm));
            else usleep(20000);
        }
        float data[1025];
        for (int i = 0; i < 1025; i++) data[i] = (float)i;
        pcclReduceDescriptor_t desc = reduce_desc(1025, pcclSum, 1, pcclFloat);
        pcclReduceInfo_t info;
        OK(pcclAllReduce(data, data, &desc, comm, &info));
        for (int i = 0; i < 1025; i++) EXPECT(data[i] == (float)(i * world), "[%d] = %g", i, data[i]);
        EXPECT(info.local_world_size == (uint32_t)world, "world %u", info.local_world_size);
        printf("sum ok\n");
    }
    if (argc == 4) {
        printf("HOLDING\n");
        fflush(stdout);
        char buffer[64];
        while (read(0, buffer, sizeof buffer) > 0) {
        }
    }
    OK(pcclDestroyCommunicator(comm));
    return 0;
}
