using System.Diagnostics;
using System.Globalization;
using Pccl.Cli.Processes;

namespace Pccl.Cli.Bench.CApi;

/// <summary>
/// One round of the C side: a C master and N C peers (<c>bench/c-api/allreduce.c</c>) as separate processes on
/// loopback, each peer timing every all-reduce after a one-element barrier. Per size the result is, per iteration,
/// the slowest peer's time, and the median of those; per peer the first <c>pcclConnect</c> (pcclInit to admitted) and
/// the part of it in <c>pcclInit</c> (the library's runtime starting).
/// </summary>
internal static class CApiRound
{
    /// <summary>Both sides run with buffer backup only when asked (<see cref="CApiBenchSettings.Backup"/>), p2p on loopback, warnings only.</summary>
    public static Dictionary<string, string> Environment(CApiBenchSettings settings) => new()
    {
        ["PCCL_FAULT_TOLERANCE_ENABLE_BUFFER_BACKUP"] = settings.Backup ? "true" : "false",
        ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        ["PCCL_LOG_LEVEL"] = "WARN",
        // a loaded machine can stall a process past the 500 ms default, which ends the run instead of measuring it
        ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = System.Environment.GetEnvironmentVariable("PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS") ?? "2000",
    };

    public static async Task<CApiRoundResult> RunAsync(CApiPrograms programs, CApiBenchSettings settings, CancellationToken ct)
    {
        var port = LoopbackPorts.FreeTcpAndUdp();
        using var master = Start(programs.Master, [port.ToString(CultureInfo.InvariantCulture)], Environment(settings), redirectInput: true);
        var peers = new List<Process>();
        try
        {
            var sizes = string.Join(',', settings.Sizes.Select(s => s.ToString(CultureInfo.InvariantCulture)));
            for (var rank = 0; rank < settings.Peers; rank++)
            {
                var environment = Environment(settings);
                environment["PCCL_NETWORK_P2P_PORT_RANGE"] = $"{port + 1 + (rank * 20)}-{port + 20 + (rank * 20)}";
                peers.Add(Start(programs.Peer, [port.ToString(CultureInfo.InvariantCulture), rank.ToString(CultureInfo.InvariantCulture),
                    settings.Peers.ToString(CultureInfo.InvariantCulture), sizes, settings.Iterations.ToString(CultureInfo.InvariantCulture),
                    settings.Warmup.ToString(CultureInfo.InvariantCulture)], environment, redirectInput: false));
            }

            var outputs = await Task.WhenAll(peers.Select(p => ReadAsync(p, peers, ct)));
            return Combine(settings, outputs);
        }
        finally
        {
            foreach (var peer in peers.Where(p => !p.HasExited))
            {
                peer.Kill();
            }

            foreach (var peer in peers)
            {
                peer.Dispose();
            }

            master.StandardInput.Close(); // the master stops when its standard input closes
            if (!master.WaitForExit(30_000))
            {
                master.Kill();
            }
        }
    }

    private static Process Start(string program, string[] arguments, Dictionary<string, string> environment, bool redirectInput)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = !redirectInput, RedirectStandardInput = redirectInput, UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>A peer's output lines; a peer that fails ends the round (the others would wait for it forever).</summary>
    private static async Task<string[]> ReadAsync(Process peer, IReadOnlyList<Process> all, CancellationToken ct)
    {
        var output = peer.StandardOutput.ReadToEndAsync(ct);
        var errors = peer.StandardError.ReadToEndAsync(ct);
        await peer.WaitForExitAsync(ct);
        if (peer.ExitCode != 0)
        {
            foreach (var other in all.Where(p => p != peer && !p.HasExited))
            {
                other.Kill();
            }

            throw new PcclException(PcclErrorCode.Aborted, $"a C peer of the bench exited with {peer.ExitCode}: {(await errors).Trim()}");
        }

        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Parses "connect RANK MS INIT_MS", "times RANK BYTES MS,MS,..." and "rss RANK BYTES KB" lines of every peer.</summary>
    private static CApiRoundResult Combine(CApiBenchSettings settings, string[][] outputs)
    {
        var connects = new List<(double Total, double Init)>();
        var times = settings.Sizes.ToDictionary(b => b, _ => new List<double[]>());
        var residentKb = settings.Sizes.ToDictionary(b => b, _ => 0L);
        foreach (var fields in outputs.SelectMany(lines => lines).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (fields is ["connect", _, var ms, var init])
            {
                connects.Add((double.Parse(ms, CultureInfo.InvariantCulture), double.Parse(init, CultureInfo.InvariantCulture)));
            }
            else if (fields is ["times", _, var bytes, var list] && times.TryGetValue(long.Parse(bytes, CultureInfo.InvariantCulture), out var perPeer))
            {
                perPeer.Add([.. list.Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture))]);
            }
            else if (fields is ["rss", _, var sized, var kb] && long.Parse(sized, CultureInfo.InvariantCulture) is var size && residentKb.TryGetValue(size, out var largest))
            {
                residentKb[size] = Math.Max(largest, long.Parse(kb, CultureInfo.InvariantCulture));
            }
        }

        var medians = new Dictionary<long, double>();
        foreach (var (bytes, perPeer) in times)
        {
            if (perPeer.Count != settings.Peers)
            {
                throw new PcclException(PcclErrorCode.Aborted, $"{perPeer.Count} of {settings.Peers} C peers reported {bytes} bytes");
            }

            medians[bytes] = Statistics.Median(Enumerable.Range(0, settings.Iterations).Select(i => perPeer.Max(p => p[i])));
            if (residentKb[bytes] <= 0)
            {
                throw new PcclException(PcclErrorCode.Aborted, $"no C peer reported its resident memory after {bytes} bytes (an \"rss RANK BYTES KB\" line with KB above 0)");
            }
        }

        var first = connects.MinBy(c => c.Total);
        return new CApiRoundResult(medians, first.Total, first.Init, connects.Max(c => c.Total), residentKb);
    }
}

/// <summary>
/// One C round: per size the median of the slowest peer's times (ms), the first pcclConnect of the first and the last
/// peer admitted (ms), how much of the first peer's was its pcclInit (ms), and per size the largest peer's resident
/// memory after its last all-reduce of that size (kB).
/// </summary>
internal sealed record CApiRoundResult(Dictionary<long, double> MedianMs, double FirstConnectMs, double FirstInitMs, double LastConnectMs, Dictionary<long, long> ResidentKb);
