using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;
using Yoi.Protocol.Api;

namespace Yoi.BackendService.Api;

/// <summary>
/// The last line of the client edge: a failure no handler mapped still answers a problem, never an exception page.
/// An unavailable event log is 503 <c>event_log_unavailable</c> (the Redis error names the server, so it is logged,
/// never echoed); a rejected request body is 400/413; anything else is 500 <c>internal</c>.
/// </summary>
public sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, code, title, detail) = ex switch
            {
                RedisException or TimeoutException =>
                    (503, ApiErrorCodes.EventLogUnavailable, "Event log unavailable", "The event log is unavailable; try again later."),
                BadHttpRequestException { StatusCode: 413 } =>
                    (413, ApiErrorCodes.PayloadTooLarge, "Payload too large", "The request body is too large."),
                BadHttpRequestException => (400, ApiErrorCodes.InvalidRequest, "Invalid request", "The request could not be read."),
                _ => (500, ApiErrorCodes.Internal, "Internal error", "The request failed unexpectedly."),
            };
            LogFailed(logger, ex, context.Request.Method, context.Request.Path, status);
            context.Response.Clear();
            await ApiProblems.Write(context, status, code, title, detail, RuntimeIdOf(context));
        }
    }

    /// <summary>Answers the bodiless statuses of routing (no such route, wrong method) as problems.</summary>
    public static Task StatusProblem(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var code = context.Response.StatusCode;
        var (error, title, detail) = code switch
        {
            404 => (ApiErrorCodes.NotFound, "Not found", "No such route."),
            405 => (ApiErrorCodes.MethodNotAllowed, "Method not allowed", $"{context.Request.Method} is not allowed on this route."),
            413 => (ApiErrorCodes.PayloadTooLarge, "Payload too large", "The request body is too large."),
            >= 500 => (ApiErrorCodes.Internal, "Request failed", "The request failed."),
            _ => (ApiErrorCodes.InvalidRequest, "Request failed", "The request was not accepted."),
        };
        return ApiProblems.Write(context, code, error, title, detail, null);
    }

    private static string? RuntimeIdOf(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("rid", out var rid) && rid is string id && ResourceId.IsValid(id) ? id : null;

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed; answered {Status}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, string path, int status);
}
