using Pccl.Master.Core;
using Pccl.Master.Server;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master.Topology;

public sealed class OptimizeVoteTests
{
    private const double Fast = 1e9;
    private const double Slow = 1e7;

    private readonly MasterScenario _s = new();

    [Fact]
    public void Measurement_steps_pair_each_peer_at_most_once_and_cover_every_direction()
    {
        var peers = _s.Form("a", "b", "c", "d");
        var measured = new HashSet<(ulong, ulong)>();
        VoteOptimize(peers);

        for (var step = 0; step < 3; step++)
        {
            var requests = Requests(peers);
            Assert.Equal(4, requests.Count);
            Assert.Equal(4, requests.Select(r => r.From.Id).Distinct().Count());
            Assert.All(requests, r => Assert.Contains(requests, o => o.From.Id == r.Request.Target.PeerId && o.Request.Target.PeerId == r.From.Id));
            foreach (var (from, request) in requests)
            {
                Assert.True(measured.Add((from.Id, request.Target.PeerId)));
                _s.Send(from, Report(request, Fast));
            }
        }

        Assert.Equal(12, measured.Count);
        Assert.All(peers, p => p.Got(Kind.TopologyComplete)); // all equal: nothing to gain, answered at once
        Assert.Null(_s.State.Optimization);
        Assert.Equal(12, _s.State.Bandwidth[0].Entries.Count);
    }

    [Fact]
    public void Two_datacentres_joined_alternately_get_a_ring_that_crosses_twice()
    {
        var peers = _s.Form("a1", "b1", "a2", "b2");
        VoteOptimize(peers);

        MeasureAll(peers, (from, to) => Region(from) == Region(to) ? Fast : Slow);

        Assert.All(peers, p => p.Got(Kind.TopologyUpdate));
        var ring = peers[0].One(Kind.TopologyUpdate).TopologyUpdate.World.Rings.Single().PeerIds.ToList();
        Assert.Equal(2, Crossings(ring, peers));
        foreach (var p in peers)
        {
            _s.Send(p, Msg.Connected(_s.State.WorldRevision));
        }

        Assert.All(peers, p => p.Got(Kind.TopologyComplete));
        Assert.Equal(ring, peers[0].KnownWorld!.Rings.Single().PeerIds);

        // a collective runs on the new ring
        _s.Run(1, peers);
        Assert.Equal(ring, peers[0].Starts[1].Ring);
    }

    [Fact]
    public void Status_shows_the_adopted_ring_and_the_matrix_and_a_reorder_is_a_new_world()
    {
        var peers = _s.Form("a1", "b1", "a2", "b2");
        var revision = _s.State.WorldRevision;
        VoteOptimize(peers);
        MeasureAll(peers, (from, to) => from == peers[0] && to == peers[2] ? 0 : Region(from) == Region(to) ? Fast : Slow);
        foreach (var p in peers)
        {
            _s.Send(p, Msg.Connected(_s.State.WorldRevision));
        }

        var group = Assert.Single(MasterStatus.From(_s.State, 7117, new RecentOperations(), new LeadershipStatus(true, 1, "m1:7117", null)).Groups);

        Assert.Equal(revision + 1, _s.State.WorldRevision);
        Assert.Equal(2, Crossings([.. group.Ring], peers));
        Assert.Equal(12, group.Bandwidth.Count);
        var blocked = Assert.Single(group.Bandwidth, e => !e.Usable);
        Assert.Equal((peers[0].Id, peers[2].Id, 0.0), (blocked.From, blocked.To, blocked.BytesPerSecond));
        Assert.Equal(Slow, group.Bandwidth.Single(e => e.From == peers[0].Id && e.To == peers[1].Id).BytesPerSecond);
    }

    [Fact]
    public void A_pair_that_cannot_connect_is_marked_unusable_and_avoided()
    {
        var peers = _s.Form("a", "b", "c", "d");
        var (a, b) = (peers[0].Id, peers[1].Id);
        VoteOptimize(peers);

        MeasureAll(peers, (from, to) => from.Id == a && to.Id == b ? 0 : Fast);

        Assert.Equal(0, _s.State.Bandwidth[0].Entries[(a, b)]);
        var ring = peers[0].One(Kind.TopologyUpdate).TopologyUpdate.World.Rings.Single().PeerIds.ToList();
        Assert.NotEqual(b, ring[(ring.IndexOf(a) + 1) % ring.Count]);
    }

    [Fact]
    public void A_peer_lost_during_measurement_is_forgotten_and_the_vote_completes()
    {
        var peers = _s.Form("a", "b", "c", "d");
        VoteOptimize(peers);
        var first = Requests(peers);
        var victim = first[0].From;
        foreach (var (from, request) in first.Where(r => r.From != victim && r.Request.Target.PeerId != victim.Id))
        {
            _s.Send(from, Report(request, Fast));
        }

        _s.Drop(victim, "SIGKILL");
        var partner = first.Single(r => r.Request.Target.PeerId == victim.Id).From;
        _s.Send(partner, Report(first.Single(r => r.From == partner).Request, 0));

        var survivors = peers.Where(p => p != victim).ToArray();
        MeasureAll(survivors, (_, _) => Fast);

        Assert.All(survivors, p => Assert.True(p.Inbox.Last().BodyCase is Kind.TopologyComplete or Kind.TopologyUpdate, $"{p.Name} got {p.Inbox.Last().BodyCase}"));
        Assert.DoesNotContain(_s.State.Bandwidth[0].Entries.Keys, k => k.From == victim.Id || k.To == victim.Id);
        Assert.Null(_s.State.Optimization);
    }

