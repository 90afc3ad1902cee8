using System.Reflection;
using Microsoft.Extensions.Logging;
using Pccl.Telemetry;
using Pccl.Tests.Support;

namespace Pccl.Tests.Telemetry;

public sealed class LogEventsTests
{
    [Fact]
    public void EventIdsAreUniqueAndMatchTheDocumentedIds()
    {
        var attributes = typeof(LogEvents).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => (Method: m.Name, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        var ids = typeof(LogEvents.Ids).GetFields().ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(ids.Count, attributes.Count);
        Assert.Equal(attributes.Count, attributes.Select(x => x.Attribute!.EventId).Distinct().Count());
        Assert.All(attributes, x => Assert.Equal(ids[x.Method], x.Attribute!.EventId));
        var guide = File.ReadAllText(RepositoryPaths.Of("docs/observability.md"));
        Assert.All(ids, id => Assert.Contains($"| {id.Value} | {id.Key} |", guide, StringComparison.Ordinal));
    }

    [Fact]
    public void FrequentRecoveriesWarningNamesTheFix()
    {
        var logger = new CapturedLog();

        logger.FrequentRecoveries(count: 5, windowSeconds: 300, heartbeatTimeoutMs: 500);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(1103, entry.Id.Id);
        Assert.Contains("raise network.heartbeat_timeout_ms", entry.Message);
        Assert.Contains("500 ms", entry.Message);
    }

    [Fact]
    public void MessagesCarryTheirArguments()
    {
        var logger = new CapturedLog();

        logger.PeerJoined(3, "10.0.0.3:7118", 4);
        logger.PeerLeft(3, "shutdown", 3);
        logger.PeerKicked(4, "heartbeat_timeout");
        logger.TopologyUpdated(9, 3);
        logger.CollectiveAborted(77, "peer 4 lost");
        logger.Recovery(77, 2, 3, 3);
        logger.SharedStateSynced(12, 4096);
        logger.MasterStarted("0.0.0.0", 7117, "pccl");
        logger.MasterStopped();

        Assert.Equal([1001, 1002, 1003, 1010, 1101, 1102, 1201, 1301, 1302], logger.Entries.Select(e => e.Id.Id));
        Assert.Equal("Peer 3 joined from 10.0.0.3:7118; world size is now 4", logger.Entries[0].Message);
        Assert.Equal("Peer 4 was kicked: heartbeat_timeout", logger.Entries[2].Message);
        Assert.Equal("Collective 77 aborted: peer 4 lost", logger.Entries[4].Message);
        Assert.Contains("attempt 2 of 3", logger.Entries[5].Message);
        Assert.Contains("revision 12", logger.Entries[6].Message);
    }
}
