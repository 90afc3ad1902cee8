using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Pccl.Hosting.Checkpoints;

namespace Pccl.Cli.Workload;

/// <summary>
/// The workload's shared state: one parameter tensor, advanced deterministically from each step's all-reduce result,
/// synchronised every step (revision +1) and checkpointed every <c>checkpoint_interval_steps</c> revisions.
/// It outlives a communicator, so a worker that lost its master resumes from its revision.
/// </summary>
internal sealed class ModelState
{
    private readonly float[] _parameters;
    private readonly CheckpointStore? _checkpoints;
    private readonly int _checkpointInterval;
    private readonly ILogger _logger;

    public ModelState(int elements, string? checkpointDirectory, int checkpointInterval, ILogger logger)
    {
        _parameters = PinnedBuffer.Allocate<float>(elements);
        State = new SharedState([SharedStateEntry.Create("parameters", _parameters.AsMemory())]);
        _checkpoints = checkpointDirectory is null ? null : new CheckpointStore(new CheckpointStoreOptions { Directory = checkpointDirectory }, logger);
        _checkpointInterval = checkpointInterval;
        _logger = logger;
    }

    public SharedState State { get; }

    public ulong Revision => State.Revision;

    /// <summary>Loads the newest valid checkpoint, if any; the first sync then resumes from its revision.</summary>
    public async Task LoadCheckpointAsync(CancellationToken ct)
    {
        if (_checkpoints is not null && await _checkpoints.TryLoadNewestAsync(State, ct).ConfigureAwait(false) is { } revision)
        {
            _logger.Resumed(revision);
        }
    }

    /// <summary>Advances the revision by one and agrees on the content with the group; on failure the revision is unchanged.</summary>
    public async Task<SharedStateSyncInfo> SyncAsync(Communicator communicator, CancellationToken ct)
    {
        var before = State.Revision;
        State.Revision = before + 1;
        try
        {
            return await communicator.SyncSharedStateAsync(State, SharedStateSyncStrategy.EnforcePopular, ct).ConfigureAwait(false);
        }
        catch
        {
            State.Revision = before;
            throw;
        }
    }

    /// <summary>The optimizer step: identical on every peer because the reduced gradient is bit-identical.</summary>
    public void Apply(ReadOnlySpan<float> reducedGradient)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            _parameters[i] = (_parameters[i] * 0.5f) + (reducedGradient[i % reducedGradient.Length] * 0.25f);
        }
    }

    public async Task CheckpointIfDueAsync(CancellationToken ct)
    {
        if (_checkpoints is not null && State.Revision % (ulong)_checkpointInterval == 0)
        {
            var path = await _checkpoints.WriteAsync(State, ct).ConfigureAwait(false);
            _logger.CheckpointWritten(State.Revision, path);
        }
    }

    public string Hash() => Convert.ToHexStringLower(XxHash3.Hash(MemoryMarshal.AsBytes(_parameters.AsSpan())));
}
