using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>
/// A peer's control connection to the master: a <see cref="ControlConnection"/> whose every failure reads as the
/// master lost (transient), but for this side's own disposal.
/// </summary>
internal sealed class ControlLink : IAsyncDisposable
{
    private readonly ControlConnection _connection;

    /// <param name="connection">The established connection to the master.</param>
    /// <param name="stuckWriteGrace">
    /// How long a frame already being written may take to finish after the caller's token fired before the link is
    /// broken (the master counts as not reading; one heartbeat timeout is the natural bound).
    /// </param>
    public ControlLink(EstablishedConnection connection, TimeSpan stuckWriteGrace) =>
        _connection = new ControlConnection(connection, stuckWriteGrace, (failure, cause) => Describe(failure, cause, stuckWriteGrace));

    public Exception? Failure => _connection.Failure;

    public void Start(Func<ControlMessage, ValueTask> onMessage, Action<Exception> onLost) => _connection.Start(onMessage, onLost);

    /// <inheritdoc cref="ControlConnection.SendAsync"/>
    public ValueTask SendAsync(ControlMessage message, CancellationToken ct) => _connection.SendAsync(message, ct);

    /// <summary>Marks the link failed, keeping the first reason, and closes it.</summary>
    public Exception Break(Exception reason) => _connection.Break(reason);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static PcclException Describe(ControlFailure failure, Exception? cause, TimeSpan stuckWriteGrace) => failure switch
    {
        ControlFailure.ClosedByPeer => new PcclException(PcclErrorCode.MasterLost, "the master closed the connection", isTransient: true),
        ControlFailure.Stopped => new PcclException(PcclErrorCode.InvalidState, "the communicator was disposed"),
        ControlFailure.Malformed => new PcclException(PcclErrorCode.MasterLost, $"the master sent a malformed message: {cause?.Message}", true, cause),
        ControlFailure.LostWhileSending => new PcclException(PcclErrorCode.MasterLost, $"lost the master connection while sending: {cause?.Message}", true, cause),
        ControlFailure.NotReading => new PcclException(PcclErrorCode.MasterLost,
            $"a control message was still not written {stuckWriteGrace.TotalMilliseconds:0} ms after its caller cancelled: the master is not reading", true),
        _ => new PcclException(PcclErrorCode.MasterLost, $"lost the master connection: {cause?.Message}", true, cause),
    };
}
