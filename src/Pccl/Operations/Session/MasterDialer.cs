using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Session;

/// <summary>
/// Opens a peer's control connection to the leader among its masters, every address of each name resolved afresh. With
/// several masters all are dialled at once and the first leader to answer wins: a paused master still completes the TCP
/// handshake (its kernel accepts) but never answers the hello, and trying it first would cost the whole connect timeout;
/// while it hangs, the masters that refused are dialled again, since a standby may take over meanwhile.
/// A standby's refusal sends that attempt to the leader the standby names (unless the list already holds it); a master of
/// an epoch older than the newest this peer has seen is a deposed leader and is not used.
/// <para>
/// A peer that has served under a leader and dials again has lost it. When a standby refuses it then and the leader the
/// standby names is gone too (or it names none), the leader is handing over: that standby takes the lease within one
/// lease TTL, so it is dialled again every few tens of milliseconds (for at most the connect timeout) rather than after
/// the caller's backoff, and the peer registers within that delay of the new leader serving.
/// </para>
/// </summary>
internal sealed class MasterDialer(CommunicatorOptions options, ConnectionSecurity security, EpochFence fence, ILogger logger)
{
    /// <summary>Standby redirections followed by one attempt: two standbys naming each other must not loop.</summary>
    private const int MaxRedirects = 4;

    /// <summary>How long a master that refused (a standby, or nothing listening) waits before it is dialled again while another has not answered yet.</summary>
    private static readonly TimeSpan RedialDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a standby is dialled again while the leader it would hand over from is gone.</summary>
    private static readonly TimeSpan HandoverRedialDelay = TimeSpan.FromMilliseconds(25);

    public async Task<EstablishedConnection> ConnectAsync(CancellationToken ct)
    {
        var masters = options.Masters;
        if (masters.Count == 0)
        {
            throw new PcclException(PcclErrorCode.ConnectionRefused, "no master to connect to: network.master_host is empty", isTransient: false);
        }

        using var race = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var started = Stopwatch.GetTimestamp();
        var reconnecting = fence.Newest > 0;
        // First dials, and redials of masters that refused: while a first dial hangs (a paused master's kernel accepted
        // the connection), a standby that refused may become the leader, so it is dialled again.
        var attempts = masters.ToDictionary(m => DialAsync(m, TimeSpan.Zero, race.Token), m => (Master: m, First: true));
        PcclException? last = null;
        var failures = new Dictionary<MasterEndpoint, string>();
        while (attempts.Count > 0)
        {
            var done = await Task.WhenAny(attempts.Keys).ConfigureAwait(false);
            var (master, _) = attempts[done];
            attempts.Remove(done);
            try
            {
                var connection = await done.ConfigureAwait(false);
                await race.CancelAsync().ConfigureAwait(false);
                foreach (var loser in attempts.Keys)
                {
                    _ = DisposeLateAsync(loser);
                }

                fence.Admit(connection.MasterEpoch);
                return connection;
            }
            catch (PcclException e)
            {
                // a standby's refusal says the most: it names who leads
                last = last is StandbyRefusalException ? last : e;
                failures[master] = e.Message;
                if (reconnecting && e is StandbyRefusalException standby && LeaderGone(standby, failures, master.Port)
                    && Stopwatch.GetElapsedTime(started) < options.ConnectTimeout)
                {
                    attempts.Add(DialAsync(master, HandoverRedialDelay, race.Token), (master, false));
                }
                else if (e.IsTransient && attempts.Values.Any(a => a.First))
                {
                    attempts.Add(DialAsync(master, RedialDelay, race.Token), (master, false));
                }
            }
        }

        if (last is StandbyRefusalException standbyOnly)
        {
            throw new PcclException(standbyOnly.Code, standbyOnly.Message, standbyOnly.IsTransient); // the public API throws PcclException itself
        }

        if (masters.Count > 1)
        {
            throw new PcclException(last!.Code,
                $"no master in network.master_host ({string.Join(", ", masters)}) could be reached: " +
                string.Join("; ", masters.Where(failures.ContainsKey).Select(m => $"{m}: {failures[m]}")), last.IsTransient, last);
        }

        throw last!;
    }

    /// <summary>Whether the leader a standby named (if any) could not be reached in this round: then that standby is the one to take over.</summary>
    private static bool LeaderGone(StandbyRefusalException standby, Dictionary<MasterEndpoint, string> failures, int defaultPort) =>
        Leader(standby.LeaderAddress, defaultPort) is not { } leader || failures.ContainsKey(leader);

    /// <summary>One master: each of its addresses in turn, then the leader a standby names.</summary>
    private async Task<EstablishedConnection> DialAsync(MasterEndpoint master, TimeSpan delay, CancellationToken ct)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }

        var hello = new Hello { Kind = ConnectionKind.Control, ClusterId = options.ClusterId };
        PcclException? last = null;
        for (var redirects = 0; ; redirects++)
        {
            IPAddress[] addresses;
            try
            {
                addresses = await ResolveAsync(master.Host, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new PcclException(PcclErrorCode.ConnectionRefused,
                    $"cannot resolve master {master} ({e.SocketErrorCode}): check network.master_host and DNS; " +
                    "if its DNS name or IP address changed, use a stable DNS name or a static IP", isTransient: true, e);
            }

            MasterEndpoint? next = null;
            foreach (var address in addresses)
            {
                try
                {
                    var connection = await Handshake.ConnectAsync(master.Host, master.Port, hello, security, options.ConnectTimeout, ct, address: address)
                        .ConfigureAwait(false);
                    if (!fence.IsStale(connection.MasterEpoch))
                    {
                        return connection;
                    }

                    await connection.DisposeAsync().ConfigureAwait(false);
                    logger.StaleMasterRefused(master, connection.MasterEpoch, fence.Newest);
                    last = new PcclException(PcclErrorCode.ConnectionRefused,
                        $"master {master} serves epoch {connection.MasterEpoch}, older than epoch {fence.Newest} this peer already served under: it is a deposed leader",
                        isTransient: true);
                }
                catch (StandbyRefusalException standby)
                {
                    last = standby;
                    next = Leader(standby.LeaderAddress, master.Port);
                    break; // another address of a standby's name is the same standby
                }
                catch (PcclException e) when (e.IsTransient)
                {
                    last = e;
                }
            }

            if (next is null || redirects >= MaxRedirects || options.Masters.Contains(next))
            {
                throw last ?? new PcclException(PcclErrorCode.ConnectionRefused, $"master {master} has no address", isTransient: true);
            }

            logger.StandbyRedirect(last!.Message, next);
            master = next;
        }
    }

    /// <summary>An attempt that lost the race: a connection it still makes is closed unused.</summary>
    private static async Task DisposeLateAsync(Task<EstablishedConnection> attempt)
    {
        try
        {
            await (await attempt.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (PcclException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);

    /// <summary>The leader a standby named, or null when it named none (or something that is no endpoint).</summary>
    private static MasterEndpoint? Leader(string address, int defaultPort)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        try
        {
            return MasterEndpoint.Parse(address, defaultPort);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
