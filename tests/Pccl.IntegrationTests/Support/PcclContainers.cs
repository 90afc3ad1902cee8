namespace Pccl.IntegrationTests.Support;

/// <summary>
/// The pccl container image, built here by <c>deploy/container/build.sh</c> on a base made from Debian's packages
/// (<c>mmdebstrap</c>, imported into podman), and containers of it on the host's network. podman runs with
/// <c>--runtime runc</c> and explicit, low limits: this machine's cgroups and process limits allow nothing else.
/// Every container started here is removed on dispose.
/// </summary>
internal sealed class PcclContainers : IAsyncDisposable
{
    public const string BaseImage = "localhost/pccl-base:bookworm";
    private static readonly string[] Podman = ["--runtime", "runc"];
    private static readonly string[] Limits = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"];
    private readonly List<string> _names = [];
    private readonly string _tag = NetworkNamespace.NewTag();

    private PcclContainers(string image, string buildReport)
    {
        Image = image;
        BuildReport = buildReport;
    }

    public string Image { get; }

    /// <summary>What build.sh printed last: the image, its size and its base.</summary>
    public string BuildReport { get; }

    public static async Task<PcclContainers> BuildAsync()
    {
        await EnsureBaseImageAsync();
        var image = $"localhost/pccl:test-{NetworkNamespace.NewTag()}";
        var (code, output, errors) = await Tool.RunAsync(Path.Combine(PcclBinary.RepositoryRoot, "deploy", "container", "build.sh"),
            ["--base", BaseImage, "--tag", image], environment: new Dictionary<string, string> { ["PODMAN"] = "podman --runtime runc" },
            timeout: TimeSpan.FromMinutes(15));
        Assert.True(code == 0, $"build.sh failed:\n{output}\n{errors}");
        return new PcclContainers(image, output.Trim());
    }

    /// <summary>Starts a container named after <paramref name="name"/>, attached (its output is the process's).</summary>
    public PcclProcess Run(string name, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunWithVolumes(name, environment, [], arguments);

    /// <summary>As <see cref="Run"/>, with host folders mounted (<c>HOST:CONTAINER</c>, podman's <c>--volume</c>).</summary>
    public PcclProcess RunWithVolumes(string name, IReadOnlyDictionary<string, string> environment, IEnumerable<string> volumes, params string[] arguments)
    {
        var container = ContainerName(name);
        _names.Add(container);
        var env = environment.SelectMany(e => new[] { "-e", $"{e.Key}={e.Value}" });
        var mounts = volumes.SelectMany(v => new[] { "--volume", v });
        return PcclProcess.StartCommand(name, "podman",
            [.. Podman, "run", "--rm", "--name", container, "--network=host", .. Limits, .. mounts, .. env, Image, .. arguments]);
    }

    public string ContainerName(string name) => $"pccl-test-{_tag}-{name}";

    /// <summary>SIGKILLs the container's process (the pod of a failed node).</summary>
    public async Task KillAsync(string name)
    {
        var (code, _, errors) = await Tool.RunAsync("podman", [.. Podman, "kill", "--signal", "KILL", ContainerName(name)]);
        Assert.True(code == 0, errors);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _names)
        {
            await Tool.RunAsync("podman", [.. Podman, "rm", "--force", "--ignore", name]);
        }

        await Tool.RunAsync("podman", [.. Podman, "rmi", "--force", Image]);
    }

    private static async Task EnsureBaseImageAsync()
    {
        if ((await Tool.RunAsync("podman", [.. Podman, "image", "exists", BaseImage])).ExitCode == 0)
        {
            return;
        }

        var tar = Path.Combine(Path.GetTempPath(), $"pccl-base-{Guid.NewGuid():N}.tar");
        try
        {
            var (code, _, errors) = await Tool.RunAsync("mmdebstrap",
                ["--variant=essential", "--include=libicu72,libssl3,ca-certificates,libstdc++6", "bookworm", tar], timeout: TimeSpan.FromMinutes(15));
            Assert.True(code == 0, $"mmdebstrap failed:\n{errors}");
            var (imported, _, importErrors) = await Tool.RunAsync("podman", [.. Podman, "import", tar, BaseImage]);
            Assert.True(imported == 0, importErrors);
        }
        finally
        {
            File.Delete(tar);
        }
    }
}
