using System.Threading.Channels;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Master.Server;

/// <summary>
/// One peer's control connection as the master sees it: a read loop that turns frames into events, and a write
/// loop draining a queue so the event loop never waits on a slow peer.
/// </summary>
internal sealed class MasterConnection(long id, EstablishedConnection connection, ChannelWriter<Master.Core.MasterEvent> events)
{
    /// <summary>Synchronous continuations: the event loop's send writes at once when the socket has room, without a hop.</summary>
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

    public long Id { get; } = id;

    public string ObservedAddress { get; } = connection.Remote?.Address.ToString() ?? "unknown";

    public void Start(CancellationToken ct)
    {
        _ = Task.Run(() => ReadLoopAsync(ct), ct);
        _ = Task.Run(() => WriteLoopAsync(ct), ct);
    }

    public void Send(ControlMessage message) => _outgoing.Writer.TryWrite(ControlCodec.EncodeFrame(message));

    /// <summary>Closes once everything queued so far is written.</summary>
    public void CloseAfterFlush() => _outgoing.Writer.TryComplete();

    /// <summary>Cuts the connection after <paramref name="grace"/> even if a hung peer never drains what was queued.</summary>
    public void AbortAfter(TimeSpan grace, CancellationToken ct) => _ = Task.Run(async () =>
    {
        try
        {
            await Task.Delay(grace, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the master is stopping and closes every connection anyway
        }

        connection.Abort($"the peer did not read what was queued for it within {grace.TotalMilliseconds:0} ms");
    }, CancellationToken.None);

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        var reason = "connection closed by peer";
        try
        {
            using var reader = new FrameReader(connection.Stream);
            while (await reader.ReadFrameAsync(ct).ConfigureAwait(false) is { } payload)
            {
                var message = ControlCodec.DecodeControl(payload.Span);
                await events.WriteAsync(new Master.Core.MessageReceived(Id, message), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            reason = "master shutting down";
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or PcclException)
        {
            reason = e is PcclException ? $"protocol violation: {e.Message}" : $"connection lost: {e.Message}";
        }

        _outgoing.Writer.TryComplete();
        events.TryWrite(new Master.Core.ConnectionClosed(Id, reason));
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_outgoing.Reader.TryRead(out var frame))
                {
                    await connection.Stream.WriteAsync(frame, ct).ConfigureAwait(false);
                }

                await connection.Stream.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // the read loop reports the loss
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
