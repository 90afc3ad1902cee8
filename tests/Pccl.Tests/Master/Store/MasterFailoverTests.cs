using System.Diagnostics;
using System.Net.Sockets;
using Pccl.Cli.Processes;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Support;
using Pccl.Transport;

namespace Pccl.Tests.Master.Store;

/// <summary>Two in-process masters sharing one PostgreSQL store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MasterFailoverTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(1000);

    [Fact]
    public async Task ExactlyOneLeadsAndTheStandbyRefusesAHelloNamingTheLeader()
    {
        var store = await postgres.Server.CreateDatabaseAsync();
        await using var first = await StartAsync(store);
        await using var second = await StartAsync(store);

        Assert.True(first.IsLeader);
        Assert.False(second.IsLeader);
        Assert.Equal(1UL, first.Epoch);
        Assert.Equal($"127.0.0.1:{first.Port}", second.LeaderAddress);

        var refused = await HelloAsync(second.Port);
        Assert.Equal((false, RefusalReason.Standby, $"127.0.0.1:{first.Port}", 0UL), (refused.Accepted, refused.Reason, refused.LeaderAddress, refused.Epoch));
        Assert.Contains($"the leader is 127.0.0.1:{first.Port}", refused.Message);

        var accepted = await HelloAsync(first.Port);
        Assert.Equal((true, 1UL), (accepted.Accepted, accepted.Epoch));

        var status = await second.GetStatusAsync(Ct);
        Assert.Equal(("standby", $"127.0.0.1:{first.Port}"), (status.Role, status.Leader));
    }

    [Fact]
    public async Task WhenTheLeaderStopsTheStandbyLeadsInTheNextEpoch()
    {
        var store = await postgres.Server.CreateDatabaseAsync();
        var first = await StartAsync(store);
        await using var second = await StartAsync(store);
        Assert.True(first.IsLeader);

        await first.DisposeAsync();
        var clock = Stopwatch.StartNew();
        while (!second.IsLeader && clock.Elapsed < Ttl * 3)
        {
            await Task.Delay(20, Ct);
        }

        Assert.True(second.IsLeader, $"the standby did not take over within {Ttl * 3}");
        Assert.Equal(2UL, second.Epoch);
        var status = await second.GetStatusAsync(Ct);
        Assert.Equal(("leader", 2UL), (status.Role, status.Epoch));
        Assert.NotNull(status.LeaseExpires);
    }

    [Fact]
    public async Task ALeaderCutOffFromTheDatabaseStopsWithinItsLeaseAndTwoLeadersAreNeverSeen()
    {
        await using var database = await PostgresServer.StartAsync();
        var store = await database.CreateDatabaseAsync();
        await using var first = await StartAsync(store);
        await using var second = await StartAsync(store);
        Assert.True(first.IsLeader);
        var samples = new List<(TimeSpan At, string First, string Second)>();
        var clock = Stopwatch.StartNew();

        await database.StopAsync();
        var stopped = clock.Elapsed;
        while (clock.Elapsed < stopped + (Ttl * 3))
        {
            var both = await Task.WhenAll(first.GetStatusAsync(Ct), second.GetStatusAsync(Ct));
            samples.Add((clock.Elapsed, both[0].Role, both[1].Role));
            await Task.Delay(50, Ct);
        }

        Assert.DoesNotContain(samples, s => s.First == "leader" && s.Second == "leader");
        var firstStandby = samples.First(s => s.First == "standby").At - stopped;
        // the lease, plus one tick of the master's event loop (100 ms) and one sampling period: the status shows it late
        Assert.True(firstStandby <= Ttl + TimeSpan.FromMilliseconds(300), $"the leader served {firstStandby.TotalMilliseconds:0} ms after the database stopped");
        Assert.All(samples.SkipWhile(s => s.First == "leader"), s => Assert.Equal(("standby", "standby"), (s.First, s.Second)));

        await database.StartProcessAsync();
        while (!(first.IsLeader || second.IsLeader) && clock.Elapsed < stopped + (Ttl * 10))
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(first.IsLeader ^ second.IsLeader, "exactly one master leads once the database is back");
        Assert.Equal(2UL, Math.Max(first.Epoch, second.Epoch));
    }

    private static Task<MasterNode> StartAsync(string store) => MasterNode.StartAsync(MasterOptions.Default with
    {
        BindAddress = "127.0.0.1",
        Port = 0,
        Store = store,
        LeaseTtl = Ttl,
    }, ct: Ct);

    /// <summary>Sends a control hello as a peer would and returns the master's reply.</summary>
    private static async Task<HelloReply> HelloAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, Ct);
        var stream = client.GetStream();
        var hello = ControlCodec.EncodeFrame(new Hello { Kind = ConnectionKind.Control, ClusterId = MasterOptions.Default.ClusterId });
        var opening = new byte[Preamble.Size + hello.Length];
        Preamble.Write(opening);
        hello.CopyTo(opening, Preamble.Size);
        await stream.WriteAsync(opening, Ct);
        var frame = await ExactFrameIo.ReadFrameAsync(stream, Ct);
        return ControlCodec.Decode(HelloReply.Parser, frame.AsSpan(FrameParser.HeaderSize));
    }
}
