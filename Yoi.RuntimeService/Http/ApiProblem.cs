using Yoi.Protocol.Api;
using Yoi.ServiceDefaults;

namespace Yoi.RuntimeService.Http;

/// <summary>
/// An RFC 9457 problem (<c>application/problem+json</c>): <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>,
/// plus the stable <c>code</c> (<see cref="ApiErrorCodes"/>) and the request's <c>trace_id</c>.
/// </summary>
public sealed class ApiProblem(int status, string code, string title, string? detail = null) : IResult
{
    public const string ContentType = ProblemDetailsDefaults.ContentType;

    public int Status { get; } = status;
    public string Code { get; } = code;

    public static ApiProblem From(WorkerCommandError error) => new(error.Status, error.Code, error.Title, error.Detail);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (Status == StatusCodes.Status401Unauthorized) httpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ProblemDetailsDefaults.WriteAsync(httpContext, Status, Code, title, detail);
    }
}

/// <summary>The HTTP form of a runtime error code.</summary>
public readonly record struct WorkerCommandError(int Status, string Code, string Title, string Detail)
{
    public static WorkerCommandError For(string code, string detail) => code switch
    {
        ApiErrorCodes.WorkerNotFound => new(404, code, "Worker not found", detail),
        ApiErrorCodes.AlreadyRunning => new(409, code, "A run is already in progress", detail),
        ApiErrorCodes.NotRunning => new(409, code, "No run in progress", detail),
        ApiErrorCodes.WorkerStopped => new(409, code, "The worker is stopped", detail),
        ApiErrorCodes.WorkerNotStopped => new(409, code, "The worker is not stopped", detail),
        ApiErrorCodes.WorkerLimitReached => new(409, code, "Worker limit reached", detail),
        ApiErrorCodes.InvalidRequest => new(400, code, "Invalid request", detail),
        ApiErrorCodes.CursorMalformed => new(400, code, "Malformed cursor", detail),
        ApiErrorCodes.CursorExpired => new(410, code, "Cursor expired", detail),
        ApiErrorCodes.CursorUnknown => new(404, code, "Unknown cursor", detail),
        ApiErrorCodes.EventLogUnavailable => new(503, code, "Event log unavailable", detail),
        _ => new(500, ApiErrorCodes.Internal, "Internal error", detail),
    };
}
