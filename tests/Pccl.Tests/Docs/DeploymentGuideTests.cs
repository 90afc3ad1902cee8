using System.Text.RegularExpressions;

namespace Pccl.Tests.Docs;

/// <summary>
/// <c>docs/deployment.md</c> quotes the messages users see in its troubleshooting table; each quoted message must be one
/// the code prints. A message is a backticked text of 40 characters or more in the table's "What you see" column, with
/// <c>…</c> standing for a value; every literal stretch of it long enough to mean something must occur in the
/// source (string literals joined across <c>+</c>).
/// </summary>
public partial class DeploymentGuideTests
{
    private const int MessageLength = 40;
    private const int FragmentLength = 15;

    [Fact]
    public void Every_troubleshooting_message_the_guide_quotes_is_printed_by_the_code()
    {
        var root = RepositoryRoot();
        var source = JoinedSource(root);
        var messages = QuotedMessages(File.ReadAllText(Path.Combine(root, "docs", "deployment.md")));

        Assert.True(messages.Count >= 15, $"the troubleshooting table quotes only {messages.Count} messages");
        foreach (var message in messages)
        {
            var fragments = message.Split('…').Select(f => f.Trim(' ', ':', ';', ',', '(', ')', '.')).Where(f => f.Length >= FragmentLength).ToList();
            Assert.True(fragments.Count > 0, $"quoted message without a checkable stretch: {message}");
            Assert.All(fragments, f => Assert.True(source.Contains(f, StringComparison.Ordinal), $"the guide quotes \"{f}\" (in: {message}), which no source file prints"));
        }
    }

    [Fact]
    public void The_guide_keeps_the_chapters_six_troubleshooting_rows_and_its_ports()
    {
        var guide = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "deployment.md"));
        foreach (var row in new[]
                 {
                     "| Peers can't connect | Firewall blocking |", "| Frequent recoveries | Network instability |", "| Low throughput | Small chunk size |",
                     "| High latency | Too many peers |", "| OOM errors | Buffer backup too large |", "| Master unreachable | DNS/IP changed |",
                     "| 7117 | TCP |", "| 7117 | UDP |", "| 7118-7150 | TCP |", "| 9090 | TCP |", "--protocol udp --port 7117", "-p udp --dport 7117",
                 })
        {
            Assert.Contains(row, guide);
        }
    }

    /// <summary>The long backticked texts of the "What you see" column of the troubleshooting table.</summary>
    private static List<string> QuotedMessages(string guide)
    {
        var table = guide[guide.IndexOf("## Troubleshooting", StringComparison.Ordinal)..];
        var messages = new List<string>();
        foreach (var line in table.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)))
        {
            var cells = line.Split('|');
            if (cells.Length < 5)
            {
                continue;
            }

            messages.AddRange(Backticked().Matches(cells[3]).Select(m => m.Groups[1].Value).Where(m => m.Length >= MessageLength));
        }

        return messages;
    }

    /// <summary>Every C# file under src/, with adjacent string literals joined ("a " + $"b" reads "a b").</summary>
    private static string JoinedSource(string root) =>
        string.Join('\n', Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(f => LiteralJoint().Replace(File.ReadAllText(f), "")));

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pccl.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"repository root not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("\"\\s*\\+\\s*\\$?@?\"")]
    private static partial Regex LiteralJoint();
}
