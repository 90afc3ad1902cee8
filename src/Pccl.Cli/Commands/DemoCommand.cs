using System.CommandLine;
using Pccl.Cli.Demo;
using Pccl.Cli.Processes;
using Spectre.Console;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl demo</c>: a master and several worker processes on this machine, a kill and a join.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var peers = new Option<int>("--peers", "-n") { Description = "workers to start", DefaultValueFactory = _ => 3 };
        var elements = new Option<int>("--elements") { Description = "float32 elements per all-reduce", DefaultValueFactory = _ => 1 << 20 };
        var stepDelay = new Option<int>("--step-delay-ms") { Description = "pause between steps (short, so the kill usually lands in the middle of an all-reduce)", DefaultValueFactory = _ => 10 };
        var steps = new Option<int>("--steps-per-phase") { Description = "steps every worker completes in each phase (all together, after the kill, after the join)", DefaultValueFactory = _ => 25 };
        var json = new Option<bool>("--json") { Description = "progress to standard error; the summary also as one JSON object on standard output" };
        var command = new Command("demo", "Start a master and workers here, kill one, add one, and summarise") { peers, elements, stepDelay, steps, json };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(peers);
            if (n < 2)
            {
                Console.Error.WriteLine("--peers must be at least 2 (one is killed during the demo)");
                return 2;
            }

            if (parse.GetValue(steps) < 1)
            {
                Console.Error.WriteLine($"--steps-per-phase must be at least 1, not {parse.GetValue(steps)}");
                return 2;
            }

            var console = parse.GetValue(json) ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            await using var master = await MasterNode.StartAsync(LoopbackHeartbeats.Master(), ct: ct);
            console.MarkupLine($"PCCL demo: master on 127.0.0.1:{master.Port}, {n} workers, all-reduce of {parse.GetValue(elements)} floats per step");
            return await new DemoScript(master.Port, n, parse.GetValue(elements), parse.GetValue(stepDelay), parse.GetValue(steps), parse.GetValue(json), console).RunAsync(ct);
        });
        return command;
    }
}
