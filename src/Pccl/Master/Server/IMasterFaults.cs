using Pccl.Protocol.Messages;

namespace Pccl.Master.Server;

/// <summary>
/// Test-only fault seam of a leader (set through the internal <see cref="MasterOptions.Faults"/>): crashes it at a chosen
/// message, as a SIGKILL between two sends would, so a test can stop it after telling only some peers.
/// </summary>
internal interface IMasterFaults
{
    /// <summary>True to crash instead of sending <paramref name="message"/> and anything after it.</summary>
    bool CrashBefore(ControlMessage message);
}
