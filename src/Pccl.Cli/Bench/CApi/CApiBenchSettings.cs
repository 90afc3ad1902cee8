namespace Pccl.Cli.Bench.CApi;

/// <summary>What <c>pccl bench c-api</c> runs: peers, sizes in bytes, timed and untimed iterations per size, rounds, and where libpccl.so is.</summary>
internal sealed record CApiBenchSettings(int Peers, IReadOnlyList<long> Sizes, int Iterations, int Warmup, int Rounds, bool RealTime, string? NativeDirectory)
{
    /// <summary>Whether both sides keep the input for a retry (<c>fault_tolerance.enable_buffer_backup</c>); off by default, as in <c>bench allreduce</c>.</summary>
    public bool Backup { get; init; }

    /// <summary>This, or an error naming the flag and what it must be.</summary>
    public CApiBenchSettings Validated()
    {
        Check(Peers >= 2, $"--peers must be 2 or more, not {Peers}");
        Check(Iterations >= 1, $"--iterations must be 1 or more, not {Iterations}");
        Check(Warmup >= 0, $"--warmup must be 0 or more, not {Warmup}");
        Check(Rounds >= 1, $"--rounds must be 1 or more, not {Rounds}");
        Check(Sizes.Count > 0 && Sizes.All(s => s >= sizeof(float) && s % sizeof(float) == 0),
            $"--sizes must name sizes of whole float32 elements (4 bytes at least, a multiple of 4), not {string.Join(",", Sizes)}");
        return this;
    }

    private static void Check(bool holds, string problem)
    {
        if (!holds)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, problem);
        }
    }
}
