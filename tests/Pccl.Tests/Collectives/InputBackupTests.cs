using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

public sealed class InputBackupTests
{
    [Fact]
    public void RestorePutsBackTheBytesEachPieceHadBeforeItsFirstWrite()
    {
        var buffer = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var original = (byte[])buffer.Clone();
        var backup = new InputBackup(buffer, new byte[64]);
        var first = new PieceRef(0, 0, 16, 16);
        var third = new PieceRef(2, 32, 16, 16);

        backup.BeforeWrite(third);
        buffer.AsSpan(32, 16).Fill(0xAA);
        backup.BeforeWrite(third); // a second write to the same piece must not save the partial result
        buffer.AsSpan(32, 16).Fill(0xBB);
        backup.BeforeWrite(first);
        buffer.AsSpan(0, 16).Fill(0xCC);
        backup.Restore();

        Assert.Equal(original, buffer);
    }

    [Fact]
    public void PiecesNeverWrittenAreLeftAsTheyAre()
    {
        var buffer = new byte[32];
        var backup = new InputBackup(buffer, new byte[32]);
        backup.BeforeWrite(new PieceRef(0, 0, 16, 16));
        buffer.AsSpan(16).Fill(7); // not announced: not the ring's write, so not restored

        backup.Restore();

        Assert.All(buffer.AsSpan(16).ToArray(), b => Assert.Equal(7, b));
    }

    [Fact]
    public void RestoreInSmallBlocksPutsBackThePiecesWrittenInAnyOrder()
    {
        var buffer = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var original = (byte[])buffer.Clone();
        var backup = new InputBackup(buffer, new byte[256], restoreBlockBytes: 8);
        for (var index = 3; index >= 0; index--)
        {
            var piece = new PieceRef(index, index * 64, 64, 64);
            backup.BeforeWrite(piece);
            buffer.AsSpan(index * 64, 64).Fill(0xAB);
        }

        backup.Restore();

        Assert.Equal(original, buffer);
    }

    [Fact]
    public void StartRestoreAllButLeavesThePiecesInUseToRestore()
    {
        var buffer = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var original = (byte[])buffer.Clone();
        var backup = new InputBackup(buffer, new byte[64], restoreBlockBytes: 8);
        var pieces = Enumerable.Range(0, 4).Select(i => new PieceRef(i, i * 16, 16, 16)).ToArray();
        foreach (var piece in pieces)
        {
            backup.BeforeWrite(piece);
            buffer.AsSpan((int)piece.Offset, 16).Fill(0xCD);
        }

        backup.StartRestoreAllBut([pieces[2]]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!buffer.AsSpan(0, 32).SequenceEqual(original.AsSpan(0, 32)) || !buffer.AsSpan(48).SequenceEqual(original.AsSpan(48)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the helpers did not restore the pieces not in use on their own");
            Thread.Sleep(1);
        }

        Assert.All(buffer.AsSpan(32, 16).ToArray(), b => Assert.Equal(0xCD, b)); // in use: left alone
        backup.Restore();

        Assert.Equal(original, buffer);
    }

    [Fact]
    public void APieceWhosePartialSumWasKeptInTheStoreIsRestoredToItsInputOnceItsFinalValueIsWritten()
    {
        var buffer = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        var original = (byte[])buffer.Clone();
        var store = new byte[48];
        using var backup = new InputBackup(buffer, store);
        var apart = backup.KeepApart(pieces: 3);
        var summed = new PieceRef(0, 0, 16, 16);
        var gathered = new PieceRef(1, 16, 16, 16);
        var untouched = new PieceRef(2, 32, 16, 16);

        apart.Into(summed, ownerFinal: false).Fill(0x11);
        apart.Into(gathered, ownerFinal: false).Fill(0x22);
        Assert.Equal(Enumerable.Repeat((byte)0x11, 16), apart.Of(RingPhase.ReduceScatter, summed).ToArray());
        Assert.True(apart.Of(RingPhase.AllGather, summed).IsEmpty); // the all-gather forwards the final value, from the buffer
        Assert.True(apart.Of(RingPhase.ReduceScatter, untouched).IsEmpty);
        Assert.Equal(original, buffer); // partial sums never reach the caller's buffer

        backup.BeforeWrite(gathered); // the final value arrives: the slot takes the input instead
        buffer.AsSpan(16, 16).Fill(0x33);
        backup.Restore();

        Assert.Equal(original, buffer);
        Assert.Equal(16, backup.SavedBytes);
    }

    [Fact]
    public void TheOwnedFinalStaysInTheStoreSoAFailureRestoresNothingOfItAndReachesTheBufferOnlyWhenPutInPlace()
    {
        var buffer = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        var original = (byte[])buffer.Clone();
        var owned = new PieceRef(2, 32, 16, 16);
        var gathered = new PieceRef(0, 0, 16, 16);

        using (var failed = new InputBackup(buffer, new byte[48]))
        {
            var apart = failed.KeepApart(pieces: 3);
            apart.Into(owned, ownerFinal: true).Fill(0x44);
            Assert.Equal(Enumerable.Repeat((byte)0x44, 16), apart.Of(RingPhase.AllGather, owned).ToArray()); // the all-gather sends it from the store
            Assert.True(apart.Of(RingPhase.ReduceScatter, owned).IsEmpty);
            failed.BeforeWrite(gathered);
            buffer.AsSpan(0, 16).Fill(0x55);

            failed.Restore();

            Assert.Equal(original, buffer);
            Assert.Equal(16, failed.SavedBytes); // the gathered piece only
        }

        using var completed = new InputBackup(buffer, new byte[48]);
        var kept = completed.KeepApart(pieces: 3);
        kept.Into(owned, ownerFinal: true).Fill(0x44);
        completed.BeforeWrite(gathered);
        buffer.AsSpan(0, 16).Fill(0x55);
        Assert.Equal(original.AsSpan(32, 16).ToArray(), buffer.AsSpan(32, 16).ToArray());

        completed.PutFinalsInPlace();

        Assert.Equal(Enumerable.Repeat((byte)0x55, 16).Concat(original.AsSpan(16, 16).ToArray()).Concat(Enumerable.Repeat((byte)0x44, 16)), buffer);
    }
}
