namespace Pccl.Transport.Security;

/// <summary>
/// Per-peer sliding window over 64-bit datagram sequence numbers: each number is accepted once, numbers up to
/// <see cref="Size"/> - 1 behind the highest seen are accepted out of order, older ones are refused.
/// Not thread-safe (one per peer, used by the receive loop); no allocation.
/// </summary>
/// <remarks>
/// Call <see cref="TryAccept"/> only after the datagram's MAC has been verified, otherwise a forged datagram with a
/// huge sequence number would move the window and lock out the real peer. <see cref="IsFresh"/> is a cheap
/// pre-check that changes nothing.
/// </remarks>
internal sealed class ReplayWindow
{
    /// <summary>How many sequence numbers (the highest included) the window remembers.</summary>
    internal const int Size = 64;

    private ulong _highest;
    private ulong _seen; // bit i set: sequence _highest - i was accepted
    private bool _any;

    /// <summary>Whether <paramref name="sequence"/> would be accepted now.</summary>
    internal bool IsFresh(ulong sequence)
    {
        if (!_any || sequence > _highest)
        {
            return true;
        }

        var behind = _highest - sequence;
        return behind < Size && (_seen & (1UL << (int)behind)) == 0;
    }

    /// <summary>Accepts and records <paramref name="sequence"/>, or returns false for a duplicate or too old one.</summary>
    internal bool TryAccept(ulong sequence)
    {
        if (!_any)
        {
            _any = true;
            _highest = sequence;
            _seen = 1;
            return true;
        }

        if (sequence > _highest)
        {
            var ahead = sequence - _highest;
            _seen = ahead >= Size ? 1 : (_seen << (int)ahead) | 1;
            _highest = sequence;
            return true;
        }

        var behind = _highest - sequence;
        if (behind >= Size)
        {
            return false;
        }

        var bit = 1UL << (int)behind;
        if ((_seen & bit) != 0)
        {
            return false;
        }

        _seen |= bit;
        return true;
    }
}
