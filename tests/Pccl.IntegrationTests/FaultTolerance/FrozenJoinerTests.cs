using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// A joiner SIGSTOPped after it registered and before the members' vote admits it: the topology round then announces
/// a peer whose kernel still accepts connections and never answers, so its ring predecessor's dial could only end
/// after <c>network.connect_timeout_ms</c>. The round must end when the master removes the frozen joiner instead.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public partial class FrozenJoinerTests
{
    // The master keeps a frozen registered peer this long, past the members' next vote (one step delay away).
    private const int HeartbeatTimeoutMs = 4000;
    private const int StepDelayMs = 2000;
    // Far beyond any bound below: a round that waited for the dial would show it plainly.
    private const int ConnectTimeoutMs = 30_000;
    private const int SchedulingSlackMs = 3000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AJoinerFrozenDuringItsAdmissionHoldsTheMembersNoLongerThanItsRemoval()
    {
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        var env = new Dictionary<string, string>
        {
            ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = HeartbeatTimeoutMs.ToString(CultureInfo.InvariantCulture),
            ["PCCL_NETWORK_CONNECT_TIMEOUT_MS"] = ConnectTimeoutMs.ToString(CultureInfo.InvariantCulture),
        };
        string[] slow = ["--step-delay-ms", StepDelayMs.ToString(CultureInfo.InvariantCulture)];
        List<PcclProcess> processes = [];
        try
        {
            var master = await PcclProcess.StartMasterAsync(port, env);
            processes.Add(master);
            PcclProcess[] members = [PcclProcess.StartWorker("w1", port, range, slow, env), PcclProcess.StartWorker("w2", port, range, slow, env)];
            processes.AddRange(members);
            await PcclProcess.WaitUntilAsync(() => members.All(m => m.LastWorldSize == 2), Patience, "two members training", [.. processes]);

            // The test sees the registration a little after it happened; a vote in that moment admits the joiner before it
            // freezes, so a fresh joiner is tried until one is frozen while still waiting.
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                var joiner = PcclProcess.StartWorker($"joiner{attempt}", port, range, slow, env);
                processes.Add(joiner);
                var registered = RegisteredCount(master);
                await PcclProcess.WaitUntilAsync(() => RegisteredCount(master) > registered, Patience, "the joiner registers", [.. processes]);
                joiner.Signal(PosixSignals.Stop);
                var frozenAt = NowNs();
                var joinerId = LastRegisteredId(master);

                await PcclProcess.WaitUntilAsync(() => members.All(m => StepsAfter(m, frozenAt).Any()), Patience, "the members step after the joiner froze", [.. processes]);
                var lostInRound = $"peer {joinerId} was lost during the topology update";
                if (!members.Any(m => m.Stderr.Contains(lostInRound, StringComparison.Ordinal)))
                {
                    joiner.Kill(); // admitted before it froze: not the case under test
                    continue;
                }

                foreach (var m in members)
                {
                    var first = StepsAfter(m, frozenAt).First();
                    var waitedMs = (Time(first) - frozenAt) / 1e6;
                    TestContext.Current.TestOutputHelper?.WriteLine($"{m.Name} stepped {waitedMs:0} ms after the joiner froze (attempt {attempt})");
                    Assert.True(waitedMs <= HeartbeatTimeoutMs + StepDelayMs + SchedulingSlackMs,
                        $"{m.Name} waited {waitedMs:0} ms for a joiner frozen during its admission, beyond its removal after {HeartbeatTimeoutMs} ms " +
                        $"(load average {File.ReadAllText("/proc/loadavg").Trim()}):\n{m.Stderr}");
                    Assert.Equal(2, first.GetProperty("world_size").GetInt32());
                }

                // removed while it waited for admission, it registers again as a new peer once resumed
                joiner.Signal(PosixSignals.Continue);
                await PcclProcess.WaitUntilAsync(() => joiner.LastWorldSize == 3, Patience, "the resumed joiner joins as a new peer", [.. processes]);
                return;
            }

            Assert.Fail("in three attempts every joiner was admitted before it froze; the members vote once per step delay, so this should be rare");
        }
        finally
        {
            foreach (var p in processes)
            {
                p.Signal(PosixSignals.Continue);
                await p.DisposeAsync();
            }
        }
    }

    private static int RegisteredCount(PcclProcess master) => Registered().Count(master.Stderr);

    private static ulong LastRegisteredId(PcclProcess master) =>
        ulong.Parse(Registered().Matches(master.Stderr)[^1].Groups[1].Value, CultureInfo.InvariantCulture);

    private static IEnumerable<JsonElement> StepsAfter(PcclProcess worker, long ns) => worker.Steps().Where(s => Time(s) > ns);

    private static long Time(JsonElement step) => step.GetProperty("t_ns").GetInt64();

    /// <summary>The workers' <c>t_ns</c> clock (Stopwatch nanoseconds, shared by the processes of one host).</summary>
    private static long NowNs() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    [GeneratedRegex("peer ([0-9]+) registered from")]
    private static partial Regex Registered();
}
