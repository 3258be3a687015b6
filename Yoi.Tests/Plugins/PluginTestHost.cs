using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Plugins;
using Yoi.Runtime.Workers;

namespace Yoi.Tests.Plugins;

internal static class PluginTestHost
{
    public static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();

    public static PluginHost Create(IServicePlugin plugin, IWorkerRuntime? workers, params (string Key, string Value)[] settings) =>
        new([plugin], Configuration(settings), workers, NullLogger<PluginHost>.Instance);

    /// <summary>Configuration granting <paramref name="target"/> of <paramref name="pluginId"/> at a loopback URL.</summary>
    public static (string, string)[] LoopbackGrant(string pluginId, string target, Uri url, params (string, string)[] extra) =>
    [
        ($"Runtime:Plugins:{pluginId}:Enabled", "true"),
        ($"Runtime:Plugins:{pluginId}:Grants:WebSocket:{target}:Url", url.ToString()),
        ($"Runtime:Plugins:{pluginId}:Grants:WebSocket:{target}:AllowPrivateNetwork", "true"),
        .. extra,
    ];

    public static ConnectionStatus Connection(this PluginHost host, string pluginId, string target) =>
        host.GetStatus(pluginId)!.Connections.Single(c => c.Target == target);

    /// <summary>
    /// Waits for a diagnostic of <paramref name="code"/>: the host hands an ingress event to the plugin before it
    /// records the diagnostic that goes with it, so a plugin that saw the event may not find the diagnostic yet.
    /// </summary>
    public static Task<PluginDiagnostic> DiagnosticAsync(this PluginHost host, string pluginId, string code, Func<PluginDiagnostic, bool>? match = null) =>
        Eventually.FoundAsync(() => host.GetStatus(pluginId)!.Diagnostics.FirstOrDefault(d => d.Code == code && (match is null || match(d))),
            $"a {code} diagnostic of {pluginId}");
}
