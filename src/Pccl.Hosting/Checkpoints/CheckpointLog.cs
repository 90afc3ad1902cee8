using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.Checkpoints;

/// <summary>Log events of the checkpoint store, with stable ids.</summary>
internal static partial class CheckpointLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Wrote shared-state checkpoint {Path} (revision {Revision}, {Bytes} bytes)")]
    public static partial void Written(ILogger logger, string path, ulong revision, long bytes);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Loaded shared-state checkpoint {Path} (revision {Revision})")]
    public static partial void Loaded(ILogger logger, string path, ulong revision);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Skipping shared-state checkpoint {Path}: {Reason}")]
    public static partial void Skipped(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Deleted old shared-state checkpoint {Path}")]
    public static partial void Pruned(ILogger logger, string path);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Could not delete {Path}: {Reason}")]
    public static partial void PruneFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "No usable shared-state checkpoint in {Directory}")]
    public static partial void NoneFound(ILogger logger, string directory);
}
