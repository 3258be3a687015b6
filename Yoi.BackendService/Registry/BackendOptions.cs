using Yoi.EventLog.Storage;
using System.Net;
using Yoi.Protocol.Api;
using Yoi.Runtime.Streams;

namespace Yoi.BackendService.Registry;

/// <summary>The <c>Backend</c> configuration section, bound and validated once at start.</summary>
public sealed class BackendOptions
{
    public const string Section = "Backend";

    public List<RuntimeSourceOptions> Runtimes { get; set; } = [];
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
    public ObservationOptions Observation { get; set; } = new();
    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose pages may open WebSockets and send state-changing requests, besides
    /// the Backend's own origin. Empty (the default): loopback origins only. <c>*</c> allows every origin (docs/security.md).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
    /// <summary>How often each runtime is probed for <c>runtime_unavailable</c> / <c>runtime_available</c> and <c>/health</c>.</summary>
    public double RuntimeProbeSeconds { get; set; } = 2;
    /// <summary>Allows binding non-loopback addresses while no API key is configured.</summary>
    public bool AllowRemoteWithoutKeys { get; set; }

    /// <summary>Binds <c>Backend</c> and checks every setting; the exception message names the setting.</summary>
    public static BackendOptions Load(IConfiguration configuration)
    {
        var options = new BackendOptions();
        try
        {
            configuration.GetSection(Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the setting and the value it could not convert.
            throw new BackendConfigurationException($"Invalid configuration: {ex.Message}", ex);
        }
        options.Validate(configuration);
        return options;
    }

    private void Validate(IConfiguration configuration)
    {
        var hasRedis = !string.IsNullOrWhiteSpace(configuration.GetConnectionString("redis"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Runtimes.Count; i++)
        {
            var rt = Runtimes[i];
            var at = $"Backend:Runtimes:{i}";
            if (!ResourceId.IsValid(rt.Id))
                throw Invalid($"{at}:Id", "must be 1-64 characters of [A-Za-z0-9_-]");
            if (!seen.Add(rt.Id!)) throw Invalid($"{at}:Id", $"'{rt.Id}' is configured twice");
            if (rt.TimeoutSeconds is <= 0 or > 600) throw Invalid($"{at}:TimeoutSeconds", "must be between 0 and 600 seconds");
            if (string.IsNullOrEmpty(rt.KeyPrefix) || rt.KeyPrefix.Any(char.IsWhiteSpace))
                throw Invalid($"{at}:KeyPrefix", "must be a non-empty prefix without spaces");
            switch (rt.Source)
            {
                case RuntimeSourceKinds.Remote:
                    if (string.IsNullOrWhiteSpace(rt.Token)) throw Invalid($"{at}:Token", "is required for a remote runtime");
                    var url = string.IsNullOrWhiteSpace(rt.BaseUrl) ? configuration[$"services:{rt.Id}:http:0"] : rt.BaseUrl;
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
                        throw Invalid($"{at}:BaseUrl (or services:{rt.Id}:http:0)", "must be an absolute http(s) URL");
                    rt.ResolvedBaseUrl = baseUri;
                    if (!hasRedis) throw Invalid("ConnectionStrings:redis", $"is required by the remote runtime '{rt.Id}' (its events come from Redis)");
                    break;
                case RuntimeSourceKinds.Embedded:
                    break;
                default:
                    throw Invalid($"{at}:Source", "must be 'remote' or 'embedded'");
            }
        }
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var key = ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Length < 8)
                throw Invalid($"Backend:ApiKeys:{i}:Key", "must be at least 8 characters");
            if (key.Role is not (ClientRoles.Viewer or ClientRoles.Operator))
                throw Invalid($"Backend:ApiKeys:{i}:Role", "must be 'viewer' or 'operator'");
        }
        for (var i = 0; i < AllowedOrigins.Count; i++)
        {
            if (AllowedOrigins[i] != "*" && !Api.OriginPolicy.TryParseOrigin(AllowedOrigins[i], out _))
                throw Invalid($"Backend:AllowedOrigins:{i}", "must be an origin such as https://console.example.com (scheme, host and optional port, no path), or *");
        }
        if (!(RuntimeProbeSeconds is >= 0.1 and <= 3600))
            throw Invalid("Backend:RuntimeProbeSeconds", "must be between 0.1 and 3600");
        if (Observation.ClientQueueCapacity is < 1 or > 1_000_000)
            throw Invalid("Backend:Observation:ClientQueueCapacity", "must be between 1 and 1000000");
        if (!(Observation.KeepAliveSeconds is >= 0 and <= 3600))
            throw Invalid("Backend:Observation:KeepAliveSeconds", "must be between 0 and 3600");
        if (!(Observation.KeepAliveTimeoutSeconds is >= 0 and <= 3600))
            throw Invalid("Backend:Observation:KeepAliveTimeoutSeconds", "must be between 0 and 3600");
        if (!(Observation.SlowConsumerGraceSeconds is > 0 and <= 3600))
            throw Invalid("Backend:Observation:SlowConsumerGraceSeconds", "must be more than 0 and at most 3600");
        if (Observation.MaxClientFrameBytes is < 16 or > 1_048_576)
            throw Invalid("Backend:Observation:MaxClientFrameBytes", "must be between 16 and 1048576");

        if (ApiKeys.Count == 0 && !AllowRemoteWithoutKeys)
        {
            var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "";
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IsLoopback(url))
                    throw Invalid("Backend:ApiKeys",
                        $"no API key is configured, so the backend binds loopback only; '{url}' is not loopback. " +
                        "Configure Backend:ApiKeys or set Backend:AllowRemoteWithoutKeys=true");
            }
        }
    }

    internal static bool IsLoopback(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        var hostEnd = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
        var host = hostEnd <= 0 ? rest : rest[..hostEnd];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    private static BackendConfigurationException Invalid(string setting, string message) =>
        new($"Invalid configuration: {setting} {message}.");
}

