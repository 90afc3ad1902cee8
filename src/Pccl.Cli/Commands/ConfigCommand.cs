using System.CommandLine;
using Pccl.Hosting.Configuration;

namespace Pccl.Cli.Commands;

/// <summary><c>pccl config validate F</c>: prints every problem of a config file, or "ok".</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "the pccl_config.yaml to check" };
        var validate = new Command("validate", "Check a config file: unknown keys, wrong types, impossible values") { file };
        validate.SetAction(parse =>
        {
            var problems = ConfigValidator.Validate(parse.GetValue(file)!, ConfigLoader.ProcessEnvironment());
            if (problems.Count == 0)
            {
                Console.Out.WriteLine("ok");
                return 0;
            }

            foreach (var problem in problems)
            {
                Console.Error.WriteLine(problem);
            }

            return 1;
        });
        return new Command("config", "Configuration tools") { validate };
    }
}
