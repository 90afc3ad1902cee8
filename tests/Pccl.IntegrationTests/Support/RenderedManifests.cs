using System.Text.Json;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// A kustomization under <c>deploy/kubernetes</c> rendered offline (<c>kubectl kustomize</c>) and validated object by
/// object against the Kubernetes API schemas (<c>deploy/kubernetes/validate</c>, the npm package kubernetes-models,
/// installed into that folder on first use), as JSON for further checks.
/// </summary>
internal sealed class RenderedManifests
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private RenderedManifests(JsonElement[] objects) => Objects = objects;

    public IReadOnlyList<JsonElement> Objects { get; }

    public static string KubernetesDirectory => Path.Combine(PcclBinary.RepositoryRoot, "deploy", "kubernetes");

    public static async Task<RenderedManifests> RenderAsync(string kustomization)
    {
        var validator = Path.Combine(KubernetesDirectory, "validate");
        await EnsureValidatorAsync(validator);
        var (code, yaml, errors) = await Tool.RunAsync("kubectl", ["kustomize", Path.Combine(KubernetesDirectory, kustomization)]);
        Assert.True(code == 0, $"kubectl kustomize {kustomization} failed:\n{errors}");

        var rendered = Path.Combine(Path.GetTempPath(), $"pccl-k8s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(rendered, yaml);
        try
        {
            var (valid, json, problem) = await Tool.RunAsync("node", ["validate.mjs", rendered], validator);
            Assert.True(valid == 0, $"{kustomization} does not validate against the Kubernetes schemas: {problem}");
            using var document = JsonDocument.Parse(json);
            return new RenderedManifests([.. document.RootElement.EnumerateArray().Select(e => e.Clone())]);
        }
        finally
        {
            File.Delete(rendered);
        }
    }

    public IEnumerable<JsonElement> OfKind(string kind) => Objects.Where(o => o.GetProperty("kind").GetString() == kind);

    public JsonElement Named(string kind, string name) =>
        OfKind(kind).Single(o => o.GetProperty("metadata").GetProperty("name").GetString() == name);

    private static async Task EnsureValidatorAsync(string folder)
    {
        await InstallLock.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(folder, "node_modules", "kubernetes-models")))
            {
                return;
            }

            var (code, output, errors) = await Tool.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock"], folder);
            Assert.True(code == 0, $"npm install in {folder} failed:\n{output}\n{errors}");
        }
        finally
        {
            InstallLock.Release();
        }
    }
}
