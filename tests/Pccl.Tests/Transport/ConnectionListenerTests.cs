using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>The one listener behind the master's control port and a peer's p2p port, with real handshakes over loopback TCP.</summary>
public class ConnectionListenerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly Hello ControlHello = new() { Kind = ConnectionKind.Control, ClusterId = "pccl" };

    private readonly ConcurrentQueue<string> _refusals = new();

    [Fact]
    public async Task AConnectionThatPassesTheHandshakeIsHandedToTheOwner()
    {
        var ct = TestContext.Current.CancellationToken;
        var handed = new TaskCompletionSource<EstablishedConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = Start(admit: null, HandshakeGate.DefaultLimit, c =>
        {
            handed.TrySetResult(c);
            return ValueTask.CompletedTask;
        });
        Assert.NotEqual(0, listener.Port);

        await using var client = await Handshake.ConnectAsync("127.0.0.1", listener.Port, ControlHello, ConnectionSecurity.None, Patience, ct);
        await using var accepted = await handed.Task.WaitAsync(Patience, ct);
        Assert.Equal(ConnectionKind.Control, accepted.Hello.Kind);

        await client.Stream.WriteAsync(new byte[] { 42 }, ct);
        var read = new byte[1];
        await accepted.Stream.ReadExactlyAsync(read, ct);
        Assert.Equal(42, read[0]);
        Assert.Empty(_refusals);
    }

    [Fact]
    public async Task TheOwnersRefusalReachesTheClientAndTheRefusalLog()
    {
        var ct = TestContext.Current.CancellationToken;
        var handedOver = 0;
        await using var listener = Start(new Refusal(RefusalReason.ClusterFull, "full up"), HandshakeGate.DefaultLimit, _ =>
        {
            Interlocked.Increment(ref handedOver);
            return ValueTask.CompletedTask;
        });

        var e = await Assert.ThrowsAsync<PcclException>(() => Handshake.ConnectAsync("127.0.0.1", listener.Port, ControlHello, ConnectionSecurity.None, Patience, ct));

        Assert.Equal(PcclErrorCode.ClusterFull, e.Code);
        Assert.Contains("full up", e.Message, StringComparison.Ordinal);
        Assert.Contains(_refusals, r => r.Contains("full up", StringComparison.Ordinal));
        Assert.Equal(0, Volatile.Read(ref handedOver));
    }

    [Fact]
    public async Task HandshakesBeyondTheSourcesShareAreDroppedUnheard()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var listener = Start(admit: null, perSourceHandshakes: 2, _ => ValueTask.CompletedTask);
        var silent = new List<Socket>();
        try
        {
            // connections that never say hello hold their handshake slot until the handshake times out
            for (var i = 0; i < 3; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                silent.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, listener.Port, ct);
            }

            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (listener.DroppedHandshakes == 0)
            {
                Assert.True(patience.Elapsed < Patience, "the third silent connection from one source was never dropped");
                await Task.Delay(10, ct);
            }

            Assert.Equal(1, listener.DroppedHandshakes);
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ADisposedListenerTakesNoMoreConnections()
    {
        var ct = TestContext.Current.CancellationToken;
        var listener = Start(admit: null, HandshakeGate.DefaultLimit, c => c.DisposeAsync());
        var port = listener.Port;
        await listener.DisposeAsync();

        var e = await Assert.ThrowsAsync<PcclException>(() => Handshake.ConnectAsync("127.0.0.1", port, ControlHello, ConnectionSecurity.None, Patience, ct));
        Assert.Equal(PcclErrorCode.ConnectionRefused, e.Code);
    }

    [Fact]
    public void APortAnotherListenerHoldsIsTheSocketErrorItsOwnerWordsEvenBeforeThatOneStarts()
    {
        using var first = ConnectionListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        var e = Assert.Throws<SocketException>(() => ConnectionListener.Bind(new IPEndPoint(IPAddress.Loopback, first.Port)));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }

    private ConnectionListener Start(Refusal? admit, int perSourceHandshakes, Func<EstablishedConnection, ValueTask> onConnection)
    {
        var listener = ConnectionListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start(new ListenerHandshake("pccl", ConnectionSecurity.None, Patience, (_, _) => admit, (_, reason) => _refusals.Enqueue(reason)),
            perSourceHandshakes, onConnection);
        return listener;
    }
}
