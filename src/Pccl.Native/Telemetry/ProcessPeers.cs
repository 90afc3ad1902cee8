using System.Text.Json.Nodes;
using Pccl.Hosting.Telemetry;

namespace Pccl.Native.Telemetry;

/// <summary>
/// The communicators of this process that connected and were not destroyed, oldest first: what the metrics endpoint
/// of a C peer answers on <c>/readyz</c> and <c>/status</c>, as <c>pccl worker</c>'s does for its one communicator.
/// </summary>
internal static class ProcessPeers
{
    private static readonly Lock s_lock = new();
    private static readonly List<NativeCommunicator> s_connected = [];

    public static void Add(NativeCommunicator communicator)
    {
        lock (s_lock)
        {
            s_connected.Add(communicator);
        }
    }

    public static void Remove(NativeCommunicator communicator)
    {
        lock (s_lock)
        {
            s_connected.Remove(communicator);
        }
    }

    private static NativeCommunicator? Oldest()
    {
        lock (s_lock)
        {
            return s_connected.Count > 0 ? s_connected[0] : null;
        }
    }

    private static int Count()
    {
        lock (s_lock)
        {
            return s_connected.Count;
        }
    }

    /// <summary>Ready while the oldest communicator is accepted and registered with a master (not after it lost it).</summary>
    public static ReadinessReport Readiness() => Oldest() is { } native
        ? PeerStatus.Readiness(native.Connected, native.Master)
        : PeerStatus.Readiness(null, "");

    /// <summary>
    /// A worker's <c>/status</c> fields for the oldest communicator, with what only the C layer knows: the master it
    /// follows, the shared-state revision of its latest sync, and how many communicators the process holds.
    /// </summary>
    public static JsonNode Status()
    {
        var native = Oldest();
        var document = PeerStatus.Document(native?.Connected);
        document["master"] = native?.Master;
        document["shared_state_revision"] = native?.SharedStateRevision ?? 0;
        document["communicators"] = Count();
        return document;
    }
}
