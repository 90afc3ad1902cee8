using System.Globalization;

namespace Pccl.Tests.Api;

/// <summary><see cref="PinnedBuffer"/>: zeroed arrays that never move, in transparent huge pages where Linux has them on.</summary>
public class PinnedBufferTests
{
    [Fact]
    public void ABufferIsZeroedAndAsLongAsAsked()
    {
        var buffer = PinnedBuffer.Allocate<float>(3_000_001);

        Assert.Equal(3_000_001, buffer.Length);
        Assert.True(buffer.AsSpan().IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void ANegativeLengthIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PinnedBuffer.Allocate<double>(-1));

    [Fact]
    public unsafe void ALargeBufferIsAdvisedForHugePagesWhereTheKernelHasThem()
    {
        var buffer = PinnedBuffer.Allocate<byte>(64 << 20);
        const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        fixed (byte* first = buffer)
        {
            // madvise splits off the advised range as a mapping of its own, flagged "hg"; a kernel without
            // transparent huge pages refuses the advice. How much the kernel then backs with huge pages depends on
            // its free memory, so it is reported, not asserted.
            var advised = AdvisedMappings((nint)first, buffer.Length);
            if (File.Exists(Setting))
            {
                Assert.NotEmpty(advised);
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"{advised.Sum(m => m.AnonHugePagesKb) / 1024} MB of 64 MiB in huge pages ({File.ReadAllText(Setting).Trim()})");
            }
            else
            {
                Assert.Empty(advised);
            }
        }
    }

    /// <summary>The mappings flagged for huge pages that overlap [address, address + length), from /proc/self/smaps.</summary>
    private static List<(long Start, double AnonHugePagesKb)> AdvisedMappings(nint address, long length)
    {
        var found = new List<(long, double)>();
        long start = 0;
        var overlaps = false;
        double huge = 0;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var from)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var to))
            {
                (start, overlaps, huge) = (from, from < address + length && to > address, 0);
            }
            else if (overlaps && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                huge = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            else if (overlaps && line.StartsWith("VmFlags:", StringComparison.Ordinal) && line.Split(' ').Contains("hg"))
            {
                found.Add((start, huge));
            }
        }

        return found;
    }
}
