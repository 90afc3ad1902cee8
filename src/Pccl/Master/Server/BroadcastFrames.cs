using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Master.Server;

/// <summary>
/// Encodes the core's messages for the wire, each message once: the core hands a broadcast (a collective's start,
/// completion or abort) to every member as one instance, and its bytes are queued on every connection as they are. The
/// frames of one event's commands only: the core no longer changes a message once <c>Handle</c> returned it.
/// Used on the event loop only.
/// </summary>
internal sealed class BroadcastFrames
{
    private ControlMessage? _message;
    private ulong _epoch;
    private byte[] _frame = [];

    /// <summary>The frame of <paramref name="message"/> stamped with <paramref name="epoch"/>, encoded on first use.</summary>
    public byte[] For(ControlMessage message, ulong epoch)
    {
        if (!ReferenceEquals(message, _message) || epoch != _epoch)
        {
            message.Epoch = epoch;
            _frame = ControlCodec.EncodeFrame(message);
            _message = message;
            _epoch = epoch;
        }

        return _frame;
    }

    /// <summary>Forgets the last frame: called when an event's commands are done.</summary>
    public void Clear()
    {
        _message = null;
        _frame = [];
    }
}
