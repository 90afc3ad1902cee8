using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

public sealed class NonTemporalCopyTests
{
    [Theory]
    [InlineData(0, 100)]        // under a page: the plain copy
    [InlineData(0, 4096)]
    [InlineData(1, 4096 + 127)] // a destination off the 32-byte boundary and a tail shorter than a stride
    [InlineData(31, 65_537)]
    [InlineData(17, 1 << 20)]
    public void CopiesExactlyTheSourceWhateverTheAlignment(int offset, int length)
    {
        var source = new byte[length];
        new Random(length).NextBytes(source);
        var destination = new byte[offset + length + 64];
        destination.AsSpan().Fill(0x5A);

        NonTemporalCopy.Copy(source, destination.AsSpan(offset, length));

        Assert.True(destination.AsSpan(offset, length).SequenceEqual(source), "the copied range differs from the source");
        Assert.All(destination.AsSpan(0, offset).ToArray(), b => Assert.Equal(0x5A, b));
        Assert.All(destination.AsSpan(offset + length).ToArray(), b => Assert.Equal(0x5A, b));
    }
}
