using System.Net;
using System.Net.Sockets;

namespace Pccl.Transport;

/// <summary>
/// Caps the handshakes a listener runs at once, in all and per source, so a flood of connection attempts (or of
/// half-open connections that send nothing until the handshake timeout) costs bounded memory and CPU, and one source
/// refilling slots cannot take them all from everybody else. Extra connections are closed at once; a legitimate client
/// sees a closed connection, a transient error it retries.
/// </summary>
/// <remarks>
/// A source is an IPv4 address, or an IPv6 /64 network (what one host usually holds). <paramref name="perSourceLimit"/>
/// equal to <paramref name="limit"/> leaves only the global cap.
/// </remarks>
internal sealed class HandshakeGate(int limit = HandshakeGate.DefaultLimit, int perSourceLimit = HandshakeGate.DefaultLimit)
{
    /// <summary>Pending handshakes allowed per listener.</summary>
    public const int DefaultLimit = 64;

    /// <summary>Pending handshakes the master allows one source by default (auth.max_handshakes_per_source).</summary>
    public const int DefaultPerSourceLimit = AuthOptions.DefaultMaxHandshakesPerSource;

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, int> _bySource = [];
    private int _pending;
    private long _dropped;

    /// <summary>Connections closed unheard because the gate was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Takes a slot for a connection from <paramref name="source"/>; false (and counted as dropped) when the listener's or the source's slots are taken.</summary>
    public bool TryEnter(IPAddress? source = null)
    {
        lock (_lock)
        {
            var key = SourceKey(source);
            var fromSource = _bySource.GetValueOrDefault(key);
            if (_pending >= limit || fromSource >= perSourceLimit)
            {
                _dropped++;
                return false;
            }

            _pending++;
            _bySource[key] = fromSource + 1;
            return true;
        }
    }

    /// <summary>Gives back a slot taken by <see cref="TryEnter"/> for the same <paramref name="source"/>.</summary>
    public void Exit(IPAddress? source = null)
    {
        lock (_lock)
        {
            var key = SourceKey(source);
            _pending--;
            if (_bySource.TryGetValue(key, out var fromSource) && fromSource > 1)
            {
                _bySource[key] = fromSource - 1;
            }
            else
            {
                _bySource.Remove(key);
            }
        }
    }

    /// <summary>The address a connection comes from, or null when it is already gone (the handshake finds out).</summary>
    public static IPAddress? SourceOf(Socket socket)
    {
        try
        {
            return (socket.RemoteEndPoint as IPEndPoint)?.Address;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    private static UInt128 SourceKey(IPAddress? source)
    {
        if (source is null)
        {
            return UInt128.MaxValue;
        }

        var address = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        address.TryWriteBytes(bytes, out var written);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            bytes[8..].Clear(); // the /64
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes) ^ (UInt128)written;
    }
}
