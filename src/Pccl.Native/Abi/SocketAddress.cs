using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Native.Abi;

/// <summary><c>ccoip_inet_address_t</c>: 24 bytes; only the address named by <see cref="Protocol"/> is meaningful.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct InetAddress
{
    public InetProtocol Protocol;
    public IPv4Bytes IPv4;
    public IPv6Bytes IPv6;
}

/// <summary><c>ccoip_ipv4_address_t</c>: four octets in network order.</summary>
[InlineArray(4)]
internal struct IPv4Bytes
{
    private byte _first;
}

/// <summary><c>ccoip_ipv6_address_t</c>: sixteen octets in network order.</summary>
[InlineArray(16)]
internal struct IPv6Bytes
{
    private byte _first;
}

/// <summary><c>ccoip_socket_address_t</c>: 28 bytes, port (host order) at offset 24.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SocketAddress
{
    public InetAddress Inet;
    public ushort Port;

    /// <summary>The address as text, or null when <see cref="InetAddress.Protocol"/> is neither IPv4 nor IPv6.</summary>
    public readonly string? Host => Inet.Protocol switch
    {
        InetProtocol.IPv4 => new IPAddress(Inet.IPv4).ToString(),
        InetProtocol.IPv6 => new IPAddress(Inet.IPv6).ToString(),
        _ => null,
    };
}
