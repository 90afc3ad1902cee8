using Pccl.Protocol.Messages;
using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Core;

/// <summary>Something that happened to the master, fed to <see cref="MasterCore"/> in order, one at a time.</summary>
internal abstract record MasterEvent;

/// <summary>
/// A connection finished its handshake; the address is the one the master observed, and the shell tells whether it is a
/// loopback address (the core parses no addresses). The shell draws the heartbeat
/// credentials at random (the core stays free of randomness) and the core hands them to the peer if it registers;
/// without them (a core driven by tests) the peer gets <see cref="HeartbeatCredentials.None"/>.
/// </summary>
internal sealed record ConnectionOpened(long ConnectionId, string ObservedAddress, bool IsLoopback, HeartbeatCredentials? Heartbeat = null) : MasterEvent;

/// <summary>A control message arrived on a connection.</summary>
internal sealed record MessageReceived(long ConnectionId, ControlMessage Message) : MasterEvent;

/// <summary>A connection is gone (closed, broken, or its peer's heartbeats stopped).</summary>
internal sealed record ConnectionClosed(long ConnectionId, string Reason) : MasterEvent;

/// <summary>
/// A registered peer's heartbeats stopped: the core kicks it like any other misbehaving peer. <paramref name="Message"/>
/// is what the peer is told; <paramref name="Reason"/> is why the survivors lost it.
/// </summary>
internal sealed record PeerSilent(long ConnectionId, string Reason, string Message) : MasterEvent;

/// <summary>
/// Time passed: <paramref name="Now"/> is the shell's monotonic clock. The core stamps what it starts waiting for with
/// the latest tick's time and removes peers that miss a deadline on a later tick, so its deadlines are as fine as the
/// shell's tick period.
/// </summary>
internal sealed record Tick(TimeSpan Now) : MasterEvent;

/// <summary>
/// A leadership term began: the revisions the master store holds per group, which the core enforces as each group's
/// floor (see <see cref="MasterState.StoredRevisions"/>).
/// </summary>
internal sealed record RevisionsRestored(IReadOnlyDictionary<uint, ulong> Revisions) : MasterEvent;
