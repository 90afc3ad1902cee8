using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.Wan;

[JsonSerializable(typeof(WanCheckResult))]
[JsonSerializable(typeof(WanResult))]
internal sealed partial class WanJson : JsonSerializerContext;
