using System.CommandLine;
using System.Globalization;
using Pccl.Cli.Bench;
using Pccl.Cli.Bench.Wan;
using Pccl.Cli.Processes;
using Pccl.Cli.Wan;
using Pccl.Hosting.Logging;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl bench wan</c> and <c>pccl bench wan-check</c>, and the emulator's hidden processes (forwarder, worker).</summary>
internal static class BenchWanCommand
{
    private static Option<double> Rtt() => new("--rtt-ms") { Description = "round-trip time of the path between sites (half each way)", DefaultValueFactory = _ => 100 };

    private static Option<double> Rate() => new("--rate-mbit") { Description = "rate of the path, each direction; 0: unlimited", DefaultValueFactory = _ => 1000 };

    private static Option<double> Loss() => new("--loss") { Description = "fraction of packets dropped at random, each direction", DefaultValueFactory = _ => 0 };

    private static Option<double> Queue() => new("--queue-ms") { Description = "the path's queue, in time at its rate (tail drop beyond); 0: one round trip, at least 10 ms", DefaultValueFactory = _ => 0 };

    private static Option<string?> StageLog() =>
        new("--stage-log") { Description = "a directory where each worker writes its debug log, with the hierarchy's per-ring timings (event 1780)" };

    private static Option<bool> SlowStartAfterIdle() =>
        new("--slow-start-after-idle") { Description = "whether the sites' TCP restarts slow start after an idle spell (net.ipv4.tcp_slow_start_after_idle; Linux' default: true)", DefaultValueFactory = _ => true };

    private static Option<string?> CongestionControl() =>
        new("--congestion-control") { Description = "the sites' TCP congestion control (net.ipv4.tcp_congestion_control, e.g. cubic or bbr); default: what the machine gives a new namespace" };

    private static PathShape Shape(
        ParseResult parse, Option<double> rtt, Option<double> rate, Option<double> loss, Option<double> queue, Option<bool> idle, Option<string?>? congestionControl = null) =>
        new PathShape
        {
            RttMs = parse.GetValue(rtt), RateMbit = parse.GetValue(rate), Loss = parse.GetValue(loss), QueueMs = parse.GetValue(queue), SlowStartAfterIdle = parse.GetValue(idle),
            CongestionControl = congestionControl is null ? null : parse.GetValue(congestionControl),
        }.Validated();

    public static Command Wan()
    {
        var regions = new Option<string>("--regions") { Description = "AxB: A datacentres of B peers (fast inside, one emulated path between them); 1xB: the path runs between the B peers", DefaultValueFactory = _ => "2x2" };
        var (rtt, rate, loss, queue, idle) = (Rtt(), Rate(), Loss(), Queue(), SlowStartAfterIdle());
        var sizes = new Option<string>("--sizes") { Description = "comma-separated sizes", DefaultValueFactory = _ => "256MiB" };
        var iterations = new Option<int>("--iterations", "-k") { Description = "timed iterations per size", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "untimed iterations per size before the timed ones", DefaultValueFactory = _ => 1 };
        var algorithm = new Option<AllReduceAlgorithm>("--algorithm") { Description = $"all-reduce algorithm: {string.Join(", ", Enum.GetNames<AllReduceAlgorithm>())}", DefaultValueFactory = _ => AllReduceAlgorithm.Auto };
        var connections = new Option<string>("--connections-per-peer") { Description = "TCP connections per ring neighbour: auto or 1..8 (performance.connections_per_peer)", DefaultValueFactory = _ => "auto" };
        var joinOrder = new Option<string>("--join-order") { Description = "alternating (one peer of each datacentre in turn: the id-ordered ring's worst case) or grouped", DefaultValueFactory = _ => "alternating" };
        joinOrder.AcceptOnlyFromAmong(JoinOrder.Names);
        var optimize = new Option<bool>("--optimize-topology") { Description = "vote on a ring ordered by measured bandwidth once every peer has joined" };
        var noGrants = NoStartGrants();
        var json = new Option<bool>("--json") { Description = "one JSON object per size" };
        var stageLog = StageLog();
        var congestionControl = CongestionControl();
        var command = new Command("wan", "All-reduce across emulated datacentres joined by a delayed, rate-limited path (network namespaces and a TUN forwarder; needs root)")
        {
            regions, rtt, rate, loss, queue, idle, congestionControl, sizes, iterations, warmup, algorithm, connections, joinOrder, optimize, json, stageLog, noGrants,
        };
        command.SetAction((parse, ct) =>
        {
            RequireAtLeast(parse.GetValue(iterations), 1, "--iterations");
            RequireAtLeast(parse.GetValue(warmup), 0, "--warmup");
            var run = new WanRunOptions
            {
                Algorithm = parse.GetValue(algorithm), ConnectionsPerPeer = WanRunOptions.ParseConnections(parse.GetValue(connections)!), OptimizeTopology = parse.GetValue(optimize),
                StageLog = parse.GetValue(stageLog), StartGrants = !parse.GetValue(noGrants),
            };
            return WanBench.RunAsync(WanLayout.Parse(parse.GetValue(regions)!), Shape(parse, rtt, rate, loss, queue, idle, congestionControl), parse.GetValue(joinOrder)!, run,
                ParseSizes(parse.GetValue(sizes)!), parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(json), ct);
        });
        return command;
    }

