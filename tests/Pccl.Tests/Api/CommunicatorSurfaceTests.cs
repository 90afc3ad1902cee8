using System.Reflection;

namespace Pccl.Tests.Api;

public class CommunicatorSurfaceTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void NoTestOnlyMemberSitsOnThePublicType()
    {
        var testOnly = typeof(Communicator).GetMembers(Everything).Where(m => m.Name.EndsWith("ForTest", StringComparison.Ordinal)).Select(m => m.Name);
        Assert.Empty(testOnly);
    }

    [Fact]
    public void TheFacadeHoldsOnlyItsSessionAndOperations()
    {
        var fields = typeof(Communicator).GetFields(BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(f => !f.Name.Contains("k__BackingField", StringComparison.Ordinal))
            .Select(f => f.FieldType.Namespace ?? "")
            .ToList();
        Assert.NotEmpty(fields);
        Assert.All(fields, ns => Assert.StartsWith("Pccl.Operations.", ns, StringComparison.Ordinal));
    }
}
