namespace Yoi.Protocol;

/// <summary>
/// Codes of diagnostics: <c>{"kind":"diagnostic"}</c> observation frames (client-facing, docs/protocol.md) and
/// <c>diagnostic</c> events in a worker's stream. Service plugins keep diagnostics of their own, in their status
/// (<c>PluginDiagnosticCodes</c> and <c>PluginCommandCodes</c> in <c>Yoi.Runtime.Plugins</c>); those are not these.
/// </summary>
public static class DiagnosticCodes
{
    // Observation frames (docs/protocol.md).
    public const string CursorExpired = "cursor_expired";
    public const string CursorUnknown = "cursor_unknown";
    public const string CursorMalformed = "cursor_malformed";
    public const string RuntimeNotFound = "runtime_not_found";
    public const string WorkerNotFound = "worker_not_found";
    public const string Forbidden = "forbidden";
    public const string SlowConsumer = "slow_consumer";
    public const string ObservationOnly = "observation_only";
    /// <summary>A runtime or worker id outside <c>[A-Za-z0-9_-]{1,64}</c> (then close 4400); same value as the REST code.</summary>
    public const string InvalidRequest = "invalid_request";
    /// <summary>The Backend could not serve the connection (the event log failed before the start; then close 1011).</summary>
    public const string Internal = "internal";
    /// <summary>The event log could not be read (then close 1011; reconnect with the last cursor).</summary>
    public const string EventLogUnavailable = "event_log_unavailable";
    /// <summary>
    /// The observed runtime stopped answering: the connection stays open and its events resume when it is back
    /// (<see cref="RuntimeAvailable"/>). A runtime-wide stream that cannot get its opening list of workers is closed
    /// 1011 after it: reconnect later.
    /// </summary>
    public const string RuntimeUnavailable = "runtime_unavailable";
    /// <summary>The runtime answers again (after <see cref="RuntimeUnavailable"/>).</summary>
    public const string RuntimeAvailable = "runtime_available";

    // Diagnostic events.
    /// <summary>A run was cut off (a Runtime restart or shutdown) and closed as failed. Written by the Runtime.</summary>
    public const string RunInterrupted = "run_interrupted";
    /// <summary>
    /// Written by the Backend in place of a stored event that is not valid JSON: the event frame at that entry's
    /// cursor carries <c>{"event":"diagnostic","data":{"code":"malformed_event",...}}</c>, so cursors stay contiguous.
    /// </summary>
    public const string MalformedEvent = "malformed_event";
}
