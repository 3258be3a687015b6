using System.Net;
using System.Text.Json;

namespace Yoi.Tests;

/// <summary>Checks an <c>application/problem+json</c> answer (docs/protocol.md, REST API errors).</summary>
internal static class ProblemAssert
{
    /// <summary>
    /// Asserts the status, the media type and the problem's <c>code</c>, and returns the body and the parsed problem
    /// for further checks.
    /// </summary>
    public static async Task<(string Body, JsonElement Problem)> IsAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        return (body, problem.RootElement.Clone());
    }
}
