using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Session;

/// <summary>
/// Opens a peer's control connection to the leader among its masters: one round over the list, every address of each
/// name resolved afresh. A standby's refusal sends it to the leader the standby names at once (else on to the next
/// master); a master of an epoch older than the newest this peer has seen is a deposed leader and is not used.
/// </summary>
internal sealed class MasterDialer(CommunicatorOptions options, ConnectionSecurity security, EpochFence fence, ILogger logger)
{
    /// <summary>Standby redirections followed in one round: two standbys naming each other must not loop.</summary>
    private const int MaxRedirects = 4;

    public async Task<EstablishedConnection> ConnectAsync(CancellationToken ct)
    {
        var hello = new Hello { Kind = ConnectionKind.Control, ClusterId = options.ClusterId };
        var pending = new List<MasterEndpoint>(options.Masters);
        var redirects = 0;
        PcclException? last = null;
        while (pending.Count > 0)
        {
            var master = pending[0];
            pending.RemoveAt(0);
            IPAddress[] addresses;
            try
            {
                addresses = await ResolveAsync(master.Host, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = new PcclException(PcclErrorCode.ConnectionRefused,
                    $"cannot resolve master {master} ({e.SocketErrorCode}): check network.master_host and DNS; " +
                    "if its DNS name or IP address changed, use a stable DNS name or a static IP", isTransient: true, e);
                continue;
            }

            foreach (var address in addresses)
            {
                try
                {
                    var connection = await Handshake.ConnectAsync(master.Host, master.Port, hello, security, options.ConnectTimeout, ct, address: address)
                        .ConfigureAwait(false);
                    if (fence.IsStale(connection.MasterEpoch))
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        logger.StaleMasterRefused(master, connection.MasterEpoch, fence.Newest);
                        last = new PcclException(PcclErrorCode.ConnectionRefused,
                            $"master {master} serves epoch {connection.MasterEpoch}, older than epoch {fence.Newest} this peer already served under: it is a deposed leader",
                            isTransient: true);
                        continue;
                    }

                    fence.Admit(connection.MasterEpoch);
                    return connection;
                }
                catch (StandbyRefusalException standby)
                {
                    last = standby;
                    if (redirects < MaxRedirects && Leader(standby.LeaderAddress, master.Port) is { } leader)
                    {
                        redirects++;
                        pending.Insert(0, leader);
                        logger.StandbyRedirect(standby.Message, leader);
                    }

                    break; // another address of a standby's name is the same standby, or its leader is tried next
                }
                catch (PcclException e) when (e.IsTransient)
                {
                    last = e;
                }
            }
        }

        if (last is StandbyRefusalException standbyOnly)
        {
            throw new PcclException(standbyOnly.Code, standbyOnly.Message, standbyOnly.IsTransient); // the public API throws PcclException itself
        }

        if (last is not null && options.Masters.Count > 1)
        {
            throw new PcclException(last.Code,
                $"no master in network.master_host ({string.Join(", ", options.Masters)}) could be reached; the last one tried: {last.Message}", last.IsTransient, last);
        }

        throw last ?? new PcclException(PcclErrorCode.ConnectionRefused, "no master to connect to: network.master_host is empty", isTransient: false);
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
