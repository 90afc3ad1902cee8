using System.CommandLine;
using System.Globalization;
using Pccl.Cli.Chaos;
using Spectre.Console;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl bench chaos</c>: churn workers (start, SIGKILL, SIGSTOP/SIGCONT, once a total loss) and check the run stays correct and live.</summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var peersMax = new Option<int>("--peers-max") { Description = "most worker processes alive at once (at least 2 are kept)", DefaultValueFactory = _ => 8 };
        var duration = new Option<string>("--duration") { Description = "how long to play faults (e.g. 60s, 2m, 1500ms)", DefaultValueFactory = _ => "60s" };
        var seed = new Option<int?>("--seed") { Description = "seed of the fault schedule (printed; repeat a run with it)" };
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON object" };
        var elements = new Option<int>("--elements") { Description = "float32 elements per all-reduce", DefaultValueFactory = _ => 1 << 16 };
        var totalLossAt = new Option<string?>("--total-loss-at")
        {
            Description = "when to kill every worker at once, last holders of the shared state included (e.g. 30s; 'off'); default 40 % into runs of 10 s or more",
        };
        var checkpointInterval = new Option<int>("--checkpoint-interval") { Description = "revisions between checkpoints (fault_tolerance.checkpoint_interval_steps)", DefaultValueFactory = _ => 10 };
        var p2pPorts = new Option<string?>("--p2p-port-range") { Description = "workers' p2p ports (network.p2p_port_range)", Hidden = true };
        var command = new Command("chaos",
            "Start a master and 2..N workers, kill, freeze and add workers at random, and once kill them all; fail on a stall, a crash, " +
            "a disagreement, a wrong sum, or a restart that does not resume from the newest checkpoint")
        {
            peersMax, duration, seed, json, elements, totalLossAt, checkpointInterval, p2pPorts,
        };
        command.SetAction(async (parse, ct) =>
        {
            var length = ParseDuration(parse.GetValue(duration)!);
            var options = new ChaosOptions
            {
                PeersMax = parse.GetValue(peersMax),
                Duration = length,
                TotalLossAt = parse.GetValue(totalLossAt) switch
                {
                    null => length >= ChaosOptions.ShortestWithTotalLoss ? length * 0.4 : null,
                    "off" => null,
                    var at => ParseDuration(at),
                },
                CheckpointIntervalSteps = parse.GetValue(checkpointInterval),
                Seed = parse.GetValue(seed) ?? Random.Shared.Next(1, 1_000_000),
                Json = parse.GetValue(json),
                Elements = parse.GetValue(elements),
            };
            if (options.PeersMax < 2 || options.CheckpointIntervalSteps < 1)
            {
                Console.Error.WriteLine("--peers-max must be at least 2 and --checkpoint-interval at least 1");
                return 2;
            }

            // Workers inherit these: loopback only, and a port range of the caller's choice.
            Environment.SetEnvironmentVariable("PCCL_NETWORK_BIND_ADDRESS", "127.0.0.1");
            if (parse.GetValue(p2pPorts) is { } range)
            {
                Environment.SetEnvironmentVariable("PCCL_NETWORK_P2P_PORT_RANGE", range);
            }

            await using var master = await MasterNode.StartAsync(MasterOptions.Default with { BindAddress = "127.0.0.1", Port = 0 }, ct: ct);
            if (!options.Json)
            {
                AnsiConsole.MarkupLine($"PCCL chaos: master on 127.0.0.1:{master.Port}, up to {options.PeersMax} workers, {options.Duration.TotalSeconds:0} s, seed {options.Seed}" +
                    (options.TotalLossAt is { } at ? $", every worker killed at {at.TotalSeconds:0.0} s" : ""));
            }

            var summary = await new ChaosDriver(options, master.Port, AnsiConsole.Console).RunAsync(ct);
            ChaosDriver.Print(summary, options.Json, AnsiConsole.Console);
            return summary.Passed ? 0 : 1;
        });
        return command;
    }

    /// <summary>Parses 60s, 2m, 1500ms or a bare number of seconds.</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var (number, scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"duration '{text}' is not a positive number with a unit (e.g. 60s, 2m, 1500ms)");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
