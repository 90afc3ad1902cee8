/* A master process through the C API: serves until its standard input closes. Usage: master PORT */
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv) {
    test_name = "master";
    EXPECT(argc == 2, "usage: master PORT");
    OK(pcclInit());
    ccoip_socket_address_t address = loopback((uint16_t)atoi(argv[1]));
    address.inet.ipv4.data[0] = 0;
    address.inet.ipv4.data[3] = 0;
    pcclMasterInstance_t *master = NULL;
    OK(pcclCreateMaster(address, &master));
    OK(pcclRunMaster(master));
    printf("MASTER RUNNING\n");
    fflush(stdout);
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0) {
    }
    OK(pcclInterruptMaster(master));
    OK(pcclMasterAwaitTermination(master));
    OK(pcclDestroyMaster(master));
    printf("MASTER STOPPED\n");
    return 0;
}
