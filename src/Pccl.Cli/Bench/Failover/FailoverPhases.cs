namespace Pccl.Cli.Bench.Failover;

/// <summary>
/// One failover's phases, in milliseconds from the signal. The first three are on the store's clock (the leaders'
/// <c>lease_expires</c> in <c>/status</c>, less the TTL where it marks an attempt), compared with this host's UTC
/// clock: exact for the private PostgreSQL on this host, offset by any clock skew for a <c>--store</c> elsewhere; null
/// when a master did not say. The others are when this bench first saw the state in the new leader's <c>/status</c>
/// (polled every 10 ms) or, for the last, the workers' step lines.
/// </summary>
/// <param name="LastRenewalMs">The old leader's last lease renewal before the signal (negative).</param>
/// <param name="LeaseLapsedMs">When that lease lapsed in the store.</param>
/// <param name="StandbyWonMs">The standby's winning lease attempt.</param>
/// <param name="ServingMs">The standby answering as the leader.</param>
/// <param name="FirstRegisteredMs">The first worker registered with it.</param>
/// <param name="RegisteredMs">Every worker registered with it.</param>
/// <param name="AcceptedMs">Every worker accepted into its ring (the topology rounds after the failover done).</param>
/// <param name="FullWorldMs">Every worker completed an all-reduce at the full world under it.</param>
internal sealed record FailoverPhases(double? LastRenewalMs, double? LeaseLapsedMs, double? StandbyWonMs, double ServingMs,
    double FirstRegisteredMs, double RegisteredMs, double AcceptedMs, double FullWorldMs)
{
    /// <summary>The median of each phase over <paramref name="rounds"/>, by its JSON name, in the order they happen.</summary>
    public static IReadOnlyDictionary<string, double?> Medians(IReadOnlyList<FailoverPhases> rounds)
    {
        double? Median(Func<FailoverPhases, double?> phase) =>
            rounds.Select(phase).OfType<double>().ToList() is { Count: > 0 } known ? Statistics.Median(known) : null;
        return new Dictionary<string, double?>
        {
            ["last_renewal"] = Median(p => p.LastRenewalMs),
            ["lease_lapsed"] = Median(p => p.LeaseLapsedMs),
            ["standby_won"] = Median(p => p.StandbyWonMs),
            ["standby_serving"] = Median(p => p.ServingMs),
            ["first_registered"] = Median(p => p.FirstRegisteredMs),
            ["all_registered"] = Median(p => p.RegisteredMs),
            ["all_accepted"] = Median(p => p.AcceptedMs),
            ["full_world_allreduce"] = Median(p => p.FullWorldMs),
        };
    }
}
