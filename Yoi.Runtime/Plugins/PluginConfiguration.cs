using System.Globalization;
using Microsoft.Extensions.Configuration;
using Yoi.Protocol.Api;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// The operator's configuration of one plugin (section <c>Runtime:Plugins:&lt;pluginId&gt;</c>). Only the
/// operator grants network authority: a target the manifest declares is connected only when a grant names it.
/// </summary>
public sealed record PluginSettings(
    string PluginId,
    bool Enabled,
    int IngressCapacity,
    int OutgoingQueueCapacity,
    int MaxMessageBytes,
    TimeSpan KeepAliveInterval,
    TimeSpan KeepAliveTimeout,
    TimeSpan ConnectTimeout,
    IReadOnlyDictionary<string, WebSocketGrant> WebSocketGrants,
    IConfiguration Settings)
{
    public const int DefaultIngressCapacity = 256;
    public const int DefaultOutgoingQueueCapacity = 256;
    public const int DefaultMaxMessageBytes = 64 * 1024;
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(30);
    /// <summary>How long a ping may go unanswered before the connection is aborted as dead.</summary>
    public static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromSeconds(15);
    /// <summary>Upper bound of both keep-alive settings (the socket's timer cannot take much more than 49 days).</summary>
    public static readonly TimeSpan MaxKeepAlive = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A disabled plugin with defaults: what a plugin without a configuration section gets.</summary>
    public static PluginSettings Disabled(string pluginId) => new(pluginId, false, DefaultIngressCapacity,
        DefaultOutgoingQueueCapacity, DefaultMaxMessageBytes, DefaultKeepAliveInterval, DefaultKeepAliveTimeout, DefaultConnectTimeout,
        new Dictionary<string, WebSocketGrant>(), new ConfigurationBuilder().Build());
}

/// <summary>
/// <c>Grants:WebSocket:&lt;target&gt;</c>: either a scalar (the allowed URL, or <c>true</c> for the manifest's URL)
/// or an object <c>{Url, AllowPrivateNetwork}</c>. <see cref="Url"/> null means "the manifest's URL".
/// </summary>
public sealed record WebSocketGrant(string Target, Uri? Url, bool AllowPrivateNetwork, string SettingPath);

/// <summary>A declared and granted target: the only kind the host connects to.</summary>
public sealed record AuthorizedTarget(string Name, Uri Url, bool AllowPrivateNetwork)
{
    public string RedactedUrl { get; } = WebSocketTargetUrl.Redact(Url);
}

/// <summary>Reads and checks plugin configuration; every error names the setting it is about.</summary>
public static class PluginConfiguration
{
    public const string SectionPath = "Runtime:Plugins";

    /// <summary>Reads every plugin section under <c>Runtime:Plugins</c> of <paramref name="root"/>.</summary>
    public static IReadOnlyDictionary<string, PluginSettings> Load(IConfiguration root, List<string> errors)
    {
        var result = new Dictionary<string, PluginSettings>(StringComparer.Ordinal);
        foreach (var section in root.GetSection(SectionPath).GetChildren())
        {
            if (!ResourceId.IsValid(section.Key))
            {
                errors.Add($"{section.Path}: '{section.Key}' is not a valid plugin id (expected [A-Za-z0-9_-]{{1,64}}).");
                continue;
            }
            result[section.Key] = LoadOne(section, errors);
        }
        return result;
    }

    private static PluginSettings LoadOne(IConfigurationSection section, List<string> errors)
    {
        var enabled = ReadBool(section, "Enabled", false, errors);
        var ingress = ReadInt(section, "IngressCapacity", PluginSettings.DefaultIngressCapacity, 1, 1_000_000, errors);
        var outgoing = ReadInt(section, "OutgoingQueueCapacity", PluginSettings.DefaultOutgoingQueueCapacity, 1, 1_000_000, errors);
        var maxBytes = ReadInt(section, "MaxMessageBytes", PluginSettings.DefaultMaxMessageBytes, 1, 16 * 1024 * 1024, errors);
        var keepAlive = ReadTimeSpan(section, "KeepAliveInterval", PluginSettings.DefaultKeepAliveInterval, allowZero: true, errors,
            PluginSettings.MaxKeepAlive);
        var keepAliveTimeout = ReadTimeSpan(section, "KeepAliveTimeout", PluginSettings.DefaultKeepAliveTimeout, allowZero: true, errors,
            PluginSettings.MaxKeepAlive);
        var connectTimeout = ReadTimeSpan(section, "ConnectTimeout", PluginSettings.DefaultConnectTimeout, allowZero: false, errors);

        var grants = new Dictionary<string, WebSocketGrant>(StringComparer.Ordinal);
        foreach (var grantSection in section.GetSection("Grants:WebSocket").GetChildren())
        {
            if (ReadGrant(grantSection, errors) is { } grant) grants[grant.Target] = grant;
        }
        foreach (var kind in section.GetSection("Grants").GetChildren())
        {
            if (kind.Key != "WebSocket") errors.Add($"{kind.Path}: unknown grant kind '{kind.Key}' (only WebSocket is supported).");
        }
        return new PluginSettings(section.Key, enabled, ingress, outgoing, maxBytes, keepAlive, keepAliveTimeout, connectTimeout, grants,
            section.GetSection("Settings"));
    }

