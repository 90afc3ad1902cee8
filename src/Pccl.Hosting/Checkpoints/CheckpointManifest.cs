using System.Text.Json.Serialization;

namespace Pccl.Hosting.Checkpoints;

/// <summary>The JSON manifest at the head of a checkpoint file: what follows it, in order.</summary>
internal sealed record CheckpointManifest(ulong Revision, int BlockSize, IReadOnlyList<CheckpointManifestEntry> Entries);

/// <summary>One tensor of a checkpoint; its bytes follow the previous entry's.</summary>
/// <param name="Key">Shared-state key.</param>
/// <param name="DataType">Element type name (a <see cref="PcclDataType"/> member).</param>
/// <param name="ByteLength">Size in bytes.</param>
/// <param name="Hash">Tensor hash (TensorHasher over <see cref="CheckpointManifest.BlockSize"/> blocks), 16 hex digits.</param>
internal sealed record CheckpointManifestEntry(string Key, string DataType, long ByteLength, string Hash);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CheckpointManifest))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
