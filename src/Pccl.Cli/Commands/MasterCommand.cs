using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;
using Pccl.Hosting.Telemetry;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl master</c>: runs a master until SIGINT/SIGTERM.</summary>
internal static class MasterCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var host = new Option<string?>("--host") { Description = "address to bind (network.bind_address)" };
        var port = new Option<int?>("--port", "-p") { Description = "control TCP and heartbeat UDP port (network.master_port)" };
        var store = new Option<string?>("--store") { Description = "memory, sqlite:PATH or postgresql://user@host:port/database (master.store)" };
        var logLevel = CliOptions.LogLevel();
        var logFile = CliOptions.LogFile();
        var metrics = CliOptions.Metrics();
        var metricsPort = CliOptions.MetricsPort();
        var command = new Command("master", "Run the master: membership, votes and orchestration; no tensor data")
        {
            config, host, port, store, logLevel, logFile, metrics, metricsPort,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config), new Flags()
            .Set("network.bind_address", parse.GetValue(host))
            .Set("network.master_port", parse.GetValue(port))
            .Set("master.store", parse.GetValue(store))
            .Set("logging.level", parse.GetValue(logLevel))
            .Set("logging.file", parse.GetValue(logFile))
            .Set("metrics.enabled", parse.GetValue(metrics))
            .Set("metrics.port", parse.GetValue(metricsPort)), ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, Flags flags, CancellationToken ct)
    {
        using var context = CliContext.Create(configPath, flags.Values);
        var logger = context.LoggerFactory.CreateLogger("pccl.master");
        await using var master = await MasterNode.StartAsync(context.Config.ToMasterOptions(), context.LoggerFactory, ct).ConfigureAwait(false);
        // Ready while it leads: a load balancer or Service health check then routes peers to the leader only.
        await using var monitoring = await Monitoring.StartAsync(context, PcclRole.Master, () => Readiness(master),
            async request => await master.GetStatusAsync(request).ConfigureAwait(false), logger, ct).ConfigureAwait(false);
        logger.MasterReady(master.Port);
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.ShuttingDown();
        }

        return 0;
    }

    private static ReadinessReport Readiness(MasterNode master) => master.IsLeader
        ? ReadinessReport.Ready
        : ReadinessReport.NotReady(master.LeaderAddress.Length > 0
            ? $"standby: the leader is {master.LeaderAddress}"
            : "standby: no master holds the leader lease yet");
}
