using System.CommandLine;
using Pccl.Cli.Bench;
using Pccl.Cli.Bench.Failover;
using Pccl.Cli.Processes;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl bench</c>: benchmarks that start their own master and worker processes.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks on this machine (loopback)") { AllReduce(), AllReduceWorker(), Sync(), ChaosCommand.Create(), RecoveryCommand.Create(), RecoveryCommand.CreateTeardownHelper(),
        MemoryCommand.Create(), MasterScale(), Failover(), Matrix(),
        BenchWanCommand.Wan(), BenchWanCommand.Plot(), BenchWanCommand.Check(), BenchWanCommand.Worker(), BenchWanCommand.Forwarder(),
        BenchCApiCommand.Create() };

    private static Command Matrix()
    {
        var status = new Option<string>("--status") { Description = "a running master's /status URL", DefaultValueFactory = _ => "http://127.0.0.1:9090/status" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG heat map of each group's matrix" };
        var command = new Command("matrix", "Print the bandwidth matrix a running master measured (topology optimisation), optionally as a heat map") { status, plot };
        command.SetAction((parse, ct) => BandwidthMatrixBench.RunAsync(parse.GetValue(status)!, parse.GetValue(plot), ct));
        return command;
    }

    private static Command Failover()
    {
        var defaults = new FailoverBenchOptions();
        var workers = new Option<int>("--workers", "-n") { Description = "worker processes", DefaultValueFactory = _ => defaults.Workers };
        var rounds = new Option<int>("--rounds") { Description = "rounds of each scenario (SIGKILL of the leader, SIGSTOP of the leader past its lease)", DefaultValueFactory = _ => defaults.Rounds };
        var store = new Option<string?>("--store") { Description = "postgresql://user@host:port/database of an existing, empty database; default: a private PostgreSQL 15 started here (needs root)" };
        var leaseTtl = new Option<int>("--lease-ttl-ms") { Description = "master.lease_ttl_ms of both masters", DefaultValueFactory = _ => defaults.LeaseTtlMs };
        var json = new Option<bool>("--json") { Description = "one JSON line per scenario" };
        var command = new Command("failover", "An active and a standby master on PostgreSQL under training workers: time from killing or pausing the leader to the standby serving, every worker registered with it, and the next all-reduce at the full world")
        {
            workers, rounds, store, leaseTtl, json,
        };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(workers) < 2)
            {
                throw new PcclException(PcclErrorCode.InvalidArgument, $"--workers must be at least 2, not {parse.GetValue(workers)}");
            }

            if (parse.GetValue(store) is { } url && !url.StartsWith("postgres", StringComparison.Ordinal))
            {
                throw new PcclException(PcclErrorCode.InvalidArgument, $"--store must be a postgresql:// URL (two masters on several machines share it), not '{url}'");
            }

            var options = defaults with
            {
                Workers = parse.GetValue(workers),
                Rounds = Math.Max(1, parse.GetValue(rounds)),
                Store = parse.GetValue(store),
                LeaseTtlMs = parse.GetValue(leaseTtl),
                Json = parse.GetValue(json),
            };
            return new FailoverBench(options, Spectre.Console.AnsiConsole.Console).RunAsync(ct);
        });
        return command;
    }

    private static Command MasterScale()
    {
        var peers = new Option<int>("--peers", "-n") { Description = "largest peer count; measured at 10, 100, 1000, ... up to it", DefaultValueFactory = _ => 1000 };
        var rounds = new Option<int>("--rounds") { Description = "rounds of each kind (votes, collectives, shared state) per peer count", DefaultValueFactory = _ => 100 };
        var interval = new Option<int>("--heartbeat-interval-ms") { Description = "network.heartbeat_interval_ms of the master and the simulated peers", DefaultValueFactory = _ => 100 };
        var timeout = new Option<int>("--heartbeat-timeout-ms") { Description = "network.heartbeat_timeout_ms of the master (generous: the simulated peers share this machine)", DefaultValueFactory = _ => 2000 };
        var json = new Option<bool>("--json") { Description = "one JSON line per peer count" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG of each figure against the peer count" };
        var command = new Command("master-scale", "A real master against many simulated peers (TCP control, UDP heartbeats): join storm, votes, collective and shared-state rounds; CPU and memory")
        {
            peers, rounds, interval, timeout, json, plot,
        };
        command.SetAction((parse, ct) =>
        {
            var counts = new List<int>();
            for (var n = 10; n < parse.GetValue(peers); n *= 10)
            {
                counts.Add(n);
            }

            counts.Add(parse.GetValue(peers));
            return Bench.MasterScale.MasterScaleBench.RunAsync(counts, Math.Max(1, parse.GetValue(rounds)), parse.GetValue(interval), parse.GetValue(timeout),
                parse.GetValue(json), parse.GetValue(plot), ct);
        });
        return command;
    }

    private static Command Sync()
    {
        var size = new Option<string>("--size") { Description = "shared state size", DefaultValueFactory = _ => "256MiB" };
        var peers = new Option<int>("--peers", "-n") { Description = "most donors to measure (1..N)", DefaultValueFactory = _ => 3 };
        var iterations = new Option<int>("--iterations", "-k") { Description = "repetitions of the identical sync and of each joiner measurement (median)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "one JSON object" };
        var tensors = new Option<int>("--tensors") { Description = "split the state into this many equal tensors (a model has many)", DefaultValueFactory = _ => 1 };
        var command = new Command("sync", "Shared-state sync: identical state (0 bytes) and a late joiner from 1..N donors") { size, peers, iterations, json, tensors };
        command.SetAction((parse, ct) => SyncBench.RunAsync(ByteSize.Parse(parse.GetValue(size)!), parse.GetValue(peers), parse.GetValue(iterations), parse.GetValue(json), ct,
            parse.GetValue(tensors)));
        return command;
    }

    private static Command AllReduce()
    {
        var peers = new Option<int>("--peers", "-n") { Description = "worker processes", DefaultValueFactory = _ => 2 };
        var sizes = new Option<string>("--sizes") { Description = "comma-separated sizes", DefaultValueFactory = _ => "1MiB,16MiB,64MiB,256MiB" };
        var iterations = new Option<int>("--iterations", "-k") { Description = "timed iterations per size", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "untimed iterations per size before the timed ones (bench/compare.sh passes its --warmup to all three implementations)", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "one JSON object per size" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG of busbw against size" };
        var quantization = new Option<QuantizationMode>("--quantization") { Description = "None, MinMaxU8 or MinMaxU16", DefaultValueFactory = _ => QuantizationMode.None };
        var algorithm = new Option<AllReduceAlgorithm>("--algorithm") { Description = "Auto (halving-doubling at 4 peers, else the ring), Ring or HalvingDoubling", DefaultValueFactory = _ => AllReduceAlgorithm.Auto };
        var chunk = new Option<string?>("--chunk") { Description = "performance.ring_chunk_size (e.g. 1MiB)" };
        var compression = new Option<bool>("--compression") { Description = "lossless wire compression (performance.enable_compression)" };
        var data = new Option<string>("--data") { Description = "pattern (small integers: every timed result must be the exact sum) or gradient (random normal floats: the last timed result is checked against the exact sum within the rounding bound)", DefaultValueFactory = _ => "pattern" };
        var tls = new Option<bool>("--tls") { Description = "run every connection in mutual TLS (a throwaway CA made with openssl)" };
        var auth = new Option<bool>("--auth") { Description = "shared-secret authentication (a random secret) and signed heartbeats" };
        var backup = new Option<bool>("--backup") { Description = "keep the input for a retry (fault_tolerance.enable_buffer_backup, on in production; off by default here like MPI and gloo, which have none)" };
        var bindTo = new Option<string>("--bind-to") { Description = "auto (one worker per core for 1 or 2 workers, as mpirun), core or none", DefaultValueFactory = _ => "auto" };
        bindTo.AcceptOnlyFromAmong(CoreBinding.Modes);
        var command = new Command("allreduce", "Time float32 sum all-reduces across N worker processes") { peers, sizes, iterations, warmup, json, plot, quantization, algorithm, chunk, compression, data, tls, auth, backup, bindTo };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(warmup) < 0)
            {
                throw new PcclException(PcclErrorCode.InvalidArgument, $"--warmup must be 0 or more, not {parse.GetValue(warmup)}");
            }

            List<string> flags = ["--data", parse.GetValue(data)!, "--warmup", parse.GetValue(warmup).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--algorithm", parse.GetValue(algorithm).ToString()];
            if (parse.GetValue(chunk) is { } c)
            {
                flags.AddRange(["--chunk", c]);
            }

            if (parse.GetValue(compression))
            {
                flags.Add("--compression");
            }

            if (parse.GetValue(backup))
            {
                flags.Add("--backup");
            }

            return AllReduceBench.RunAsync(parse.GetValue(peers), ParseSizes(parse.GetValue(sizes)!), parse.GetValue(iterations),
                parse.GetValue(json), parse.GetValue(plot), parse.GetValue(quantization), flags, ct, parse.GetValue(tls), parse.GetValue(auth),
                new CoreBinding(parse.GetValue(bindTo)!));
        });
        return command;
    }

    private static Command AllReduceWorker()
    {
        var master = new Option<string>("--master") { Required = true };
        var peers = new Option<int>("--peers") { Required = true };
        var sizes = new Option<string>("--sizes") { Required = true };
        var iterations = new Option<int>("--iterations") { Required = true };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 2 };
        var quantization = new Option<QuantizationMode>("--quantization");
        var algorithm = new Option<AllReduceAlgorithm>("--algorithm");
        var chunk = new Option<string?>("--chunk");
        var compression = new Option<bool>("--compression");
        var data = new Option<string>("--data") { DefaultValueFactory = _ => "pattern" };
        var tlsCert = new Option<string?>("--tls-cert");
        var tlsKey = new Option<string?>("--tls-key");
        var tlsCa = new Option<string?>("--tls-ca");
        var auth = new Option<bool>("--auth");
        var backup = new Option<bool>("--backup");
        var command = new Command("allreduce-worker", "(internal) one worker process of bench allreduce")
        {
            master, peers, sizes, iterations, warmup, quantization, algorithm, chunk, compression, data, tlsCert, tlsKey, tlsCa, auth, backup,
        };
        command.Hidden = true;
        command.SetAction((parse, ct) =>
        {
            var options = LoopbackWorkerOptions.For(parse.GetValue(master)!) with
            {
                EnableBufferBackup = parse.GetValue(backup),
                EnableCompression = parse.GetValue(compression),
            };
            if (parse.GetValue(chunk) is { } c)
            {
                options = options with { RingChunkSize = (int)ByteSize.Parse(c) };
            }

            options = BenchSecurity.Apply(options, parse.GetValue(tlsCert), parse.GetValue(tlsKey), parse.GetValue(tlsCa), parse.GetValue(auth));
            return AllReduceBenchWorker.RunAsync(options, parse.GetValue(peers), ParseSizes(parse.GetValue(sizes)!), parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(quantization), parse.GetValue(algorithm), parse.GetValue(data) == "gradient", ct);
        });
        return command;
    }

    private static List<long> ParseSizes(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ByteSize.Parse)];
}
