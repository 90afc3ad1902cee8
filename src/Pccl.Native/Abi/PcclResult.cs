namespace Pccl.Native.Abi;

/// <summary><c>pcclResult_t</c>: what every exported function returns.</summary>
internal enum PcclResult
{
    Success = 0,
    NotInitialized = 1,
    InternalError = 2,
    InvalidArgument = 3,
    InvalidUsage = 4,
    TooFewPeers = 5,
    MasterConnectionFailed = 6,
    RankConnectionFailed = 7,
    RankConnectionLost = 8,
    NoSharedStateAvailable = 9,
    PendingAsyncOps = 10,
    UpdateTopologyFailed = 11,
    TopologyOptimizationFailed = 12,
}
