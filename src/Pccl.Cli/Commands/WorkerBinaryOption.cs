using System.CommandLine;

namespace Pccl.Cli.Commands;

/// <summary><c>--worker-binary</c> of <c>pccl bench recovery</c> and <c>bench memory</c>: the NativeAOT worker to start instead of this tool.</summary>
internal static class WorkerBinaryOption
{
    public static Option<string?> Create() => new("--worker-binary")
    {
        Description = "start this NativeAOT pccl-worker (dotnet publish src/Pccl.Worker -c Release -o artifacts/worker) as the worker processes instead of pccl bench recovery-worker",
    };

    /// <summary>Whether <paramref name="path"/> (null: none given) can be started; if not, <paramref name="error"/> says why.</summary>
    public static bool TryCheck(string? path, out string error)
    {
        error = path is null || File.Exists(path) ? "" : $"--worker-binary {path}: no such file (publish it with: dotnet publish src/Pccl.Worker -c Release -o artifacts/worker, then pass artifacts/worker/pccl-worker)";
        return error.Length == 0;
    }
}
