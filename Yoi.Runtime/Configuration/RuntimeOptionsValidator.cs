using Microsoft.Extensions.Options;
using Yoi.Protocol.Api;
using Yoi.Runtime.Providers;

namespace Yoi.Runtime.Configuration;

/// <summary>
/// Validates <see cref="RuntimeOptions"/> at start (<c>ValidateOnStart</c>): every failure names its setting, and the
/// token's value never appears in one. The REST service requires <c>Runtime:Token</c>; a runtime embedded in the Backend
/// has none (<paramref name="requireToken"/> false).
/// </summary>
public sealed class RuntimeOptionsValidator(bool requireToken) : IValidateOptions<RuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RuntimeOptions options)
    {
        var failures = Failures(options, requireToken);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every invalid setting of options built in code.</summary>
    public static void ThrowIfInvalid(RuntimeOptions options, bool requireToken)
    {
        var failures = Failures(options, requireToken);
        if (failures.Count > 0) throw new OptionsValidationException(Options.DefaultName, typeof(RuntimeOptions), failures);
    }

    /// <summary>Every problem, each naming its setting; empty when valid.</summary>
    public static IReadOnlyList<string> Failures(RuntimeOptions options, bool requireToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrEmpty(options.Id)) errors.Add("Runtime:Id is required (a runtime id such as 'rt-1').");
        else if (!ResourceId.IsValid(options.Id)) errors.Add("Runtime:Id must match [A-Za-z0-9_-]{1,64}.");
        if (requireToken)
        {
            if (string.IsNullOrEmpty(options.Token)) errors.Add("Runtime:Token is required (the bearer token of the REST API).");
            else if (options.Token.Length < RuntimeOptions.MinTokenLength)
                errors.Add($"Runtime:Token must be at least {RuntimeOptions.MinTokenLength} characters long.");
        }
        if (options.KeyPrefix is null || options.KeyPrefix.Length > 64 || options.KeyPrefix.Any(char.IsWhiteSpace))
            errors.Add("Runtime:KeyPrefix must be at most 64 characters without whitespace.");
        if (options.Retention.MaxLength < 1) errors.Add("Runtime:Retention:MaxLength must be at least 1.");
        if (options.Retention.MaxAgeSeconds is { } maxAge && !(maxAge > 0)) errors.Add("Runtime:Retention:MaxAgeSeconds must be positive when set.");
        if (!ProviderNames.IsKnown(options.DefaultProvider))
            errors.Add($"Runtime:DefaultProvider must be one of {string.Join(", ", ProviderNames.All.Select(n => $"'{n}'"))}.");
        if (options.Scripted.DeltaDelayMs is < 0 or > 60_000) errors.Add("Runtime:Scripted:DeltaDelayMs must be between 0 and 60000.");
        if (options.Scripted.LongDeltas is < 0 or > ScriptedChatClient.MaxLongDeltas)
            errors.Add($"Runtime:Scripted:LongDeltas must be between 0 and {ScriptedChatClient.MaxLongDeltas}.");
        if (options.OpenAI.BaseUrl is { Length: > 0 } url && !IsHttpUrl(url)) errors.Add("Runtime:OpenAI:BaseUrl must be an absolute http(s) URL.");
        if (!(options.OpenAI.TimeoutSeconds is > 0 and <= 3600)) errors.Add("Runtime:OpenAI:TimeoutSeconds must be between 1 and 3600.");
        if (options.OpenAI.MaxRetries is < 0 or > 10) errors.Add("Runtime:OpenAI:MaxRetries must be between 0 and 10.");
        if (options.DefaultProvider == ProviderNames.OpenAi && !options.OpenAI.IsConfigured)
            errors.Add("Runtime:OpenAI:BaseUrl and Runtime:OpenAI:Model are required when Runtime:DefaultProvider is 'openai'.");
        if (options.Ollama.Endpoint is { Length: > 0 } endpoint && !IsHttpUrl(endpoint))
            errors.Add("Runtime:Ollama:Endpoint must be an absolute http(s) URL.");
        if (!(options.Ollama.TimeoutSeconds is > 0 and <= 3600)) errors.Add("Runtime:Ollama:TimeoutSeconds must be between 1 and 3600.");
        if (options.DefaultProvider == ProviderNames.Ollama && !options.Ollama.IsConfigured)
            errors.Add("Runtime:Ollama:Endpoint and Runtime:Ollama:Model are required when Runtime:DefaultProvider is 'ollama'.");
        if (!(options.EventLogOutageLimitSeconds is > 0 and <= 86_400))
            errors.Add("Runtime:EventLogOutageLimitSeconds must be between 0 and 86400 (exclusive of 0).");
        if (options.MaxWorkers is < 1 or > 1_000_000) errors.Add("Runtime:MaxWorkers must be between 1 and 1000000.");
        if (options.MaxInputChars is < 1 or > 1_000_000) errors.Add("Runtime:MaxInputChars must be between 1 and 1000000.");
        return errors;
    }

    private static bool IsHttpUrl(string url) => TryParseHttpUrl(url, out _);

    /// <summary>An absolute <c>http</c> or <c>https</c> URL.</summary>
    public static bool TryParseHttpUrl(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(text, UriKind.Absolute, out uri) && uri.Scheme is "http" or "https";
}
