namespace Yoi.Protocol;

/// <summary>
/// Stable error codes: the <c>code</c> of <c>error</c> events and of problem-details bodies (SPEC 3 and 5.1).
/// </summary>
public static class ErrorCodes
{
    // Worker and run errors (SPEC 3).
    public const string AlreadyRunning = "already_running";
    public const string NotRunning = "not_running";
    public const string ProviderError = "provider_error";
    public const string ToolError = "tool_error";
    public const string InvalidRequest = "invalid_request";
    public const string Internal = "internal";

    // Backend edge errors (SPEC 5.1).
    public const string RuntimeNotFound = "runtime_not_found";
    public const string WorkerNotFound = "worker_not_found";
    public const string RuntimeUnreachable = "runtime_unreachable";
    public const string RuntimeTimeout = "runtime_timeout";
    public const string RuntimeAuthFailed = "runtime_auth_failed";
    public const string RuntimeUnsupported = "runtime_unsupported";
    public const string RuntimeError = "runtime_error";
    public const string Forbidden = "forbidden";
}
