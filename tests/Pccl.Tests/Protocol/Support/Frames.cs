using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Protocol.Support;

/// <summary>Sample control messages and framed streams built from them.</summary>
internal static class Frames
{
    /// <summary>One message of every kind a peer or the master sends, with non-default fields.</summary>
    public static ControlMessage[] Samples()
    {
        var world = new World { Revision = 7 };
        world.Peers.Add(new PeerEntry { PeerId = 1, Address = "10.0.0.1", P2PPort = 7118, Group = 2, Region = "eu" });
        world.Rings.Add(new RingOrder { Group = 2, PeerIds = { 1, 3, 2 } });
        var start = new CollectiveStart { Tag = 4, Sequence = 99, Lane = 2 };
        start.Ring.AddRange([3UL, 1UL, 2UL]);
        return
        [
            new() { Register = new Register { P2PPort = 7118, Group = 1, Region = "us" } },
            new() { TopologyVote = new TopologyVote() },
            new() { PendingPeersVote = new PendingPeersVote() },
            new() { P2PConnectResult = new P2PConnectResult { WorldRevision = 3, Success = false, Error = "refused" } },
            new() { CollectiveInit = new CollectiveInit { Tag = 9, Parameters = new CollectiveDescriptor { ElementCount = 1 << 20, DataType = DataType.Bf16, Op = ReduceOp.Avg, Quantization = Quantization.MinMaxU16, Compression = true } } },
            new() { CollectiveDone = new CollectiveDone { Tag = 9, Sequence = 12, Success = false, Error = "boom" } },
            new() { Goodbye = new Goodbye() },
            new() { Registered = new Registered { PeerId = 5, ObservedAddress = "::1", HeartbeatToken = 77, HeartbeatKey = Google.Protobuf.ByteString.CopyFrom(new byte[32]) } },
            new() { TopologyUpdate = new TopologyUpdate { World = world } },
            new() { TopologyComplete = new TopologyComplete { World = world } },
            new() { TopologyFailed = new TopologyFailed { Reason = "peer 2 lost", FailedPeerIds = { 2 } } },
            new() { PendingPeersResult = new PendingPeersResult { Pending = true } },
            new() { WorldChanged = new WorldChanged { World = world, LostPeerId = 4, Reason = "timeout" } },
            new() { Kick = new Kick { Reason = KickReason.LoopbackMix, Message = "mixed" } },
            new() { CollectiveStart = start },
            new() { CollectiveAbort = new CollectiveAbort { Tag = 4, Sequence = 99, Failure = CollectiveFailure.PeerLost, Reason = "gone", LostPeerId = 3 } },
            new() { CollectiveComplete = new CollectiveComplete { Tag = 4, Sequence = 99 } },
            new() { CollectiveWithdrawn = new CollectiveWithdrawn { Tag = 9 } },
            new() { CollectiveResolved = new CollectiveResolved { PriorEpoch = 3, Tag = 9, Sequence = 12, Completed = true, Reason = "every participant had moved its data" } },
            new()
            {
                Register = new Register
                {
                    P2PPort = 7119, Group = 1,
                    PriorSessions =
                    {
                        new PriorSession
                        {
                            Epoch = 3, PeerId = 2,
                            Completed = { new CollectiveOutcome { Tag = 9, Sequence = 11 } },
                            InDoubt = { new InDoubtCollective { Tag = 9, Sequence = 12, Participants = { 1, 2, 3 } } },
                        },
                    },
                },
            },
            new()
            {
                SharedStateSyncRequest = new SharedStateSyncRequest
                {
                    Revision = 13,
                    Strategy = SharedStateStrategy.SendOnly,
                    Tensors = { new SharedStateTensorInfo { Key = "w", DataType = DataType.F32, ByteLength = 4096, Hash = 0xABCD, AllowContentInequality = true } },
                },
            },
            new() { SharedStateSyncDone = new SharedStateSyncDone { Sequence = 3, Success = false, Error = "hash", RxBytes = 10, LostDonorIds = { 2 } } },
            new()
            {
                SharedStateTransferPlan = new SharedStateTransferPlan
                {
                    Sequence = 3,
                    Revision = 14,
                    Receive = { new SharedStateReceive { Key = "w", Hash = 0xABCD, ByteLength = 4096, DonorIds = { 1, 2 } } },
                    Donors = { new SharedStateDonor { PeerId = 1, Address = "10.0.0.1", P2PPort = 7119 } },
                },
            },
            new() { SharedStateSyncComplete = new SharedStateSyncComplete { Sequence = 3, Revision = 14 } },
            new() { SharedStateSyncAbort = new SharedStateSyncAbort { Sequence = 3, Failure = SharedStateSyncFailure.PeerLost, Reason = "gone", LostPeerId = 2, PeersAtFault = { 2 } } },
            new() { TopologyOptimizeVote = new TopologyOptimizeVote() },
            new() { BandwidthTestRequest = new BandwidthTestRequest { Step = 4, Target = new PeerEntry { PeerId = 2, Address = "10.0.0.2", P2PPort = 7118 }, DurationMs = 500 } },
            new() { BandwidthReport = new BandwidthReport { Step = 4, TargetPeerId = 2, Success = true, BytesPerSecond = 1.25e8 } },
        ];
    }

    /// <summary>The frames of the messages back to back, as they travel.</summary>
    public static byte[] Stream(IEnumerable<ControlMessage> messages) => [.. messages.SelectMany(ControlCodec.EncodeFrame)];

    public static byte[] Header(int announcedLength)
    {
        var header = new byte[FrameParser.HeaderSize];
        FrameParser.WriteHeader(header, announcedLength);
        return header;
    }
}
