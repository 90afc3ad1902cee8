using Pccl.Cli.Recovery;

namespace Pccl.Tests.Recovery;

/// <summary>
/// <see cref="BenchWorker"/>: the benches run the NativeAOT <c>pccl-worker</c> beside the tool unless told otherwise,
/// and a worker that cannot be started is refused with the reason.
/// </summary>
public sealed class BenchWorkerTests : IDisposable
{
    private readonly string _tool = Directory.CreateTempSubdirectory("pccl-tool-").FullName;

    private string Beside => Path.Combine(_tool, BenchWorker.NativeFileName);

    [Fact]
    public void TheNativeWorkerBesideTheToolIsTheDefault()
    {
        File.WriteAllText(Beside, "");

        var worker = BenchWorker.Choose(null, jit: false, _tool, out var error);

        Assert.Equal(Beside, worker?.Binary);
        Assert.Equal(Beside, worker?.Name);
        Assert.Equal("", error);
    }

    [Fact]
    public void WithoutANativeWorkerBesideItTheToolRunsItsOwn()
    {
        var worker = BenchWorker.Choose(null, jit: false, _tool, out _);

        Assert.Null(worker?.Binary);
        Assert.Equal("pccl", worker?.Name);
    }

    [Fact]
    public void JitWorkerRunsTheToolsOwnEvenWithTheNativeOneBesideIt()
    {
        File.WriteAllText(Beside, "");

        Assert.Equal(BenchWorker.Jit, BenchWorker.Choose(null, jit: true, _tool, out _));
    }

    [Fact]
    public void AGivenBinaryIsRunWhereverItIs()
    {
        var elsewhere = Path.Combine(Directory.CreateTempSubdirectory("pccl-elsewhere-").FullName, "my-worker");
        File.WriteAllText(elsewhere, "");
        try
        {
            Assert.Equal(elsewhere, BenchWorker.Choose(elsewhere, jit: false, _tool, out _)?.Binary);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(elsewhere)!, recursive: true);
        }
    }

    [Fact]
    public void AGivenBinaryThatIsNotThereIsRefusedWithHowToPublishIt()
    {
        var missing = Path.Combine(_tool, "no-such-worker");

        Assert.Null(BenchWorker.Choose(missing, jit: false, _tool, out var error));
        Assert.Contains($"--worker-binary {missing}: no such file", error, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/Pccl.Worker", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ABinaryAndJitWorkerTogetherAreRefused()
    {
        File.WriteAllText(Beside, "");

        Assert.Null(BenchWorker.Choose(Beside, jit: true, _tool, out var error));
        Assert.Contains("--jit-worker", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_tool, recursive: true);
}
