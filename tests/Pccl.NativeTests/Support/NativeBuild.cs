using System.Diagnostics;
using Pccl.NativeTests.Support;

[assembly: AssemblyFixture(typeof(NativeBuild))]

namespace Pccl.NativeTests.Support;

/// <summary>
/// libpccl.so published once per test run (scripts/build-native.sh into artifacts/native) and the C test programs
/// (and the C API's bench peer, bench/c-api/allreduce.c) compiled with gcc against include/pccl.h, linked to it; and
/// the NativeAOT bench worker <c>pccl-worker</c> (src/Pccl.Worker) published into artifacts/worker.
/// </summary>
public sealed class NativeBuild : IAsyncLifetime
{
    private static readonly string[] Programs = ["abi_layout", "errors", "peer", "master", "connect"];

    /// <summary>The folder holding libpccl.so.</summary>
    public string LibraryDirectory { get; } = Path.Combine(Repository.Root, "artifacts", "native");

    /// <summary>The folder holding the compiled C programs.</summary>
    public string BinDirectory { get; } = Path.Combine(Repository.Root, "artifacts", "native-tests");

    public string LibraryPath => Path.Combine(LibraryDirectory, "libpccl.so");

    /// <summary>The published NativeAOT worker of <c>pccl bench recovery</c> and <c>bench memory</c>.</summary>
    public string WorkerPath { get; } = Path.Combine(Repository.Root, "artifacts", "worker", "pccl-worker");

    public string Program(string name) => Path.Combine(BinDirectory, name);

    public async ValueTask InitializeAsync()
    {
        await RunAsync("bash", [Path.Combine(Repository.Root, "scripts", "build-native.sh"), LibraryDirectory], TimeSpan.FromMinutes(15));
        Directory.CreateDirectory(BinDirectory);
        foreach (var name in Programs)
        {
            await CompileAsync(name, Repository.CSource(name + ".c"));
        }

        await CompileAsync("allreduce_bench", Repository.BenchSource("allreduce.c"));
        await RunAsync("dotnet", ["publish", Path.Combine(Repository.Root, "src", "Pccl.Worker"), "-c", "Release", "-o", Path.GetDirectoryName(WorkerPath)!, "-nologo", "-v", "quiet"],
            TimeSpan.FromMinutes(15));
    }

    private Task CompileAsync(string name, string source) => RunAsync("gcc", [
        "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-I", Path.GetDirectoryName(Repository.Header)!,
        "-o", Program(name), source,
        "-L", LibraryDirectory, "-lpccl", $"-Wl,-rpath,{LibraryDirectory}", "-lpthread", "-lm",
    ], TimeSpan.FromMinutes(2));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repository.Root };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', info.ArgumentList)} ran past {timeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}
