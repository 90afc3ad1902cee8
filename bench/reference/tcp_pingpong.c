/*
 * Loopback TCP round trip between two processes: what one hop of a protocol costs on this machine, the floor
 * under every master round trip of PCCL and every small-message step of MPI.
 *
 *   cc -O2 -o tcp_pingpong bench/reference/tcp_pingpong.c
 *   ./tcp_pingpong [--mode block|spin] [--iterations K] [--idle-us U]
 *
 * block: both sides sleep in recv() until the message is there (how an event-driven runtime waits: PCCL for .NET,
 * gloo); spin: both sides poll a non-blocking socket (how Open MPI's progress engine waits). --idle-us sleeps that
 * long between round trips (default 1000: a training loop does not send back-to-back) so each message has to wake
 * a sleeping receiver, as the master's start or complete does. Prints one JSON line: median, p10 and p90 in µs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static int spin;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Receives exactly n bytes, sleeping or polling as the mode says; 0 at end of stream. */
static int recv_all(int fd, char *buf, int n)
{
    int got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r > 0) {
            got += (int)r;
        } else if (r == 0) {
            return 0;
        } else if (!(spin && (errno == EAGAIN || errno == EWOULDBLOCK)) && errno != EINTR) {
            die("recv");
        }
    }
    return 1;
}

static void tune(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (spin && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        die("fcntl");
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int iterations = 2000, idle_us = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mode"))
            spin = !strcmp(argv[i + 1], "spin");
        else if (!strcmp(argv[i], "--iterations"))
            iterations = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--idle-us"))
            idle_us = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: %s [--mode block|spin] [--iterations K] [--idle-us U]\n", argv[0]);
            return 2;
        }
    }

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1)
        || getsockname(listener, (struct sockaddr *)&addr, &len))
        die("listen");

    char buf[64] = { 0 };
    pid_t child = fork();
    if (child == 0) { /* echo side */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr))
            die("connect");
        tune(fd);
        while (recv_all(fd, buf, 32))
            if (send(fd, buf, 32, 0) != 32)
                die("send");
        return 0;
    }

    int fd = accept(listener, NULL, NULL);
    if (fd < 0)
        die("accept");
    tune(fd);
    double *rtt = malloc(sizeof(double) * iterations);
    for (int i = 0; i < iterations; i++) {
        if (idle_us > 0)
            usleep(idle_us);
        double start = now_us();
        if (send(fd, buf, 32, 0) != 32)
            die("send");
        recv_all(fd, buf, 32);
        rtt[i] = now_us() - start;
    }
    close(fd);
    waitpid(child, NULL, 0);
    qsort(rtt, iterations, sizeof(double), cmp);
    printf("{\"mode\":\"%s\",\"iterations\":%d,\"idle_us\":%d,\"median_us\":%.1f,\"p10_us\":%.1f,\"p90_us\":%.1f}\n",
        spin ? "spin" : "block", iterations, idle_us, rtt[iterations / 2], rtt[iterations / 10], rtt[iterations * 9 / 10]);
    return 0;
}
