using Pccl.Master.Core.Topology;
using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

// The topology optimisation vote: when every accepted peer voted, the pairs of each group whose throughput the master
// does not know measure it, step by step (each step a round of the pairing schedule, both directions at once, at most one
// pair across each pair of regions); then each group's ring is solved over the measured costs and a better one is
// adopted in a topology round.
internal sealed partial class MasterCore
{
    /// <summary>A new ring must be cheaper by this fraction of the current one's cost: measurement noise alone moves no ring.</summary>
    internal const double MinimumGain = 0.05;

    private void OnOptimizeVote(PeerRecord peer)
    {
        if (peer.Phase != PeerPhase.Accepted)
        {
            Kick(peer, KickReason.IllegalState, $"voted to optimize the topology while {peer.Phase.ToString().ToLowerInvariant()}, not accepted");
            return;
        }

        if (peer.VotedOptimize || State.Optimization is not null)
        {
            Kick(peer, KickReason.IllegalState, "voted to optimize the topology twice in one round");
            return;
        }

        if (!State.Accepted.Any(p => p.VotedOptimize))
        {
            State.OptimizeVoteSince = State.Now;
        }

        peer.VotedOptimize = true;
        CheckOptimizeVote();
    }

    private void CheckOptimizeVote()
    {
        var accepted = State.Accepted.ToList();
        if (State.Optimization is not null || State.Topology is not null || accepted.Count == 0 || !accepted.All(p => p.VotedOptimize))
        {
            return;
        }

        foreach (var p in accepted)
        {
            p.VotedOptimize = false;
        }

        State.OptimizeVoteSince = null;
        State.Optimization = new OptimizeRound(PlanMeasurements(accepted));
        NextBandwidthStep();
    }

    /// <summary>Every directed pair of a group not yet in its matrix; the groups' rounds run side by side.</summary>
    private Queue<List<BandwidthPair>> PlanMeasurements(List<PeerRecord> accepted)
    {
        var steps = new List<List<BandwidthPair>>();
        foreach (var group in accepted.GroupBy(p => p.Group))
        {
            var matrix = MatrixOf(group.Key);
            var regions = group.ToDictionary(p => p.Id, p => p.Region);
            var rounds = PairingSchedule.SharingNoPath(PairingSchedule.Rounds([.. group.Select(p => p.Id).Order()]), id => regions[id]);
            for (var r = 0; r < rounds.Count; r++)
            {
                if (steps.Count <= r)
                {
                    steps.Add([]);
                }

                foreach (var (a, b) in rounds[r])
                {
                    if (!matrix.Knows(a, b))
                    {
                        steps[r].Add(new BandwidthPair(a, b, group.Key));
                    }

                    if (!matrix.Knows(b, a))
                    {
                        steps[r].Add(new BandwidthPair(b, a, group.Key));
                    }
                }
            }
        }

        return new Queue<List<BandwidthPair>>(steps.Where(s => s.Count > 0));
    }

    /// <summary>Starts the next step whose peers are all still here, or finishes the optimisation.</summary>
    private void NextBandwidthStep()
    {
        var round = State.Optimization!;
        while (round.Steps.TryDequeue(out var step))
        {
            var live = step.Where(p => IsAcceptedIn(p.From, p.Group) && IsAcceptedIn(p.To, p.Group)).ToList();
            if (live.Count == 0)
            {
                continue;
            }

            round.Step = ++State.LastBandwidthStep;
            round.StepStartedAt = State.Now;
            round.Awaiting.UnionWith(live);
            var duration = (uint)_limits.BandwidthTestDuration.TotalMilliseconds;
            foreach (var pair in live)
            {
                Send(State.Peers[pair.From], new ControlMessage
                {
                    BandwidthTestRequest = new BandwidthTestRequest { Step = round.Step, Target = EntryOf(State.Peers[pair.To]), DurationMs = duration },
                });
            }

            return;
        }

        State.Optimization = null;
        AdoptBestRings();
    }

    private void OnBandwidthReport(PeerRecord peer, BandwidthReport report)
    {
        var round = State.Optimization;
        var pair = round?.Awaiting.FirstOrDefault(p => p.From == peer.Id && p.To == report.TargetPeerId);
        if (round is null || report.Step != round.Step || pair is not { } measured || measured.From != peer.Id)
        {
            Kick(peer, KickReason.IllegalState, $"reported a bandwidth measurement to peer {report.TargetPeerId} in step {report.Step} that the master did not ask for");
            return;
        }

        round.Awaiting.Remove(measured);
        var matrix = MatrixOf(measured.Group);
        if (!IsAcceptedIn(measured.To, measured.Group))
        {
            // the target left during the step: its entries were forgotten, and a failure to reach it says nothing of the pair
        }
        else if (report.Success)
        {
            matrix.Record(measured.From, measured.To, report.BytesPerSecond);
        }
        else
        {
            matrix.MarkUnusable(measured.From, measured.To);
        }

        if (round.Awaiting.Count == 0)
        {
            NextBandwidthStep();
        }
    }

    /// <summary>A departed peer's measurements are forgotten, and the step stops waiting for its reports.</summary>
    private void OnOptimizePeerLost(PeerRecord peer)
    {
        if (State.Bandwidth.TryGetValue(peer.Group, out var matrix))
        {
            matrix.Forget(peer.Id);
        }

        if (State.Optimization is { } round && round.Awaiting.RemoveWhere(p => p.From == peer.Id) > 0 && round.Awaiting.Count == 0)
        {
            NextBandwidthStep();
        }

        if (State.RingOrders.TryGetValue(peer.Group, out var ring))
        {
            ring.Remove(peer.Id);
        }
    }

    /// <summary>Solves each group's ring; a ring cheaper by <see cref="MinimumGain"/> is adopted in a topology round, else the vote is answered at once.</summary>
    private void AdoptBestRings()
    {
        var previous = new Dictionary<uint, List<ulong>?>();
        foreach (var group in State.Accepted.GroupBy(p => p.Group))
        {
            var current = RingPlanner.Order(group, State.RingOrders.GetValueOrDefault(group.Key));
            var costs = MatrixOf(group.Key).Costs(current);
            var identity = Enumerable.Range(0, current.Count).ToList();
            var tour = AtspSolver.Solve(costs, identity);
            if (AtspSolver.Cost(costs, tour) < AtspSolver.Cost(costs, identity) * (1 - MinimumGain))
            {
                previous[group.Key] = State.RingOrders.GetValueOrDefault(group.Key);
                State.RingOrders[group.Key] = [.. tour.Select(i => current[i])];
            }
        }

        if (previous.Count > 0)
        {
            StartTopologyRound(admitWaiting: false, previousRings: previous);
            return;
        }

        var unchanged = new ControlMessage { TopologyComplete = new TopologyComplete { World = BuildWorld(includeJoining: false) } };
        foreach (var p in State.Accepted)
        {
            Send(p, unchanged);
        }
    }

    private BandwidthMatrix MatrixOf(uint group)
    {
        if (!State.Bandwidth.TryGetValue(group, out var matrix))
        {
            State.Bandwidth[group] = matrix = new BandwidthMatrix();
        }

        return matrix;
    }

    private bool IsAcceptedIn(ulong id, uint group) =>
        State.Peers.TryGetValue(id, out var p) && p.Phase == PeerPhase.Accepted && p.Group == group;
}
