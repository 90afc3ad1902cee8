using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Support;
using Pccl.Transport;

namespace Pccl.Tests.Protocol;

/// <summary>
/// A process of another PCCL release (another protocol version) is refused at the preamble with a message naming both
/// versions, as <c>docs/deployment.md</c> ("Upgrade and rollback") promises; the members' run is not disturbed.
/// </summary>
public class VersionRefusalTests
{
    [Theory]
    [InlineData(Preamble.CurrentVersion + 1)]
    [InlineData(Preamble.CurrentVersion - 1)]
    public async Task A_peer_of_another_protocol_version_is_refused_naming_both_versions_and_the_run_goes_on(int otherVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(2, ct: ct);

        var reply = await HelloAsync(cluster.Master.Port, (ushort)otherVersion, ct);

        Assert.False(reply.Accepted);
        Assert.Equal(RefusalReason.VersionMismatch, reply.Reason);
        Assert.Equal(
            $"protocol version {otherVersion} is not supported; this side speaks version {Preamble.CurrentVersion}: run the same PCCL release everywhere",
            reply.Message);
        var error = Handshake.RefusalToException(reply, "master:7117");
        Assert.Equal(PcclErrorCode.VersionMismatch, error.Code);
        Assert.False(error.IsTransient);

        var buffers = new[] { new float[] { 1, 2 }, new float[] { 10, 20 } };
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct));
        Assert.All(buffers, b => Assert.Equal([11f, 22f], b));
        Assert.All(cluster.Peers, p => Assert.Equal(2, p.GlobalWorldSize));
    }

    /// <summary>Opens a control connection whose preamble claims <paramref name="version"/> and returns the master's answer.</summary>
    private static async Task<HelloReply> HelloAsync(int port, ushort version, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        var preamble = new byte[Preamble.Size];
        Preamble.Write(preamble, version);
        await stream.WriteAsync(preamble, ct);
        await stream.WriteAsync(ControlCodec.EncodeFrame(new Hello { Kind = ConnectionKind.Control, ClusterId = "pccl" }), ct);
        var frame = await ExactFrameIo.ReadFrameAsync(stream, ct);
        return ControlCodec.Decode(HelloReply.Parser, frame.AsSpan(FrameParser.HeaderSize));
    }
}
