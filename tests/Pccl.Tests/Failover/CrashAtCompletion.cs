using Pccl.Master.Server;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Failover;

/// <summary>Crashes the leader once it has sent <paramref name="delivered"/> of the CollectiveCompletes of operation <paramref name="sequence"/>.</summary>
internal sealed class CrashAtCompletion(ulong sequence, int delivered) : IMasterFaults
{
    private readonly TaskCompletionSource _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sent;

    /// <summary>Completes when the leader crashed.</summary>
    public Task Crashed => _crashed.Task;

    public bool CrashBefore(ControlMessage message)
    {
        if (_crashed.Task.IsCompleted)
        {
            return true;
        }

        if (message.CollectiveComplete is not { } complete || complete.Sequence != sequence)
        {
            return false;
        }

        if (_sent < delivered)
        {
            _sent++;
            return false;
        }

        _crashed.TrySetResult();
        return true;
    }
}
