namespace Yoi.Protocol;

/// <summary>
/// Stable codes of <c>error</c> events (docs/protocol.md, events). Problem-details codes are <see cref="Api.ApiErrorCodes"/>.
/// </summary>
public static class ErrorCodes
{
    public const string AlreadyRunning = "already_running";
    public const string NotRunning = "not_running";
    public const string ProviderError = "provider_error";
    public const string ToolError = "tool_error";
    public const string InvalidRequest = "invalid_request";
    public const string Internal = "internal";
}
