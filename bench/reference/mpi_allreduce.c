/*
 * Reference all-reduce benchmark: MPI_Allreduce, float32 sum, in place.
 *
 * Usage: mpi_allreduce [--sizes 1MiB,16MiB,64MiB,256MiB] [--iterations K] [--warmup W]
 *
 * For each size: one buffer is allocated and touched once, then reused. Every iteration refills
 * it with rank+1 (untimed), waits on a barrier, and times one MPI_Allreduce. The time of an
 * iteration is the maximum over ranks. Rank 0 prints one JSON object per size.
 * See README.md next to this file for the definitions of algbw and busbw.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SIZES 64

static int parse_size(const char *text, size_t *out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || value <= 0) return -1;
    double scale = 1;
    if (*end == '\0' || strcasecmp(end, "B") == 0) scale = 1;
    else if (strcasecmp(end, "KiB") == 0 || strcasecmp(end, "K") == 0) scale = 1024.0;
    else if (strcasecmp(end, "MiB") == 0 || strcasecmp(end, "M") == 0) scale = 1024.0 * 1024;
    else if (strcasecmp(end, "GiB") == 0 || strcasecmp(end, "G") == 0) scale = 1024.0 * 1024 * 1024;
    else return -1;
    size_t bytes = (size_t)(value * scale);
    if (bytes < sizeof(float) || bytes % sizeof(float) != 0) return -1;
    *out = bytes;
    return 0;
}

static int parse_sizes(char *list, size_t *sizes)
{
    int count = 0;
    for (char *item = strtok(list, ","); item != NULL; item = strtok(NULL, ",")) {
        if (count == MAX_SIZES || parse_size(item, &sizes[count]) != 0) return -1;
        count++;
    }
    return count;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage_and_exit(int rank, const char *problem)
{
    if (rank == 0)
        fprintf(stderr, "mpi_allreduce: %s\nusage: mpi_allreduce [--sizes 1MiB,16MiB] [--iterations K] [--warmup W]\n"
                        "sizes: positive multiples of 4 bytes, suffix B, KiB, MiB or GiB\n", problem);
    MPI_Finalize();
    exit(2);
}

/* Runs warmup + timed iterations for one size and, on rank 0, prints the JSON line. */
static int bench_size(size_t bytes, int iterations, int warmup, int rank, int peers)
{
    size_t count = bytes / sizeof(float);
    if (count > INT32_MAX) {
        if (rank == 0) fprintf(stderr, "mpi_allreduce: %zu bytes exceeds MPI int count limit\n", bytes);
        return 1;
    }
    float *buffer = malloc(bytes);
    double *local = malloc(sizeof(double) * (size_t)iterations);
    double *slowest = malloc(sizeof(double) * (size_t)iterations);
    if (buffer == NULL || local == NULL || slowest == NULL) {
        fprintf(stderr, "mpi_allreduce: rank %d cannot allocate %zu bytes\n", rank, bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(buffer, 0, bytes); /* pre-touch every page once */

    const float mine = (float)(rank + 1);
    const float expected = (float)peers * (float)(peers + 1) / 2.0f;
    int ok = 1;
    for (int i = -warmup; i < iterations; i++) {
        for (size_t j = 0; j < count; j++) buffer[j] = mine;
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double elapsed = MPI_Wtime() - start;
        if (i >= 0) local[i] = elapsed;
        for (size_t j = 0; j < count && ok; j++) ok = buffer[j] == expected;
    }

    int all_ok = 0;
    MPI_Reduce(local, slowest, iterations, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        qsort(slowest, (size_t)iterations, sizeof(double), compare_doubles);
        double median = iterations % 2 == 1
            ? slowest[iterations / 2]
            : (slowest[iterations / 2 - 1] + slowest[iterations / 2]) / 2.0;
        double algbw = (double)bytes / median / 1e9;
        double busbw = algbw * 2.0 * (peers - 1) / peers;
        printf("{\"impl\": \"mpi\", \"peers\": %d, \"bytes\": %zu, \"iterations\": %d, \"median_s\": %.9f, "
               "\"min_s\": %.9f, \"max_s\": %.9f, \"algbw_gbps\": %.6f, \"busbw_gbps\": %.6f, \"correct\": %s}\n",
               peers, bytes, iterations, median, slowest[0], slowest[iterations - 1], algbw, busbw,
               all_ok ? "true" : "false");
        fflush(stdout);
    }
    free(buffer);
    free(local);
    free(slowest);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, peers = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &peers);

    char default_sizes[] = "1MiB,16MiB,64MiB,256MiB";
    char *size_list = default_sizes;
    int iterations = 10, warmup = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) size_list = argv[++i];
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = atoi(argv[++i]);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) warmup = atoi(argv[++i]);
        else usage_and_exit(rank, "unknown or incomplete argument");
    }
    if (iterations < 1 || warmup < 0) usage_and_exit(rank, "--iterations must be >= 1 and --warmup >= 0");

    size_t sizes[MAX_SIZES];
    int size_count = parse_sizes(size_list, sizes);
    if (size_count <= 0) usage_and_exit(rank, "bad --sizes list");

    int status = 0;
    for (int s = 0; s < size_count && status == 0; s++)
        status = bench_size(sizes[s], iterations, warmup, rank, peers);

    MPI_Finalize();
    return status;
}