    [Fact]
    public void A_sender_that_never_reports_is_kicked_after_the_deadline_and_the_others_go_on()
    {
        var peers = _s.Form("a", "b", "c");
        VoteOptimize(peers);
        var requests = Requests(peers);
        var silent = requests[0].From;
        foreach (var (from, request) in requests.Skip(1))
        {
            _s.Send(from, Report(request, Fast));
        }

        _s.Advance(MasterLimits.Default.TopologyTimeout + MasterLimits.Default.BandwidthTestDuration);

        silent.WasKicked(KickReason.DeadlineMissed);
        var survivors = peers.Where(p => p != silent).ToArray();
        MeasureAll(survivors, (_, _) => Fast);
        Assert.Null(_s.State.Optimization);
        Assert.All(survivors, p => Assert.Equal(Kind.TopologyComplete, p.Inbox.Last().BodyCase));
    }

    [Fact]
    public void A_second_vote_measures_only_pairs_not_yet_known()
    {
        var peers = _s.Form("a", "b");
        VoteOptimize(peers);
        MeasureAll(peers, (_, _) => Fast);
        var c = _s.Join("c");
        var all = peers.Append(c).ToArray();

        VoteOptimize(all);

        var targets = new List<(ulong, ulong)>();
        while (Requests(all) is { Count: > 0 } requests)
        {
            targets.AddRange(requests.Select(r => (r.From.Id, r.Request.Target.PeerId)));
            foreach (var (from, request) in requests)
            {
                _s.Send(from, Report(request, Fast));
            }
        }

        Assert.Equal(4, targets.Count);
        Assert.All(targets, t => Assert.True(t.Item1 == c.Id || t.Item2 == c.Id));
    }

    [Fact]
    public void An_unasked_report_is_a_kick()
    {
        var peers = _s.Form("a", "b");

        _s.Send(peers[0], new ControlMessage { BandwidthReport = new BandwidthReport { Step = 7, TargetPeerId = peers[1].Id, Success = true, BytesPerSecond = 1 } });

        Assert.Contains("did not ask for", peers[0].WasKicked(KickReason.IllegalState), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_adoption_round_restores_the_previous_ring()
    {
        var peers = _s.Form("a1", "b1", "a2", "b2");
        VoteOptimize(peers);
        MeasureAll(peers, (from, to) => Region(from) == Region(to) ? Fast : Slow);

        _s.Send(peers[0], Msg.ConnectFailed("unreachable"));
        foreach (var p in peers.Skip(1))
        {
            _s.Send(p, Msg.Connected(_s.State.WorldRevision));
        }

        Assert.All(peers, p => p.Got(Kind.TopologyFailed));
        Assert.Equal(peers.Select(p => p.Id), peers[0].One(Kind.TopologyFailed).TopologyFailed.World.Rings.Single().PeerIds);
    }

    private void VoteOptimize(SimPeer[] peers)
    {
        foreach (var p in peers)
        {
            _s.Send(p, new ControlMessage { TopologyOptimizeVote = new TopologyOptimizeVote() });
        }
    }

    /// <summary>Answers every step's requests with the rate <paramref name="rate"/> gives (0: could not connect).</summary>
    private void MeasureAll(SimPeer[] peers, Func<SimPeer, SimPeer, double> rate)
    {
        while (Requests(peers) is { Count: > 0 } requests)
        {
            foreach (var (from, request) in requests)
            {
                _s.Send(from, Report(request, rate(from, peers.Single(p => p.Id == request.Target.PeerId))));
            }
        }
    }

    private static List<(SimPeer From, BandwidthTestRequest Request)> Requests(SimPeer[] peers) =>
        [.. peers.Where(p => !p.Closed).SelectMany(p => p.Batch.Where(m => m.BodyCase == Kind.BandwidthTestRequest).Select(m => (p, m.BandwidthTestRequest)))];

    private static ControlMessage Report(BandwidthTestRequest request, double rate) => new()
    {
        BandwidthReport = new BandwidthReport { Step = request.Step, TargetPeerId = request.Target.PeerId, Success = rate > 0, BytesPerSecond = rate, Error = rate > 0 ? "" : "connection refused" },
    };

    private static char Region(SimPeer p) => p.Name[0];

    private static int Crossings(List<ulong> ring, SimPeer[] peers)
    {
        char RegionOf(ulong id) => Region(peers.Single(p => p.Id == id));
        return Enumerable.Range(0, ring.Count).Count(i => RegionOf(ring[i]) != RegionOf(ring[(i + 1) % ring.Count]));
    }
}
