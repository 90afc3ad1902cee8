using System.Diagnostics;

namespace Pccl.Telemetry;

/// <summary>
/// One activity per operation of a peer (an all-reduce attempt, a shared-state sync, a vote), from the
/// <see cref="SourceName"/> source. Each carries the operation's tag, bytes, world size and outcome; a failed operation
/// ends with status <see cref="ActivityStatusCode.Error"/> and its error code as the outcome. Starting one costs nothing
/// while no listener samples the source.
/// </summary>
internal static class PcclActivities
{
    /// <summary>The name of the activity source.</summary>
    public const string SourceName = "Pccl";

    /// <summary>Activity names.</summary>
    public static class Names
    {
        /// <summary>One all-reduce attempt.</summary>
        public const string AllReduce = "pccl.all_reduce";

        /// <summary>One shared-state synchronisation.</summary>
        public const string SharedStateSync = "pccl.shared_state.sync";

        /// <summary>One vote: a topology update or the pending-peers question.</summary>
        public const string Vote = "pccl.vote";
    }

    /// <summary>Tag keys.</summary>
    public static class Tags
    {
        /// <summary>The all-reduce's tag.</summary>
        public const string Tag = "pccl.tag";

        /// <summary>Bytes of the user's buffer (all-reduce), or bytes sent plus received (shared-state sync).</summary>
        public const string Bytes = "pccl.bytes";

        /// <summary>Accepted peers of the group when the operation ended (or started, when it failed).</summary>
        public const string WorldSize = "pccl.world_size";

        /// <summary><c>ok</c>, <c>cancelled</c>, or the error code in snake_case (as the metrics' <c>code</c> tag).</summary>
        public const string Outcome = "pccl.outcome";

        /// <summary>What a vote decides: <c>topology_update</c> or <c>pending_peers</c>.</summary>
        public const string VoteKind = "pccl.vote.kind";

        /// <summary>The shared-state revision after the sync.</summary>
        public const string Revision = "pccl.revision";
    }

    /// <summary>Outcome values besides the error codes.</summary>
    public static class Outcomes
    {
        /// <summary>The operation succeeded.</summary>
        public const string Ok = "ok";

        /// <summary>The caller cancelled the operation.</summary>
        public const string Cancelled = "cancelled";
    }

    /// <summary>Vote kinds for <see cref="Tags.VoteKind"/>.</summary>
    public static class VoteKinds
    {
        /// <summary>A vote to admit waiting peers.</summary>
        public const string TopologyUpdate = "topology_update";

        /// <summary>A vote asking whether peers wait.</summary>
        public const string PendingPeers = "pending_peers";
    }

    private static readonly ActivitySource Source = new(SourceName, typeof(PcclActivities).Assembly.GetName().Version?.ToString());

    /// <summary>Starts an all-reduce attempt's activity; null when nobody listens.</summary>
    public static Activity? StartAllReduce(uint tag, long bytes, int worldSize)
    {
        var activity = Source.StartActivity(Names.AllReduce, ActivityKind.Internal);
        activity?.SetTag(Tags.Tag, tag).SetTag(Tags.Bytes, bytes).SetTag(Tags.WorldSize, worldSize);
        return activity;
    }

    /// <summary>Starts a shared-state sync's activity; null when nobody listens.</summary>
    public static Activity? StartSharedStateSync(int worldSize)
    {
        var activity = Source.StartActivity(Names.SharedStateSync, ActivityKind.Internal);
        activity?.SetTag(Tags.WorldSize, worldSize);
        return activity;
    }

    /// <summary>Starts a vote's activity; null when nobody listens.</summary>
    public static Activity? StartVote(string kind, int worldSize)
    {
        var activity = Source.StartActivity(Names.Vote, ActivityKind.Internal);
        activity?.SetTag(Tags.VoteKind, kind).SetTag(Tags.WorldSize, worldSize);
        return activity;
    }

    /// <summary>
    /// Starts an activity with <paramref name="start"/>, runs <paramref name="operation"/> inside it, marks it with the
    /// outcome and the <paramref name="worldSize"/> of the result, and ends it. Started here, in an async method, so the
    /// activity is current only for the operation, never in the caller's context after it returns.
    /// </summary>
    public static async Task<T> TraceAsync<T>(Func<Activity?> start, Func<Activity?, Task<T>> operation, Func<T, int> worldSize)
    {
        using (var activity = start())
        {
            try
            {
                var result = await operation(activity).ConfigureAwait(false);
                activity.Succeeded(worldSize(result));
                return result;
            }
            catch (Exception e)
            {
                activity.Failed(e);
                throw;
            }
        }
    }

    /// <summary>Marks the operation a success, with the world size it ended in.</summary>
    public static void Succeeded(this Activity? activity, int worldSize) =>
        activity?.SetTag(Tags.WorldSize, worldSize).SetTag(Tags.Outcome, Outcomes.Ok).SetStatus(ActivityStatusCode.Ok);

    /// <summary>Marks the operation failed by <paramref name="error"/>.</summary>
    public static void Failed(this Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }

        var outcome = error switch
        {
            PcclException pccl => MetricTags.CodeName(pccl.Code),
            OperationCanceledException => Outcomes.Cancelled,
            _ => error.GetType().Name,
        };
        activity.SetTag(Tags.Outcome, outcome).SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
