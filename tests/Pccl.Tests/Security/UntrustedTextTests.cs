using Pccl.Kernel;

namespace Pccl.Tests.Security;

public class UntrustedTextTests
{
    [Theory]
    [InlineData("pccl", "pccl")]
    [InlineData("a\nb", "a\\u000Ab")]
    [InlineData("a\r\nERROR forged", "a\\u000D\\u000AERROR forged")]
    [InlineData("tab\there", "tab\\u0009here")]
    [InlineData("line\u2028sep", "line\\u2028sep")]
    [InlineData("bidi\u202Eflip", "bidi\\u202Eflip")]
    [InlineData("région", "région")]
    [InlineData("a\\u000Ab", "a\\\\u000Ab")]
    [InlineData("C:\\path", "C:\\\\path")]
    public void ControlFormatAndSeparatorCharactersAndTheBackslash_AreEscaped(string text, string expected) =>
        Assert.Equal(expected, UntrustedText.Escape(text));

    [Fact]
    public void LongText_IsCutAndItsLengthNoted()
    {
        var escaped = UntrustedText.Escape(new string('x', 10_000), max: 16);

        Assert.Equal(new string('x', 16) + "... (10000 characters)", escaped);
    }

    [Fact]
    public void Quote_CutsToTheQuotedBound()
    {
        var quoted = UntrustedText.Quote(string.Concat(Enumerable.Repeat("\n", 1000)));

        Assert.StartsWith("'\\u000A", quoted, StringComparison.Ordinal);
        Assert.EndsWith("... (1000 characters)'", quoted, StringComparison.Ordinal);
        Assert.True(quoted.Length < UntrustedText.MaxQuoted + 40, $"quoted as {quoted.Length} characters");
    }
}
