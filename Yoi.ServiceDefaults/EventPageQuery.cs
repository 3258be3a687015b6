using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;

namespace Yoi.ServiceDefaults;

/// <summary>
/// The query of an event page in both services, <c>?after=&lt;cursor&gt;&amp;limit=&lt;1..1000&gt;</c> (docs/protocol.md),
/// bound by the framework: <c>[FromQuery] StreamCursor? after</c> (<see cref="IParsable{TSelf}"/>) and
/// <c>[FromQuery] int? limit</c>. The binder answers a value it cannot parse with a bare 400; the filter of
/// <see cref="WithEventPageQueryProblems"/> sees that failure (endpoint filters run after a binding failure, with the
/// status already 400, and the handler is skipped) and answers the typed problem instead: <c>cursor_malformed</c>
/// naming what is wrong with <c>after</c> (an empty or repeated one included, which the binder would take for none or
/// join), else <c>invalid_request</c> for <c>limit</c>.
/// </summary>
public static class EventPageQuery
{
    public const string After = "after";
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static RouteHandlerBuilder WithEventPageQueryProblems(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter((context, next) =>
        {
            var http = context.HttpContext;
            var after = http.Request.Query[After];
            var emptyOrRepeated = after.Count > 1 || after is [""];
            if (http.Response.StatusCode != StatusCodes.Status400BadRequest && !emptyOrRepeated) return next(context);
            string? reason = null;
            if (emptyOrRepeated || (after.Count == 1 && !StreamCursor.TryParse(after[0].AsSpan(), out _, out reason)))
            {
                return ValueTask.FromResult<object?>(Problem(ApiErrorCodes.CursorMalformed, "Malformed cursor",
                    $"The 'after' cursor is malformed: {reason ?? (after.Count > 1 ? "give it once" : "cursor is empty")}."));
            }
            return ValueTask.FromResult<object?>(LimitProblem());
        });

    /// <summary>The page size: <paramref name="limit"/>, or the default; null when out of range (answer <see cref="LimitProblem"/>).</summary>
    public static int? PageSize(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => null,
        { } size => size,
    };

    public static ProblemHttpResult LimitProblem() => Problem(ApiErrorCodes.InvalidRequest, "Invalid request", LimitDetail);

    /// <summary>What an out-of-range <c>limit</c> is told.</summary>
    public static string LimitDetail => $"The 'limit' must be an integer from 1 to {MaxLimit}.";

    private static ProblemHttpResult Problem(string code, string title, string detail) =>
        TypedResults.Problem(ProblemDetailsDefaults.Create(StatusCodes.Status400BadRequest, code, title, detail));
}
