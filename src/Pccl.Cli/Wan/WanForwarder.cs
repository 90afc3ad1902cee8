using System.Buffers;

namespace Pccl.Cli.Wan;

/// <summary>
/// The forwarder process of a <see cref="WanNetwork"/>: opens the TUN device of every site, reads each site's outgoing
/// IPv4 packets on a thread of its own and hands each to the delay line from that site to the site of its destination
/// address. Anything else (IPv6 solicitations, unknown destinations) is dropped. Runs until killed.
/// </summary>
internal static class WanForwarder
{
    public const string ReadyLine = "ready";

    public static async Task<int> RunAsync(IReadOnlyList<string> namespaces, PathShape shape, string countersPath, CancellationToken ct)
    {
        var sites = namespaces.Count;
        var devices = namespaces.Select(ns => TunDevice.Open(ns, WanNetwork.Device)).ToList();
        using var counters = PathCounters.Create(countersPath, sites * sites);
        var lines = new DelayLine?[sites, sites];
        for (var from = 0; from < sites; from++)
        {
            for (var to = 0; to < sites; to++)
            {
                var (destination, direction) = (devices[to], (from * sites) + to);
                lines[from, to] = from == to ? null : new DelayLine(shape, (packet, length) =>
                {
                    destination.Write(packet, length);
                    counters.Add(direction, length);
                }, $"path {from}->{to}");
            }
        }

        for (var site = 0; site < sites; site++)
        {
            var from = site;
            new Thread(() => Carry(devices[from], from, lines)) { IsBackground = true, Name = $"site {from} reader" }.Start();
        }

        Console.Out.WriteLine(ReadyLine);
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    private static void Carry(TunDevice device, int from, DelayLine?[,] lines)
    {
        while (true)
        {
            var packet = ArrayPool<byte>.Shared.Rent(TunDevice.MaxPacket);
            var length = device.Read(packet);
            var to = length >= 20 && packet[0] >> 4 == 4 ? WanLayout.SiteOfAddress(packet.AsSpan(16, 4)) : -1;
            if (to >= 0 && to < lines.GetLength(1) && lines[from, to] is { } line)
            {
                line.Send(packet, length);
            }
            else
            {
                ArrayPool<byte>.Shared.Return(packet);
            }
        }
    }
}
