namespace Yoi.Protocol;

/// <summary>
/// Codes of diagnostics: <c>{"kind":"diagnostic"}</c> observation frames (client-facing, SPEC 5.3) and
/// <c>diagnostic</c> events written by a Runtime.
/// </summary>
public static class DiagnosticCodes
{
    // Observation frames (SPEC 5.3).
    public const string CursorExpired = "cursor_expired";
    public const string CursorUnknown = "cursor_unknown";
    public const string CursorMalformed = "cursor_malformed";
    public const string RuntimeNotFound = "runtime_not_found";
    public const string WorkerNotFound = "worker_not_found";
    public const string Forbidden = "forbidden";
    public const string SlowConsumer = "slow_consumer";
    public const string ObservationOnly = "observation_only";

    // Runtime-side notices carried by diagnostic events.
    /// <summary>A run was cut off (for example by a Runtime restart) and closed as failed.</summary>
    public const string RunInterrupted = "run_interrupted";
    /// <summary>Events of a worker could not be stored; its run fails visibly.</summary>
    public const string EventLogUnavailable = "event_log_unavailable";
    /// <summary>A service plugin's WebSocket connection changed state or dropped frames.</summary>
    public const string PluginConnection = "plugin_connection";
    /// <summary>A plugin output command was refused (undeclared or ungranted target, binary frame, too large).</summary>
    public const string PluginDenied = "plugin_denied";
}
