namespace Yoi.RuntimeService.Http;

/// <summary>A result with a <c>Location</c> header (201 Created).</summary>
public sealed class LocatedResult(IResult inner, string location) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.Location = location;
        return inner.ExecuteAsync(httpContext);
    }
}
