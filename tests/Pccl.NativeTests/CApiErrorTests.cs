using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// The documented error codes one C process can provoke (tests/Pccl.NativeTests/c/errors.c): before pcclInit, bad
/// arguments, misuse, stale and invented handles, a lone peer, pending async operations, an unreachable master, and
/// the embedded master's lifecycle.
/// </summary>
public sealed class CApiErrorTests(NativeBuild build)
{
    [Fact]
    public async Task Each_misuse_returns_its_documented_code_and_nothing_crashes()
    {
        var environment = new Dictionary<string, string> { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() };
        using var errors = ChildProcess.Start("errors", build.Program("errors"), [FreePort.Tcp().ToString(), FreePort.Tcp().ToString()], environment);
        var exit = await errors.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, errors.Output);
        Assert.Contains("PASS", errors.Lines);
    }
}
