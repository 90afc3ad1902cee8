using System.CommandLine;
using Pccl.Cli.Bench;
using Pccl.Cli.Bench.CApi;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl bench c-api</c>: the C API (libpccl.so) against Communicator, same run.</summary>
internal static class BenchCApiCommand
{
    public static Command Create()
    {
        var peers = new Option<int>("--peers", "-n") { Description = "peer processes on each side", DefaultValueFactory = _ => 3 };
        var sizes = new Option<string>("--sizes") { Description = "comma-separated sizes", DefaultValueFactory = _ => "4MiB,64MiB" };
        var iterations = new Option<int>("--iterations", "-k") { Description = "timed iterations per size", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "untimed iterations per size before the timed ones", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "alternating rounds of both sides; each figure is the median of its rounds' medians", DefaultValueFactory = _ => 1 };
        var realtime = new Option<bool>("--realtime") { Description = "run both sides under SCHED_FIFO (chrt -f 10; needs root)" };
        var backup = new Option<bool>("--backup") { Description = "keep the input for a retry on both sides (fault_tolerance.enable_buffer_backup; off by default here, as in bench allreduce)" };
        var native = new Option<string?>("--native") { Description = "the folder holding libpccl.so (default: artifacts/native of the checkout; scripts/build-native.sh builds it)" };
        var json = new Option<bool>("--json") { Description = "one JSON object for the library, then one per size" };
        var command = new Command("c-api", "The same all-reduce through libpccl.so's C API (C peers and master, compiled with gcc) and through Communicator, same run")
        {
            peers, sizes, iterations, warmup, rounds, realtime, backup, native, json,
        };
        command.SetAction((parse, ct) =>
        {
            var settings = new CApiBenchSettings(parse.GetValue(peers), [.. parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ByteSize.Parse)],
                parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(rounds), parse.GetValue(realtime), parse.GetValue(native))
            {
                Backup = parse.GetValue(backup),
            }.Validated();
            return CApiBench.RunAsync(settings, parse.GetValue(json), ct);
        });
        return command;
    }
}
