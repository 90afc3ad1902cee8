using Pccl.Tests.Transport.Support;

namespace Pccl.Tests.Transport;

/// <summary>The kernel's count of a connection's acknowledged bytes and busy time, over real loopback TCP.</summary>
public class TcpProgressTests
{
    [Fact]
    public async Task AConnectionCountsTheBytesThePeerAcknowledgedAndTheTimeItWasBusySendingThem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();
        var before = Assert.NotNull(connection.MeasureProgress());

        // paced, so the sending stays busy for a while: 1 MiB at 4 MiB/s
        connection.PaceTo(4L << 20);
        var write = connection.Stream.WriteAsync(new byte[1 << 20], ct).AsTask();
        var received = new byte[1 << 20];
        for (var read = 0; read < received.Length;)
        {
            read += await pair.Remote.ReceiveAsync(received.AsMemory(read), ct);
        }

        await write;
        var after = await UntilAckedAsync(connection, before.BytesAcked + received.Length, ct);

        Assert.Equal(received.Length, after.BytesAcked - before.BytesAcked);
        Assert.InRange((after.Busy - before.Busy).TotalSeconds, 0.15, 5);
    }

    private static async Task<Pccl.Transport.TcpProgress> UntilAckedAsync(Pccl.Transport.EstablishedConnection connection, long bytes, CancellationToken ct)
    {
        for (var i = 0; i < 200; i++)
        {
            if (connection.MeasureProgress() is { } progress && progress.BytesAcked >= bytes)
            {
                return progress;
            }

            await Task.Delay(10, ct);
        }

        throw new TimeoutException($"the peer never acknowledged {bytes} bytes");
    }
}
