namespace Pccl.Transport.Heartbeats;

/// <summary>What a peer's heartbeats carry and how often: its id and token from registration, the interval, the timeout.</summary>
internal readonly record struct HeartbeatSession(ulong PeerId, ulong Token, TimeSpan Interval, TimeSpan Timeout);
