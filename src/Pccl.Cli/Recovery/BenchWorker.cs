namespace Pccl.Cli.Recovery;

/// <summary>
/// The worker process that <c>pccl bench recovery</c> and <c>bench memory</c> start: a NativeAOT <c>pccl-worker</c>
/// (<see cref="Binary"/>) or this tool's own <c>bench recovery-worker</c>, run by the JIT (<see cref="Binary"/> null).
/// By default the benches run the NativeAOT worker when it lies beside the tool: it is the smaller and faster worker
/// (docs/performance.md, "Which worker the benches run").
/// </summary>
internal sealed record BenchWorker(string? Binary)
{
    /// <summary>The NativeAOT worker's file name, as <c>dotnet publish src/Pccl.Worker</c> writes it.</summary>
    public const string NativeFileName = "pccl-worker";

    /// <summary>This tool's own worker.</summary>
    public static readonly BenchWorker Jit = new((string?)null);

    /// <summary>What the benches' JSON calls it: <c>pccl</c> for this tool's worker, else the binary's path.</summary>
    public string Name => Binary ?? "pccl";

    /// <summary>
    /// The worker for the command line: <paramref name="binary"/> when given, this tool's own with
    /// <paramref name="jit"/>, else the <c>pccl-worker</c> in <paramref name="toolDirectory"/> when it is there.
    /// </summary>
    /// <returns>null, with <paramref name="error"/> saying why, when the choice cannot be started.</returns>
    public static BenchWorker? Choose(string? binary, bool jit, string toolDirectory, out string error)
    {
        error = "";
        if (binary is not null && jit)
        {
            error = "--worker-binary and --jit-worker name different workers; give one";
            return null;
        }

        if (binary is not null)
        {
            if (!File.Exists(binary))
            {
                error = $"--worker-binary {binary}: no such file (publish it with: dotnet publish src/Pccl.Worker -c Release -o artifacts/worker, then pass artifacts/worker/pccl-worker)";
                return null;
            }

            return new BenchWorker(binary);
        }

        var beside = Path.Combine(toolDirectory, NativeFileName);
        return jit || !File.Exists(beside) ? Jit : new BenchWorker(beside);
    }
}
