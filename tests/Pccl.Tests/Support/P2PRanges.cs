namespace Pccl.Tests.Support;

/// <summary>
/// p2p port ranges for the in-process clusters of this test run, each its own until the block wraps around. They lie
/// below the kernel's ephemeral range (32768-60999), where the OS picks the ports of masters started on port 0 and of
/// ports probed free: a peer's listener there could take a port a test probed for its next master before that master binds it.
/// </summary>
internal static class P2PRanges
{
    private const int First = 10_000;
    private const int Size = 64;
    // up to the fixed ranges some classes name (25000 and above)
    private const int Count = (25_000 - First) / Size;
    private static int _next = -1;

    public static PortRange Next()
    {
        var first = First + (Interlocked.Increment(ref _next) % Count * Size);
        return new PortRange(first, first + Size - 1);
    }
}
