using System.CommandLine;
using Pccl.Cli.Bench;
using Pccl.Cli.Bench.Memory;
using Spectre.Console;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl bench memory</c>: resident memory per worker against the all-reduce's buffer size.</summary>
internal static class MemoryCommand
{
    public static Command Create()
    {
        var peers = new Option<int>("--peers", "-n") { Description = "worker processes", DefaultValueFactory = _ => 3 };
        var sizes = new Option<string>("--sizes") { Description = "comma-separated buffer sizes", DefaultValueFactory = _ => "4MiB,64MiB,256MiB" };
        var json = new Option<bool>("--json") { Description = "one JSON line per size" };
        var worker = new WorkerBinaryOption();
        var command = new Command("memory", "Resident memory per worker while it all-reduces in place with buffer backup, per buffer size") { peers, sizes, json };
        worker.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(peers) < 2)
            {
                Console.Error.WriteLine("--peers must be at least 2");
                return Task.FromResult(2);
            }

            if (worker.Choose(parse, out var error) is not { } chosen)
            {
                Console.Error.WriteLine(error);
                return Task.FromResult(2);
            }

            var parsed = parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ByteSize.Parse).ToList();
            return new MemoryBench(parse.GetValue(peers), parsed, parse.GetValue(json), AnsiConsole.Console, chosen).RunAsync(ct);
        });
        return command;
    }
}
