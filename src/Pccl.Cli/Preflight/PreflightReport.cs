using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Pccl.Cli.Preflight;

/// <summary>Prints a preflight outcome: one JSON object, or a table with the advice of every row that did not pass under it.</summary>
internal static class PreflightReport
{
    public static string ToJson(PreflightOutcome outcome) => JsonSerializer.Serialize(outcome, PreflightJson.Default.PreflightOutcome);

    public static void Write(IAnsiConsole console, PreflightOutcome outcome, string master)
    {
        var table = new Table().Title($"pccl preflight against {Markup.Escape(master)}")
            .AddColumns("check", "measured", "minimum", "recommended", "status");
        foreach (var check in outcome.Checks)
        {
            table.AddRow(check.Name, Markup.Escape(Measured(check)), Bound(check.Minimum, check), Bound(check.Recommended, check), Colour(check.Status));
        }

        console.Write(table);
        foreach (var check in outcome.Checks.Where(c => c.Status != CheckStatus.Pass))
        {
            console.MarkupLine($"{Colour(check.Status)} [bold]{check.Name}[/]: {Markup.Escape(check.Advice)}");
        }

        console.MarkupLine(outcome.Ok ? "[green]preflight passed[/]" : "[red]preflight failed[/]");
    }

    private static string Measured(PreflightCheck check) => check.Value switch
    {
        null => "-",
        { } v when check.Unit.Length == 0 => check.Status == CheckStatus.Pass ? "ok" : v.ToString(CultureInfo.InvariantCulture),
        { } v => $"{v.ToString("0.###", CultureInfo.InvariantCulture)} {check.Unit}",
    };

    private static string Bound(double? bound, PreflightCheck check) => bound is { } b
        ? Markup.Escape($"{(check.Name == "bandwidth" ? ">=" : "<")} {b.ToString(CultureInfo.InvariantCulture)} {check.Unit}")
        : "";

    private static string Colour(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "[green]pass[/]",
        CheckStatus.Warn => "[yellow]warn[/]",
        _ => "[red]fail[/]",
    };
}
