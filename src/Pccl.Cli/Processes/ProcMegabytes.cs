using System.Globalization;

namespace Pccl.Cli.Processes;

/// <summary>Reads sizes from a <c>/proc</c> file of "Name: N kB" lines (<c>status</c>, <c>smaps_rollup</c>) as megabytes.</summary>
internal static class ProcMegabytes
{
    /// <summary>The values of <paramref name="names"/> (with their colon, e.g. "VmRSS:") in <paramref name="path"/>, in that order; 0 for a name not there.</summary>
    public static double[] Read(string path, params string[] names)
    {
        var values = new double[names.Length];
        foreach (var line in File.ReadLines(path))
        {
            var i = Array.FindIndex(names, n => line.StartsWith(n, StringComparison.Ordinal));
            if (i >= 0)
            {
                values[i] = double.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return values;
    }
}
