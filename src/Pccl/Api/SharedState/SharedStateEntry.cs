using System.Runtime.CompilerServices;

namespace Pccl;

/// <summary>
/// One named tensor of a <see cref="SharedState"/>: a view of the caller's buffer, which synchronisation
/// reads (to hash and send) and overwrites (when this peer must receive). The buffer must stay alive and
/// unchanged in length for as long as the entry is used.
/// </summary>
public sealed class SharedStateEntry
{
    /// <summary>Creates an entry over raw bytes that hold elements of <paramref name="dataType"/>.</summary>
    /// <param name="key">Name of the tensor; equal on every peer of the group.</param>
    /// <param name="content">The tensor's bytes; length must be a multiple of the element size.</param>
    /// <param name="dataType">The element type; equal on every peer of the group.</param>
    /// <param name="allowContentInequality">
    /// True when peers may legitimately hold different content for this key (e.g. per-peer RNG state): the key
    /// takes no part in the popularity vote and is only sent to peers that are outdated or receive-only.
    /// </param>
    public SharedStateEntry(string key, Memory<byte> content, PcclDataType dataType, bool allowContentInequality = false)
    {
        if (string.IsNullOrEmpty(key))
            throw new PcclException(PcclErrorCode.InvalidArgument, "A shared-state entry needs a non-empty key.");
        var elementSize = dataType.SizeOf();
        if (content.Length % elementSize != 0)
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"Shared-state entry '{key}' has {content.Length} bytes, not a multiple of the {elementSize}-byte {dataType} element size.");
        Key = key;
        Content = content;
        DataType = dataType;
        AllowContentInequality = allowContentInequality;
    }

    /// <summary>Name of the tensor; equal on every peer of the group.</summary>
    public string Key { get; }

    /// <summary>The tensor's bytes (a view of the caller's buffer, not a copy).</summary>
    public Memory<byte> Content { get; }

    /// <summary>The element type.</summary>
    public PcclDataType DataType { get; }

    /// <summary>True when peers may hold different content for this key; see the constructor.</summary>
    public bool AllowContentInequality { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Content.Length / DataType.SizeOf();

    /// <summary>
    /// Creates an entry over <paramref name="data"/>, inferring the type from <typeparamref name="T"/>
    /// (byte, sbyte, ushort, short, uint, int, ulong, long, Half, float, double).
    /// </summary>
    /// <exception cref="PcclException"><typeparamref name="T"/> maps to no <see cref="PcclDataType"/>.</exception>
    public static SharedStateEntry Create<T>(string key, Memory<T> data, bool allowContentInequality = false) where T : unmanaged
    {
        var type = PcclDataTypes.Of<T>() ?? throw new PcclException(PcclErrorCode.InvalidArgument,
            $"Shared-state entry '{key}': element type {typeof(T).Name} has no PcclDataType; " +
            "use Create(key, data, dataType) with an explicit type of the same size (e.g. ushort storage for BF16).");
        return new SharedStateEntry(key, ByteMemoryManager<T>.View(data), type, allowContentInequality);
    }

    /// <summary>
    /// Creates an entry over <paramref name="data"/> whose elements are stored as <typeparamref name="T"/> but
    /// mean <paramref name="dataType"/> (e.g. <see cref="PcclDataType.BF16"/> kept in <see cref="ushort"/>s).
    /// </summary>
    /// <exception cref="PcclException">The size of <typeparamref name="T"/> differs from the element size of <paramref name="dataType"/>.</exception>
    public static SharedStateEntry Create<T>(string key, Memory<T> data, PcclDataType dataType, bool allowContentInequality = false)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != dataType.SizeOf())
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"Shared-state entry '{key}': {typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes but {dataType} elements are {dataType.SizeOf()}.");
        return new SharedStateEntry(key, ByteMemoryManager<T>.View(data), dataType, allowContentInequality);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Key} ({DataType}, {Content.Length} bytes)";
}
