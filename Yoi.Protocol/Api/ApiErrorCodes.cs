namespace Yoi.Protocol.Api;

/// <summary>The stable <c>code</c> of every problem+json answer (docs/runtime.md and docs/protocol.md).</summary>
public static class ApiErrorCodes
{
    // Runtime-side (also forwarded by the Backend for 409s).
    public const string AlreadyRunning = "already_running";
    public const string NotRunning = "not_running";
    public const string WorkerStopped = "worker_stopped";
    public const string WorkerNotFound = "worker_not_found";
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string PayloadTooLarge = "payload_too_large";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Internal = "internal";
    public const string EventLogUnavailable = "event_log_unavailable";
    /// <summary>The runtime holds <c>Runtime:MaxWorkers</c> workers already (409).</summary>
    public const string WorkerLimitReached = "worker_limit_reached";
    /// <summary>Only a stopped worker may be deleted (409).</summary>
    public const string WorkerNotStopped = "worker_not_stopped";

    // Backend edge (docs/protocol.md, REST API errors).
    public const string RuntimeNotFound = "runtime_not_found";
    public const string RuntimeUnreachable = "runtime_unreachable";
    public const string RuntimeTimeout = "runtime_timeout";
    public const string RuntimeAuthFailed = "runtime_auth_failed";
    public const string RuntimeUnsupported = "runtime_unsupported";
    public const string RuntimeError = "runtime_error";
    public const string Forbidden = "forbidden";

    // Event paging (the same names as the observation diagnostics for the same cursor conditions).
    public const string CursorMalformed = "cursor_malformed";
    public const string CursorExpired = "cursor_expired";
    public const string CursorUnknown = "cursor_unknown";
}
