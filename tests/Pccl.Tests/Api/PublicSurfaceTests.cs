using System.Reflection;

namespace Pccl.Tests.Api;

public class PublicSurfaceTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Theory]
    [InlineData(typeof(Communicator))]
    [InlineData(typeof(MasterNode))]
    public void NoTestOnlyMemberSitsOnThePublicType(Type type)
    {
        var testOnly = type.GetMembers(Everything).Where(m => m.Name.EndsWith("ForTest", StringComparison.Ordinal)).Select(m => m.Name);
        Assert.Empty(testOnly);
    }

    [Fact]
    public void TheFacadeHoldsOnlyItsSessionAndOperations()
    {
        // an event's backing field is the public event itself, not state of the facade
        var events = typeof(Communicator).GetEvents().Select(e => e.Name).ToHashSet();
        var fields = typeof(Communicator).GetFields(BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(f => !f.Name.Contains("k__BackingField", StringComparison.Ordinal) && !events.Contains(f.Name))
            .Select(f => f.FieldType.Namespace ?? "")
            .ToList();
        Assert.NotEmpty(fields);
        Assert.All(fields, ns => Assert.StartsWith("Pccl.Operations.", ns, StringComparison.Ordinal));
    }
}
