using Pccl;
using Pccl.Cli;
using Pccl.Cli.Commands;
using Pccl.Hosting.Configuration;

// Socket completions run inline on the IO thread instead of hopping through the thread pool: on a busy machine each
// hop waits for a pool thread to be woken and scheduled, several per ring step (docs/performance.md, "Settings the
// figures depend on"). Read by the runtime at the first socket operation.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

using var signals = new StopSignals();
try
{
    if (args is ["bench", "recovery-worker", ..])
    {
        // The benches' worker processes go straight to their loop: the command tree (every verb, its options and the
        // types behind them) would stay resident in each worker (docs/performance.md, "Memory per worker").
        return await RecoveryCommand.RunWorkerAsync(args, signals.Token);
    }

    if (args.Length == 0 && PcclRoleResolver.FromEnvironment(ConfigLoader.ProcessEnvironment()) is { } role)
    {
        // Started without a verb, as the seed's Kubernetes manifest does: PCCL_ROLE picks one.
        args = [role == PcclRole.Master ? "master" : "worker"];
    }

    return await CommandTree.InvokeAsync(args, signals.Token);
}
catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
{
    return 0; // stopped by SIGTERM or SIGINT before the verb had anything to finish (e.g. while connecting)
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"configuration error:{Environment.NewLine}{e.Message}");
    return 2;
}
catch (PcclException e)
{
    Console.Error.WriteLine($"error ({e.Code}{(e.IsTransient ? ", retryable" : "")}): {e.Message}");
    return e.Code == PcclErrorCode.InvalidConfiguration ? 2 : 1;
}
