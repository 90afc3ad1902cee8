using System.Threading.Channels;
using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Master.Server;

/// <summary>
/// One peer's control connection as the master sees it: a <see cref="ControlConnection"/> whose messages become events,
/// and whose sends are queued so the event loop never waits on a slow peer. A connection belongs to one leadership term:
/// every message it sends carries that term's epoch, and it is cut when the term ends.
/// </summary>
internal sealed class MasterConnection : IAsyncDisposable
{
    private readonly ControlConnection _control;
    private readonly ChannelWriter<MasterEvent> _events;

    public MasterConnection(long id, ulong epoch, EstablishedConnection connection, ChannelWriter<MasterEvent> events)
    {
        Id = id;
        Epoch = epoch;
        ObservedAddress = connection.Remote?.Address.ToString() ?? "unknown";
        _events = events;
        // the master never waits for a write, so no sender's grace applies
        _control = new ControlConnection(connection, Timeout.InfiniteTimeSpan, Describe);
    }

    public long Id { get; }

    /// <summary>The leadership term the connection was admitted in.</summary>
    public ulong Epoch { get; }

    public string ObservedAddress { get; }

    public void Start(CancellationToken ct) => _control.Start(
        message => _events.WriteAsync(new MessageReceived(Id, message), ct),
        reason => _events.TryWrite(new ConnectionClosed(Id, reason.Message)),
        ct);

    /// <summary>Queues <paramref name="message"/> stamped with this connection's epoch, encoded by (or taken from) <paramref name="frames"/>.</summary>
    public void Send(ControlMessage message, BroadcastFrames frames) => _control.SendFrame(frames.For(message, Epoch));

    /// <summary>Cuts the connection at once, sending nothing more.</summary>
    public void Abort(string reason) => _control.Abort(reason);

    /// <summary>Closes once everything queued so far is written.</summary>
    public void CloseAfterFlush() => _control.CloseAfterFlush();

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

        _control.Abort($"the peer did not read what was queued for it within {grace.TotalMilliseconds:0} ms");
    }, CancellationToken.None);

    /// <summary>Breaks the connection if it still works and waits for its read loop to end.</summary>
    public ValueTask DisposeAsync() => _control.DisposeAsync();

    /// <summary>The reason the core and the log see for a closed connection.</summary>
    private static PcclException Describe(ControlFailure failure, Exception? cause) => new(PcclErrorCode.PeerLost, failure switch
    {
        ControlFailure.ClosedByPeer => "connection closed by peer",
        ControlFailure.Stopped => "master shutting down",
        ControlFailure.Malformed => $"protocol violation: {cause?.Message}",
        _ => $"connection lost: {cause?.Message}",
    }, isTransient: true, cause);
}
