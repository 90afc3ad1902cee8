using System.Text.Json.Serialization;

namespace Pccl.Cli.Preflight;

/// <summary>
/// One row of the preflight table. <see cref="Minimum"/> and <see cref="Recommended"/> are the deployment chapter's
/// bounds in <see cref="Unit"/> (a floor for bandwidth, a ceiling for the others); null where the row is a yes/no check.
/// <see cref="Value"/> is null when the row could not be measured. <see cref="Advice"/> names the likely cause and fix.
/// </summary>
internal sealed record PreflightCheck(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("minimum")] double? Minimum,
    [property: JsonPropertyName("recommended")] double? Recommended,
    [property: JsonIgnore] CheckStatus Status,
    [property: JsonPropertyName("advice"), JsonPropertyOrder(2)] string Advice)
{
    /// <summary>The status as JSON spells it: <c>pass</c>, <c>warn</c> or <c>fail</c>.</summary>
    [JsonPropertyName("status")]
    [JsonPropertyOrder(1)]
    public string StatusName => Status.ToString().ToLowerInvariant();

    public static PreflightCheck Passed(string name, double value, string unit, string advice = "") => new(name, value, unit, null, null, CheckStatus.Pass, advice);

    public static PreflightCheck Failed(string name, string unit, string advice, double? value = null) => new(name, value, unit, null, null, CheckStatus.Fail, advice);
}

/// <summary>What <c>pccl preflight --json</c> prints: <c>ok</c> when no row failed.</summary>
internal sealed record PreflightOutcome(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("checks")] IReadOnlyList<PreflightCheck> Checks);

[JsonSerializable(typeof(PreflightOutcome))]
internal sealed partial class PreflightJson : JsonSerializerContext;