public sealed class RuntimeSourceOptions
{
    public string? Id { get; set; }
    /// <summary><c>remote</c> or <c>embedded</c>.</summary>
    public string? Source { get; set; }
    public string? Token { get; set; }
    /// <summary>Optional; otherwise <c>services:{id}:http:0</c> (Aspire service discovery).</summary>
    public string? BaseUrl { get; set; }
    public string KeyPrefix { get; set; } = StreamKeys.DefaultPrefix;
    public double TimeoutSeconds { get; set; } = 10;

    internal Uri? ResolvedBaseUrl { get; set; }
}

public static class RuntimeSourceKinds
{
    public const string Remote = "remote";
    public const string Embedded = "embedded";
}

public sealed class ApiKeyOptions
{
    public string? Key { get; set; }
    public string? Role { get; set; }
}

public static class ClientRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
}

public sealed class ObservationOptions
{
    /// <summary>Frames a WebSocket client may have queued before it is disconnected as a slow consumer (4408).</summary>
    public int ClientQueueCapacity { get; set; } = 1024;
    /// <summary>WebSocket ping interval; 0 disables pings (and with them the pong timeout).</summary>
    public double KeepAliveSeconds { get; set; } = 15;
    /// <summary>How long to wait for the pong to a ping before aborting the connection as dead; 0 disables the check.</summary>
    public double KeepAliveTimeoutSeconds { get; set; } = 15;
    /// <summary>
    /// How long a client that overflowed its queue has to take what is queued, the <c>slow_consumer</c> diagnostic and
    /// the 4408 close; after that the connection is aborted (a client that stopped reading holds nothing longer).
    /// </summary>
    public double SlowConsumerGraceSeconds { get; set; } = 30;
    /// <summary>Largest frame a client may send (it only ever gets <c>observation_only</c> back); larger closes 1009.</summary>
    public int MaxClientFrameBytes { get; set; } = 4096;
}
