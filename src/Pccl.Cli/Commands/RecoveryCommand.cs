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
        var workerBinary = WorkerBinaryOption.Create();
        var command = new Command("recovery", "Time how fast survivors notice a killed or frozen peer and complete the next all-reduce") { peers, size, rounds, json, workerBinary };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(peers) < 3)
            {
                Console.Error.WriteLine("--peers must be at least 3 (two survivors must remain)");
                return Task.FromResult(2);
            }

            if (!WorkerBinaryOption.TryCheck(parse.GetValue(workerBinary), out var error))
            {
                Console.Error.WriteLine(error);
                return Task.FromResult(2);
            }

            return new RecoveryBench(parse.GetValue(peers), ByteSize.Parse(parse.GetValue(size)!), Math.Max(1, parse.GetValue(rounds)), parse.GetValue(json), AnsiConsole.Console, parse.GetValue(workerBinary)).RunAsync(ct);
        });
        return command;
    }

    public static Command CreateWorker()
    {
        var master = new Option<string>("--master") { Required = true };
        var elements = new Option<int>("--elements") { Required = true };
        var command = new Command("recovery-worker", "(internal) one worker process of bench recovery") { master, elements };
        command.Hidden = true;
        command.SetAction((parse, ct) =>
        {
            var options = LoopbackWorkerOptions.For(parse.GetValue(master)!);
            return RecoveryWorker.RunAsync(options, parse.GetValue(elements), ct);
        });
        return command;
    }

    public static Command CreateTeardownHelper()
    {
        var rssMb = new Option<double>("--rss-mb") { Required = true };
        var port = new Option<int>("--port") { Required = true };
        var command = new Command("teardown-helper", "(internal) the process bench recovery kills to measure the teardown floor") { rssMb, port };
        command.Hidden = true;
        command.SetAction((parse, ct) => TeardownHelper.RunAsync(parse.GetValue(rssMb), parse.GetValue(port), ct));
        return command;
    }
}
