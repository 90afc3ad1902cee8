using System.Diagnostics;

namespace Pccl.NativeTests.Support;

/// <summary>The dynamic symbols a shared library defines, as <c>nm -D --defined-only</c> lists them (version suffix cut).</summary>
internal static class ElfSymbols
{
    public static IReadOnlyList<string> Exported(string library)
    {
        var info = new ProcessStartInfo("nm") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-D");
        info.ArgumentList.Add("--defined-only");
        info.ArgumentList.Add(library);
        using var nm = Process.Start(info)!;
        var lines = nm.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        nm.WaitForExit();
        return [.. lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length == 3).Select(p => p[2].Split('@')[0])];
    }
}
