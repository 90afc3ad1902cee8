namespace Pccl.Tests.Support;

/// <summary>
/// Writes the captured logs of a test's masters and peers to its output when it fails, so that a failure seen once in
/// a loaded run explains itself. Used as an exception filter (<c>catch (Exception) when (FailureLogs.Show(...))</c>),
/// which runs before any <c>finally</c> disposes them and never catches.
/// </summary>
internal static class FailureLogs
{
    public static bool Show(Exception failure, params (string Name, CapturedLog Log)[] logs)
    {
        var output = TestContext.Current.TestOutputHelper;
        if (output is null)
        {
            return false;
        }

        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} failed: {failure}");
        foreach (var (name, log) in logs)
        {
            output.WriteLine($"--- {name}");
            foreach (var line in log.TimedLines)
            {
                output.WriteLine(line);
            }
        }

        return false;
    }
}
