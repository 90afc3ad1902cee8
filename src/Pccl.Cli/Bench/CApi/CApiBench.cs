using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Pccl.Cli.Bench.CApi;

/// <summary>
/// <c>pccl bench c-api</c>: the same float32 sum all-reduce through <c>libpccl.so</c>'s C API (C peers, a C master)
/// and through <c>Communicator</c> (<c>pccl bench allreduce</c>), alternating round by round; per size both medians
/// (each the median of its rounds' medians) and C / Communicator, with libpccl.so's size and the first
/// <c>pcclConnect</c> of a fresh process (and its part in <c>pcclInit</c>, where the library's runtime starts).
/// </summary>
internal static class CApiBench
{
    public static async Task<int> RunAsync(CApiBenchSettings settings, bool json, CancellationToken ct)
    {
        var programs = await CApiPrograms.BuildAsync(settings.NativeDirectory, ct);
        if (settings.RealTime)
        {
            await RunRealTimeAsync(ct);
        }

        var rounds = new List<(CApiRoundResult C, Dictionary<long, double> Communicator)>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var c = await CApiRound.RunAsync(programs, settings, ct);
            rounds.Add((c, await CommunicatorRound.RunAsync(settings, ct)));
        }

        var libraryBytes = new FileInfo(programs.Library).Length;
        var firstConnect = Statistics.Median(rounds.Select(r => r.C.FirstConnectMs));
        var firstInit = Statistics.Median(rounds.Select(r => r.C.FirstInitMs));
        var lastConnect = Statistics.Median(rounds.Select(r => r.C.LastConnectMs));
        var results = settings.Sizes.Select(bytes => (Bytes: bytes, C: Statistics.Median(rounds.Select(r => r.C.MedianMs[bytes])),
            Communicator: Statistics.Median(rounds.Select(r => r.Communicator[bytes])),
            ResidentMb: Statistics.Median(rounds.Select(r => r.C.ResidentKb[bytes] / 1024.0)))).ToList();
        if (json)
        {
            Console.Out.WriteLine(new JsonObject
            {
                ["libpccl_bytes"] = libraryBytes, ["first_connect_ms"] = Math.Round(firstConnect, 1),
                ["first_connect_init_ms"] = Math.Round(firstInit, 1), ["last_connect_ms"] = Math.Round(lastConnect, 1),
            }.ToJsonString());
            foreach (var (bytes, c, communicator, residentMb) in results)
            {
                Console.Out.WriteLine(new JsonObject
                {
                    ["bytes"] = bytes, ["peers"] = settings.Peers, ["rounds"] = settings.Rounds, ["realtime"] = settings.RealTime,
                    ["c_api_median_ms"] = Math.Round(c, 3), ["communicator_median_ms"] = Math.Round(communicator, 3), ["ratio"] = Math.Round(c / communicator, 4),
                    ["c_api_rss_mb"] = Math.Round(residentMb, 1), ["rss_target_mb"] = TargetMb(bytes),
                }.ToJsonString());
            }

            return 0;
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"libpccl.so: {libraryBytes} bytes ({libraryBytes / 1048576.0:F1} MiB); first pcclConnect of a fresh process: {firstConnect:F0} ms (first peer admitted; {firstInit:F0} ms of it in pcclInit, the runtime's start), {lastConnect:F0} ms (last, after the others' vote)"));
        Console.Out.WriteLine($"{"size",10} {"peers",5} {"C API median ms",16} {"Communicator ms",16} {"C / Communicator",17} {"C peer RSS MiB",15} {"target",7}");
        foreach (var (bytes, c, communicator, residentMb) in results)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ByteSize.Format(bytes),10} {settings.Peers,5} {c,16:F3} {communicator,16:F3} {c / communicator,17:F3} {residentMb,15:F1} {TargetMb(bytes),7:F0}"));
        }

        return 0;
    }

    /// <summary>The memory target of an in-place all-reduce with buffer backup, as <c>pccl bench memory</c> holds its workers to.</summary>
    private static double TargetMb(long bytes) => (2 * bytes / 1048576.0) + Memory.WorkerMemory.FixedShareMb;

    /// <summary>
    /// Puts this process's threads under SCHED_FIFO (chrt, as bench/compare.sh does), so every process it starts for both
    /// sides runs under it: the same condition for both, without other processes' load deciding the figures.
    /// </summary>
    private static async Task RunRealTimeAsync(CancellationToken ct)
    {
        var info = new ProcessStartInfo("chrt") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["--all-tasks", "--fifo", "--pid", "10", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(argument);
        }

        using var chrt = Process.Start(info) ?? throw new InvalidOperationException("could not start chrt");
        var errors = await chrt.StandardError.ReadToEndAsync(ct);
        await chrt.WaitForExitAsync(ct);
        if (chrt.ExitCode != 0)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"--realtime needs SCHED_FIFO (run as root): chrt failed: {errors.Trim()}");
        }
    }
}
