using Microsoft.Extensions.Logging;
using Pccl.Native.Abi;

namespace Pccl.Native;

/// <summary>What a <c>pcclMasterInstance_t*</c> stands for: a master's options and loggers and, once run, the <see cref="MasterNode"/>.</summary>
internal sealed class NativeMaster(MasterOptions options, ILoggerFactory loggers)
{
    private readonly Lock _lock = new();
    private Task<MasterNode>? _running;
    private Task? _stopped;

    /// <summary>Starts serving; a second run is <see cref="PcclResult.InvalidArgument"/> as in PCCL.</summary>
    public PcclResult Run()
    {
        Task<MasterNode> running;
        lock (_lock)
        {
            if (_running is not null)
            {
                return PcclResult.InvalidArgument;
            }

            running = _running = MasterNode.StartAsync(options, loggers);
        }

        running.GetAwaiter().GetResult();
        return PcclResult.Success;
    }

    /// <summary>Asks the master to stop and returns at once; stopping a master that never ran only marks it stopped.</summary>
    public PcclResult Interrupt()
    {
        lock (_lock)
        {
            _stopped ??= _running is { IsCompletedSuccessfully: true } running
                ? Task.Run(async () => await running.Result.DisposeAsync().ConfigureAwait(false))
                : Task.CompletedTask;
        }

        return PcclResult.Success;
    }

    /// <summary>Blocks until the master stopped; a master never interrupted cannot be awaited (<see cref="PcclResult.InvalidArgument"/>).</summary>
    public PcclResult AwaitTermination()
    {
        Task? stopped;
        lock (_lock)
        {
            stopped = _stopped;
        }

        if (stopped is null)
        {
            return PcclResult.InvalidArgument;
        }

        stopped.GetAwaiter().GetResult();
        return PcclResult.Success;
    }

    /// <summary>True when the master may be freed: it never ran, or it has stopped.</summary>
    public bool CanBeDestroyed
    {
        get
        {
            lock (_lock)
            {
                return _running is null || _running.IsFaulted || _stopped is { IsCompleted: true };
            }
        }
    }
}
