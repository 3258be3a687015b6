using Microsoft.AspNetCore.Diagnostics;
using Yoi.BackendService.Registry;
using StackExchange.Redis;
using Yoi.Protocol.Api;

namespace Yoi.BackendService.Api;

/// <summary>
/// The last line of the client edge (<c>UseExceptionHandler</c>): a failure no handler mapped still answers a problem,
/// never an exception page. A <see cref="RuntimeSourceException"/> is its typed problem (docs/protocol.md, runtime errors); an unavailable event log is
/// 503 <c>event_log_unavailable</c> (the Redis error names the server, so it is logged, never echoed); a rejected
/// request body is 400/413; anything else is 500 <c>internal</c>.
/// </summary>
public sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested) return false;
        var (status, code, title, detail) = exception switch
        {
            RuntimeSourceException source => (source.Status, source.Code, source.Title, source.Message),
            RedisException or TimeoutException =>
                (503, ApiErrorCodes.EventLogUnavailable, "Event log unavailable", "The event log is unavailable; try again later."),
            BadHttpRequestException { StatusCode: 413 } =>
                (413, ApiErrorCodes.PayloadTooLarge, "Payload too large", "The request body is too large."),
            BadHttpRequestException => (400, ApiErrorCodes.InvalidRequest, "Invalid request", "The request could not be read."),
            _ => (500, ApiErrorCodes.Internal, "Internal error", "The request failed unexpectedly."),
        };
        if (status >= 500 && exception is not RuntimeSourceException) LogFailed(logger, exception, context.Request.Method, context.Request.Path, status);
        // The middleware cleared the route values before calling handlers; its feature kept them.
        var routeValues = context.Features.Get<IExceptionHandlerFeature>()?.RouteValues;
        var runtimeId = routeValues?.TryGetValue("rid", out var rid) == true && rid is string id && ResourceId.IsValid(id) ? id : null;
        await ApiProblems.Write(context, status, code, title, detail, runtimeId);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed; answered {Status}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, string path, int status);
}