    public static Command Plot()
    {
        var input = new Option<string>("--input") { Description = "a file of `pccl bench wan --json` lines, one bar each, in order", Required = true };
        var output = new Option<string>("--output") { Description = "the PNG to write", Required = true };
        var figure = new Option<string>("--figure") { Description = "utilization (path utilization against the 90 % target), busbw, or hierarchy (ring and hierarchical bus bandwidth side by side per layout)", DefaultValueFactory = _ => "utilization" };
        figure.AcceptOnlyFromAmong(WanPlot.Figures);
        var title = new Option<string?>("--title") { Description = "the chart's title; default: the first run's path and size" };
        var command = new Command("wan-plot", "Draw the JSON lines of bench wan runs as a bar chart (PNG)") { input, output, figure, title };
        command.SetAction(parse => WanPlot.Run(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(figure)!, parse.GetValue(title)));
        return command;
    }

    public static Command Check()
    {
        var (rtt, rate, loss, queue, idle) = (Rtt(), Rate(), Loss(), Queue(), SlowStartAfterIdle());
        var seconds = new Option<double>("--seconds") { Description = "length of the bulk transfer at the configured rate", DefaultValueFactory = _ => 3 };
        var streams = new Option<int>("--streams") { Description = "parallel TCP connections of the bulk transfer", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "one JSON object" };
        var congestionControl = CongestionControl();
        var command = new Command("wan-check", "The WAN emulator against itself: round trip and bulk TCP rate through one emulated path (needs root)")
        {
            rtt, rate, loss, queue, idle, congestionControl, seconds, streams, json,
        };
        command.SetAction((parse, ct) => WanSelfCheck.RunAsync(Shape(parse, rtt, rate, loss, queue, idle, congestionControl), parse.GetValue(seconds), parse.GetValue(streams), parse.GetValue(json), ct));
        return command;
    }

    public static Command Worker()
    {
        var master = new Option<string>("--master") { Required = true };
        var peers = new Option<int>("--peers") { Required = true };
        var sizes = new Option<string>("--sizes") { Required = true };
        var iterations = new Option<int>("--iterations") { Required = true };
        var warmup = new Option<int>("--warmup") { Required = true };
        var region = new Option<string>("--region") { Required = true };
        var address = new Option<string>("--address") { Required = true };
        var counters = new Option<string>("--counters") { Required = true };
        var algorithm = new Option<AllReduceAlgorithm>("--algorithm");
        var connections = new Option<string>("--connections-per-peer") { DefaultValueFactory = _ => "auto" };
        var optimize = new Option<bool>("--optimize-topology");
        var noGrants = NoStartGrants();
        var stageLog = StageLog();
        var command = new Command("wan-worker", "(internal) one peer of bench wan, inside its datacentre's namespace")
        {
            master, peers, sizes, iterations, warmup, region, address, counters, algorithm, connections, optimize, stageLog, noGrants,
        };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var run = new WanRunOptions
            {
                Algorithm = parse.GetValue(algorithm), ConnectionsPerPeer = WanRunOptions.ParseConnections(parse.GetValue(connections)!), OptimizeTopology = parse.GetValue(optimize),
                StageLog = parse.GetValue(stageLog), StartGrants = !parse.GetValue(noGrants),
            };
            var options = run.ApplyTo(LoopbackWorkerOptions.For(parse.GetValue(master)!) with
            {
                P2PBindAddress = parse.GetValue(address)!,
                AdvertiseAddress = parse.GetValue(address),
                Region = parse.GetValue(region)!,
            });
            using var hooks = new WanWorkerHooks(run, PathCounters.Open(parse.GetValue(counters)!));
            using var loggers = run.StageLog is { } directory
                ? LoggingSetup.CreateLoggerFactory(new LoggingSettings
                {
                    Level = "DEBUG", Console = LogConsole.Off,
                    FilePath = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"peer-{options.Region}-{Environment.ProcessId}.log")),
                })
                : null;
            return await AllReduceBenchWorker.RunAsync(options, parse.GetValue(peers), ParseSizes(parse.GetValue(sizes)!), parse.GetValue(iterations), parse.GetValue(warmup),
                QuantizationMode.None, run.Algorithm, gradient: false, ct, hooks, loggers);
        });
        return command;
    }

    public static Command Forwarder()
    {
        var namespaces = new Option<string>("--namespaces") { Required = true };
        var counters = new Option<string>("--counters") { Required = true };
        var (rtt, rate, loss, queue, idle) = (Rtt(), Rate(), Loss(), Queue(), SlowStartAfterIdle());
        var command = new Command("wan-forwarder", "(internal) the WAN emulator's packet forwarder between the sites' TUN devices") { namespaces, counters, rtt, rate, loss, queue, idle };
        command.Hidden = true;
        command.SetAction((parse, ct) => WanForwarder.RunAsync(parse.GetValue(namespaces)!.Split(','), Shape(parse, rtt, rate, loss, queue, idle), parse.GetValue(counters)!, ct));
        return command;
    }

    private static Option<bool> NoStartGrants() =>
        new("--no-start-grants") { Description = "every all-reduce waits for the master's start (performance.start_grants: false)" };

    private static void RequireAtLeast(int value, int least, string flag)
    {
        if (value < least)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"{flag} must be {least} or more, not {value}"));
        }
    }

    private static List<long> ParseSizes(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ByteSize.Parse)];
}
