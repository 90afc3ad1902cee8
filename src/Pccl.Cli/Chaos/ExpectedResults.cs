using Pccl.Cli.Workload;

namespace Pccl.Cli.Chaos;

/// <summary>
/// Recomputes what workers must have fed and received (<see cref="Contribution"/>) from peer ids and input keys alone, so
/// the referee trusts no worker's own verdict. One scratch buffer of the workers' size serves every computation.
/// </summary>
internal sealed class ExpectedResults(int elements)
{
    private readonly float[] _scratch = new float[elements];

    public string InputHash(ulong peerId, ulong key)
    {
        Contribution.Fill(_scratch, peerId, key);
        return Contribution.Hash(_scratch);
    }

    public string SumHash(IEnumerable<ulong> peerIds, ulong key)
    {
        Contribution.FillSum(_scratch, peerIds, key);
        return Contribution.Hash(_scratch);
    }
}
