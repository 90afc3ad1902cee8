namespace Pccl.Cli.Chaos;

/// <summary>
/// What must follow a total loss: the workers started afterwards load the newest checkpoint (revision C, with the state
/// the peers reported at C) and the group's next revision is C + 1. Starting from zero, or from any other revision, fails.
/// </summary>
internal sealed class CheckpointRecovery(ulong lostRevision, ulong checkpointRevision, string checkpointStateHash)
{
    public ulong LostRevision => lostRevision;

    public ulong CheckpointRevision => checkpointRevision;

    public bool Recovered { get; private set; }

    public string? OnResumed(int worker, ulong revision, string stateHash) =>
        revision != checkpointRevision || stateHash != checkpointStateHash
            ? $"worker {worker} started after the total loss resumed from a checkpoint of revision {revision} (state {stateHash}), " +
              $"not from the newest one, revision {checkpointRevision} (state {checkpointStateHash})"
            : null;

    public string? OnStep(int worker, ChaosStep step)
    {
        if (Recovered)
        {
            return null;
        }

        if (step.Revision == checkpointRevision + 1)
        {
            Recovered = true;
            return null;
        }

        return step.Revision == 1
            ? $"after the total loss at revision {lostRevision} the group started again from zero (worker {worker} reports revision 1): " +
              $"the model was lost although the checkpoint of revision {checkpointRevision} exists"
            : $"after the total loss at revision {lostRevision} the group's first revision is {step.Revision} (worker {worker}); " +
              $"resuming from the newest checkpoint makes it {checkpointRevision + 1}";
    }
}
