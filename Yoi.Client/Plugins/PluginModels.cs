using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.Client.Plugins;

// The plugin status documents a runtime reports and the Backend passes through (GET /api/runtimes/{rid}/plugins,
// docs/plugins.md). Fields a newer runtime adds are ignored; ones it leaves out read as their defaults.

public sealed record PluginList(IReadOnlyList<PluginStatus> Plugins);

/// <summary>One service plugin; <see cref="Status"/> is <c>stopped</c>, <c>starting</c>, <c>running</c> or <c>failed</c>.</summary>
public sealed record PluginStatus(
    string Id,
    string Version,
    string Description,
    bool Enabled,
    string Status,
    string? LastError,
    IReadOnlyList<PluginConnection> Connections,
    PluginIngress? Ingress,
    long SendRejected,
    IReadOnlyList<PluginDiagnostic> Diagnostics);

/// <summary>
/// One host-owned WebSocket of a plugin; <see cref="Url"/> is already redacted by the runtime, <see cref="State"/> is
/// <c>connecting</c>, <c>connected</c>, <c>closed</c> or <c>failed</c>.
/// </summary>
public sealed record PluginConnection(
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

public sealed record PluginIngress(int Capacity, int Depth, long Drops);

public sealed record PluginDiagnostic(DateTimeOffset At, string Code, string Message);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PluginList))]
[JsonSerializable(typeof(PluginStatus))]
internal sealed partial class PluginJsonContext : JsonSerializerContext;
