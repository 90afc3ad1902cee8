using System.Globalization;

namespace Pccl.Cli.Recovery;

/// <summary>
/// The command line of <c>pccl bench recovery-worker</c>, which the NativeAOT <c>pccl-worker</c> takes unchanged (the
/// benches start either): <c>[bench recovery-worker] --master HOST:PORT --elements N</c>.
/// </summary>
internal sealed record WorkerArguments(string Master, int Elements)
{
    public const string Usage = "usage: pccl bench recovery-worker | pccl-worker [bench recovery-worker] --master HOST:PORT --elements N";

    /// <summary>The parsed arguments, or null with <paramref name="error"/> naming what is wrong.</summary>
    public static WorkerArguments? Parse(IReadOnlyList<string> args, out string error)
    {
        var start = args.Count >= 2 && args[0] == "bench" && args[1] == "recovery-worker" ? 2 : 0;
        string? master = null;
        int? elements = null;
        for (var i = start; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count)
            {
                error = $"{args[i]} needs a value; {Usage}";
                return null;
            }

            var value = args[i + 1];
            switch (args[i])
            {
                case "--master" when value.LastIndexOf(':') > 0 && int.TryParse(value[(value.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _):
                    master = value;
                    break;
                case "--master":
                    error = $"--master must be HOST:PORT, not '{value}'";
                    return null;
                case "--elements" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0:
                    elements = n;
                    break;
                case "--elements":
                    error = $"--elements must be a positive count of float32 elements, not '{value}'";
                    return null;
                default:
                    error = $"unknown option '{args[i]}'; {Usage}";
                    return null;
            }
        }

        error = master is null ? $"--master is required; {Usage}" : elements is null ? $"--elements is required; {Usage}" : "";
        return master is null || elements is null ? null : new WorkerArguments(master, elements.Value);
    }
}
