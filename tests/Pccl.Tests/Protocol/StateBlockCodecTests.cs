using System.Buffers.Binary;
using Pccl.Operations.StateSync;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Protocol;

public class StateBlockCodecTests
{
    [Fact]
    public void ARequestRoundTrips()
    {
        var bytes = new byte[StateBlockRequest.Size];
        new StateBlockRequest(7, 8L << 20, 12345).Write(bytes);

        Assert.Equal(new StateBlockRequest(7, 8L << 20, 12345), StateBlockRequest.Read(bytes));
    }

    [Theory]
    [InlineData(0, 0x00, 0L, 1L)] // wrong marker
    [InlineData(1, 0x01, 0L, 1L)] // reserved byte set
    [InlineData(8, 0x00, -4096L, 1L)] // negative offset
    [InlineData(16, 0x00, 0L, 0L)] // empty range
    [InlineData(16, 0x00, 0L, -1L)] // negative length
    public void HostileRequestsAreRefused(int patchAt, byte patch, long offset, long length)
    {
        var bytes = new byte[StateBlockRequest.Size];
        new StateBlockRequest(0, 0, 1).Write(bytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), offset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), length);
        if (patchAt < 4)
        {
            bytes[patchAt] = patch;
        }

        Assert.Throws<ProtocolException>(() => StateBlockRequest.Read(bytes));
        Assert.Throws<ProtocolException>(() => StateBlockRequest.Read(bytes.AsSpan(0, StateBlockRequest.Size - 1)));
    }

    [Fact]
    public void AFramePrefixCarriesTheBlockHash()
    {
        var prefix = new byte[StateBlockFrame.PrefixSize];
        StateBlockFrame.WritePrefix(prefix, keyIndex: 2, sequence: 41, block: 3, length: 4096, blockHash: 0xFEEDFACE_CAFEBEEF);

        Assert.Equal(0xFEEDFACE_CAFEBEEFUL, StateBlockFrame.ReadPrefix(prefix, 2, 41, 3, 4096));
    }

    [Theory]
    [InlineData(1u, 41ul, 3, 4096)] // other key
    [InlineData(2u, 40ul, 3, 4096)] // other round
    [InlineData(2u, 41ul, 4, 4096)] // other block
    [InlineData(2u, 41ul, 3, 4095)] // longer than the receiver expects: refused before any byte is read
    public void AnUnexpectedBlockIsRefused(uint key, ulong sequence, int block, int expectedLength)
    {
        var prefix = new byte[StateBlockFrame.PrefixSize];
        StateBlockFrame.WritePrefix(prefix, keyIndex: 2, sequence: 41, block: 3, length: 4096, blockHash: 1);

        Assert.Throws<ProtocolException>(() => StateBlockFrame.ReadPrefix(prefix, key, sequence, block, expectedLength));
    }

    [Fact]
    public async Task TheServerAnswersARangeBlockByBlockWithEachBlocksHash()
    {
        const int blockSize = 4096;
        var data = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        using var source = Source(data, blockSize);
        var request = new byte[StateBlockRequest.Size];
        new StateBlockRequest(0, blockSize, data.Length - blockSize).Write(request);
        var stream = new ScriptedStream(request);

        await StateBlockServer.ServeAsync(stream, source, Receiver, 9, null, TestContext.Current.CancellationToken);

        var output = stream.Written.ToArray();
        var secondLength = data.Length - 2 * blockSize;
        Assert.Equal(2 * StateBlockFrame.PrefixSize + data.Length - blockSize, output.Length);
        var firstHash = StateBlockFrame.ReadPrefix(output, 0, 9, 1, blockSize);
        Assert.Equal(TensorHasher.HashBlock(data.AsSpan(blockSize, blockSize)), firstHash);
        Assert.Equal(data.AsSpan(blockSize, blockSize).ToArray(), output.AsSpan(StateBlockFrame.PrefixSize, blockSize).ToArray());
        var second = output.AsSpan(StateBlockFrame.PrefixSize + blockSize);
        Assert.Equal(TensorHasher.HashBlock(data.AsSpan(2 * blockSize)), StateBlockFrame.ReadPrefix(second, 0, 9, 2, secondLength));
        Assert.Equal(source.BytesServed, data.Length - blockSize);
    }

    [Theory]
    [InlineData(1u, 0L, 100L)] // no such key
    [InlineData(0u, 100L, 100L)] // not on a block boundary
    [InlineData(0u, 8192L, 4096L)] // past the end
    [InlineData(0u, 0L, long.MaxValue)] // overflowing length
    public async Task TheServerRefusesRangesOutsideItsTensors(uint key, long offset, long length)
    {
        using var source = Source(new byte[10_000], 4096);
        var request = new byte[StateBlockRequest.Size];
        new StateBlockRequest(key, offset, length).Write(request);

        await Assert.ThrowsAsync<ProtocolException>(() =>
            StateBlockServer.ServeAsync(new ScriptedStream(request), source, Receiver, 1, null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TheServerRefusesAPeerThePlanDoesNotNameAsAReceiver()
    {
        using var source = Source(new byte[10_000], 4096);
        var request = new byte[StateBlockRequest.Size];
        new StateBlockRequest(0, 0, 4096).Write(request);
        var stream = new ScriptedStream(request);

        var e = await Assert.ThrowsAsync<StateConnectionRefusedException>(() =>
            StateBlockServer.ServeAsync(stream, source, receiver: 6, 9, null, TestContext.Current.CancellationToken));

        Assert.Contains("peer 6", e.Message);
        Assert.Contains("round 9", e.Message);
        Assert.Contains($"receivers: {Receiver}", e.Message);
        Assert.Equal(0, stream.Written.Length);
        Assert.Equal(0, source.BytesServed);
    }

    [Fact]
    public async Task BeforeThePlanNobodyIsServed()
    {
        using var source = new StateSource([new SharedStateEntry("w", new byte[100], PcclDataType.U8)], [TensorHasher.HashBlocks(new byte[100], 4096)], 4096);

        var e = await Assert.ThrowsAsync<StateConnectionRefusedException>(() =>
            StateBlockServer.ServeAsync(new ScriptedStream([]), source, Receiver, 9, null, TestContext.Current.CancellationToken));

        Assert.Contains("receivers: none", e.Message);
    }

    [Fact]
    public async Task ThePlansReceiversAreWhoTheSourceServes()
    {
        var serving = new StateServingTable();
        using var source = new StateSource([new SharedStateEntry("w", new byte[100], PcclDataType.U8)], [TensorHasher.HashBlocks(new byte[100], 4096)], 4096);
        using var call = new SharedStateCall(0, source, serving);
        var plan = new SharedStateTransferPlan { Sequence = 12, Revision = 1 };
        plan.Grants.AddRange([new SharedStateGrant { ReceiverId = 4, Keys = { "w" } }, new SharedStateGrant { ReceiverId = 7, Keys = { "w" } }]);

        call.OnMessage(new ControlMessage { SharedStateTransferPlan = plan });

        var published = await serving.WaitAsync(12, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Same(source, published);
        Assert.Equal(new ulong[] { 4, 7 }, source.Receivers);
        Assert.True(source.Serves(4));
        Assert.True(source.Serves(7));
        Assert.False(source.Serves(5));
        Assert.True(source.Grants(4, 0));
        Assert.False(source.Grants(5, 0));
    }

    private const ulong Receiver = 5;

    private static StateSource Source(byte[] data, int blockSize)
    {
        var source = new StateSource([new SharedStateEntry("w", data, PcclDataType.U8)], [TensorHasher.HashBlocks(data, blockSize)], blockSize);
        source.AdmitReceivers([new SharedStateGrant { ReceiverId = Receiver, Keys = { "w" } }]);
        return source;
    }

    /// <summary>Reads come from a script, writes are recorded.</summary>
    private sealed class ScriptedStream(byte[] script) : Stream
    {
        private readonly MemoryStream _input = new(script);

        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
