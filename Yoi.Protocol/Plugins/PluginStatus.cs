using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.Protocol.Plugins;

// The plugin status documents a runtime reports (GET /v1/plugins, /v1/plugins/{id}) and the Backend passes through
// (GET /api/runtimes/{rid}/plugins); snake_case JSON, source generated; docs/plugins.md. A reader ignores fields a newer
// runtime adds, and ones it leaves out read as their defaults.

public sealed record PluginList(IReadOnlyList<PluginStatus> Plugins);

/// <summary>One service plugin; <see cref="Status"/> is one of <see cref="PluginStates"/>.</summary>
public sealed record PluginStatus(
    string Id,
    string Version,
    string Description,
    bool Enabled,
    string Status,
    string? LastError,
    IReadOnlyList<ConnectionStatus> Connections,
    IngressStatus Ingress,
    long SendRejected,
    IReadOnlyList<PluginDiagnostic> Diagnostics);

/// <summary>
/// One host-owned connection of a plugin. <see cref="Url"/> is redacted by the runtime (<c>scheme://host:port/path</c>);
/// <see cref="State"/> is one of <see cref="ConnectionStates"/>.
/// </summary>
public sealed record ConnectionStatus(
    string Target,
    string Url,
    string State,
    DateTimeOffset? LastFrameAt,
    string? LastError,
    long FramesIn,
    long FramesOut,
    long QueueDepth,
    long QueueDrops,
    long SendFailures,
    long SendRejected,
    long Reconnects,
    long BinaryFrames,
    long OversizeMessages);

public sealed record IngressStatus(int Capacity, int Depth, long Drops);

/// <summary>One diagnostic of a plugin: when, a stable code, a message (never a full target URL).</summary>
public sealed record PluginDiagnostic(DateTimeOffset At, string Code, string Message);

public static class PluginStates
{
    public const string Stopped = "stopped";
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Failed = "failed";
}

public static class ConnectionStates
{
    public const string Connecting = "connecting";
    public const string Connected = "connected";
    public const string Closed = "closed";
    public const string Failed = "failed";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PluginList))]
[JsonSerializable(typeof(PluginStatus))]
public sealed partial class PluginJsonContext : JsonSerializerContext;
