using System.CommandLine;

namespace Pccl.Cli.Commands;

/// <summary>The tool's verbs, built and parsed only by a process that runs one (not by a bench's worker process).</summary>
internal static class CommandTree
{
    public static Task<int> InvokeAsync(string[] args, CancellationToken ct)
    {
        var root = new RootCommand("PCCL for .NET: fault-tolerant collective communications")
        {
            MasterCommand.Create(),
            WorkerCommand.Create(),
            DemoCommand.Create(),
            ConfigCommand.Create(),
            BenchCommand.Create(),
            PreflightCommand.Create(),
        };
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, ct);
    }
}
