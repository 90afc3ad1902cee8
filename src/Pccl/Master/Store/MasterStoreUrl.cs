namespace Pccl.Master.Store;

/// <summary>
/// Reads master.store: <c>memory</c>, <c>sqlite:PATH</c> or <c>postgresql://user[:password]@host[:port]/database</c>
/// (also <c>postgres://</c>). A password in the URL wins over <see cref="MasterOptions.StorePassword"/>.
/// </summary>
internal static class MasterStoreUrl
{
    private const string Forms = "memory, sqlite:PATH or postgresql://user[:password]@host[:port]/database";

    /// <summary>Builds the store the URL names; throws <see cref="PcclException"/> naming master.store when it is malformed.</summary>
    public static IMasterStore Create(string url, string? password, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url == "memory")
        {
            return new MemoryMasterStore();
        }

        if (url.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            var path = url["sqlite:".Length..];
            return path.Length == 0 ? throw Malformed(url, "the path after sqlite: is empty") : new SqliteMasterStore(path);
        }

        if (url.StartsWith("postgresql://", StringComparison.Ordinal) || url.StartsWith("postgres://", StringComparison.Ordinal))
        {
            return Postgres(url, password, timeout);
        }

        throw Malformed(url, "unknown kind of store");
    }

    private static PostgresMasterStore Postgres(string url, string? password, TimeSpan timeout)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw Malformed(url, "not a URL with a host");
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw Malformed(url, "name one database after the host, as in postgresql://pccl@db:5432/pccl");
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var user = Uri.UnescapeDataString(userInfo[0]);
        if (user.Length == 0)
        {
            throw Malformed(url, "name the user before the host, as in postgresql://pccl@db:5432/pccl");
        }

        var inline = userInfo.Length == 2 ? Uri.UnescapeDataString(userInfo[1]) : null;
        return new PostgresMasterStore(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port, database, user, inline ?? password, timeout);
    }

    private static PcclException Malformed(string url, string problem) => new(PcclErrorCode.InvalidConfiguration,
        $"master.store '{Redact(url)}' is malformed ({problem}); use {Forms}");

    /// <summary>The URL with any password replaced, for messages.</summary>
    private static string Redact(string url)
    {
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var colon = scheme < 0 || at < 0 ? -1 : url.IndexOf(':', scheme + 3, at - scheme - 3);
        return colon < 0 ? url : url[..(colon + 1)] + "***" + url[at..];
    }
}
