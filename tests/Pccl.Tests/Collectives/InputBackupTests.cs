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
    public void RestoreAllButLeavesThePiecesInUseUntilRestore()
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

        backup.RestoreAllBut([pieces[2]]);

        Assert.Equal(original.AsSpan(0, 32).ToArray(), buffer.AsSpan(0, 32).ToArray());
        Assert.All(buffer.AsSpan(32, 16).ToArray(), b => Assert.Equal(0xCD, b));
        Assert.Equal(original.AsSpan(48).ToArray(), buffer.AsSpan(48).ToArray());

        buffer.AsSpan(0, 16).Fill(0xEF); // a piece restored already is not copied again
        backup.Restore();

        Assert.All(buffer.AsSpan(0, 16).ToArray(), b => Assert.Equal(0xEF, b));
        Assert.Equal(original.AsSpan(16).ToArray(), buffer.AsSpan(16).ToArray());
    }
}
