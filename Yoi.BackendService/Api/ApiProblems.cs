using Microsoft.AspNetCore.Http.HttpResults;
using Yoi.BackendService.Registry;
using Yoi.Protocol.Api;
using Yoi.ServiceDefaults;

namespace Yoi.BackendService.Api;

/// <summary>
/// RFC 9457 bodies at the client edge (<c>application/problem+json</c>): <c>type</c>, <c>title</c>, <c>status</c>,
/// <c>detail</c>, <c>code</c>, <c>runtime_id</c> (when known) and <c>trace_id</c>. Details are written by the Backend
/// itself (or are the client-safe messages of <see cref="RuntimeSourceException"/>), never copied from the HTTP stack.
/// </summary>
public static class ApiProblems
{
    public static ProblemHttpResult Result(int status, string code, string title, string detail, string? runtimeId) =>
        TypedResults.Problem(ProblemDetailsDefaults.Create(status, code, title, detail, runtimeId));

    public static ProblemHttpResult From(RuntimeSourceException ex, string runtimeId) => Result(ex.Status, ex.Code, ex.Title, ex.Message, runtimeId);

    public static ProblemHttpResult InvalidRequest(string detail, string? runtimeId = null) =>
        Result(StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidRequest, "Invalid request", detail, runtimeId);

    public static ProblemHttpResult RuntimeNotFound(string runtimeId) =>
        Result(StatusCodes.Status404NotFound, ApiErrorCodes.RuntimeNotFound, "Runtime not found", $"No runtime '{runtimeId}' is configured.", runtimeId);

    public static ProblemHttpResult Forbidden(string? runtimeId) =>
        Result(StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "Forbidden", "This client may not do this.", runtimeId);

    public static Task Write(HttpContext context, int status, string code, string title, string detail, string? runtimeId) =>
        ProblemDetailsDefaults.WriteAsync(context, status, code, title, detail, runtimeId);
}
