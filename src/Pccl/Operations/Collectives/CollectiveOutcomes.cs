using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// What a peer knows of its all-reduces across its registrations, kept by the follower: per registration (the master's
/// epoch and this peer's id there) the newest sequence each tag completed, and the operations in doubt (data moved, no
/// verdict). The registration that follows a lost master reports it all (Register.prior_sessions), so the next leader
/// can settle every operation the lost one left half told, and hands back its verdicts.
/// </summary>
internal sealed class CollectiveOutcomes
{
    /// <summary>Registrations remembered; older ones go unless they still hold an operation in doubt. At most the master's limit.</summary>
    private const int KeptSessions = 8;

    private readonly Lock _gate = new();
    private readonly List<SessionOutcomes> _sessions = []; // oldest first

    /// <summary>A registration began: its operations are recorded under (<paramref name="epoch"/>, <paramref name="peerId"/>) from now on.</summary>
    public void Joined(ulong epoch, ulong peerId)
    {
        lock (_gate)
        {
            _sessions.Add(new SessionOutcomes(epoch, peerId));
            for (var i = 0; _sessions.Count > KeptSessions && i < _sessions.Count - 1;)
            {
                if (_sessions[i].InDoubt.Count == 0)
                {
                    _sessions.RemoveAt(i);
                }
                else
                {
                    i++;
                }
            }
        }
    }

    /// <summary>
    /// This peer moved the data of <paramref name="start"/>: the operation is in doubt until its verdict. Null when the
    /// registration was reported to a next master already: that report said the data had not moved, so it must not be held.
    /// </summary>
    public InDoubtOperation? DataMoved(ulong epoch, ulong peerId, CollectiveStart start)
    {
        lock (_gate)
        {
            if (Find(epoch, peerId) is not { Reported: false } session)
            {
                return null;
            }

            var operation = new InDoubtOperation(epoch, start);
            session.InDoubt[start.Sequence] = operation;
            return operation;
        }
    }

    /// <summary>The master told this peer that <paramref name="sequence"/> on <paramref name="tag"/> completed.</summary>
    public void Completed(ulong epoch, ulong peerId, uint tag, ulong sequence)
    {
        lock (_gate)
        {
            if (Find(epoch, peerId) is { } session)
            {
                session.Completed[tag] = Math.Max(session.Completed.GetValueOrDefault(tag), sequence);
                session.InDoubt.Remove(sequence);
            }
        }
    }

    /// <summary>The operation ended on this peer without a verdict to wait for (it failed, or its caller gave up).</summary>
    public void Forget(InDoubtOperation operation)
    {
        lock (_gate)
        {
            foreach (var session in _sessions.Where(s => s.Epoch == operation.Epoch))
            {
                if (session.InDoubt.GetValueOrDefault(operation.Sequence) == operation)
                {
                    session.InDoubt.Remove(operation.Sequence);
                }
            }
        }
    }

    /// <summary>Every remembered registration, for the next one's Register; none of them records new operations in doubt after this.</summary>
    public IReadOnlyList<PriorSession> Report()
    {
        lock (_gate)
        {
            return [.. _sessions.Select(s => s.Report())];
        }
    }

    /// <summary>The new leader's verdict on an operation this peer reported in doubt.</summary>
    public void OnResolved(CollectiveResolved verdict)
    {
        InDoubtOperation? operation = null;
        lock (_gate)
        {
            foreach (var session in _sessions.Where(s => s.Epoch == verdict.PriorEpoch))
            {
                if (session.InDoubt.Remove(verdict.Sequence, out var held))
                {
                    operation = held;
                    if (verdict.Completed)
                    {
                        session.Completed[held.Tag] = Math.Max(session.Completed.GetValueOrDefault(held.Tag), held.Sequence);
                    }

                    break;
                }
            }
        }

        operation?.Resolve(verdict);
    }

    /// <summary>No leader will settle anything: every operation in doubt fails with <paramref name="reason"/>.</summary>
    public void FailAll(PcclException reason)
    {
        List<InDoubtOperation> held;
        lock (_gate)
        {
            held = [.. _sessions.SelectMany(s => s.InDoubt.Values)];
            foreach (var session in _sessions)
            {
                session.InDoubt.Clear();
            }
        }

        foreach (var operation in held)
        {
            operation.Fail(reason);
        }
    }

    /// <summary>The newest registration under this identity (a store-less master's epoch repeats across masters).</summary>
    private SessionOutcomes? Find(ulong epoch, ulong peerId) => _sessions.LastOrDefault(s => s.Epoch == epoch && s.PeerId == peerId);

    private sealed class SessionOutcomes(ulong epoch, ulong peerId)
    {
        public ulong Epoch { get; } = epoch;
        public ulong PeerId { get; } = peerId;
        public Dictionary<uint, ulong> Completed { get; } = [];
        public Dictionary<ulong, InDoubtOperation> InDoubt { get; } = [];
        public bool Reported { get; private set; }

        public PriorSession Report()
        {
            Reported = true;
            var report = new PriorSession { Epoch = Epoch, PeerId = PeerId };
            report.Completed.AddRange(Completed.Select(c => new CollectiveOutcome { Tag = c.Key, Sequence = c.Value }));
            foreach (var operation in InDoubt.Values)
            {
                var doubt = new InDoubtCollective { Tag = operation.Tag, Sequence = operation.Sequence };
                doubt.Participants.AddRange(operation.Participants);
                report.InDoubt.Add(doubt);
            }

            return report;
        }
    }
}
