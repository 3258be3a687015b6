using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.Protocol.Api;

// The REST bodies shared by the Runtime's /v1 API, the Backend's /api and Yoi.Client. JSON is snake_case.

public sealed record RuntimeInfo(
    string RuntimeId,
    string Version,
    IReadOnlyList<string> Capabilities,
    WorkerCounts Workers,
    bool? Available = null,
    string? Source = null);

public sealed record WorkerCounts(int Total, int Idle, int Running, int Stopped);

public sealed record WorkerInfo(
    string WorkerId,
    string RuntimeId,
    string Status,
    string Provider,
    DateTimeOffset CreatedAt,
    string? RunId = null,
    string? LastCursor = null);

/// <summary>
/// A page of workers, oldest first; <see cref="NextCursor"/> (absent on the last page) is the <c>after</c> of the next
/// page (<see cref="WorkerListCursor"/>).
/// </summary>
public sealed record WorkerList(IReadOnlyList<WorkerInfo> Workers, string? NextCursor = null);

public sealed record RuntimeList(IReadOnlyList<RuntimeInfo> Runtimes);

/// <summary>
/// The <c>snapshot</c> of a runtime-wide observation stream: the runtime's workers with their status, complete up to
/// the frame's cursor (docs/protocol.md, "Runtime-wide stream").
/// </summary>
public sealed record RuntimeSnapshot(IReadOnlyList<WorkerInfo> Workers);

/// <summary><c>POST /workers</c>: every field optional; the provider defaults to the runtime's default (<c>scripted</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateWorkerRequest(string? Provider = null, string? Model = null, string? Instructions = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record InputRequest(string? Text);

/// <summary>202 answer to input, cancel and stop.</summary>
public sealed record CommandAccepted(string WorkerId, string? RunId = null);

/// <summary><c>GET /api/session</c>: the caller's role and, per runtime it may observe, the commands it may send.</summary>
public sealed record ClientSession(string Role, bool Authenticated, IReadOnlyList<RuntimeGrant> Runtimes);

/// <summary>Commands (<c>create_worker</c>, <c>input</c>, <c>cancel</c>, <c>stop</c>) the caller may send to one runtime.</summary>
public sealed record RuntimeGrant(string RuntimeId, IReadOnlyList<string> Commands);

/// <summary>Capabilities a runtime reports in <see cref="RuntimeInfo.Capabilities"/>.</summary>
public static class RuntimeCapabilities
{
    public const string Workers = "workers";
    public const string Input = "input";
    public const string Cancel = "cancel";
    public const string Stop = "stop";
    public const string Transcript = "transcript";
    public const string Events = "events";
    public const string Plugins = "plugins";
}

// Strict on purpose (docs/security.md): names match exactly (no case folding), a property given twice is an error, and
// the request bodies reject properties they do not have, so a typo is a 400 rather than a silent default.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(RuntimeInfo))]
[JsonSerializable(typeof(RuntimeList))]
[JsonSerializable(typeof(RuntimeSnapshot))]
[JsonSerializable(typeof(ClientSession))]
[JsonSerializable(typeof(WorkerInfo))]
[JsonSerializable(typeof(WorkerList))]
[JsonSerializable(typeof(CreateWorkerRequest))]
[JsonSerializable(typeof(InputRequest))]
[JsonSerializable(typeof(CommandAccepted))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
