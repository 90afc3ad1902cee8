using System.Diagnostics;
using Pccl.Cli.Wan;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// The master of a <c>bench wan</c> run: a <c>pccl master</c> process in the first datacentre's site, on its address, so
/// the other datacentres reach it over the emulated path as a deployment with the master in one region would. Its log
/// is drained (a full pipe would stall it) and kept for an error message.
/// </summary>
internal sealed class WanMaster : IDisposable
{
    public const int Port = 7117;

    private const string StartedMarker = "Master started";

    private readonly Process _process;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _log = new();

    private WanMaster(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Endpoint => $"{WanLayout.AddressOf(0)}:{Port}";

    public static async Task<WanMaster> StartAsync(WanNetwork network, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var master = new WanMaster(network.Start(0, ["master", "--host", WanLayout.AddressOf(0), "--port", $"{Port}", "--log-file", "none", "--metrics", "false"], environment));
        var exited = master._process.WaitForExitAsync(ct);
        if (await Task.WhenAny(master._started.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), ct)) != master._started.Task)
        {
            master.Dispose();
            throw new PcclException(PcclErrorCode.InvalidArgument, $"the master in {network.Namespaces[0]} did not start: {master.Log}");
        }

        return master;
    }

    public string Log { get { lock (_log) { return string.Join(Environment.NewLine, _log); } } }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains(StartedMarker, StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }

        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 20)
            {
                _log.Dequeue();
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
