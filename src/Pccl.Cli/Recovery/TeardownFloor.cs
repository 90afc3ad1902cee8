using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Pccl.Cli.Processes;
using Pccl.Cli.Workload;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Recovery;

/// <summary>
/// The part of a killed peer's error that is the kernel's: it frees a killed process's memory before it closes the
/// process's sockets, so the other end reads end of stream later the more the process held. Measured with a helper
/// process (<see cref="TeardownHelper"/>) holding the victim's resident memory, in huge pages as far as the victim's
/// was, and one loopback connection: SIGKILL
/// to end of stream on this side, read on a thread of its own blocked in the receive.
/// </summary>
internal static class TeardownFloor
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Milliseconds from SIGKILL to end of stream for a process holding <paramref name="victim"/>'s memory.</summary>
    public static async Task<double> MeasureAsync(VictimMemory victim, CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var helper = SelfLauncher.Start(["bench", "teardown-helper",
            "--rss-mb", victim.ResidentMb.ToString("0.0", CultureInfo.InvariantCulture), "--huge-page-mb", victim.HugePageMb.ToString("0.0", CultureInfo.InvariantCulture),
            "--port", port.ToString(CultureInfo.InvariantCulture)]);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Patience);
            using var connection = await listener.AcceptAsync(timeout.Token);
            var ready = await helper.StandardOutput.ReadLineAsync(timeout.Token);
            if (ready != "ready")
            {
                throw new InvalidOperationException($"the teardown helper (pid {helper.Id}) did not get ready: {await helper.StandardError.ReadToEndAsync(ct)}");
            }

            var closedNs = 0L;
            var reader = new Thread(() =>
            {
                try
                {
                    connection.Receive(new byte[1]);
                }
                catch (SocketException)
                {
                    // a reset is an end as well
                }

                closedNs = MonotonicClock.NowNs();
            }) { IsBackground = true, Name = "teardown floor" };
            reader.Start();
            await Task.Delay(20, ct); // the reader is blocked in its receive before the kill
            var killedNs = MonotonicClock.NowNs();
            PosixSignals.Send(helper.Id, PosixSignals.Kill);
            if (!reader.Join(Patience))
            {
                throw new TimeoutException($"no end of stream within {Patience.TotalSeconds:0} s of killing the teardown helper");
            }

            return (closedNs - killedNs) / 1e6;
        }
        finally
        {
            if (!helper.HasExited)
            {
                helper.Kill();
            }

            await helper.WaitForExitAsync(CancellationToken.None);
        }
    }
}
