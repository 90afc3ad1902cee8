using System.CommandLine;
using Pccl.Cli.Recovery;

namespace Pccl.Cli.Commands;

/// <summary><c>--worker-binary</c> and <c>--jit-worker</c> of <c>pccl bench recovery</c> and <c>bench memory</c>: which worker process the bench starts.</summary>
internal sealed class WorkerBinaryOption
{
    private readonly Option<string?> _binary = new("--worker-binary")
    {
        Description = "start this NativeAOT pccl-worker (dotnet publish src/Pccl.Worker -c Release -o artifacts/worker) as the worker processes; " +
            "default: the pccl-worker beside this tool when it is there, else this tool's own worker",
    };

    private readonly Option<bool> _jit = new("--jit-worker")
    {
        Description = "start this tool's own worker (pccl bench recovery-worker, run by the JIT) even when pccl-worker is beside it",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_binary);
        command.Options.Add(_jit);
    }

    /// <summary>The worker the command line asks for; null, with <paramref name="error"/> saying why, when it cannot be started.</summary>
    public BenchWorker? Choose(ParseResult parse, out string error) =>
        BenchWorker.Choose(parse.GetValue(_binary), parse.GetValue(_jit), AppContext.BaseDirectory, out error);
}
