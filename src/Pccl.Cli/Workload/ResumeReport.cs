using System.Text.Json.Serialization;

namespace Pccl.Cli.Workload;

/// <summary>
/// The JSON line <c>pccl worker --json</c> prints when it loaded a checkpoint before joining: the revision it resumes from
/// and the hash of the loaded state (<see cref="ModelState.Hash"/>), so a driver can tell where a run restarted.
/// </summary>
internal sealed record ResumeReport(
    [property: JsonPropertyName("resumed_revision")] ulong Revision,
    [property: JsonPropertyName("state_hash")] string StateHash);
