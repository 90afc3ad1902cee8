using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>include/pccl.h against the specification's table, compiled by gcc: sizeof, alignment, offsetof.</summary>
public sealed class CApiLayoutTests(NativeBuild build)
{
    [Fact]
    public async Task Every_struct_has_the_specified_size_alignment_and_offsets()
    {
        using var layout = ChildProcess.Start("abi_layout", build.Program("abi_layout"), []);
        var exit = await layout.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, layout.Output);
        Assert.Contains("0 mismatches", layout.Lines);
        Assert.Equal(35, layout.Lines.Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_library_exports_exactly_the_specified_functions()
    {
        var exported = ElfSymbols.Exported(build.LibraryPath).Where(s => s.StartsWith("pccl", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

        Assert.Equal(
        [
            "pcclAllReduce", "pcclAllReduceAsync", "pcclAllReduceMultipleWithRetry", "pcclArePeersPending", "pcclAwaitAsyncReduce",
            "pcclConnect", "pcclCreateCommunicator", "pcclCreateMaster", "pcclDestroyCommunicator", "pcclDestroyMaster",
            "pcclGetAttribute", "pcclGetBuildInfo", "pcclInit", "pcclInterruptMaster", "pcclMasterAwaitTermination",
            "pcclOptimizeTopology", "pcclRunMaster", "pcclSynchronizeSharedState", "pcclUpdateTopology",
        ], exported);
    }
}
