using System.Runtime.InteropServices;
using Pccl;
using Pccl.Cli.Processes;
using Pccl.Cli.Recovery;

var parsed = WorkerArguments.Parse(args, out var error);
if (parsed is null)
{
    Console.Error.WriteLine(error);
    return 2;
}

using var stop = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    return await RecoveryWorker.RunAsync(LoopbackWorkerOptions.For(parsed.Master), parsed.Elements, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
catch (PcclException e)
{
    Console.Error.WriteLine($"pccl-worker: {e.Code}: {e.Message}");
    return 1;
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
