namespace Pccl.Cli.Chaos;

/// <summary>
/// The verdict of a chaos run, from the events the driver feeds it and nothing else (no processes, no clock). It fails at the
/// first of: no step completes for <see cref="ChaosOptions.StallLimit"/> while at least two peers run; a worker exits that
/// was not killed (unless it had been stopped and says the master removed it); two peers report different results for one
/// operation, or different participants or keys; a result is not the exact sum of its participants' inputs; a reported input
/// is not the one its peer id and key make; after a total loss, the group does not resume from the newest checkpoint.
/// </summary>
internal sealed class ChaosReferee(ChaosOptions options)
{
    private readonly Dictionary<int, WorkerRecord> _workers = [];
    private readonly Dictionary<ulong, ChaosOperation> _operations = [];
    private readonly Dictionary<ulong, HashSet<string>> _statesByRevision = [];
    private readonly ExpectedResults _expected = new(options.Elements);
    private TimeSpan _lastTick;
    private int _stepsAtLastTick;
    private TimeSpan _stall;
    private CheckpointRecovery? _recovery;

    /// <summary>The first rule broken; null while the run holds.</summary>
    public string? Failure { get; private set; }

    /// <summary>True when the failure is a stall: the workers still running then are what to look at.</summary>
    public bool Stalled { get; private set; }

    public ChaosTally Tally { get; } = new();

    /// <summary>Highest shared-state revision reported since the last total loss.</summary>
    public ulong LatestRevision { get; private set; }

    /// <summary>A total loss happened and the group has not reported a step from the checkpoint yet.</summary>
    public bool AwaitingRecovery => _recovery is { Recovered: false };

    public void Observe(ChaosEvent e)
    {
        if (Failure is not null)
        {
            return;
        }

        Failure = e switch
        {
            WorkerStarted s => Start(s),
            StepReported s => Step(s.Worker, s.Step),
            WorkerResumed r => Resume(r),
            WorkerKilled k => Kill(k.Worker),
            WorkerStopped s => Freeze(s.Worker, stopped: true),
            WorkerContinued c => Freeze(c.Worker, stopped: false),
            WorkerExited x => Exit(x),
            TotalLoss l => Lose(l),
            Tick t => Tick(t.At),
            _ => throw new ArgumentOutOfRangeException(nameof(e), e, "unknown chaos event"),
        };
    }

    /// <summary>The run's end: a total loss must have been recovered from by now.</summary>
    public string? Finish()
    {
        if (Failure is null && _recovery is { Recovered: false } r)
        {
            Failure = $"no step completed after the total loss at revision {r.LostRevision} (checkpoint of revision {r.CheckpointRevision}) before the run ended";
        }

        return Failure;
    }

    private string? Start(WorkerStarted s)
    {
        _workers.Add(s.Worker, new WorkerRecord(s.At, Tally.TotalLosses));
        Tally.WorkersStarted++;
        return null;
    }

    private string? Step(int worker, ChaosStep step)
    {
        var w = _workers[worker];
        if (step.Peers is null || step.InputKey is not { } key || step.InputHash is null)
        {
            return $"worker {worker} reported seq {step.Sequence} without peers, input_key or input_hash: its sum cannot be checked";
        }

        if (step.Peers.Count != step.WorldSize || !step.Peers.Contains(step.PeerId))
        {
            return $"worker {worker} (peer {step.PeerId}) reported seq {step.Sequence} with world {step.WorldSize} but peers [{string.Join(", ", step.Peers)}]";
        }

        if (_expected.InputHash(step.PeerId, key) is var input && input != step.InputHash)
        {
            return $"worker {worker} (peer {step.PeerId}) fed input {step.InputHash} for key {key} in seq {step.Sequence}; peer {step.PeerId}'s input for that key hashes to {input}";
        }

        if (Operation(worker, step) is { } wrong)
        {
            return wrong;
        }

        w.Steps++;
        Tally.Steps++;
        Tally.RetriedSteps += step.Retries > 0 ? 1 : 0;
        Tally.MaxWorld = Math.Max(Tally.MaxWorld, step.WorldSize);
        LatestRevision = Math.Max(LatestRevision, step.Revision);
        if (!_statesByRevision.TryGetValue(step.Revision, out var states))
        {
            _statesByRevision[step.Revision] = states = [];
        }

        states.Add(step.StateHash);
        if (_recovery is null || w.Era != Tally.TotalLosses || _recovery.Recovered)
        {
            return null;
        }

        var failure = _recovery.OnStep(worker, step);
        Tally.Recoveries += _recovery.Recovered ? 1 : 0;
        return failure;
    }

