using System.Globalization;
using System.Text.Json;
using Pccl.Cli.Processes;
using Pccl.Cli.Recovery;
using Spectre.Console;

namespace Pccl.Cli.Bench.Memory;

/// <summary>
/// <c>pccl bench memory</c>: for each buffer size, <paramref name="peers"/> worker processes (those of
/// <c>pccl bench recovery</c>) all-reduce a float32 buffer in place with buffer backup, back to back; once each has run
/// its warm operations, their memory is read from <c>/proc</c> a few times and the largest of each figure reported.
/// </summary>
internal sealed class MemoryBench(int peers, IReadOnlyList<long> sizes, bool json, IAnsiConsole console, BenchWorker worker)
{
    private const int WarmOperations = 5;
    private const int Samples = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var results = new List<WorkerMemory>();
        foreach (var size in sizes)
        {
            results.Add(await MeasureAsync(size, ct));
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(results[^1], MemoryJson.Default.WorkerMemory));
            }
        }

        if (!json)
        {
            var table = new Table().Title($"worker ({worker.Name}) resident memory, {peers} peers, in-place float32 sum with buffer backup")
                .AddColumns("buffer MB", "RSS MB", "peak RSS MB", "PSS MB", "on huge pages MB", "beyond the buffer MB", "target MB");
            foreach (var r in results)
            {
                table.AddRow(Mb(r.BufferMb), Mb(r.RssMb), Mb(r.PeakRssMb), Mb(r.PssMb), Mb(r.HugePagesMb), Mb(r.BeyondBufferMb),
                    r.TargetMet ? $"[green]≤ {Mb(r.TargetMb)}[/]" : $"[red]≤ {Mb(r.TargetMb)} missed[/]");
            }

            console.Write(table);
        }

        return 0;
    }

    private async Task<WorkerMemory> MeasureAsync(long sizeBytes, CancellationToken ct)
    {
        await using var master = await MasterNode.StartAsync(LoopbackHeartbeats.Master(), ct: ct);
        var workers = new List<RecoveryPeer>();
        try
        {
            for (var i = 0; i < peers; i++)
            {
                workers.Add(RecoveryPeer.Start(master.Port, sizeBytes / sizeof(float), worker));
            }

            var deadline = DateTime.UtcNow + Patience;
            while (!workers.All(w => w.After(0, RecoveryEvent.Success).Count(e => e.World == peers) >= WarmOperations))
            {
                if (workers.FirstOrDefault(w => w.HasExited) is { } crashed)
                {
                    throw new InvalidOperationException($"worker pid {crashed.Pid} exited: {crashed.ExitReport()}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"the workers did not complete {WarmOperations} all-reduces of {ByteSize.Format(sizeBytes)} within {Patience.TotalSeconds:0} s");
                }

                await Task.Delay(20, ct);
            }

            var largest = default(ProcessMemory);
            for (var i = 0; i < Samples; i++)
            {
                foreach (var sample in workers.Select(w => ProcessMemory.Read(w.Pid)))
                {
                    largest = new ProcessMemory(Math.Max(largest.RssMb, sample.RssMb), Math.Max(largest.PeakRssMb, sample.PeakRssMb),
                        Math.Max(largest.PssMb, sample.PssMb), Math.Max(largest.HugePagesMb, sample.HugePagesMb));
                }

                await Task.Delay(50, ct);
            }

            return new WorkerMemory
            {
                Peers = peers,
                Worker = worker.Name,
                BufferMb = Math.Round(sizeBytes / 1024.0 / 1024.0, 1),
                RssMb = Math.Round(largest.RssMb, 1),
                PeakRssMb = Math.Round(largest.PeakRssMb, 1),
                PssMb = Math.Round(largest.PssMb, 1),
                HugePagesMb = Math.Round(largest.HugePagesMb, 1),
            };
        }
        finally
        {
            foreach (var w in workers)
            {
                w.Dispose();
            }
        }
    }

    private static string Mb(double mb) => mb.ToString("0.0", CultureInfo.InvariantCulture);
}
