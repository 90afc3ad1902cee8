using Pccl.Operations.Faults;
using Pccl.Protocol.Codec;

namespace Pccl.Operations.StateSync;

/// <summary>
/// The donor side of one STATE connection: answers block requests from the source until the receiver closes the
/// connection or the round ends. Only a receiver the round's plan names may pull, and only the keys the plan has it
/// receive from this peer; requests outside the source's tensors are a protocol violation.
/// </summary>
internal static class StateBlockServer
{
    /// <param name="stream">The connection; the caller disposes it.</param>
    /// <param name="source">What to serve.</param>
    /// <param name="receiver">The peer id from the connection's hello.</param>
    /// <param name="sequence">The round's sequence, echoed in every frame.</param>
    /// <param name="faults">Consulted before each block is sent; null in production.</param>
    /// <param name="ct">Cancelled when the round ends.</param>
    /// <exception cref="StateConnectionRefusedException">
    /// The plan does not name <paramref name="receiver"/> as a receiver of this peer (nothing was read or sent), or it
    /// asked for a key the plan does not have it receive from this peer (nothing of that key was sent).
    /// </exception>
    public static async Task ServeAsync(
        Stream stream, StateSource source, ulong receiver, ulong sequence, IFaultInjector? faults, CancellationToken ct)
    {
        if (!source.Serves(receiver))
        {
            throw new StateConnectionRefusedException(
                $"refused a shared-state (STATE) connection from peer {receiver} for round {sequence}: the round's plan does not make it a receiver " +
                $"of this peer (receivers: {(source.Receivers.Count == 0 ? "none" : string.Join(", ", source.Receivers))}); only the master's plan decides who may pull this peer's state");
        }

        var requestBytes = new byte[StateBlockRequest.Size];
        var prefix = new byte[StateBlockFrame.PrefixSize];
        while (true)
        {
            var read = await stream.ReadAtLeastAsync(requestBytes, StateBlockRequest.Size, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (read == 0)
            {
                return; // the receiver has everything it wanted from this peer
            }

            if (read < StateBlockRequest.Size)
            {
                throw new ProtocolException($"state block request truncated: {read} of {StateBlockRequest.Size} bytes before the connection closed");
            }

            var request = StateBlockRequest.Read(requestBytes);
            var content = Validate(request, source);
            if (!source.Grants(receiver, request.KeyIndex))
            {
                throw new StateConnectionRefusedException(
                    $"refused peer {receiver}'s request for shared-state key '{source.Key(request.KeyIndex)}' in round {sequence}: the round's plan does not have it " +
                    "receive that key from this peer; a donor serves each receiver only the keys the master planned for it");
            }

            var firstBlock = (int)(request.Offset / source.BlockSize);
            var end = request.Offset + request.Length;
            for (var (block, offset) = (firstBlock, request.Offset); offset < end; block++, offset += source.BlockSize)
            {
                if (faults is not null)
                {
                    await faults.StateBlockSendingAsync(ct).ConfigureAwait(false);
                }

                var length = (int)Math.Min(source.BlockSize, end - offset);
                StateBlockFrame.WritePrefix(prefix, request.KeyIndex, sequence, block, length, source.BlockHash(request.KeyIndex, block));
                source.AddServed(length);
                await stream.WriteAsync(prefix, ct).ConfigureAwait(false);
                await stream.WriteAsync(content.Slice((int)offset, length), ct).ConfigureAwait(false);
            }

            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private static ReadOnlyMemory<byte> Validate(StateBlockRequest request, StateSource source)
    {
        if (request.KeyIndex >= source.Count)
        {
            throw new ProtocolException($"state block request for key #{request.KeyIndex}, but this peer holds {source.Count} keys");
        }

        var content = source.Content(request.KeyIndex);
        if (request.Offset % source.BlockSize != 0 || request.Offset > content.Length || request.Length > content.Length - request.Offset)
        {
            throw new ProtocolException(
                $"state block request for bytes {request.Offset}..{request.Offset + request.Length} of key #{request.KeyIndex} " +
                $"({content.Length} bytes) does not start on a {source.BlockSize}-byte block or runs past the end");
        }

        return content;
    }
}
