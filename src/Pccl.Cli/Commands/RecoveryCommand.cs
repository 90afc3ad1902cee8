using System.CommandLine;
using Pccl.Cli.Bench;
using Pccl.Cli.Processes;
using Pccl.Cli.Recovery;
using Spectre.Console;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl bench recovery</c> and its hidden worker.</summary>
internal static class RecoveryCommand
{
    public static Command Create()
    {
        var peers = new Option<int>("--peers", "-n") { Description = "worker processes (one is killed or frozen per fault)", DefaultValueFactory = _ => 3 };
        var size = new Option<string>("--size") { Description = "bytes per all-reduce (e.g. 64MiB)", DefaultValueFactory = _ => "64MiB" };
        var rounds = new Option<int>("--rounds") { Description = "rounds, each one SIGKILL and one SIGSTOP", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var worker = new WorkerBinaryOption();
        var command = new Command("recovery", "Time how fast survivors notice a killed or frozen peer and complete the next all-reduce") { peers, size, rounds, json };
        worker.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(peers) < 3)
            {
                Console.Error.WriteLine("--peers must be at least 3 (two survivors must remain)");
                return Task.FromResult(2);
            }

            if (worker.Choose(parse, out var error) is not { } chosen)
            {
                Console.Error.WriteLine(error);
                return Task.FromResult(2);
            }

            return new RecoveryBench(parse.GetValue(peers), ByteSize.Parse(parse.GetValue(size)!), Math.Max(1, parse.GetValue(rounds)), parse.GetValue(json), AnsiConsole.Console, chosen).RunAsync(ct);
        });
        return command;
    }

    /// <summary>
    /// <c>pccl bench recovery-worker --master HOST:PORT --elements N</c>: one worker process of <c>bench recovery</c> and
    /// <c>bench memory</c>, parsed as the NativeAOT <c>pccl-worker</c> parses it, without the command tree.
    /// </summary>
    public static Task<int> RunWorkerAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        if (WorkerArguments.Parse(args, out var error) is not { } parsed)
        {
            Console.Error.WriteLine(error);
            return Task.FromResult(2);
        }

        return RecoveryWorker.RunAsync(LoopbackWorkerOptions.For(parsed.Master), parsed.Elements, ct);
    }

    public static Command CreateTeardownHelper()
    {
        var rssMb = new Option<double>("--rss-mb") { Required = true };
        var hugePageMb = new Option<double>("--huge-page-mb") { DefaultValueFactory = _ => 0 };
        var port = new Option<int>("--port") { Required = true };
        var command = new Command("teardown-helper", "(internal) the process bench recovery kills to measure the teardown floor") { rssMb, hugePageMb, port };
        command.Hidden = true;
        command.SetAction((parse, ct) => TeardownHelper.RunAsync(parse.GetValue(rssMb), parse.GetValue(hugePageMb), parse.GetValue(port), ct));
        return command;
    }
}
