using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>This communicator's own metrics: peers in one process do not overwrite each other's gauges.</summary>
    private readonly PcclInstruments _telemetry = new(MetricRole.Peer);

    /// <summary>The <c>pccl.instance</c> tag of this communicator's meter.</summary>
    internal long TelemetryInstance => _telemetry.Instance;

    /// <summary>Counts a failed collective by its code and logs the abort (event 1101).</summary>
    private void ReportAborted(uint tag, PcclException failure)
    {
        _telemetry.RecordFailure(failure.Code);
        _logger.CollectiveAborted(tag, $"{failure.Code}: {failure.Message}");
    }

    /// <summary>Reports a new world: the peer count gauge and event 1010.</summary>
    private void ReportWorld(World world)
    {
        _telemetry.SetPeerCount(world.Peers.Count);
        _logger.TopologyUpdated((long)world.Revision, _world.Ring.Count);
    }

    /// <summary>Records a finished shared-state sync and logs it (event 1201).</summary>
    private void ReportSharedStateSynced(long revision, long bytesSent, long bytesReceived)
    {
        _telemetry.RecordSharedStateSync(revision, bytesSent, bytesReceived);
        _logger.SharedStateSynced(revision, bytesSent + bytesReceived);
    }
}
