using Pccl.Native.Abi;

namespace Pccl.Native.Interop;

/// <summary>The C API's result for what the library threw.</summary>
internal static class ResultMap
{
    public static PcclResult Of(Exception exception) => exception switch
    {
        PcclException e => Of(e),
        AggregateException { InnerExceptions: [var inner] } => Of(inner),
        ArgumentException => PcclResult.InvalidArgument,
        ObjectDisposedException => PcclResult.InvalidUsage,
        _ => PcclResult.InternalError,
    };

    private static PcclResult Of(PcclException e) => e.Code switch
    {
        PcclErrorCode.InvalidArgument or PcclErrorCode.InvalidConfiguration or PcclErrorCode.OperationMismatch => PcclResult.InvalidArgument,
        PcclErrorCode.InvalidState or PcclErrorCode.TagInUse => PcclResult.InvalidUsage,
        PcclErrorCode.TooFewPeers => PcclResult.TooFewPeers,
        PcclErrorCode.PeerLost or PcclErrorCode.Aborted => PcclResult.RankConnectionLost,
        PcclErrorCode.TopologyFailed => PcclResult.UpdateTopologyFailed,
        PcclErrorCode.MasterLost or PcclErrorCode.Kicked or PcclErrorCode.ConnectionRefused or PcclErrorCode.AuthenticationFailed
            or PcclErrorCode.VersionMismatch or PcclErrorCode.ClusterFull => PcclResult.MasterConnectionFailed,
        PcclErrorCode.Timeout when e.IsTransient => PcclResult.RankConnectionLost,
        _ => PcclResult.InternalError,
    };
}
