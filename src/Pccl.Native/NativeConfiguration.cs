using Pccl.Hosting.Configuration;

namespace Pccl.Native;

/// <summary>
/// Options for what the C API creates: this library's defaults, overridden by the same <c>PCCL_*</c> environment
/// variables <c>pccl</c> reads (TLS, auth, heartbeats, fault tolerance, performance), bound by the CLI's own
/// configuration code without a file; what the C call names (master address, peer group, pool size) wins over both.
/// </summary>
internal static class NativeConfiguration
{
    private static readonly IReadOnlyDictionary<string, string> NoFlags = new Dictionary<string, string>();

    /// <exception cref="ConfigException">A <c>PCCL_*</c> variable is invalid; the message names it.</exception>
    public static PcclConfig FromEnvironment() => ConfigLoader.Load(null, ConfigLoader.ProcessEnvironment(), NoFlags);
}