    private static WebSocketGrant? ReadGrant(IConfigurationSection grant, List<string> errors)
    {
        if (!ResourceId.IsValid(grant.Key))
        {
            errors.Add($"{grant.Path}: '{grant.Key}' is not a valid target name.");
            return null;
        }
        string? urlText;
        var allowPrivate = false;
        if (grant.Value is { } scalar)
        {
            urlText = scalar;
        }
        else
        {
            urlText = grant["Url"] ?? "true";
            allowPrivate = ReadBool(grant, "AllowPrivateNetwork", false, errors);
        }
        if (bool.TryParse(urlText, out var flag))
        {
            if (!flag)
            {
                return null; // "false": explicitly not granted.
            }
            return new WebSocketGrant(grant.Key, null, allowPrivate, grant.Path);
        }
        if (!WebSocketTargetUrl.TryParse(urlText, out var uri, out var error))
        {
            errors.Add($"{grant.Path}: {error}");
            return null;
        }
        return new WebSocketGrant(grant.Key, uri, allowPrivate, grant.Path);
    }

    /// <summary>
    /// Checks the grants of one plugin against its manifest: a grant for an undeclared target, a grant without a
    /// URL when the manifest has none, and a loopback or private-range host without <c>AllowPrivateNetwork</c>
    /// are errors (nothing is connected). Returns the authorized targets.
    /// </summary>
    public static IReadOnlyList<AuthorizedTarget> Authorize(PluginManifest manifest, PluginSettings settings, List<string> errors)
    {
        var targets = new List<AuthorizedTarget>();
        foreach (var grant in settings.WebSocketGrants.Values)
        {
            var declaration = manifest.FindTarget(grant.Target);
            if (declaration is null)
            {
                errors.Add($"{grant.SettingPath}: plugin '{manifest.Id}' does not declare a WebSocket target '{grant.Target}' " +
                    $"(declared: {string.Join(", ", manifest.WebSocketTargets.Select(t => t.Name).DefaultIfEmpty("none"))}).");
                continue;
            }
            Uri? url = grant.Url;
            if (url is null)
            {
                if (declaration.Url is null || !WebSocketTargetUrl.TryParse(declaration.Url, out url, out _))
                {
                    errors.Add($"{grant.SettingPath}: target '{grant.Target}' has no URL in the manifest; the grant must give one.");
                    continue;
                }
            }
            if (WebSocketTargetUrl.IsPrivateHost(url) && !grant.AllowPrivateNetwork)
            {
                errors.Add($"{grant.SettingPath}: {WebSocketTargetUrl.Redact(url)} is a loopback or private-network host; " +
                    $"set {grant.SettingPath}:AllowPrivateNetwork to true to allow it.");
                continue;
            }
            targets.Add(new AuthorizedTarget(grant.Target, url, grant.AllowPrivateNetwork));
        }
        return targets;
    }

    private static bool ReadBool(IConfigurationSection section, string key, bool fallback, List<string> errors)
    {
        var text = section[key];
        if (text is null) return fallback;
        if (bool.TryParse(text, out var value)) return value;
        errors.Add($"{section.Path}:{key}: '{text}' is not true or false.");
        return fallback;
    }

    private static int ReadInt(IConfigurationSection section, string key, int fallback, int min, int max, List<string> errors)
    {
        var text = section[key];
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        errors.Add($"{section.Path}:{key}: '{text}' is not an integer between {min} and {max}.");
        return fallback;
    }

    private static TimeSpan ReadTimeSpan(IConfigurationSection section, string key, TimeSpan fallback, bool allowZero, List<string> errors,
        TimeSpan? max = null)
    {
        var text = section[key];
        if (text is null) return fallback;
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && (value > TimeSpan.Zero || (allowZero && value == TimeSpan.Zero))
            && (max is null || value <= max)) return value;
        var upTo = max is { } limit ? $" up to {limit:c}" : "";
        errors.Add($"{section.Path}:{key}: '{text}' is not a {(allowZero ? "non-negative" : "positive")} time span{upTo} (hh:mm:ss).");
        return fallback;
    }
}
