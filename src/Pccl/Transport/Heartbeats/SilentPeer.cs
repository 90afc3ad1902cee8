namespace Pccl.Transport.Heartbeats;

/// <summary>A peer the monitor has not heard from for the heartbeat timeout.</summary>
internal readonly record struct SilentPeer(long ConnectionId, ulong PeerId, TimeSpan Silence);
