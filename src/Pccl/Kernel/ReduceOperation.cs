namespace Pccl;

/// <summary>How an all-reduce combines the peers' values.</summary>
public enum ReduceOperation
{
    /// <summary>Element-wise sum (integers wrap).</summary>
    Sum,
    /// <summary>Element-wise mean: the sum divided by the world size (integers truncate).</summary>
    Avg,
    /// <summary>Element-wise product.</summary>
    Prod,
    /// <summary>Element-wise maximum.</summary>
    Max,
    /// <summary>Element-wise minimum.</summary>
    Min,
}