    private string? Operation(int worker, ChaosStep step)
    {
        if (!_operations.TryGetValue(step.Sequence, out var op))
        {
            op = new ChaosOperation(worker, step, [.. step.Peers!.Order()], _expected.SumHash(step.Peers!, step.InputKey!.Value));
            _operations.Add(step.Sequence, op);
            Tally.Operations++;
        }

        var first = $"worker {op.FirstWorker} (peer {op.FirstStep.PeerId}, world {op.FirstStep.WorldSize})";
        var self = $"worker {worker} (peer {step.PeerId}, world {step.WorldSize})";
        if (!op.SameInputs(step))
        {
            Tally.Disagreements++;
            return $"operation seq {step.Sequence} has different inputs: {first} {op.DescribeInputs(op.FirstStep)}, {self} {op.DescribeInputs(step)}";
        }

        if (step.ResultHash != op.FirstStep.ResultHash)
        {
            Tally.Disagreements++;
            return $"operation seq {step.Sequence} has different results: {first} {op.FirstStep.ResultHash}, {self} {step.ResultHash}";
        }

        Tally.WrongSums += step.ResultHash != op.ExpectedHash ? 1 : 0;
        return step.ResultHash != op.ExpectedHash
            ? $"operation seq {step.Sequence} ({op.DescribeInputs(step)}): {self} holds {step.ResultHash}, but the exact sum of those peers' inputs hashes to {op.ExpectedHash}"
            : null;
    }

    private string? Resume(WorkerResumed r)
    {
        Tally.Resumes++;
        return _recovery is not null && _workers[r.Worker].Era == Tally.TotalLosses && !_recovery.Recovered
            ? _recovery.OnResumed(r.Worker, r.Revision, r.StateHash)
            : null;
    }

    private string? Kill(int worker)
    {
        _workers[worker].Killed = true;
        Tally.Kills++;
        return null;
    }

    private string? Freeze(int worker, bool stopped)
    {
        var w = _workers[worker];
        w.Stopped = stopped;
        w.WasStopped |= stopped;
        Tally.Stops += stopped ? 1 : 0;
        return null;
    }

    private string? Exit(WorkerExited x)
    {
        var w = _workers[x.Worker];
        w.Exited = true;
        if (w.Killed)
        {
            return null;
        }

        if (w.WasStopped && x.SaysRemoved)
        {
            Tally.Evicted++;
            return null;
        }

        return $"worker {x.Worker} exited with code {x.Code} without being killed{(w.WasStopped ? " (it had been stopped)" : "")}; " +
               $"its last log lines:{Environment.NewLine}{x.LogTail}";
    }

    private string? Lose(TotalLoss l)
    {
        Tally.TotalLosses++;
        Tally.LostRevision = l.LostRevision;
        if (l.CheckpointRevision is not { } revision || l.CheckpointStateHash is not { } hash)
        {
            return $"every holder of the shared state was killed at revision {l.LostRevision} and no checkpoint exists: the model is lost";
        }

        Tally.CheckpointRevision = revision;
        if (!_statesByRevision.TryGetValue(revision, out var reported) || !reported.Contains(hash))
        {
            return $"the newest checkpoint (revision {revision}) holds state {hash}, but the peers reported " +
                   $"[{string.Join(", ", reported ?? [])}] at that revision: it is not the model they trained";
        }

        foreach (var later in _statesByRevision.Keys.Where(k => k > revision).ToList())
        {
            _statesByRevision.Remove(later);
        }

        LatestRevision = revision;
        _recovery = new CheckpointRecovery(l.LostRevision, revision, hash);
        return null;
    }

    private string? Tick(TimeSpan now)
    {
        var running = _workers.Values.Count(w => w.Running && (w.Steps > 0 || now - w.StartedAt >= options.StartupGrace));
        _stall = Tally.Steps != _stepsAtLastTick || running < 2 ? TimeSpan.Zero : _stall + (now - _lastTick);
        _stepsAtLastTick = Tally.Steps;
        _lastTick = now;
        Tally.LongestStall = _stall > Tally.LongestStall ? _stall : Tally.LongestStall;
        Stalled = _stall >= options.StallLimit;
        return Stalled
            ? $"no step completed for {_stall.TotalSeconds:0.0} s while {running} peers were running ({Describe()})"
            : null;
    }

    private string Describe() => string.Join(", ", _workers.Where(p => p.Value.Alive).Select(p =>
        $"w{p.Key}{(p.Value.Stopped ? " stopped" : "")} {p.Value.Steps} steps"));

    private sealed class WorkerRecord(TimeSpan startedAt, int era)
    {
        public TimeSpan StartedAt => startedAt;

        /// <summary>How many total losses preceded its start: only workers of the current era must resume from the checkpoint.</summary>
        public int Era => era;

        public int Steps { get; set; }

        public bool Killed { get; set; }

        public bool Stopped { get; set; }

        public bool WasStopped { get; set; }

        public bool Exited { get; set; }

        public bool Alive => !Killed && !Exited;

        public bool Running => Alive && !Stopped;
    }
}
