using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Workers;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// Hosts the Runtime's service plugins. At start it checks the whole <c>Runtime:Plugins</c> configuration against
/// the plugins' manifests and refuses to start with every problem listed by setting name; then it starts every
/// enabled plugin. Plugins can be started and stopped individually afterwards (REST <c>/v1/plugins/{id}/start|stop</c>).
/// </summary>
public sealed class PluginHost : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, PluginInstance> _plugins = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _configurationErrors;
    private readonly ILogger<PluginHost> _logger;

    public PluginHost(IEnumerable<IServicePlugin> plugins, IConfiguration configuration, IWorkerRuntime? workers,
        ILogger<PluginHost> logger, TimeProvider? time = null)
    {
        _logger = logger;
        var errors = new List<string>();
        var settings = PluginConfiguration.Load(configuration, errors);
        foreach (var plugin in plugins)
        {
            var manifest = plugin.Manifest;
            errors.AddRange(manifest.Validate());
            if (!_plugins.TryAdd(manifest.Id, new PluginInstance(plugin,
                    settings.TryGetValue(manifest.Id, out var s) ? s : PluginSettings.Disabled(manifest.Id), workers, logger, time ?? TimeProvider.System)))
            {
                errors.Add($"Two plugins use the id '{manifest.Id}'.");
            }
        }
        foreach (var id in settings.Keys)
        {
            if (!_plugins.ContainsKey(id))
                errors.Add($"{PluginConfiguration.SectionPath}:{id}: no plugin with id '{id}' is installed (installed: {string.Join(", ", _plugins.Keys.DefaultIfEmpty("none"))}).");
        }
        foreach (var instance in _plugins.Values)
        {
            if (instance.Settings.Enabled) PluginConfiguration.Authorize(instance.Manifest, instance.Settings, errors);
        }
        _configurationErrors = errors;
    }

    /// <summary>Configuration problems found at construction, each naming its setting; start fails when any.</summary>
    public IReadOnlyList<string> ConfigurationErrors => _configurationErrors;

    public IReadOnlyList<string> PluginIds => [.. _plugins.Keys];

    /// <summary>
    /// Throws <see cref="OptionsValidationException"/> listing every configuration error (as the services' options fail
    /// at start); otherwise starts enabled plugins.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configurationErrors.Count > 0)
            throw new OptionsValidationException(PluginConfiguration.SectionPath, typeof(PluginSettings), _configurationErrors);
        foreach (var instance in _plugins.Values)
        {
            if (instance.Settings.Enabled) await instance.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var instance in _plugins.Values)
        {
            try { await instance.StopAsync(cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            catch (Exception ex) { PluginLog.PluginFailed(_logger, instance.PluginId, "stop: " + ex.Message); }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>Every installed plugin's status, ordered by id.</summary>
    public PluginList GetStatus() => new([.. _plugins.Values.OrderBy(p => p.PluginId, StringComparer.Ordinal).Select(p => p.Snapshot())]);

    /// <summary>The plugin's status, or null when no plugin has that id.</summary>
    public PluginStatus? GetStatus(string pluginId) => _plugins.TryGetValue(pluginId, out var p) ? p.Snapshot() : null;

    /// <summary>
    /// Starts one plugin (also a disabled one: the operator asked explicitly; grants still apply). Null when no
    /// plugin has that id; otherwise its status after the attempt (<c>failed</c> with diagnostics when refused).
    /// </summary>
    public async Task<PluginStatus?> StartPluginAsync(string pluginId, CancellationToken cancellationToken)
    {
        if (!_plugins.TryGetValue(pluginId, out var instance)) return null;
        await instance.StartAsync(cancellationToken).ConfigureAwait(false);
        return instance.Snapshot();
    }

    public async Task<PluginStatus?> StopPluginAsync(string pluginId, CancellationToken cancellationToken)
    {
        if (!_plugins.TryGetValue(pluginId, out var instance)) return null;
        await instance.StopAsync(cancellationToken).ConfigureAwait(false);
        return instance.Snapshot();
    }
}
