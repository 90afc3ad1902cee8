using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.StateSync;

public class SharedStateApiTests
{
    [Fact]
    public void CreateInfersTheTypeAndViewsTheCallersBuffer()
    {
        var weights = new float[] { 1f, 2f, 3f };
        var entry = SharedStateEntry.Create<float>("w", weights);

        Assert.Equal(PcclDataType.F32, entry.DataType);
        Assert.Equal(12, entry.Content.Length);
        Assert.Equal(3, entry.ElementCount);

        BitConverter.GetBytes(42f).CopyTo(entry.Content.Span[4..]);
        Assert.Equal(42f, weights[1]);
    }

    [Fact]
    public unsafe void PinnedViewPointsIntoTheCallersBuffer()
    {
        var values = new int[] { 10, 20, 30 };
        var entry = SharedStateEntry.Create<int>("v", values);

        using (var handle = entry.Content[4..].Pin())
            *(int*)handle.Pointer = 99;

        Assert.Equal(99, values[1]);
    }

    [Theory]
    [InlineData(typeof(byte), PcclDataType.U8)]
    [InlineData(typeof(sbyte), PcclDataType.I8)]
    [InlineData(typeof(ushort), PcclDataType.U16)]
    [InlineData(typeof(short), PcclDataType.I16)]
    [InlineData(typeof(uint), PcclDataType.U32)]
    [InlineData(typeof(int), PcclDataType.I32)]
    [InlineData(typeof(ulong), PcclDataType.U64)]
    [InlineData(typeof(long), PcclDataType.I64)]
    [InlineData(typeof(Half), PcclDataType.F16)]
    [InlineData(typeof(float), PcclDataType.F32)]
    [InlineData(typeof(double), PcclDataType.F64)]
    public void ClrTypesMapToTheirDataType(Type clrType, PcclDataType expected)
    {
        var method = typeof(SharedStateApiTests).GetMethod(nameof(TypeOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        Assert.Equal(expected, method.MakeGenericMethod(clrType).Invoke(null, null));
    }

    private static PcclDataType TypeOf<T>() where T : unmanaged => SharedStateEntry.Create<T>("k", new T[2]).DataType;

    [Fact]
    public void EveryDataTypeRoundTripsThroughTheWireEnum()
    {
        foreach (var type in Enum.GetValues<PcclDataType>())
            Assert.Equal(type, type.ToWire().FromWire());
        Assert.Equal(DataType.Bf16, PcclDataType.BF16.ToWire());
        Assert.Throws<PcclException>(() => DataType.Unspecified.FromWire());
    }

    [Fact]
    public void Bf16CanBeStoredInUshorts()
    {
        var entry = SharedStateEntry.Create<ushort>("b", new ushort[8], PcclDataType.BF16);
        Assert.Equal(PcclDataType.BF16, entry.DataType);

        var error = Assert.Throws<PcclException>(() => SharedStateEntry.Create<float>("b", new float[8], PcclDataType.BF16));
        Assert.Equal(PcclErrorCode.InvalidArgument, error.Code);
    }

    [Fact]
    public void TypeWithoutADataTypeIsRefused()
    {
        var error = Assert.Throws<PcclException>(() => SharedStateEntry.Create<decimal>("d", new decimal[1]));
        Assert.Contains("Decimal", error.Message);
    }

    [Fact]
    public void LengthMustBeAMultipleOfTheElementSize()
    {
        Assert.Throws<PcclException>(() => new SharedStateEntry("w", new byte[6], PcclDataType.F32));
    }

    [Fact]
    public void KeysMustBeUnique()
    {
        var error = Assert.Throws<PcclException>(() => new SharedState([SharedStateEntry.Create<int>("k", new int[1]), SharedStateEntry.Create<int>("k", new int[1])]));
        Assert.Contains("'k' appears twice", error.Message);
    }

    [Fact]
    public void StateFindsEntriesAndTracksRevision()
    {
        var state = new SharedState([SharedStateEntry.Create<int>("a", new int[4]), SharedStateEntry.Create<double>("b", new double[2])], revision: 13);
        state.Revision++;

        Assert.Equal(14UL, state.Revision);
        Assert.Equal(32, state.TotalBytes);
        Assert.Equal("b", state.Find("b")!.Key);
        Assert.Null(state.Find("c"));
    }
}
