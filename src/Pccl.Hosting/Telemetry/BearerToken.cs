using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pccl.Hosting.Telemetry;

/// <summary>
/// The token <c>/metrics</c> and <c>/status</c> demand (<c>metrics.bearer_token</c> or <c>metrics.bearer_token_file</c>),
/// as Prometheus sends it: <c>Authorization: Bearer &lt;token&gt;</c>. Compared as SHA-256 digests in fixed time, so
/// neither the token's content nor its length shows in how long a refusal takes.
/// </summary>
internal sealed class BearerToken
{
    private readonly byte[] _digest;

    private BearerToken(string token) => _digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The token the options name, or null when the endpoint is open.</summary>
    /// <exception cref="PcclException"><see cref="PcclErrorCode.InvalidConfiguration"/>: an unreadable or empty token file.</exception>
    public static BearerToken? From(MonitoringServerOptions options)
    {
        if (options.BearerTokenFile is { } file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new PcclException(PcclErrorCode.InvalidConfiguration, $"cannot read metrics.bearer_token_file '{file}': {e.Message}", innerException: e);
            }

            // A secret mounted from a file usually ends in a newline; Prometheus's bearer_token_file drops it the same way.
            var token = text.Trim();
            return token.Length > 0
                ? new BearerToken(token)
                : throw new PcclException(PcclErrorCode.InvalidConfiguration, $"metrics.bearer_token_file '{file}' is empty");
        }

        return string.IsNullOrEmpty(options.BearerToken) ? null : new BearerToken(options.BearerToken);
    }

    public bool Admits(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var offered = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(offered, _digest);
    }
}
