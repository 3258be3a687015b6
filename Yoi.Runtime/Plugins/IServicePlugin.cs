using Microsoft.Extensions.Configuration;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// A service plugin: code that bridges an outside system into Workers. The host owns every connection: the plugin
/// receives <see cref="PluginIngressEvent"/>s from its bounded ingress queue, one at a time, from one host loop,
/// and acts only through output commands (<see cref="IPluginContext.ExecuteAsync"/>), which the host validates
/// against the manifest and the operator's grants. A plugin never sees a socket or a URL.
/// </summary>
public interface IServicePlugin
{
    PluginManifest Manifest { get; }

    /// <summary>Called once per start, before the host connects the plugin's targets. Throwing fails the start.</summary>
    ValueTask StartAsync(IPluginContext context, CancellationToken cancellationToken);

    /// <summary>Handles one ingress event. Calls are sequential; a slow handler fills the ingress queue.</summary>
    ValueTask HandleAsync(PluginIngressEvent ingress, IPluginContext context, CancellationToken cancellationToken);

    /// <summary>Called once per stop, after the host loop and the connections ended.</summary>
    ValueTask StopAsync(IPluginContext context, CancellationToken cancellationToken);
}

/// <summary>What the host gives a running plugin.</summary>
public interface IPluginContext
{
    string PluginId { get; }

    /// <summary>The plugin's own settings (<c>Runtime:Plugins:&lt;id&gt;:Settings</c>); empty when none.</summary>
    IConfiguration Settings { get; }

    /// <summary>Cancelled when the plugin stops.</summary>
    CancellationToken Stopping { get; }

    /// <summary>
    /// Validates and runs an output command. Never throws for a refused command: the result says why, and the host
    /// has already recorded a diagnostic and the matching counter.
    /// </summary>
    ValueTask<PluginCommandResult> ExecuteAsync(PluginCommand command, CancellationToken cancellationToken = default);

    /// <summary>Adds a diagnostic to the plugin's status (the last 50 are kept).</summary>
    void ReportDiagnostic(string code, string message);
}
