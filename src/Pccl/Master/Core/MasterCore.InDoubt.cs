using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

// Cooperative termination of all-reduces a lost leader left in doubt. An all-reduce completes in two phases: every
// participant moves its data and reports done, and the master tells all of them it completed. A leader that dies
// between the two may have told some participants and not others, or none; those it did not tell hold the operation in
// doubt and report it when they register here, beside what each completed last per tag. The verdict follows the
// classic rule for a lost two-phase-commit coordinator: completed when any participant was told so, or when every
// participant moved its data; failed when one had not moved its data, or when one has not registered again within
// InDoubtTimeout of the first report (it may be gone for good).
internal sealed partial class MasterCore
{
    /// <summary>The problem with a registration's report of its prior sessions, or null when it is well formed.</summary>
    private string? PriorSessionsProblem(Register register)
    {
        if (register.PriorSessions.Count > _limits.MaxPriorSessions)
        {
            return $"registration reports {register.PriorSessions.Count} prior sessions; at most {_limits.MaxPriorSessions}";
        }

        foreach (var session in register.PriorSessions)
        {
            var outcomes = session.Completed.Count + session.InDoubt.Count;
            if (outcomes > _limits.MaxPriorOutcomes)
            {
                return $"prior session of epoch {session.Epoch} reports {outcomes} operations; at most {_limits.MaxPriorOutcomes}";
            }

            foreach (var doubt in session.InDoubt)
            {
                if (doubt.Participants.Count > _limits.MaxPriorOutcomes || !doubt.Participants.Contains(session.PeerId))
                {
                    return $"operation {doubt.Sequence} of epoch {session.Epoch} is reported in doubt with {doubt.Participants.Count} participants " +
                           $"that do not include the reporter ({session.PeerId})";
                }
            }
        }

        return null;
    }

    /// <summary>Takes <paramref name="peer"/>'s reports of its prior sessions and settles what they decide.</summary>
    private void TakePriorSessions(PeerRecord peer, Register register)
    {
        if (register.PriorSessions.Count == 0)
        {
            return;
        }

        foreach (var session in register.PriorSessions)
        {
            var report = new PriorReport(peer.Id);
            foreach (var completed in session.Completed)
            {
                report.Completed[completed.Tag] = Math.Max(report.Completed.GetValueOrDefault(completed.Tag), completed.Sequence);
            }

            foreach (var doubt in session.InDoubt)
            {
                report.InDoubt.Add(doubt.Sequence);
                if (!State.InDoubt.TryGetValue((session.Epoch, doubt.Sequence), out var round))
                {
                    round = new InDoubtRound(session.Epoch, doubt.Sequence, doubt.Tag, doubt.Participants, State.Now + _limits.InDoubtTimeout);
                    State.InDoubt[(session.Epoch, doubt.Sequence)] = round;
                }

                round.Waiting.Add(peer.Id);
            }

            State.PriorReports[(session.Epoch, session.PeerId)] = report;
        }

        SettleInDoubt();
    }

    /// <summary>Settles every operation in doubt whose verdict the reports (or the deadline) now decide.</summary>
    private void SettleInDoubt()
    {
        foreach (var round in State.InDoubt.Values.ToList())
        {
            if (VerdictOn(round) is { } verdict)
            {
                Settle(round, verdict.Completed, verdict.Reason);
            }
        }
    }

    private (bool Completed, string Reason)? VerdictOn(InDoubtRound round)
    {
        var reports = round.Participants.Select(id => (Id: id, Report: State.PriorReports.GetValueOrDefault((round.Epoch, id)))).ToList();
        if (reports.FirstOrDefault(r => r.Report is { } report && report.Completed.GetValueOrDefault(round.Tag) >= round.Sequence) is { Report: not null } told)
        {
            return (true, $"peer {told.Id} was told it completed");
        }

        if (reports.FirstOrDefault(r => r.Report is { } report && !report.InDoubt.Contains(round.Sequence)) is { Report: not null } behind)
        {
            return (false, $"peer {behind.Id} had not moved its data when the master was lost");
        }

        var missing = reports.Where(r => r.Report is null).Select(r => r.Id).ToList();
        if (missing.Count == 0)
        {
            return (true, "every participant had moved its data");
        }

        return State.Now >= round.Deadline
            ? (false, $"peer {string.Join(", ", missing)} of the operation did not register again within {_limits.InDoubtTimeout.TotalMilliseconds:0} ms " +
                      "of the first report (two heartbeat timeouts, network.heartbeat_timeout_ms)")
            : null;
    }

    private void Settle(InDoubtRound round, bool completed, string reason)
    {
        State.InDoubt.Remove((round.Epoch, round.Sequence));
        var verdict = new ControlMessage
        {
            CollectiveResolved = new CollectiveResolved { PriorEpoch = round.Epoch, Tag = round.Tag, Sequence = round.Sequence, Completed = completed, Reason = reason },
        };
        var told = 0;
        foreach (var id in round.Waiting)
        {
            if (State.Peers.TryGetValue(id, out var peer))
            {
                Send(peer, verdict);
                told++;
            }
        }

        Emit(new ReportInDoubtSettled(round.Epoch, round.Sequence, round.Tag, completed, reason, told));
    }

    /// <summary>A peer left: its reports go with it, and so does an operation in doubt nobody waits for any more.</summary>
    private void ForgetPriorReportsOf(ulong peerId)
    {
        foreach (var key in State.PriorReports.Where(r => r.Value.Reporter == peerId).Select(r => r.Key).ToList())
        {
            State.PriorReports.Remove(key);
        }

        foreach (var (key, round) in State.InDoubt.ToList())
        {
            if (round.Waiting.Remove(peerId) && round.Waiting.Count == 0)
            {
                State.InDoubt.Remove(key);
            }
        }
    }
}
