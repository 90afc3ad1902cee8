using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;

namespace Pccl.Transport.Heartbeats;

/// <summary>
/// What the master hands one registration for its heartbeats, over the control connection: the session token every
/// datagram carries and the key material its MACs are keyed from. Both are drawn at random per connection, so no two
/// peers, and no two incarnations of one peer, share a heartbeat key.
/// </summary>
internal sealed record HeartbeatCredentials(ulong Token, ByteString Key)
{
    /// <summary>Bytes of key material.</summary>
    public const int KeySize = 32;

    /// <summary>No credentials: for a core driven without a shell, whose peers never send heartbeats.</summary>
    public static HeartbeatCredentials None { get; } = new(0, ByteString.Empty);

    /// <summary>Fresh credentials: a non-zero random token and random key material.</summary>
    public static HeartbeatCredentials Draw()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        ulong token;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            token = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        while (token == 0);
        return new HeartbeatCredentials(token, ByteString.CopyFrom(RandomNumberGenerator.GetBytes(KeySize)));
    }
}
