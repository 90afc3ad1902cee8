using System.Net;
using System.Text.Json;
using Pccl.Hosting.Configuration;
using Pccl.Hosting.Telemetry;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Deployment;

/// <summary>
/// <c>deploy/kubernetes</c>: every kustomization renders offline and every object validates against the Kubernetes
/// schemas; the overlays hang together: selectors match their pods, the master's Service carries TCP and UDP 7117,
/// every port the mounted <c>pccl_config.yaml</c> makes a process use is exposed and allowed by exactly the
/// NetworkPolicies' ports, that file passes <c>pccl config validate</c>, and the probes name paths the endpoint serves.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly Dictionary<string, string> PodEnvironment = new() { ["PCCL_AUTH_SECRET"] = "from-the-pccl-auth-secret" };

    [Theory]
    [InlineData("base")]
    [InlineData("workers")]
    [InlineData("overlays/single-datacenter")]
    [InlineData("overlays/two-datacenters")]
    public async Task EveryKustomizationRendersAndValidatesAgainstTheSchemas(string kustomization)
    {
        var manifests = await RenderedManifests.RenderAsync(kustomization);

        Assert.NotEmpty(manifests.Objects);
    }

    [Theory]
    [InlineData("overlays/single-datacenter", 1)]
    [InlineData("overlays/two-datacenters", 2)]
    public async Task TheOverlayHangsTogether(string overlay, int workerPools)
    {
        var manifests = await RenderedManifests.RenderAsync(overlay);
        var config = await ValidatedConfigAsync(manifests);
        var tls = config.Metrics.Tls.Enabled;

        var deployments = manifests.OfKind("Deployment").ToList();
        Assert.All(deployments, d => Assert.True(Selects(d.Path("spec", "selector"), TemplateLabels(d)), $"{Name(d)}: its selector does not match its pod template's labels"));
        var master = Assert.Single(deployments, d => Env(d, "PCCL_ROLE") == "master");
        var workers = deployments.Where(d => Env(d, "PCCL_ROLE") == "worker").ToList();
        Assert.Equal(workerPools, workers.Count);
        Assert.Equal(deployments.Count, workers.Count + 1);
        Assert.Single(deployments.Select(d => Container(d).GetProperty("image").GetString()).Distinct()); // one image, the role from PCCL_ROLE
        Assert.All(workers, w => Assert.All(workers.Where(o => o.Path("metadata", "name").GetString() != w.Path("metadata", "name").GetString()),
            other => Assert.False(Selects(w.Path("spec", "selector"), TemplateLabels(other)), $"{Name(w)} would adopt the pods of {Name(other)}")));

        // The master's Service: a LoadBalancer for exactly the master's pods, control on TCP and heartbeats on UDP.
        var service = manifests.Named("Service", "pccl-master");
        Assert.Equal("LoadBalancer", service.Path("spec", "type").GetString());
        Assert.True(Selects(service.Path("spec", "selector"), TemplateLabels(master)));
        Assert.All(workers, w => Assert.False(Selects(service.Path("spec", "selector"), TemplateLabels(w))));
        var servicePorts = service.Path("spec", "ports").EnumerateArray().Select(p => (Protocol(p), p.GetProperty("port").GetInt32(), p.GetProperty("targetPort").GetInt32())).ToList();
        Assert.Contains(("TCP", 7117, config.Network.MasterPort), servicePorts);
        Assert.Contains(("UDP", 7117, config.Network.MasterPort), servicePorts);
        Assert.Equal(config.Network.MasterHost, service.Path("metadata", "name").GetString());

        // Every port the configuration makes a process use is exposed by its container and allowed by the policies, and
        // the policies allow nothing else.
        var masterMetrics = config.Metrics.Port ?? MetricsConfig.MasterDefaultPort;
        var workerMetrics = config.Metrics.Port ?? MetricsConfig.WorkerDefaultPorts.First;
        var p2p = config.Network.P2PPortRange;
        PortSet masterUses = [("TCP", config.Network.MasterPort), ("UDP", config.Network.MasterPort), ("TCP", masterMetrics)];
        PortSet workerUses = [.. Enumerable.Range(p2p.First, p2p.Count).Select(p => ("TCP", p)), ("TCP", workerMetrics)];
        Assert.Superset(masterUses, ContainerPorts(master));
        Assert.Equal(masterUses, AllowedPorts(manifests, master));
        foreach (var worker in workers)
        {
            Assert.Superset(workerUses, ContainerPorts(worker));
            Assert.Equal(workerUses, AllowedPorts(manifests, worker));
            Assert.True(AllowsFrom(manifests, master, ("TCP", config.Network.MasterPort), worker), $"{Name(worker)} may not reach the master's control port");
            Assert.True(AllowsFrom(manifests, master, ("UDP", config.Network.MasterPort), worker), $"{Name(worker)} may not send heartbeats to the master");
            Assert.All(workers, other => Assert.True(AllowsFrom(manifests, other, ("TCP", p2p.First), worker), $"{Name(worker)} may not reach {Name(other)}'s p2p ports"));
            var advertised = EnvEntry(worker, "PCCL_NETWORK_ADVERTISE_ADDRESS");
            Assert.Equal("status.podIP", advertised.Path("valueFrom", "fieldRef", "fieldPath").GetString());
        }

        if (workerPools > 1)
        {
            var regions = workers.Select(w => Env(w, "PCCL_NETWORK_REGION")).ToList();
            Assert.All(regions, r => Assert.False(string.IsNullOrEmpty(r)));
            Assert.Equal(workerPools, regions.Distinct().Count());
        }

        // Probes and scraping: the served paths on the metrics port, over HTTPS when metrics.tls is on.
        var scheme = tls ? "HTTPS" : "HTTP";
        foreach (var (pod, metricsPort) in workers.Select(w => (w, workerMetrics)).Prepend((master, masterMetrics)))
        {
            var container = Container(pod);
            foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
            {
                var get = container.Path(probe, "httpGet");
                Assert.Equal(path, get.GetProperty("path").GetString());
                Assert.Equal(scheme, get.GetProperty("scheme").GetString());
                Assert.Equal(metricsPort, ResolvePort(container, get.GetProperty("port")));
            }

            var annotations = pod.Path("spec", "template", "metadata", "annotations");
            Assert.Equal("true", annotations.GetProperty("prometheus.io/scrape").GetString());
            Assert.Equal(metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations.GetProperty("prometheus.io/port").GetString());
            Assert.Equal(scheme.ToLowerInvariant(), annotations.GetProperty("prometheus.io/scheme").GetString());
            Assert.Equal("/metrics", annotations.GetProperty("prometheus.io/path").GetString());
        }

        await AssertProbePathsAreServedAsync(deployments);

        var monitor = Assert.Single(manifests.OfKind("PodMonitor"));
        Assert.All(deployments, d => Assert.True(Selects(monitor.Path("spec", "selector"), TemplateLabels(d)), $"the PodMonitor misses {Name(d)}"));
        var endpoint = Assert.Single(monitor.Path("spec", "podMetricsEndpoints").EnumerateArray());
        Assert.All(deployments, d => Assert.Contains(Container(d).GetProperty("ports").EnumerateArray(), p => p.TryGetProperty("name", out var n) && n.GetString() == endpoint.GetProperty("port").GetString()));
        Assert.Equal(tls ? "https" : "http", endpoint.GetProperty("scheme").GetString());

        var budget = Assert.Single(manifests.OfKind("PodDisruptionBudget"));
        Assert.True(Selects(budget.Path("spec", "selector"), TemplateLabels(master)));
        Assert.All(workers, w => Assert.False(Selects(budget.Path("spec", "selector"), TemplateLabels(w))));

        AssertReferencesResolve(manifests, deployments);
    }

    /// <summary>
    /// The masters fail over behind their Service: two replicas share the PostgreSQL store named by a Secret, readiness
    /// is leadership (<c>/readyz</c>), so the Service (the workers' <c>network.master_host</c>) routes to the leader only; a
    /// rollout can progress with one ready pod, and the disruption budget lets a drain evict the standby but not the
    /// leader. The master's file with the master's own variables passes <c>pccl config validate</c>.
    /// </summary>
    [Theory]
    [InlineData("overlays/single-datacenter")]
    [InlineData("overlays/two-datacenters")]
    public async Task TwoMastersFailOverBehindTheService(string overlay)
    {
        var manifests = await RenderedManifests.RenderAsync(overlay);
        var master = Assert.Single(manifests.OfKind("Deployment"), d => Env(d, "PCCL_ROLE") == "master");
        var replicas = master.Path("spec", "replicas").GetInt32();
        Assert.Equal(2, replicas);

        var readiness = Container(master).Path("readinessProbe", "httpGet");
        Assert.Equal("/readyz", readiness.GetProperty("path").GetString());
        var service = manifests.Named("Service", "pccl-master");
        Assert.False(service.Path("spec").TryGetProperty("publishNotReadyAddresses", out var publish) && publish.GetBoolean(),
            "the Service would route to standby masters");

        var rollout = master.Path("spec", "strategy");
        Assert.Equal("RollingUpdate", rollout.GetProperty("type").GetString());
        Assert.True(replicas - rollout.Path("rollingUpdate", "maxUnavailable").GetInt32() <= 1,
            "a rollout that needs more than one ready master never progresses: only the leader is ready");

        var budget = manifests.Named("PodDisruptionBudget", "pccl-master");
        var minAvailable = budget.Path("spec", "minAvailable").GetInt32();
        Assert.InRange(minAvailable, 1, replicas - 1);
        Assert.Equal("AlwaysAllow", budget.Path("spec", "unhealthyPodEvictionPolicy").GetString());

        foreach (var variable in (string[])["PCCL_MASTER_STORE", "PCCL_MASTER_STORE_PASSWORD"])
        {
            Assert.True(EnvEntry(master, variable).TryGetProperty("valueFrom", out var from) && from.TryGetProperty("secretKeyRef", out _),
                $"{variable} must come from a Secret");
        }

        Assert.Equal("status.podIP", EnvEntry(master, "PCCL_NETWORK_ADVERTISE_ADDRESS").Path("valueFrom", "fieldRef", "fieldPath").GetString());
        var config = await ValidatedConfigAsync(manifests, ContainerEnvironment(manifests, master));
        Assert.StartsWith("postgresql://", config.Master.Store, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(config.Master.StorePassword));
        Assert.Equal(service.Path("metadata", "name").GetString(), config.Network.MasterHost);
    }

    /// <summary>
    /// The masters and every worker pool take the scaling table's row for the overlay's number of workers (the chapter's
    /// "Recommended Configurations by Scale").
    /// </summary>
    [Theory]
    [InlineData("overlays/single-datacenter")]
    [InlineData("overlays/two-datacenters")]
    public async Task ResourcesFollowTheScalingTable(string overlay)
    {
        var manifests = await RenderedManifests.RenderAsync(overlay);
        var deployments = manifests.OfKind("Deployment").ToList();
        var workers = deployments.Where(d => Env(d, "PCCL_ROLE") == "worker").ToList();
        var peers = workers.Sum(w => w.Path("spec", "replicas").GetInt32());
        var (cpu, memory) = ScalingTableRow(peers);

        foreach (var deployment in deployments)
        {
            var resources = Container(deployment).GetProperty("resources");
            Assert.Equal(cpu, resources.Path("requests", "cpu").GetString());
            Assert.Equal(memory, resources.Path("requests", "memory").GetString());
            Assert.Equal(memory, resources.Path("limits", "memory").GetString());
        }
    }

    /// <summary>The chapter's scaling table: peers to (CPU, memory).</summary>
    private static (string Cpu, string Memory) ScalingTableRow(int peers) => peers switch
    {
        <= 8 => ("1", "1Gi"),
        <= 32 => ("2", "4Gi"),
        <= 128 => ("4", "8Gi"),
        _ => ("8", "16Gi"),
    };

    /// <summary>A container's variables as the pod sees them: literal values, Secret keys, and the pod IP.</summary>
    private static Dictionary<string, string> ContainerEnvironment(RenderedManifests manifests, JsonElement deployment)
    {
        var environment = new Dictionary<string, string>();
        foreach (var env in Container(deployment).GetProperty("env").EnumerateArray())
        {
            var name = env.GetProperty("name").GetString()!;
            if (env.TryGetProperty("value", out var value))
            {
                environment[name] = value.GetString()!;
            }
            else if (env.Path("valueFrom").TryGetProperty("secretKeyRef", out var key))
            {
                environment[name] = manifests.Named("Secret", key.GetProperty("name").GetString()!).Path("stringData", key.GetProperty("key").GetString()!).GetString()!;
            }
            else if (env.Path("valueFrom", "fieldRef", "fieldPath").GetString() == "status.podIP")
            {
                environment[name] = "10.244.0.7";
            }
        }

        return environment;
    }

    /// <summary>The mounted file passes <c>pccl config validate</c> (with the variables the pods get), and is what the checks read.</summary>
    private static async Task<PcclConfig> ValidatedConfigAsync(RenderedManifests manifests, IReadOnlyDictionary<string, string>? environment = null)
    {
        environment ??= PodEnvironment;
        var map = Assert.Single(manifests.OfKind("ConfigMap"));
        var file = Path.Combine(Path.GetTempPath(), $"pccl-k8s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, map.Path("data", "pccl_config.yaml").GetString());
        try
        {
            var (code, output, errors) = await Tool.RunAsync("dotnet", [PcclBinary.DllPath, "config", "validate", file], environment: environment);
            Assert.True(code == 0, $"pccl config validate refused the ConfigMap's pccl_config.yaml:\n{output}{errors}");
            return ConfigLoader.Load(file, environment, new Dictionary<string, string>());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A real monitoring endpoint answers every probe path the manifests name with 200.</summary>
    private static async Task AssertProbePathsAreServedAsync(IEnumerable<JsonElement> deployments)
    {
        var paths = deployments.SelectMany(d => (string[])["livenessProbe", "readinessProbe"], (d, probe) => Container(d).Path(probe, "httpGet", "path").GetString()!)
            .ToHashSet();
        using var bridge = new PrometheusBridge();
        await using var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0 }, bridge.Registry);
        await server.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        foreach (var path in paths)
        {
            using var response = await http.GetAsync(new Uri(server.BaseAddress, path.TrimStart('/')), TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"probe path {path} answered {(int)response.StatusCode}");
        }
    }

    private static void AssertReferencesResolve(RenderedManifests manifests, IEnumerable<JsonElement> deployments)
    {
        var secrets = manifests.OfKind("Secret").Select(s => s.Path("metadata", "name").GetString()).ToHashSet();
        var maps = manifests.OfKind("ConfigMap").Select(s => s.Path("metadata", "name").GetString()).ToHashSet();
        foreach (var d in deployments)
        {
            foreach (var volume in d.Path("spec", "template", "spec", "volumes").EnumerateArray())
            {
                if (volume.TryGetProperty("secret", out var secret))
                {
                    Assert.Contains(secret.GetProperty("secretName").GetString(), secrets);
                }

                if (volume.TryGetProperty("configMap", out var map))
                {
                    Assert.Contains(map.GetProperty("name").GetString(), maps);
                }
            }

            foreach (var env in Container(d).GetProperty("env").EnumerateArray())
            {
                if (env.TryGetProperty("valueFrom", out var from) && from.TryGetProperty("secretKeyRef", out var key))
                {
                    var target = manifests.Named("Secret", key.GetProperty("name").GetString()!);
                    Assert.True(target.Path("stringData").TryGetProperty(key.GetProperty("key").GetString()!, out _), $"{Name(d)}: secret key {key} is missing");
                }
            }
        }
    }

    /// <summary>(protocol, port) pairs the NetworkPolicies selecting <paramref name="pod"/>'s pods let in.</summary>
    private static PortSet AllowedPorts(RenderedManifests manifests, JsonElement pod) =>
        [.. PoliciesFor(manifests, pod).SelectMany(rule => RulePorts(rule))];

    private static bool AllowsFrom(RenderedManifests manifests, JsonElement target, (string, int) port, JsonElement source) =>
        PoliciesFor(manifests, target).Any(rule => RulePorts(rule).Contains(port)
            && rule.GetProperty("from").EnumerateArray().Any(peer => peer.TryGetProperty("podSelector", out var s) && !peer.TryGetProperty("namespaceSelector", out _)
                && Selects(s, TemplateLabels(source))));

    private static IEnumerable<JsonElement> PoliciesFor(RenderedManifests manifests, JsonElement pod) =>
        manifests.OfKind("NetworkPolicy")
            .Where(p => Selects(p.Path("spec", "podSelector"), TemplateLabels(pod)))
            .SelectMany(p => p.Path("spec", "ingress").EnumerateArray());

    private static IEnumerable<(string, int)> RulePorts(JsonElement rule) =>
        rule.GetProperty("ports").EnumerateArray().SelectMany(p =>
        {
            var first = p.GetProperty("port").GetInt32();
            var last = p.TryGetProperty("endPort", out var end) ? end.GetInt32() : first;
            return Enumerable.Range(first, last - first + 1).Select(n => (Protocol(p), n));
        });

    private static PortSet ContainerPorts(JsonElement pod) =>
        [.. Container(pod).GetProperty("ports").EnumerateArray().Select(p => (Protocol(p), p.GetProperty("containerPort").GetInt32()))];

    private static int ResolvePort(JsonElement container, JsonElement port) => port.ValueKind == JsonValueKind.Number
        ? port.GetInt32()
        : container.GetProperty("ports").EnumerateArray().Single(p => p.TryGetProperty("name", out var n) && n.GetString() == port.GetString()).GetProperty("containerPort").GetInt32();

    private static string Protocol(JsonElement port) => port.TryGetProperty("protocol", out var p) ? p.GetString()! : "TCP";

    private static JsonElement Container(JsonElement deployment) => Assert.Single(deployment.Path("spec", "template", "spec", "containers").EnumerateArray());

    private static JsonElement EnvEntry(JsonElement deployment, string name) =>
        Container(deployment).GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private static string? Env(JsonElement deployment, string name) =>
        Container(deployment).GetProperty("env").EnumerateArray().Where(e => e.GetProperty("name").GetString() == name)
            .Select(e => e.TryGetProperty("value", out var v) ? v.GetString() : null).SingleOrDefault();

    private static Dictionary<string, string> TemplateLabels(JsonElement deployment) =>
        deployment.Path("spec", "template", "metadata", "labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    private static string Name(JsonElement o) => $"{o.GetProperty("kind").GetString()} {o.Path("metadata", "name").GetString()}";

    /// <summary>A label selector (a bare map as in a Service, or matchLabels and matchExpressions with In) against labels.</summary>
    private static bool Selects(JsonElement selector, IReadOnlyDictionary<string, string> labels)
    {
        var matchLabels = selector.TryGetProperty("matchLabels", out var m) ? m : selector.TryGetProperty("matchExpressions", out _) ? default : selector;
        var byLabel = matchLabels.ValueKind == JsonValueKind.Object
            && matchLabels.EnumerateObject().All(p => labels.TryGetValue(p.Name, out var v) && v == p.Value.GetString());
        var byExpression = !selector.TryGetProperty("matchExpressions", out var expressions) || expressions.EnumerateArray().All(e =>
            e.GetProperty("operator").GetString() == "In" && labels.TryGetValue(e.GetProperty("key").GetString()!, out var v)
            && e.GetProperty("values").EnumerateArray().Any(x => x.GetString() == v));
        var hasLabels = matchLabels.ValueKind == JsonValueKind.Object && matchLabels.EnumerateObject().Any();
        return (hasLabels ? byLabel : selector.TryGetProperty("matchExpressions", out _)) && byExpression;
    }
}

/// <summary>A set of (protocol, port) pairs.</summary>
internal sealed class PortSet : HashSet<(string Protocol, int Port)>;

internal static class JsonPath
{
    public static JsonElement Path(this JsonElement element, params string[] names) =>
        names.Aggregate(element, (e, n) => e.GetProperty(n));
}
