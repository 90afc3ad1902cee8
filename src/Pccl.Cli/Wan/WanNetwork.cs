using System.Diagnostics;
using System.Globalization;
using Pccl.Cli.Processes;
using Pccl.Hosting.Processes;

namespace Pccl.Cli.Wan;

/// <summary>
/// An emulated wide-area network on this machine: one network namespace per site (<see cref="WanLayout"/>), each with a
/// TUN device <c>wan0</c> holding the site's address, and one forwarder process (<c>pccl bench wan-forwarder</c>, inside
/// the first site) that carries every packet between sites through a <see cref="DelayLine"/> per direction. Traffic
/// inside a site stays on its loopback, at full speed. Disposing kills every process in the run's namespaces and deletes
/// them; names carry this process's id, so <see cref="WanLeftovers"/> can remove what a killed run left behind.
/// </summary>
internal sealed class WanNetwork : IDisposable
{
    public const string Device = "wan0";

    /// <summary>Large, so the forwarder handles few packets per byte; a TUN device accepts up to 65535.</summary>
    public const int Mtu = 65000;

    private static int _runs;
    private readonly List<string> _namespaces = [];
    private Process? _forwarder;

    private WanNetwork(string tag) => Tag = tag;

    /// <summary>Where the path counters live: a memory-backed file system when there is one.</summary>
    public static string CountersDirectory => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    public string Tag { get; }

    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>The file of bytes delivered per direction (<see cref="PathCounters"/>).</summary>
    public string CountersPath => Path.Combine(CountersDirectory, $"{Tag}.paths");

    /// <summary>Builds <paramref name="sites"/> sites joined by paths shaped as <paramref name="shape"/>; removes leftovers of killed runs first.</summary>
    public static WanNetwork Create(int sites, PathShape shape)
    {
        WanLeftovers.Remove();
        var network = new WanNetwork(string.Create(CultureInfo.InvariantCulture, $"{WanLeftovers.Prefix}{Environment.ProcessId}x{Interlocked.Increment(ref _runs)}"));
        try
        {
            for (var s = 0; s < sites; s++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{network.Tag}s{s}");
                IpCommand.Run("netns", "add", name);
                network._namespaces.Add(name);
                IpCommand.Run("-n", name, "link", "set", "lo", "up");
                if (!shape.SlowStartAfterIdle)
                {
                    IpCommand.Run("netns", "exec", name, "sysctl", "-qw", "net.ipv4.tcp_slow_start_after_idle=0");
                }

                if (shape.CongestionControl is { } congestionControl)
                {
                    IpCommand.Run("netns", "exec", name, "sysctl", "-qw", $"net.ipv4.tcp_congestion_control={congestionControl}");
                }
            }

            network.StartForwarder(shape);
            for (var s = 0; s < sites; s++)
            {
                IpCommand.Run("-n", network._namespaces[s], "addr", "add", $"{WanLayout.AddressOf(s)}/16", "dev", Device);
                IpCommand.Run("-n", network._namespaces[s], "link", "set", Device, "mtu", Mtu.ToString(CultureInfo.InvariantCulture), "up");
            }

            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Starts this tool inside site <paramref name="site"/>.</summary>
    public Process Start(int site, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        SelfLauncher.Start(arguments, environment: environment, networkNamespace: _namespaces[site]);

    private void StartForwarder(PathShape shape)
    {
        _forwarder = Start(0, [
            "bench", "wan-forwarder", "--namespaces", string.Join(',', _namespaces), "--counters", CountersPath,
            "--rtt-ms", Invariant(shape.RttMs), "--rate-mbit", Invariant(shape.RateMbit), "--loss", Invariant(shape.Loss), "--queue-ms", Invariant(shape.QueueMs)]);
        var ready = _forwarder.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result != WanForwarder.ReadyLine)
        {
            _forwarder.Kill();
            throw new PcclException(PcclErrorCode.InvalidArgument, $"the WAN forwarder did not start: {_forwarder.StandardError.ReadToEnd().Trim()}");
        }
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Kills every process inside namespace <paramref name="name"/>, then deletes it.</summary>
    public static void Delete(string name)
    {
        foreach (var pid in IpCommand.Run("netns", "pids", name).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            PosixSignals.Send(int.Parse(pid, CultureInfo.InvariantCulture), PosixSignals.Kill);
        }

        IpCommand.Run("netns", "delete", name);
    }

    /// <summary>Best effort, every namespace tried: a teardown that stops at the first failure would leave the rest behind.</summary>
    public void Dispose()
    {
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            try
            {
                Delete(name);
            }
            catch (PcclException e)
            {
                Console.Error.WriteLine($"WAN emulator teardown: {e.Message} (the next run removes it)");
            }
        }

        _namespaces.Clear();
        _forwarder?.WaitForExit(5000);
        _forwarder?.Dispose();
        File.Delete(CountersPath);
    }
}
