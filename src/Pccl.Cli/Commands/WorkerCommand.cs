using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;
using Pccl.Cli.Workload;
using Pccl.Hosting.Telemetry;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl worker</c>: joins a run and executes the reference training loop.</summary>
internal static class WorkerCommand
{
    /// <summary>Not honoured: a worker that finds it set warns and injects nothing (faults come only from <c>--inject-fault</c>).</summary>
    private const string IgnoredFaultVariable = "PCCL_TEST_FAULT";

    public static Command Create()
    {
        var config = CliOptions.Config();
        var master = new Option<string?>("--master", "-m") { Description = "master host:port, or several: m1:7117,m2:7117 (network.master_host, network.master_port)" };
        var group = new Option<uint?>("--group", "-g") { Description = "peer group (network.peer_group)" };
        var advertise = new Option<string?>("--advertise-address") { Description = "address other peers reach this worker at, sent to the master (network.advertise_address)" };
        var steps = new Option<int>("--steps") { Description = "steps to run; 0 runs until stopped", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object per completed step on stdout" };
        var elements = new Option<int>("--elements") { Description = "float32 elements all-reduced per step", DefaultValueFactory = _ => 1 << 20 };
        var stepDelay = new Option<int>("--step-delay-ms") { Description = "pause after each step", DefaultValueFactory = _ => 0 };
        var injectFault = new Option<string?>("--inject-fault") { Description = $"(tests) inject a fault into this worker: {FaultPlan.Format}", Hidden = true };
        var reportAttempts = new Option<bool>("--report-attempts") { Description = "(tests) print a JSON line with the buffer's hash after every failed all-reduce attempt", Hidden = true };
        var logLevel = CliOptions.LogLevel();
        var logFile = CliOptions.LogFile();
        var metrics = CliOptions.Metrics();
        var metricsPort = CliOptions.MetricsPort();
        var command = new Command("worker", "Join a run and execute the reference training loop")
        {
            config, master, group, advertise, steps, json, elements, stepDelay, injectFault, reportAttempts, logLevel, logFile, metrics, metricsPort,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(config),
            new Flags().SetMaster(parse.GetValue(master))
                .Set("network.peer_group", parse.GetValue(group))
                .Set("network.advertise_address", parse.GetValue(advertise))
                .Set("logging.level", parse.GetValue(logLevel))
                .Set("logging.file", parse.GetValue(logFile))
                .Set("metrics.enabled", parse.GetValue(metrics))
                .Set("metrics.port", parse.GetValue(metricsPort)),
            new WorkloadOptions
            {
                Steps = parse.GetValue(steps), Elements = parse.GetValue(elements), StepDelay = TimeSpan.FromMilliseconds(parse.GetValue(stepDelay)),
                Fault = parse.GetValue(injectFault) is { } spec ? FaultPlan.Parse(spec) : null, ReportAttempts = parse.GetValue(reportAttempts),
            },
            parse.GetValue(json),
            ct));
        return command;
    }

    /// <summary>
    /// A worker may start before its master (pods start in any order) or outlive it (a restart): transient connection
    /// failures are retried with backoff until <paramref name="window"/> has passed. So is a removal while it waited for
    /// admission (it hung past the heartbeat timeout): the master takes it back as a new peer, as after a removal later on.
    /// </summary>
    private static async Task<Communicator> ConnectWithRetryAsync(
        CommunicatorOptions options, string masters, TimeSpan window, ILoggerFactory loggers, ILogger logger, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + window;
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Communicator.ConnectAsync(options, loggers, ct).ConfigureAwait(false);
            }
            catch (PcclException e) when ((e.IsTransient || e.Code is PcclErrorCode.Kicked) && DateTime.UtcNow + delay < deadline)
            {
                if (e.Code is PcclErrorCode.Kicked)
                {
                    logger.Reconnecting(e.Message, (deadline - DateTime.UtcNow).TotalSeconds);
                }
                else
                {
                    logger.MasterNotReachable(masters, attempt, e.Message);
                }

                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }
    }

    public static async Task<int> RunAsync(string? configPath, Flags flags, WorkloadOptions workload, bool json, CancellationToken ct)
    {
        using var context = CliContext.Create(configPath, flags.Values);
        var logger = context.LoggerFactory.CreateLogger("pccl.worker");
        if (Environment.GetEnvironmentVariable(IgnoredFaultVariable) is { Length: > 0 } stray)
        {
            // a stray variable must never kill a production worker: faults are injected only through the hidden flag
            logger.FaultVariableIgnored(IgnoredFaultVariable, stray);
        }

        var options = context.Config.ToCommunicatorOptions();
        var masters = string.Join(",", options.Masters);
        Communicator? accepted = null;
        await using var monitoring = await Monitoring.StartAsync(context, PcclRole.Worker,
            () => PeerStatus.Readiness(Volatile.Read(ref accepted), masters),
            _ => Task.FromResult<object?>(PeerStatus.Document(Volatile.Read(ref accepted))), logger, ct).ConfigureAwait(false);
        var reconnectWindow = TimeSpan.FromMilliseconds(context.Config.FaultTolerance.MasterReconnectTimeoutMs);
        var ft = context.Config.FaultTolerance;
        var model = new ModelState(workload.Elements, ft.CheckpointDir, ft.CheckpointIntervalSteps, logger);
        await model.LoadCheckpointAsync(ct).ConfigureAwait(false);
        if (json && model.Revision > 0)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new ResumeReport(model.Revision, model.Hash()), WorkerJson.Default.ResumeReport));
        }
        workload = workload with { OptimizeTopologyOnWorldChange = context.Config.Performance.OptimizeTopology == TopologyOptimization.OnWorldChange };
        var training = new TrainingWorkload(workload, model, json ? Console.Out : null, logger);
        var window = options.ConnectTimeout;
        while (true)
        {
            logger.Connecting(masters);
            await using var communicator = await ConnectWithRetryAsync(options, masters, window, context.LoggerFactory, logger, ct).ConfigureAwait(false);
            Volatile.Write(ref accepted, communicator);
            logger.Joined(communicator.PeerId, communicator.P2PPort);
            try
            {
                await training.RunAsync(communicator, ct).ConfigureAwait(false);
                return 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                logger.Stopping();
                return 0;
            }
            catch (PcclException e) when (e.Code is PcclErrorCode.Kicked && reconnectWindow > TimeSpan.Zero)
            {
                // A master that removed this peer while it hung takes it back as a new peer. A lost master is the
                // communicator's to follow (the training loop rides through); it ends up here only when none took it back.
                Volatile.Write(ref accepted, null);
                logger.Reconnecting(e.Message, reconnectWindow.TotalSeconds);
                window = reconnectWindow;
            }
        }
    }
}
