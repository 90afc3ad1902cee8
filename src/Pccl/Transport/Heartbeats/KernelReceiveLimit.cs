namespace Pccl.Transport.Heartbeats;

/// <summary>The kernel's ceiling on a socket's receive buffer (<c>net.core.rmem_max</c>), for advice when a buffer came out smaller than asked.</summary>
internal static class KernelReceiveLimit
{
    private const string RmemMaxPath = "/proc/sys/net/core/rmem_max";

    /// <summary>The value of <c>net.core.rmem_max</c>, or "unknown" where the kernel does not expose it.</summary>
    public static string Describe()
    {
        try
        {
            return File.Exists(RmemMaxPath) ? File.ReadAllText(RmemMaxPath).Trim() : "unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
