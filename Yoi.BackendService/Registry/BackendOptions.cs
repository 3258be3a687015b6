using Yoi.EventLog.Storage;
using Yoi.Runtime;

namespace Yoi.BackendService.Registry;

/// <summary>
/// The <c>Backend</c> configuration section, bound and validated at start (<see cref="BackendOptionsValidator"/>): an
/// invalid setting stops the service with a message naming it.
/// </summary>
public sealed class BackendOptions
{
    public const string Section = "Backend";

    public List<RuntimeSourceOptions> Runtimes { get; set; } = [];
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
    public ObservationOptions Observation { get; set; } = new();
    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose pages may open WebSockets and send state-changing requests, besides
    /// the Backend's own origin. Empty (the default): loopback origins only. <c>*</c> allows every origin (docs/security.md).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
    /// <summary>How often each runtime is probed for <c>runtime_unavailable</c> / <c>runtime_available</c> and <c>/health</c>.</summary>
    public double RuntimeProbeSeconds { get; set; } = 2;
    /// <summary>Allows binding non-loopback addresses while no API key is configured.</summary>
    public bool AllowRemoteWithoutKeys { get; set; }
}

public sealed class RuntimeSourceOptions
{
    public string? Id { get; set; }
    /// <summary><c>remote</c> or <c>embedded</c>.</summary>
    public string? Source { get; set; }
    public string? Token { get; set; }
    /// <summary>Optional; otherwise <c>services:{id}:http:0</c> (Aspire service discovery).</summary>
    public string? BaseUrl { get; set; }
    public string KeyPrefix { get; set; } = StreamKeys.DefaultPrefix;
    public double TimeoutSeconds { get; set; } = DefaultTimeoutSeconds;
    public const double DefaultTimeoutSeconds = 10;

    /// <summary>
    /// An embedded runtime's settings (<c>Backend:Runtimes:{i}:Runtime</c>, the Runtime service's <c>Runtime</c> section);
    /// its id and key prefix are the entry's.
    /// </summary>
    public RuntimeOptions Runtime { get; set; } = new();

    /// <summary><see cref="BaseUrl"/>, else the service-discovery address; set after binding, null when neither is a URL.</summary>
    internal Uri? ResolvedBaseUrl { get; set; }
}

public static class RuntimeSourceKinds
{
    public const string Remote = "remote";
    public const string Embedded = "embedded";
}

public sealed class ApiKeyOptions
{
    public string? Key { get; set; }
    public string? Role { get; set; }
}

public static class ClientRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
}

public sealed class ObservationOptions
{
    /// <summary>Frames a WebSocket client may have queued before it is disconnected as a slow consumer (4408).</summary>
    public int ClientQueueCapacity { get; set; } = 1024;
    /// <summary>WebSocket ping interval; 0 disables pings (and with them the pong timeout).</summary>
    public double KeepAliveSeconds { get; set; } = 15;
    /// <summary>How long to wait for the pong to a ping before aborting the connection as dead; 0 disables the check.</summary>
    public double KeepAliveTimeoutSeconds { get; set; } = 15;
    /// <summary>
    /// How long a client that overflowed its queue has to take what is queued, the <c>slow_consumer</c> diagnostic and
    /// the 4408 close; after that the connection is aborted (a client that stopped reading holds nothing longer).
    /// </summary>
    public double SlowConsumerGraceSeconds { get; set; } = 30;
    /// <summary>Largest frame a client may send (it only ever gets <c>observation_only</c> back); larger closes 1009.</summary>
    public int MaxClientFrameBytes { get; set; } = 4096;
}
