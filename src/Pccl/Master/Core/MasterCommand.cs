using Pccl.Protocol.Messages;
using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Core;

/// <summary>What the master core asks its shell to do.</summary>
internal abstract record MasterCommand;

/// <summary>Send a message on a connection.</summary>
internal sealed record SendMessage(long ConnectionId, ControlMessage Message) : MasterCommand;

/// <summary>Close a connection after the messages already queued for it are sent.</summary>
internal sealed record CloseConnection(long ConnectionId, string Reason) : MasterCommand;

/// <summary>Watch a registered peer's heartbeats from now on; remove it (close its connection) when they stop.</summary>
internal sealed record TrackHeartbeat(long ConnectionId, ulong PeerId, HeartbeatCredentials Credentials) : MasterCommand;

/// <summary>Stop watching a peer's heartbeats: it is gone.</summary>
internal sealed record ForgetHeartbeat(ulong PeerId) : MasterCommand;

/// <summary>A membership change worth logging and counting (joins, leaves, kicks).</summary>
internal sealed record ReportMembership(MembershipChange Change, ulong PeerId, string Detail) : MasterCommand;

/// <summary>
/// A connection that never registered was kicked (a missed registration deadline, a refused registration): there is no
/// peer to report, so the shell logs it by the address the master observed.
/// </summary>
internal sealed record ReportUnregisteredKick(string Address, string Detail) : MasterCommand;

/// <summary>A group completed a shared-state sync: write its revision and elected hashes to the master store.</summary>
internal sealed record RecordRevision(uint Group, ulong Revision, IReadOnlyDictionary<string, ulong> Hashes) : MasterCommand;

/// <summary>The master planned a group's hierarchy differently from its last all-reduce; the shell logs it.</summary>
internal sealed record ReportHierarchy(uint Group, ulong Sequence, string Description) : MasterCommand;

/// <summary>The master settled an operation of a lost master that peers held in doubt; the shell logs it.</summary>
internal sealed record ReportInDoubtSettled(ulong PriorEpoch, ulong Sequence, uint Tag, bool Completed, string Reason, int Told) : MasterCommand;

/// <summary>Kinds of membership change the core reports.</summary>
internal enum MembershipChange
{
    Registered,
    Accepted,
    Left,
    Kicked,
}
