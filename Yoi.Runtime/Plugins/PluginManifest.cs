using Yoi.Protocol.Api;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// What a service plugin declares about itself: its id (<c>[A-Za-z0-9_-]{1,64}</c>), version, the WebSocket
/// targets it needs and whether the host should reconnect them. Declaring a target grants nothing: the operator
/// grants it in configuration (<see cref="PluginConfiguration"/>), and the host connects only to targets that
/// are both declared and granted.
/// </summary>
public sealed record PluginManifest(
    string Id,
    string Version,
    string Description,
    IReadOnlyList<WebSocketTargetDeclaration> WebSocketTargets,
    ReconnectPolicy? Reconnect = null)
{
    /// <summary>The declared target called <paramref name="name"/>, or null.</summary>
    public WebSocketTargetDeclaration? FindTarget(string name)
    {
        foreach (var target in WebSocketTargets)
        {
            if (string.Equals(target.Name, name, StringComparison.Ordinal)) return target;
        }
        return null;
    }

    /// <summary>Problems that make the manifest unusable (bad id, duplicate or malformed target names).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!ResourceId.IsValid(Id)) errors.Add($"Plugin id '{Id}' is invalid: expected [A-Za-z0-9_-]{{1,64}}.");
        if (string.IsNullOrWhiteSpace(Version)) errors.Add($"Plugin '{Id}' has no version.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in WebSocketTargets)
        {
            if (!ResourceId.IsValid(target.Name)) errors.Add($"Plugin '{Id}' declares a target with an invalid name '{target.Name}'.");
            else if (!names.Add(target.Name)) errors.Add($"Plugin '{Id}' declares target '{target.Name}' twice.");
            if (target.Url is { } url && !WebSocketTargetUrl.TryParse(url, out _, out var urlError))
                errors.Add($"Plugin '{Id}' target '{target.Name}': {urlError}");
        }
        if (Reconnect is { } policy && policy.Validate() is { } policyError) errors.Add($"Plugin '{Id}' reconnect policy: {policyError}");
        return errors;
    }
}

/// <summary>
/// A WebSocket target the plugin needs. <see cref="Url"/> is the default endpoint (optional: the operator's grant
/// can name the URL, and must when the manifest has none); <see cref="Purpose"/> tells the operator why.
/// </summary>
public sealed record WebSocketTargetDeclaration(string Name, string? Url, string Purpose);

/// <summary>
/// Opt-in reconnect with exponential backoff: attempt <c>n</c> waits <c>min(InitialDelay * 2^(n-1), MaxDelay)</c>.
/// <see cref="MaxAttempts"/> 0 means no limit; a successful connection resets the count. Without a policy (or
/// with <see cref="Enabled"/> false) a dropped connection only reports <c>reconnect_needed</c>.
/// </summary>
public sealed record ReconnectPolicy(bool Enabled, TimeSpan InitialDelay, TimeSpan MaxDelay, int MaxAttempts = 0)
{
    public TimeSpan DelayFor(int attempt)
    {
        if (attempt < 1) attempt = 1;
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var ticks = Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    internal string? Validate() =>
        InitialDelay <= TimeSpan.Zero ? "InitialDelay must be positive."
        : MaxDelay < InitialDelay ? "MaxDelay must be at least InitialDelay."
        : MaxAttempts < 0 ? "MaxAttempts must be 0 (no limit) or positive."
        : null;
}
