using System.CommandLine;
using Pccl.Cli.Preflight;
using Pccl.Hosting.Configuration;
using Spectre.Console;

namespace Pccl.Cli.Commands;

/// <summary>
/// <c>pccl preflight</c>: run on each host before training; checks its path to the master against the deployment
/// chapter's requirements and exits non-zero when a check fails.
/// </summary>
internal static class PreflightCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var master = new Option<string?>("--master", "-m") { Description = "master host:port (network.master_host, network.master_port)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object: ok and checks [{name, value, unit, minimum, recommended, status, advice}]" };
        var command = new Command("preflight",
            "Check this host's network path to the master: TCP and UDP 7117, the p2p port, auth/TLS, bandwidth, RTT, packet loss, jitter, and the socket buffers the kernel grants")
        {
            config, master, json,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config), new Flags().SetMaster(parse.GetValue(master)), parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, Flags flags, bool json, CancellationToken ct)
    {
        var options = ConfigLoader.Load(configPath, ConfigLoader.ProcessEnvironment(), flags.Values).ToCommunicatorOptions();
        var outcome = await new PreflightRunner(options).RunAsync(ct).ConfigureAwait(false);
        if (json)
        {
            Console.Out.WriteLine(PreflightReport.ToJson(outcome));
        }
        else
        {
            PreflightReport.Write(AnsiConsole.Console, outcome, $"{options.MasterHost}:{options.MasterPort}");
        }

        return outcome.Ok ? 0 : 1;
    }
}
