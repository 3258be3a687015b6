using Microsoft.Extensions.Options;
using Yoi.Protocol.Api;
using Yoi.Runtime.Configuration;

namespace Yoi.BackendService.Registry;

/// <summary>
/// Completes and validates <see cref="BackendOptions"/> at start (<c>ValidateOnStart</c>). After binding it resolves each
/// remote runtime's URL (<c>BaseUrl</c>, else Aspire's <c>services:{id}:http:0</c>) and gives each embedded runtime the
/// entry's id and key prefix; every failure names its setting (docs/configuration.md).
/// </summary>
public sealed class BackendOptionsValidator(IConfiguration configuration) : IPostConfigureOptions<BackendOptions>, IValidateOptions<BackendOptions>
{
    public void PostConfigure(string? name, BackendOptions options)
    {
        foreach (var runtime in options.Runtimes)
        {
            var url = string.IsNullOrWhiteSpace(runtime.BaseUrl) ? configuration[$"services:{runtime.Id}:http:0"] : runtime.BaseUrl;
            runtime.ResolvedBaseUrl = RuntimeOptionsValidator.TryParseHttpUrl(url, out var uri) ? uri : null;
            runtime.Runtime.Id = runtime.Id ?? "";
            runtime.Runtime.KeyPrefix = runtime.KeyPrefix;
        }
    }

    public ValidateOptionsResult Validate(string? name, BackendOptions options)
    {
        var failures = new List<string>();
        void Invalid(string setting, string message) => failures.Add($"{setting} {message}.");

        // The binder drops a list entry it cannot convert without a word (Runtimes:0:TimeoutSeconds=soon): bind each
        // one alone to name the setting.
        var runtimeSections = configuration.GetSection($"{BackendOptions.Section}:Runtimes").GetChildren().ToList();
        if (runtimeSections.Count != options.Runtimes.Count)
        {
            foreach (var section in runtimeSections)
            {
                try
                {
                    section.Get<RuntimeSourceOptions>();
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        }
        var hasRedis = !string.IsNullOrWhiteSpace(configuration.GetConnectionString("redis"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Runtimes.Count; i++)
        {
            var rt = options.Runtimes[i];
            var at = $"Backend:Runtimes:{i}";
            if (!ResourceId.IsValid(rt.Id)) Invalid($"{at}:Id", "must be 1-64 characters of [A-Za-z0-9_-]");
            else if (!seen.Add(rt.Id!)) Invalid($"{at}:Id", $"'{rt.Id}' is configured twice");
            if (!(rt.TimeoutSeconds is > 0 and <= 600)) Invalid($"{at}:TimeoutSeconds", "must be between 0 and 600 seconds");
            if (string.IsNullOrEmpty(rt.KeyPrefix) || rt.KeyPrefix.Any(char.IsWhiteSpace))
                Invalid($"{at}:KeyPrefix", "must be a non-empty prefix without spaces");
            switch (rt.Source)
            {
                case RuntimeSourceKinds.Remote:
                    if (string.IsNullOrWhiteSpace(rt.Token)) Invalid($"{at}:Token", "is required for a remote runtime");
                    if (rt.ResolvedBaseUrl is null) Invalid($"{at}:BaseUrl (or services:{rt.Id}:http:0)", "must be an absolute http(s) URL");
                    if (!hasRedis) Invalid("ConnectionStrings:redis", $"is required by the remote runtime '{rt.Id}' (its events come from Redis)");
                    break;
                case RuntimeSourceKinds.Embedded:
                    if (ResourceId.IsValid(rt.Id) && RuntimeOptionsValidator.Failures(rt.Runtime, requireToken: false) is { Count: > 0 } errors)
                        failures.Add($"{at}:Runtime: {string.Join(" ", errors)}");
                    break;
                default:
                    Invalid($"{at}:Source", "must be 'remote' or 'embedded'");
                    break;
            }
        }
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Length < 8) Invalid($"Backend:ApiKeys:{i}:Key", "must be at least 8 characters");
            if (key.Role is not (ClientRoles.Viewer or ClientRoles.Operator)) Invalid($"Backend:ApiKeys:{i}:Role", "must be 'viewer' or 'operator'");
        }
        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            if (options.AllowedOrigins[i] != "*" && !Api.OriginPolicy.TryParseOrigin(options.AllowedOrigins[i], out _))
                Invalid($"Backend:AllowedOrigins:{i}",
                    "must be an origin such as https://console.example.com (scheme, host and optional port, no path), or *");
        }
        if (!(options.RuntimeProbeSeconds is >= 0.1 and <= 3600)) Invalid("Backend:RuntimeProbeSeconds", "must be between 0.1 and 3600");
        var observation = options.Observation;
        if (observation.ClientQueueCapacity is < 1 or > 1_000_000)
            Invalid("Backend:Observation:ClientQueueCapacity", "must be between 1 and 1000000");
        if (!(observation.KeepAliveSeconds is >= 0 and <= 3600)) Invalid("Backend:Observation:KeepAliveSeconds", "must be between 0 and 3600");
        if (!(observation.KeepAliveTimeoutSeconds is >= 0 and <= 3600))
            Invalid("Backend:Observation:KeepAliveTimeoutSeconds", "must be between 0 and 3600");
        if (!(observation.SlowConsumerGraceSeconds is > 0 and <= 3600))
            Invalid("Backend:Observation:SlowConsumerGraceSeconds", "must be more than 0 and at most 3600");
        if (observation.MaxClientFrameBytes is < 16 or > 1_048_576)
            Invalid("Backend:Observation:MaxClientFrameBytes", "must be between 16 and 1048576");

        if (options.ApiKeys.Count == 0 && !options.AllowRemoteWithoutKeys)
        {
            var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "";
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IsLoopback(url))
                    Invalid("Backend:ApiKeys", $"no API key is configured, so the backend binds loopback only; '{url}' is not loopback. " +
                        "Configure Backend:ApiKeys or set Backend:AllowRemoteWithoutKeys=true");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsLoopback(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        var hostEnd = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
        return Api.OriginPolicy.IsLoopbackHost(hostEnd <= 0 ? rest : rest[..hostEnd]);
    }
}
