using Pccl.Telemetry;

namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>Counts a failed collective by its code and logs the abort (event 1101).</summary>
    private void ReportAborted(uint tag, PcclException failure)
    {
        PcclInstruments.RecordFailure(failure.Code);
        _logger.CollectiveAborted(tag, $"{failure.Code}: {failure.Message}");
    }
}
