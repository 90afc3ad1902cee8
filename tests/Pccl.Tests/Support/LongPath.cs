using Pccl.Transport;

namespace Pccl.Tests.Support;

/// <summary>A long fat path as the kernel reports it: 100 ms least round trip (101 smoothed), a 4 MiB window per stream.</summary>
internal static class LongPath
{
    public const long WindowBytes = 4 * 1024 * 1024;

    public static TcpPath Path { get; } = new(TimeSpan.FromMilliseconds(101), WindowBytes, Loopback: false, MinRoundTrip: TimeSpan.FromMilliseconds(100));
}
