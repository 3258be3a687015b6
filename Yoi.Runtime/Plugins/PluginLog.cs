using Microsoft.Extensions.Logging;

namespace Yoi.Runtime.Plugins;

/// <summary>Source-generated log messages of the plugin host. Target URLs appear only redacted.</summary>
internal static partial class PluginLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} started")]
    public static partial void PluginStarted(ILogger logger, string pluginId, string version);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Plugin {PluginId} stopped")]
    public static partial void PluginStopped(ILogger logger, string pluginId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Plugin {PluginId} failed: {Reason}")]
    public static partial void PluginFailed(ILogger logger, string pluginId, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Plugin {PluginId} diagnostic {Code}: {Message}")]
    public static partial void Diagnostic(ILogger logger, string pluginId, string code, string message);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Plugin {PluginId} target {Target} ({Url}) is {State}")]
    public static partial void ConnectionState(ILogger logger, string pluginId, string target, string url, string state);
}
